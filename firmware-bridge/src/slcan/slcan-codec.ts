/**
 * SLCAN (Lawicel ASCII protocol) codec: pure, no I/O (issue #3). The decoder turns byte chunks
 * from an adapter into frames, acknowledgements and replies; the encoders build the commands.
 *
 * Lines from the adapter (each ends in CR, 0x0D; a CR LF pair is tolerated):
 * ```
 *   t iii L dd…dd [tttt]        classic data frame, 11-bit id (3 hex digits), L = length 0-8
 *   T iiiiiiii L dd…dd [tttt]   classic data frame, 29-bit id (8 hex digits)
 *   r iii L [tttt]              remote frame (no data; L is the length asked for), R: 29-bit
 *   d iii L dd…dd [tttt]        CAN FD frame, L = 0-F (9..F = 12 16 20 24 32 48 64 bytes), D: 29-bit
 *   b iii L dd…dd [tttt]        CAN FD frame with bit-rate switch, B: 29-bit
 *   (empty line, bare CR)       the oldest command succeeded
 *   z / Z                       a t/r / T/R command succeeded (Lawicel, USBtin)
 *   BEL (0x07, no CR)           the oldest command failed
 *   Vhhss  vhhss  Nxxxx  Fxx    replies to V (versions), v (firmware), N (serial number), F (status)
 *   other printable text        e.g. CANable's answer to V ("<git hash> <git remote>")
 *
 *   tttt = adapter timestamp after `Z1`: milliseconds, 4 hex digits, wrapping at 60000
 * ```
 * Malformed lines and stray bytes are reported as `ProtocolError`s with their stream offset and
 * skipped: they never become frames. A line that grows past `MAX_LINE_BYTES` without CR is
 * discarded up to the next CR.
 */
import type { CanFrame } from '../../../dbc/index.ts';
import { ProtocolError, TxFailedError } from '../errors.ts';
import type { OutgoingFrame } from '../link.ts';

/** End of every line, and on its own the "OK" reply. */
export const CR = 0x0d;
/** Error reply: the adapter refused the oldest command. Not followed by CR. */
export const BEL = 0x07;
/** Line feed: a few adapters end lines with CR LF; ignored at the start of a line. */
const LF = 0x0a;
/** Longest line kept while waiting for its CR. The longest valid line is 142 bytes (`B` + 8 + 1 + 128 + 4). */
export const MAX_LINE_BYTES = 256;
/** Adapter timestamps (`Z1`) count milliseconds from 0 to 59999 (Lawicel: 0xEA5F), then wrap. */
export const TIMESTAMP_WRAP_MS = 60000;
/** Payload bytes for each CAN FD length code 0x0-0xF. */
export const FD_LENGTHS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];

/** ASCII → nibble value, -1 for anything that is not a hex digit. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[i.toString(16).charCodeAt(0)] = i;
  HEX_VALUE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}
/** FRAME_KIND bits: a frame line, 29-bit id, remote, CAN FD, bit-rate switch. */
const KIND_FRAME = 1;
const KIND_EXT = 2;
const KIND_RTR = 4;
const KIND_FD = 8;
const KIND_BRS = 16;
/** First byte of a line → its frame kind bits, 0 for lines that are not frames. */
const FRAME_KIND = new Uint8Array(256);
for (const [letter, bits] of [['t', 0], ['r', KIND_RTR], ['d', KIND_FD], ['b', KIND_FD | KIND_BRS]] as const) {
  FRAME_KIND[letter.charCodeAt(0)] = KIND_FRAME | bits;
  FRAME_KIND[letter.toUpperCase().charCodeAt(0)] = KIND_FRAME | KIND_EXT | bits;
}
/** Nibble → upper-case ASCII hex digit. */
const HEX_DIGIT = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));

/** A success or failure reply: bare CR (`ok`), `z`/`Z` (t/r, T/R sent) or BEL. */
export type SlcanAck = 'ok' | 'z' | 'Z' | 'bel';
/** Which query a reply line answers; `text` is any other printable line. */
export type SlcanReplyKind = 'V' | 'v' | 'N' | 'F' | 'text';

/** What the decoder reports. Called synchronously from `push`. */
export interface SlcanEvents {
  /** A received frame stamped with `push`'s time; `adapterMs` is its `Z` timestamp (ms) or -1. */
  frame(frame: CanFrame, adapterMs: number): void;
  ack(kind: SlcanAck): void;
  /** A reply line without its first letter (`V1013` → `('V', '1013')`; text lines whole); `offset` in the stream. */
  reply(kind: SlcanReplyKind, text: string, offset: number): void;
  /** Malformed input that was skipped. */
  error(err: ProtocolError): void;
}

/**
 * Incremental decoder: feed it chunks as they arrive, split anywhere. Allocation per frame is
 * the frame object and its data; lines are parsed straight from the chunk (or, for a line split
 * across chunks, from one reused carry buffer). Never throws.
 */
export class SlcanDecoder {
  private readonly carry = new Uint8Array(MAX_LINE_BYTES);
  private carryLen = 0;
  /** Stream offset of the carried line's first byte. */
  private carryStart = 0;
  /** The line being carried outgrew MAX_LINE_BYTES: drop bytes until the next CR. */
  private overlong = false;
  /** Stream offset of the next chunk's first byte. */
  private base = 0;
  private nowUs = 0;

  /** @param link URL named in errors; @param bus stamped on frames. */
  constructor(
    private readonly link: string,
    private readonly bus: string,
    private readonly events: SlcanEvents,
  ) {}

  /** Bytes consumed so far (the offset errors count from). */
  get offset(): number {
    return this.base;
  }

  /** Forgets a partial line (after the device was reopened); offsets keep counting. */
  reset(): void {
    this.carryLen = 0;
    this.overlong = false;
  }

  /** Decodes a chunk. `receivedUs` (wall clock, µs) stamps the frames it completes. */
  push(chunk: Uint8Array, receivedUs: number): void {
    this.nowUs = receivedUs;
    const n = chunk.length;
    let start = 0;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (c !== CR && c !== BEL) continue;
      if (this.carryLen > 0 || this.overlong) {
        this.appendCarry(chunk, start, i);
        this.endCarriedLine(c);
      } else if (i - start > MAX_LINE_BYTES) {
        this.overlongLine(this.base + start, chunk, start, i, c);
      } else {
        this.endLine(chunk, start, i, this.base + start, c);
      }
      start = i + 1;
    }
    if (start < n) {
      if (this.carryLen === 0 && !this.overlong) this.carryStart = this.base + start;
      this.appendCarry(chunk, start, n);
    }
    this.base += n;
  }

  private appendCarry(chunk: Uint8Array, from: number, to: number): void {
    if (this.overlong) return;
    if (this.carryLen + (to - from) > MAX_LINE_BYTES) {
      this.overlong = true;
      return;
    }
    this.carry.set(chunk.subarray(from, to), this.carryLen);
    this.carryLen += to - from;
  }

  private endCarriedLine(terminator: number): void {
    if (this.overlong) this.overlongLine(this.carryStart, this.carry, 0, this.carryLen, terminator);
    else this.endLine(this.carry, 0, this.carryLen, this.carryStart, terminator);
    this.carryLen = 0;
    this.overlong = false;
  }

  /** Whether it arrived in one chunk or many, a line over MAX_LINE_BYTES is dropped whole. */
  private overlongLine(offset: number, buf: Uint8Array, s: number, e: number, terminator: number): void {
    this.fail(offset, `line longer than ${MAX_LINE_BYTES} bytes without CR (discarded up to the next CR)`, buf, s, e);
    if (terminator === BEL) this.events.ack('bel');
  }

  private endLine(buf: Uint8Array, s: number, e: number, offset: number, terminator: number): void {
    while (s < e && buf[s] === LF) {
      s++;
      offset++;
    }
    if (terminator === BEL) {
      // Adapters write BEL on its own; bytes before it are the rest of a damaged line.
      if (s < e) this.fail(offset, 'unterminated line before BEL', buf, s, e);
      this.events.ack('bel');
    } else if (s === e) {
      this.events.ack('ok');
    } else {
      this.parseLine(buf, s, e, offset);
    }
  }

  private parseLine(buf: Uint8Array, s: number, e: number, offset: number): void {
    const c0 = buf[s]!;
    const kind = FRAME_KIND[c0]!;
    if (kind !== 0) return this.parseFrame(buf, s, e, offset, kind);
    for (let i = s; i < e; i++) {
      const c = buf[i]!;
      if (c < 0x20 || c > 0x7e) return this.fail(offset, `unprintable byte 0x${c.toString(16).padStart(2, '0')} at column ${i - s + 1}`, buf, s, e);
    }
    if ((c0 === 0x7a || c0 === 0x5a) && e - s === 1) return this.events.ack(c0 === 0x7a ? 'z' : 'Z');
    const text = latin1(buf, s, e);
    if (c0 === 0x56 || c0 === 0x76 || c0 === 0x4e || c0 === 0x46) this.events.reply(text[0] as SlcanReplyKind, text.slice(1), offset);
    else this.events.reply('text', text, offset);
  }

  private parseFrame(buf: Uint8Array, s: number, e: number, offset: number, flags: number): void {
    const ext = (flags & KIND_EXT) !== 0;
    const rtr = (flags & KIND_RTR) !== 0;
    const fd = (flags & KIND_FD) !== 0;
    const brs = (flags & KIND_BRS) !== 0;
    const idDigits = ext ? 8 : 3;
    if (e - s < idDigits + 2) return this.fail(offset, `${letter(buf, s)} frame line too short (${e - s} bytes)`, buf, s, e);
    let p = s + 1;
    let id = 0;
    for (const end = p + idDigits; p < end; p++) {
      const h = HEX_VALUE[buf[p]!]!;
      if (h < 0) return this.badDigit(letter(buf, s), buf, s, e, p, offset);
      id = id * 16 + h;
    }
    if (id > (ext ? 0x1fffffff : 0x7ff)) return this.fail(offset, `${letter(buf, s)} frame line: ${ext ? 29 : 11}-bit id 0x${id.toString(16).toUpperCase()} is out of range`, buf, s, e);
    const code = HEX_VALUE[buf[p]!]!;
    if (code < 0) return this.badDigit(letter(buf, s), buf, s, e, p, offset);
    if (!fd && code > 8) return this.fail(offset, `${letter(buf, s)} frame line: length code "${String.fromCharCode(buf[p]!)}" is not 0-8`, buf, s, e);
    p++;
    const length = fd ? FD_LENGTHS[code]! : code;
    const digits = rtr ? 0 : length * 2;
    const rest = e - p;
    if (rest !== digits && rest !== digits + 4) {
      return this.fail(offset, `${letter(buf, s)} frame line: ${rest} characters after the length code, expected ${digits} (data) or ${digits + 4} (data and timestamp)`, buf, s, e);
    }
    const data = new Uint8Array(rtr ? 0 : length);
    for (let k = 0; k < data.length; k++, p += 2) {
      const hi = HEX_VALUE[buf[p]!]!;
      const lo = HEX_VALUE[buf[p + 1]!]!;
      if ((hi | lo) < 0) return this.badDigit(letter(buf, s), buf, s, e, hi < 0 ? p : p + 1, offset);
      data[k] = (hi << 4) | lo;
    }
    let adapterMs = -1;
    if (rest !== digits) {
      adapterMs = 0;
      for (const end = p + 4; p < end; p++) {
        const h = HEX_VALUE[buf[p]!]!;
        if (h < 0) return this.badDigit(letter(buf, s), buf, s, e, p, offset);
        adapterMs = adapterMs * 16 + h;
      }
    }
    const frame: CanFrame = { timestampUs: this.nowUs, bus: this.bus, id, extended: ext, fd, brs, esi: false, rtr, error: false, data };
    if (rtr) frame.rtrLength = length;
    this.events.frame(frame, adapterMs);
  }

  private badDigit(kind: string, buf: Uint8Array, s: number, e: number, at: number, offset: number): void {
    const c = buf[at]!;
    const shown = c >= 0x20 && c <= 0x7e ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    this.fail(offset, `${kind} frame line: ${shown} at column ${at - s + 1} is not a hex digit`, buf, s, e);
  }

  private fail(offset: number, reason: string, buf: Uint8Array, s: number, e: number): void {
    this.events.error(new ProtocolError(this.link, offset, reason, Buffer.from(buf.buffer, buf.byteOffset + s, Math.min(e - s, 32)).toString('hex')));
  }
}

/** The line's first letter, for error messages (built on error paths only). */
function letter(buf: Uint8Array, s: number): string {
  return String.fromCharCode(buf[s]!);
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1');
}

/**
 * Encodes a frame as a t/T/r/R/d/D/b/B line with its CR. A frame of more than 8 bytes is sent
 * as CAN FD, like the SocketCAN link does.
 * @throws TxFailedError (naming `link`) when the frame cannot be expressed: id out of range,
 *   a length that is no CAN (FD) length, a remote CAN FD frame.
 */
export function encodeFrame(frame: OutgoingFrame, link: string): Buffer {
  const { id, extended, data } = frame;
  const fd = frame.fd === true || data.length > 8;
  const rtr = frame.rtr === true;
  if (!Number.isInteger(id) || id < 0 || id > (extended ? 0x1fffffff : 0x7ff)) {
    throw new TxFailedError(link, `id 0x${id.toString(16)} does not fit ${extended ? 29 : 11} bits`);
  }
  if (fd && rtr) throw new TxFailedError(link, 'CAN FD has no remote frames');
  const rtrLength = frame.rtrLength ?? data.length;
  if (rtr && (!Number.isInteger(rtrLength) || rtrLength < 0 || rtrLength > 8)) throw new TxFailedError(link, `a remote frame asks for 0-8 bytes, not ${rtrLength}`);
  const code = fd ? FD_LENGTHS.indexOf(data.length) : rtr ? rtrLength : data.length;
  if (code < 0 || code > (fd ? 15 : 8)) {
    throw new TxFailedError(link, `${data.length} data bytes is not a CAN FD length (0-8, 12, 16, 20, 24, 32, 48, 64)`);
  }
  const letter = rtr ? 'r' : !fd ? 't' : frame.brs === true ? 'b' : 'd';
  const idDigits = extended ? 8 : 3;
  const dataDigits = rtr ? 0 : data.length * 2;
  const out = Buffer.allocUnsafe(1 + idDigits + 1 + dataDigits + 1);
  out[0] = (extended ? letter.toUpperCase() : letter).charCodeAt(0);
  for (let k = idDigits, v = id; k >= 1; k--, v >>>= 4) out[k] = HEX_DIGIT[v & 0xf]!;
  let p = idDigits + 1;
  out[p++] = HEX_DIGIT[code]!;
  for (let k = 0; k < dataDigits / 2; k++) {
    out[p++] = HEX_DIGIT[data[k]! >> 4]!;
    out[p++] = HEX_DIGIT[data[k]! & 0xf]!;
  }
  out[p] = CR;
  return out;
}
