import { inflateSync } from 'node:zlib';
import type { CanFrame } from '../../../dbc/index.ts';
import { TraceFormatError } from '../errors.ts';
import {
  BASE_HEADER_SIZE, CONTAINER_HEADER_SIZE, FILE_HEADER_FIELDS_SIZE, FILE_HEADER_SIZE, FILE_SIGNATURE, LOG_CONTAINER,
  MAX_FILE_HEADER_SIZE, MAX_OBJECT_SIZE, NO_COMPRESSION, OBJECT_SIGNATURE, objectTimeUs, readSystemTime, START_TIME_OFFSET,
  u16, u32, V1_HEADER_SIZE, V2_HEADER_SIZE, ZLIB_DEFLATE,
} from './blf-layout.ts';
import { CAN_MESSAGE, decodeCanMessage, decodeFrameObject, isFrameObject } from './blf-objects.ts';
import { allZero, findSignature, hex, LOBJ, resyncPoint } from './blf-scan.ts';
import { FileWindow } from './blf-window.ts';
import { ChannelNames } from './channels.ts';
import { chunkBytesOf, FileChunks, type ChunkedReadOptions } from './file-chunks.ts';
import { BATCH_FRAMES, TraceReaderBase, type BatchTraceReader, type ReaderPass } from './reader-base.ts';

/** How far past an object's end the next may start (padding conventions differ; python-can looks 8 ahead). */
const MAX_PADDING = 7;
/** Largest uncompressed container accepted (Vector writes 128 KiB): bounds a zlib bomb. */
const MAX_CONTAINER_BYTES = 1 << 24;
/** The object stream before the first container. */
const EMPTY = new Uint8Array(0);
/** Size of a CAN_MESSAGE with a v1 header. */
const CAN_MESSAGE_SIZE = V1_HEADER_SIZE + 16;

/**
 * One pass over a BLF file: the file header, then top-level objects. Log container payloads
 * are inflated one at a time (never the whole file) and appended to `inner`, the stream of
 * objects, where an object cut by a container boundary waits for the next container.
 */
class BlfPass implements ReaderPass {
  private readonly file: FileWindow;
  private readonly names: ChannelNames;
  private startUs = 0;
  private headerDone = false;
  private done = false;
  private inner: Uint8Array = EMPTY;
  private innerPos = 0;
  /** Where each container's payload starts in `inner`, with the container's file offset. */
  private segments: { at: number; offset: number }[] = [];

  constructor(
    private readonly reader: BlfReader,
    private readonly source: FileChunks,
    chunkBytes: number,
  ) {
    this.file = new FileWindow(source, chunkBytes, (n) => (reader.stats.bytesRead += n));
    this.names = new ChannelNames(reader.busPrefix);
  }

  async next(): Promise<CanFrame[] | null> {
    if (this.done) return null;
    try {
      const frames: CanFrame[] = [];
      if (!this.headerDone) await this.readHeader();
      for (;;) {
        this.parseInner(frames);
        if (frames.length >= BATCH_FRAMES) return frames;
        if (!(await this.readTopLevel(frames))) break;
        if (frames.length >= BATCH_FRAMES) return frames;
      }
      this.finishInner();
      await this.close();
      return frames.length > 0 ? frames : null;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.done = true;
    await this.source.close();
  }

  private malformed(offset: number, reason: string, text: string): void {
    this.reader.reportMalformed(new TraceFormatError(this.reader.file, null, offset, reason, text));
  }

  private async readHeader(): Promise<void> {
    this.headerDone = true;
    const f = this.file;
    const got = await f.ensure(FILE_HEADER_FIELDS_SIZE);
    if (got < 4 || u32(f.buf, f.pos) !== FILE_SIGNATURE) {
      this.malformed(0, 'not a BLF file: expected "LOGG"', hex(f.buf, f.pos, f.end));
      await f.seek(LOBJ);
      return;
    }
    if (got < FILE_HEADER_FIELDS_SIZE) {
      this.malformed(0, `the file header is cut off after ${got} bytes`, hex(f.buf, f.pos, f.end));
      f.pos = f.end;
      return;
    }
    let size = u32(f.buf, f.pos + 4);
    if (size < FILE_HEADER_FIELDS_SIZE || size > MAX_FILE_HEADER_SIZE) {
      this.malformed(4, `file header size ${size} is not between ${FILE_HEADER_FIELDS_SIZE} and ${MAX_FILE_HEADER_SIZE}`, hex(f.buf, f.pos, f.end));
      size = FILE_HEADER_SIZE;
    }
    const start = readSystemTime(f.buf, f.pos + START_TIME_OFFSET);
    if (start === null) this.malformed(START_TIME_OFFSET, 'the measurement start is not a valid date', hex(f.buf, f.pos + START_TIME_OFFSET, f.end));
    this.startUs = start ?? 0;
    f.pos += await f.ensure(size);
  }

  /** Reads one top-level object; false at the end of the file. */
  private async readTopLevel(frames: CanFrame[]): Promise<boolean> {
    const f = this.file;
    const got = await f.ensure(BASE_HEADER_SIZE + MAX_PADDING);
    if (got === 0) return false;
    if (got < BASE_HEADER_SIZE && got >= 4 && u32(f.buf, f.pos) === OBJECT_SIGNATURE) {
      this.malformed(f.fileOffset, 'the file ends inside an object header', hex(f.buf, f.pos, f.end));
      f.pos = f.end;
      return false;
    }
    if (got < BASE_HEADER_SIZE || u32(f.buf, f.pos) !== OBJECT_SIGNATURE) {
      const k = findSignature(f.buf, f.pos + 1, f.pos + Math.min(MAX_PADDING + 1, got - 3));
      if (k >= 0) f.pos = k;
      else if (got < BASE_HEADER_SIZE && allZero(f.buf, f.pos, f.end)) f.pos = f.end;
      else {
        this.malformed(f.fileOffset, 'expected an object ("LOBJ")', hex(f.buf, f.pos, f.end));
        await f.seek(LOBJ);
      }
      return true;
    }
    const at = f.fileOffset;
    const headerSize = u16(f.buf, f.pos + 4);
    const size = u32(f.buf, f.pos + 8);
    if (headerSize < BASE_HEADER_SIZE || size < headerSize || size > MAX_OBJECT_SIZE) {
      this.malformed(at, `object size ${size} with header size ${headerSize} is impossible`, hex(f.buf, f.pos, f.end));
      await f.seek(LOBJ);
      return true;
    }
    if ((await f.ensure(size)) < size) {
      this.malformed(at, `the file ends ${size - f.available} bytes before the end of this ${size}-byte object`, hex(f.buf, f.pos, f.end));
      f.pos = f.end;
      return false;
    }
    if (u32(f.buf, f.pos + 12) === LOG_CONTAINER) this.container(f.buf, f.pos, size, at);
    else this.object(f.buf, f.pos, frames, at, '');
    f.pos += size;
    return true;
  }

  /** Inflates a log container and appends its payload to the object stream. */
  private container(b: Buffer, p: number, size: number, at: number): void {
    if (size < CONTAINER_HEADER_SIZE) return this.malformed(at, `a ${size}-byte log container is shorter than its header`, hex(b, p, p + size));
    const method = u16(b, p + 16);
    const payload = b.subarray(p + CONTAINER_HEADER_SIZE, p + size);
    let data: Uint8Array;
    if (method === NO_COMPRESSION) data = new Uint8Array(payload);
    else if (method !== ZLIB_DEFLATE) return this.malformed(at, `unknown compression method ${method}`, hex(b, p, p + size));
    else {
      try {
        data = inflateSync(payload, { maxOutputLength: MAX_CONTAINER_BYTES });
      } catch (err) {
        return this.malformed(at, `cannot inflate the log container: ${(err as Error).message}`, hex(b, p, p + size));
      }
    }
    const tail = this.inner.length - this.innerPos;
    const keep = this.segments.filter((_, i) => (this.segments[i + 1]?.at ?? Infinity) > this.innerPos);
    this.segments = keep.map((s) => ({ at: Math.max(0, s.at - this.innerPos), offset: s.offset }));
    this.segments.push({ at: tail, offset: at });
    if (tail === 0) this.inner = data;
    else {
      const merged = new Uint8Array(tail + data.length);
      merged.set(this.inner.subarray(this.innerPos));
      merged.set(data, tail);
      this.inner = merged;
    }
    this.innerPos = 0;
  }

  /** File offset of the container holding `inner[pos]`, and the label `object +n` for errors. */
  private where(pos: number): [number, string] {
    let seg = this.segments[0] ?? { at: 0, offset: 0 };
    for (const s of this.segments) if (s.at <= pos) seg = s;
    return [seg.offset, `log container object +${pos - seg.at}: `];
  }

  /** Parses whole objects of the stream until the batch is full or an object is cut off. */
  private parseInner(frames: CanFrame[]): void {
    const b = this.inner;
    const end = b.length;
    let p = this.innerPos;
    while (frames.length < BATCH_FRAMES && end - p >= BASE_HEADER_SIZE) {
      if (u32(b, p) !== OBJECT_SIGNATURE) {
        const k = findSignature(b, p + 1, Math.min(p + 1 + MAX_PADDING, end - 3));
        if (k >= 0) p = k;
        else if (end - p < BASE_HEADER_SIZE + MAX_PADDING) break;
        else {
          const [offset, label] = this.where(p);
          this.malformed(offset, `${label}expected an object ("LOBJ")`, hex(b, p, end));
          p = resyncPoint(b, p + 1, end);
        }
        continue;
      }
      const headerSize = u16(b, p + 4);
      const size = u32(b, p + 8);
      if (headerSize < BASE_HEADER_SIZE || size < headerSize || size > MAX_OBJECT_SIZE) {
        const [offset, label] = this.where(p);
        this.malformed(offset, `${label}object size ${size} with header size ${headerSize} is impossible`, hex(b, p, end));
        p = resyncPoint(b, p + 1, end);
        continue;
      }
      if (end - p < size) break;
      const fast = u32(b, p + 12) === CAN_MESSAGE && headerSize === V1_HEADER_SIZE && u16(b, p + 6) === 1 && size >= CAN_MESSAGE_SIZE;
      const channel = fast ? u16(b, p + V1_HEADER_SIZE) : 0;
      if (channel !== 0) {
        // Fast path for the commonest object; the same decoding as `object()`.
        const timeUs = this.startUs + objectTimeUs(b, p + 24, u32(b, p + 16));
        frames.push(decodeCanMessage(b, p + V1_HEADER_SIZE, timeUs, this.names.busOf(channel)));
        this.reader.stats.frames++;
      } else this.object(b, p, frames, -1, '');
      p += size;
    }
    this.innerPos = p;
  }

  /** One complete object at `b[p]`: a frame, or counted as ignored. `at` < 0: in `inner`. */
  private object(b: Uint8Array, p: number, frames: CanFrame[], at: number, label: string): void {
    const type = u32(b, p + 12);
    if (!isFrameObject(type)) {
      this.reader.stats.ignored++;
      return;
    }
    const headerSize = u16(b, p + 4);
    const version = u16(b, p + 6);
    const size = u32(b, p + 8);
    let reason: string;
    if (version !== 1 && version !== 2) reason = `unknown object header version ${version}`;
    else if (headerSize < (version === 1 ? V1_HEADER_SIZE : V2_HEADER_SIZE)) reason = `a version ${version} object header cannot be ${headerSize} bytes`;
    else {
      const timeUs = this.startUs + objectTimeUs(b, p + 24, u32(b, p + 16));
      const result = decodeFrameObject(b, p + headerSize, size - headerSize, headerSize, type, timeUs, this.names);
      if (typeof result !== 'string') {
        this.reader.stats.frames++;
        frames.push(result);
        return;
      }
      reason = result;
    }
    const [offset, where] = at >= 0 ? [at, label] : this.where(p);
    this.malformed(offset, `${where}${reason}`, hex(b, p, p + size));
  }

  /** End of file: a partial object left in the stream is malformed (zero padding is not). */
  private finishInner(): void {
    const b = this.inner;
    if (this.innerPos < b.length && !(b.length - this.innerPos <= MAX_PADDING && allZero(b, this.innerPos, b.length))) {
      const [offset, label] = this.where(this.innerPos);
      this.malformed(offset, `${label}the file ends inside this object`, hex(b, this.innerPos, b.length));
    }
    this.inner = EMPTY;
    this.innerPos = 0;
  }
}

class BlfReader extends TraceReaderBase {
  private readonly chunkBytes: number;

  constructor(file: string, options: ChunkedReadOptions) {
    super('blf', file, options);
    this.chunkBytes = chunkBytesOf(options);
  }

  protected openPass(): ReaderPass {
    return new BlfPass(this, new FileChunks(this.file), this.chunkBytes);
  }
}

/**
 * Opens a Vector BLF file for streaming: CAN_MESSAGE(2), CAN_FD_MESSAGE(_64), CAN_ERROR(_EXT)
 * and CAN_FD_ERROR_64 objects become frames, other objects count as `stats.ignored`. Log
 * containers are inflated one at a time. Timestamps: the header's measurement start (read as
 * UTC) plus each object's offset, as wall-clock µs; a header without a start (all zero) gives
 * µs from 0. Channel n becomes `${busPrefix}${n - 1}`. Nothing is read until iteration starts.
 * @throws TraceFormatError (during iteration) naming file@offset (the container's offset for
 *   objects inside one, with the object's position in the container), unless `skipMalformed`.
 */
export function openBlfReader(path: string, options: ChunkedReadOptions = {}): BatchTraceReader {
  return new BlfReader(path, options);
}
