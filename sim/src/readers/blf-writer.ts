import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceWriter } from '../trace.ts';
import {
  BASE_HEADER_SIZE, CONTAINER_HEADER_SIZE, CONTAINER_PAYLOAD_SIZE, FILE_HEADER_SIZE, FILE_SIGNATURE, LOG_CONTAINER,
  NO_COMPRESSION, OBJECT_SIGNATURE, paddingAfter, putU16, putU32, putU64, START_TIME_OFFSET, STOP_TIME_OFFSET,
  writeSystemTime, ZLIB_DEFLATE,
} from './blf-layout.ts';
import { encodedSize, encodeFrameObject } from './blf-objects.ts';
import { ChannelNumbers } from './channels.ts';
import { FileSink, resolved } from './file-sink.ts';
import { frameProblem } from './frame-rules.ts';
import { TraceWriteError } from './trace-write-error.ts';

const deflateAsync = promisify(deflate);

/** How a BLF file is written. */
export interface BlfWriteOptions {
  /** zlib level 0..9, or -1 for zlib's default (6). `null` stores containers uncompressed. */
  compressionLevel?: number | null;
  /** Uncompressed bytes per log container (default 128 KiB, as Vector); tests use small ones. */
  containerBytes?: number;
}

/** Application id in the file header: 5, as python-can writes (files its users open in CANoe). */
const APPLICATION_ID = 5;
/** BLF library version in the file header (major, minor, build, patch), as python-can writes. */
const BINLOG_VERSION = [2, 6, 8, 1];
/** Largest object the writer makes (a CAN_FD_MESSAGE). */
const MAX_ENCODED_SIZE = 116;
/** Channels a CAN_MESSAGE can number (u16). */
const MAX_BLF_CHANNEL = 65535;
/** Most data bytes of a CAN_ERROR_EXT object. */
const MAX_ERROR_BYTES = 8;
/** Nanosecond offsets must stay exact in a double. */
const MAX_OFFSET_NS = Number.MAX_SAFE_INTEGER;

/** The LOGG header for the finished file. */
function fileHeader(fileSize: number, uncompressedSize: number, objects: number, startUs: number, stopUs: number): Uint8Array {
  const h = new Uint8Array(FILE_HEADER_SIZE);
  putU32(h, 0, FILE_SIGNATURE);
  putU32(h, 4, FILE_HEADER_SIZE);
  h[8] = APPLICATION_ID;
  h.set(BINLOG_VERSION, 12);
  putU64(h, 16, fileSize);
  putU64(h, 24, uncompressedSize);
  putU32(h, 32, objects);
  writeSystemTime(h, START_TIME_OFFSET, startUs);
  writeSystemTime(h, STOP_TIME_OFFSET, stopUs);
  return h;
}

/** A LOG_CONTAINER object around `body` (compressed or not) of `uncompressed` payload bytes. */
function containerObject(body: Uint8Array, method: number, uncompressed: number): Uint8Array {
  const size = CONTAINER_HEADER_SIZE + body.length;
  const out = new Uint8Array(size + paddingAfter(size));
  putU32(out, 0, OBJECT_SIGNATURE);
  putU16(out, 4, BASE_HEADER_SIZE);
  putU16(out, 6, 1);
  putU32(out, 8, size);
  putU32(out, 12, LOG_CONTAINER);
  putU16(out, 16, method);
  putU32(out, 24, uncompressed);
  out.set(body, CONTAINER_HEADER_SIZE);
  return out;
}

/**
 * Creates (truncates) a Vector BLF file: frames go into zlib-compressed 128 KiB log
 * containers (an object may span two, as in Vector's files), compressed on the thread pool
 * while the caller goes on; the header is completed on `close()`. Classic frames are
 * CAN_MESSAGE, CAN FD frames CAN_FD_MESSAGE, error frames CAN_ERROR_EXT.
 *
 * Timestamps: the header's start is the first frame's time truncated to the millisecond (as
 * UTC); objects hold ns offsets from it. BLF cannot carry a bus name (only channel numbers, see
 * `channels.ts`), a frame earlier than that start, whether an error frame was CAN FD, nor more
 * than 8 bytes of error data. `write` rejects with `TraceWriteError` for frames it cannot store.
 */
export function createBlfWriter(path: string, options: BlfWriteOptions = {}): TraceWriter {
  const sink = new FileSink(path);
  const containerBytes = Math.max(64, Math.floor(options.containerBytes ?? CONTAINER_PAYLOAD_SIZE));
  const level = options.compressionLevel === undefined ? -1 : options.compressionLevel;
  const channels = new ChannelNumbers(MAX_BLF_CHANNEL);
  let pending = new Uint8Array(containerBytes + MAX_ENCODED_SIZE);
  let pendingLength = 0;
  let uncompressedSize = FILE_HEADER_SIZE;
  let startUs: number | null = null;
  let stopUs = 0;
  let objects = 0;
  let count = 0;
  let closed = false;
  void sink.append(new Uint8Array(FILE_HEADER_SIZE));

  /** Cuts the first `containerBytes` (or all) of the pending objects into a container. */
  const flushContainer = (): Promise<void> => {
    const n = Math.min(pendingLength, containerBytes);
    const payload = pending.slice(0, n);
    pending.copyWithin(0, n, pendingLength);
    pendingLength -= n;
    uncompressedSize += CONTAINER_HEADER_SIZE + n;
    const method = level === null ? NO_COMPRESSION : ZLIB_DEFLATE;
    const body = level === null ? Promise.resolve(payload) : deflateAsync(payload, { level });
    return sink.append(body.then((b) => containerObject(b, method, n)));
  };

  const check = (frame: CanFrame, index: number): number | TraceWriteError => {
    const reason = frameProblem(frame) ?? (frame.error && frame.data.length > MAX_ERROR_BYTES ? 'a BLF error frame carries at most 8 data bytes' : null);
    const channel = reason ?? channels.channelOf(frame.bus);
    if (typeof channel === 'string') return new TraceWriteError(path, index, channel);
    const start = startUs ?? Math.floor(frame.timestampUs / 1000) * 1000;
    const ns = Math.round((frame.timestampUs - start) * 1000);
    if (ns < 0) return new TraceWriteError(path, index, `BLF stores times from the first frame's millisecond; this frame is ${-ns / 1000} µs before it`);
    if (ns > MAX_OFFSET_NS) return new TraceWriteError(path, index, 'more than 104 days after the first frame');
    startUs = start;
    return ns;
  };

  return {
    format: 'blf',
    write(frame) {
      const index = count++;
      if (closed) return Promise.reject(new TraceWriteError(path, index, 'the writer is closed'));
      const ns = check(frame, index);
      if (ns instanceof TraceWriteError) return Promise.reject(ns);
      const size = encodedSize(frame);
      pending.fill(0, pendingLength, pendingLength + size);
      encodeFrameObject(frame, channels.channelOf(frame.bus) as number, ns, pending, pendingLength);
      pendingLength += size;
      objects++;
      stopUs = Math.max(stopUs, frame.timestampUs);
      return pendingLength >= containerBytes ? flushContainer() : resolved();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        while (pendingLength > 0) await flushContainer();
        pending = new Uint8Array(0);
        await sink.idle();
        await sink.writeAt(fileHeader(sink.size, uncompressedSize, objects, startUs ?? 0, startUs === null ? 0 : stopUs), 0);
      } finally {
        await sink.close();
      }
    },
  };
}
