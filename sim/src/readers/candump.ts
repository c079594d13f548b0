import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceWriter } from '../trace.ts';
import { formatCandumpLine, parseCandumpLine } from './candump-line.ts';
import type { ChunkedReadOptions } from './file-chunks.ts';
import { FileSink, TextSink } from './file-sink.ts';
import { frameProblem } from './frame-rules.ts';
import { BATCH_FRAMES, type BatchTraceReader } from './reader-base.ts';
import { TextTraceReader, type LineParser, type TextPassState } from './text-reader.ts';
import { TraceWriteError } from './trace-write-error.ts';

/*
 * can-utils `candump -l` log: one frame per line, timestamps are wall-clock seconds.
 *
 * ```
 * (1436509052.249713) vcan0 044#2A366C2BBA        classic: 3 hex digits standard id, 8 extended
 * (1436509052.249714) can1 18FEF100#R              remote request
 * (1436509052.249715) can0 123##3001122334455...   CAN FD: '##', flags digit (1 BRS, 2 ESI), data
 * (1436509052.249716) can0 20000080#0000000000000000   error frame: CAN_ERR_FLAG in the id
 * ```
 *
 * Reading has a byte-level fast path for the lines can-utils writes (six fraction digits, upper
 * or lower case hex, LF or CRLF); any other line goes through `parseCandumpLine`, so both paths
 * accept and refuse exactly the same lines. Blank lines are skipped; every other line is a
 * frame or malformed (candump logs have no comments).
 */

/** '(' opening the timestamp. */
const OPEN_PAREN = 0x28;
/** ')' closing the timestamp. */
const CLOSE_PAREN = 0x29;
/** '0': decimal digits are ZERO..ZERO+9. */
const ZERO = 0x30;
/** '.' between seconds and microseconds. */
const DOT = 0x2e;
/** The one space can-utils puts between fields. */
const SPACE = 0x20;
/** DEL: bus names on the fast path are printable ASCII (SPACE < byte < DEL). */
const DEL = 0x7f;
/** '#' between id and data ('##' for CAN FD). */
const HASH = 0x23;
/** 'R' of a remote request. */
const UPPER_R = 0x52;
/** Line end. */
const LF = 0x0a;
/** CR of a CRLF line end. */
const CR = 0x0d;
/** Fraction digits can-utils writes (microseconds). */
const MICRO_DIGITS = 6;
/** Most seconds digits on the fast path (keeps seconds × 1e6 exact). */
const MAX_SECOND_DIGITS = 10;
/** SocketCAN CAN_ERR_FLAG in a 32-bit id. */
const CAN_ERR_FLAG = 0x20000000;
/** Mask of the 29 id bits below the flags. */
const ID_MASK = 0x1fffffff;
/** CAN FD flags digit: bit-rate switch. */
const FD_BRS = 0x1;
/** CAN FD flags digit: error state indicator. */
const FD_ESI = 0x2;
/** Largest standard id. */
const MAX_STANDARD_ID = 0x7ff;
/** Payload lengths a CAN FD frame may have (index = length, 1 = allowed). */
const FD_LENGTH_OK = new Uint8Array(65);
for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]) FD_LENGTH_OK[n] = 1;
/** Value of each hex digit byte, -1 for other bytes. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[0x41 + i] = HEX_VALUE[0x61 + i] = 10 + i;
/**
 * Payloads are views into shared slabs of this many bytes: one allocation per slab instead of
 * one per frame (a frame kept alive keeps its slab, 16 KiB at most).
 */
const SLAB_BYTES = 16 * 1024;
/** Distinct bus names remembered, so a name costs no string per line. */
const BUS_CACHE_SIZE = 16;

/** Line parser of the slow path: `parseCandumpLine` for every line. */
const SLOW_PARSER: LineParser = { parseLine: (line) => parseCandumpLine(line) };

/** Bus names met so far, as bytes and string. */
class BusNames {
  private readonly bytes: Buffer[] = [];
  private readonly names: string[] = [];

  /** The string of `buf[start, end)`, from the cache when seen before. */
  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    for (let k = 0; k < this.bytes.length; k++) {
      const known = this.bytes[k]!;
      if (known.length !== length) continue;
      let i = 0;
      while (i < length && known[i] === buf[start + i]) i++;
      if (i === length) return this.names[k]!;
    }
    const name = buf.toString('latin1', start, end);
    if (this.bytes.length < BUS_CACHE_SIZE) {
      this.bytes.push(Buffer.from(buf.subarray(start, end)));
      this.names.push(name);
    }
    return name;
  }
}

/** Streams a candump log; see the file comment for the line format. */
class CandumpReader extends TextTraceReader {
  private readonly busNames = new BusNames();
  private slab = new ArrayBuffer(SLAB_BYTES);
  private slabUsed = 0;

  protected createLineParser(): LineParser {
    return SLOW_PARSER;
  }

  protected override parseRegion(state: TextPassState, buf: Buffer, start: number, end: number, out: CanFrame[]): number {
    let pos = start;
    while (pos < end && out.length < BATCH_FRAMES) {
      const next = this.parseFast(buf, pos, end, out);
      if (next > 0) {
        state.lineNo++;
        this.stats.frames++;
        pos = next;
        continue;
      }
      let lineEnd = buf.indexOf(LF, pos);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      state.lineNo++;
      this.parseOneLine(state, buf.toString('utf8', pos, lineEnd), out);
      pos = lineEnd + 1;
    }
    return pos;
  }

  /**
   * Parses the line at `p` if it is in can-utils' exact shape: pushes the frame and returns the
   * index after its LF, or returns -1 (nothing pushed) for the slow path to decide.
   */
  private parseFast(b: Buffer, p: number, end: number, out: CanFrame[]): number {
    if (b[p] !== OPEN_PAREN) return -1;
    let i = p + 1;
    let seconds = 0;
    for (let d = b[i]! - ZERO; d >= 0 && d <= 9; d = b[++i]! - ZERO) seconds = seconds * 10 + d;
    if (i === p + 1 || i - p - 1 > MAX_SECOND_DIGITS || b[i] !== DOT) return -1;
    let micros = 0;
    const fracStart = ++i;
    for (let d = b[i]! - ZERO; d >= 0 && d <= 9; d = b[++i]! - ZERO) micros = micros * 10 + d;
    if (i - fracStart !== MICRO_DIGITS || b[i] !== CLOSE_PAREN || b[i + 1] !== SPACE) return -1;
    i += 2;
    const busStart = i;
    while (i < end && b[i]! > SPACE && b[i]! < DEL) i++;
    if (i === busStart || b[i] !== SPACE) return -1;
    const busEnd = i++;
    const idStart = i;
    let raw = 0;
    for (let d = HEX_VALUE[b[i]!]!; d >= 0; d = HEX_VALUE[b[++i]!]!) raw = raw * 16 + d;
    const idDigits = i - idStart;
    if (b[i] !== HASH || (idDigits !== 3 && idDigits !== 8)) return -1;
    const extended = idDigits === 8;
    if (!extended && raw > MAX_STANDARD_ID) return -1;
    i++;
    const fd = b[i] === HASH;
    let flags = 0;
    if (fd) {
      flags = HEX_VALUE[b[++i]!]!;
      if (flags < 0) return -1;
      i++;
    }
    let rtr = false;
    let dataEnd = i;
    if (!fd && b[i] === UPPER_R) {
      rtr = true;
      dataEnd = i + 1;
    } else {
      while (HEX_VALUE[b[dataEnd]!]! >= 0) dataEnd++;
    }
    let lineEnd = dataEnd;
    if (b[lineEnd] === CR) lineEnd++;
    if (lineEnd < end ? b[lineEnd] !== LF : lineEnd !== end) return -1;
    const length = rtr ? 0 : (dataEnd - i) >> 1;
    if (!rtr && ((dataEnd - i) & 1) !== 0) return -1;
    if (fd ? FD_LENGTH_OK[length] !== 1 : length > 8) return -1;
    if (this.slabUsed + length > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const data = new Uint8Array(this.slab, this.slabUsed, length);
    this.slabUsed += length;
    for (let k = 0; k < length; k++, i += 2) data[k] = (HEX_VALUE[b[i]!]! << 4) | HEX_VALUE[b[i + 1]!]!;
    const error = extended && (raw & CAN_ERR_FLAG) !== 0;
    out.push({
      timestampUs: seconds * 1e6 + micros,
      bus: this.busNames.get(b, busStart, busEnd),
      id: extended ? raw & ID_MASK : raw,
      extended: extended && !error,
      fd,
      brs: (flags & FD_BRS) !== 0,
      esi: (flags & FD_ESI) !== 0,
      rtr,
      error,
      data,
    });
    return lineEnd + 1;
  }
}

/**
 * Opens a can-utils `candump -l` log for streaming. Nothing is read until iteration starts.
 * Timestamps are the file's wall-clock µs; bus names are the interface names in the file
 * (`busPrefix` is not used).
 * @throws TraceFormatError (during iteration) naming file:line of a malformed line, unless
 *   `skipMalformed` is set. A line longer than `chunkBytes` (256 KiB) is malformed.
 */
export function openCandumpReader(path: string, options: ChunkedReadOptions = {}): BatchTraceReader {
  return new CandumpReader('candump', path, options);
}

/** A space-free, non-empty interface name. */
const BUS_NAME = /^\S+$/;

/**
 * Creates (truncates) a candump `-l` log. Lines are byte-identical to can-utils'. Timestamps
 * are rounded to whole µs; a negative timestamp or a bus name with spaces cannot be written.
 * `write` rejects with `TraceWriteError` for such frames and for frames no bus can carry.
 */
export function createCandumpWriter(path: string): TraceWriter {
  const out = new TextSink(new FileSink(path));
  let count = 0;
  let closed = false;
  return {
    format: 'candump',
    write(frame) {
      const index = count++;
      if (closed) return Promise.reject(new TraceWriteError(path, index, 'the writer is closed'));
      const problem =
        frameProblem(frame) ??
        (frame.timestampUs < 0 ? `timestamp ${frame.timestampUs} µs is before 1970` : null) ??
        (BUS_NAME.test(frame.bus) ? null : `bus name ${JSON.stringify(frame.bus)} must be non-empty without spaces`);
      if (problem !== null) return Promise.reject(new TraceWriteError(path, index, problem));
      return out.line(formatCandumpLine(frame));
    },
    async close() {
      if (closed) return;
      closed = true;
      await out.close();
    },
  };
}
