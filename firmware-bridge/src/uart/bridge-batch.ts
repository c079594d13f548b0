/**
 * CAN_BATCH (UART-BRIDGE-PROTOCOL.md §4.5): several received frames in one packet. The MCU
 * fills a batch with `beginBatch`/`addRecord`/`finishBatch`; the host checks a whole batch with
 * `BatchReader.check` (all or nothing: one bad record drops the packet) and then walks it with
 * `next()`, reading fields straight from the decoder's buffer without allocating.
 *
 * ```
 *   payload   0               4       5
 *             +---------------+-------+---------------------------+
 *             | firstFrameSeq | count | count × frame record      |
 *             +---------------+-------+---------------------------+
 *               u32             u8 (1..255)
 *   record    0       4       8      9       10     11
 *             +-------+-------+------+-------+------+------------+
 *             | tsUs  | id    | chan | flags | len  | data (len) |
 *             +-------+-------+------+-------+------+------------+
 *               u32     u32     u8     u8      u8     len bytes (len = byte count, not DLC code)
 * ```
 */
import type { PacketWriter } from './bridge-codec.ts';
import { frameProblem, u32At } from './bridge-payloads.ts';
import { PacketType } from './bridge-protocol.ts';

/** Bytes before the first record: firstFrameSeq (u32), count (u8). */
export const BATCH_HEADER_BYTES = 5;
/** Bytes of a record before its data: tsUs, id, chan, flags, len. */
export const RECORD_HEADER_BYTES = 11;
/** Most records in one batch (the count is a u8). */
export const MAX_BATCH_FRAMES = 255;

/** Starts a CAN_BATCH whose first record is frame number `firstFrameSeq` of the session. */
export function beginBatch(w: PacketWriter, seq: number, firstFrameSeq: number): void {
  w.begin(PacketType.CAN_BATCH, seq).u32(firstFrameSeq).u8(0);
}

/** True when a record with `dataLength` bytes still fits the batch being written. */
export function recordFits(w: PacketWriter, dataLength: number): boolean {
  return w.room >= RECORD_HEADER_BYTES + dataLength;
}

/** Appends one record; check `recordFits` first. `data[start, end)` are the frame's bytes. */
export function addRecord(w: PacketWriter, tsUs: number, id: number, channel: number, flags: number, data: Uint8Array, start = 0, end = data.length): void {
  w.u32(tsUs >>> 0).u32(id).u8(channel).u8(flags).u8(end - start).bytes(data, start, end);
}

/** Completes a batch of `count` records; returns the encoded packet (see PacketWriter.finish). */
export function finishBatch(w: PacketWriter, count: number): Uint8Array {
  return w.patchU8(4, count).finish();
}

/** Walks the records of a checked batch. One instance per link; fields are overwritten by `next()`. */
export class BatchReader {
  firstFrameSeq = 0;
  count = 0;
  /** Current record: MCU timestamp (µs, u32), id, channel, FLAG_* bits, data length and offset in `buf`. */
  tsUs = 0;
  id = 0;
  channel = 0;
  flags = 0;
  len = 0;
  dataOffset = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private remaining = 0;

  /**
   * Validates the whole payload `buf[off, off + len)` and positions before its first record.
   * @returns null when every record is well-formed and they fill the payload exactly, else why not.
   */
  check(buf: Uint8Array, off: number, len: number): string | null {
    if (len < BATCH_HEADER_BYTES) return `CAN_BATCH payload of ${len} bytes, expected at least ${BATCH_HEADER_BYTES}`;
    const count = buf[off + 4]!;
    if (count === 0) return 'CAN_BATCH with 0 records';
    const end = off + len;
    let p = off + BATCH_HEADER_BYTES;
    for (let k = 0; k < count; k++) {
      if (p + RECORD_HEADER_BYTES > end) return `CAN_BATCH record ${k} of ${count} starts past the payload end`;
      const n = buf[p + 10]!;
      const problem = frameProblem(u32At(buf, p + 4), buf[p + 9]!, n);
      if (problem) return `CAN_BATCH record ${k}: frame ${problem}`;
      p += RECORD_HEADER_BYTES + n;
    }
    if (p !== end) return `CAN_BATCH of ${count} records leaves ${end - p} byte(s) ${p < end ? 'over' : 'missing'}`;
    this.buf = buf;
    this.firstFrameSeq = u32At(buf, off);
    this.count = count;
    this.pos = off + BATCH_HEADER_BYTES;
    this.remaining = count;
    return null;
  }

  /** Reads the next record into the fields. @returns false after the last one. */
  next(): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    const b = this.buf;
    const p = this.pos;
    this.tsUs = u32At(b, p);
    this.id = u32At(b, p + 4);
    this.channel = b[p + 8]!;
    this.flags = b[p + 9]!;
    this.len = b[p + 10]!;
    this.dataOffset = p + RECORD_HEADER_BYTES;
    this.pos = this.dataOffset + this.len;
    return true;
  }
}
