import type { CanFrame } from '../../../dbc/index.ts';
import { putU16, putU32, putU64, TIME_ONE_NANS, OBJECT_SIGNATURE, u16, u32, V1_HEADER_SIZE } from './blf-layout.ts';
import type { ChannelNames } from './channels.ts';
import { lengthToDlc, MAX_CLASSIC_BYTES } from './frame-rules.ts';

/**
 * BLF object bodies that carry CAN frames (offsets from the end of the object header).
 *
 * ```
 * CAN_MESSAGE (1), CAN_MESSAGE2 (86: + u32 frame length, u8 bit count, 3 reserved)
 *   0 u16 channel  2 u8 flags (0x80 remote, 0x01 Tx)  3 u8 dlc  4 u32 id (bit 31 extended)  8 u8[8] data
 * CAN_ERROR (2)
 *   0 u16 channel  2 u16 length
 * CAN_ERROR_EXT (73)
 *   0 u16 channel  2 u16 length  4 u32 flags  8 u8 ecc  9 u8 position  10 u8 dlc  11 reserved
 *  12 u32 frame length  16 u32 id  20 u16 ext flags  22 reserved  24 u8[8] data
 * CAN_FD_MESSAGE (100)
 *   0 u16 channel  2 u8 flags  3 u8 dlc  4 u32 id  8 u32 frame length  12 u8 arb. bit count
 *  13 u8 FD flags (0x1 EDL, 0x2 BRS, 0x4 ESI)  14 u8 valid data bytes  15 reserved[5]  20 u8[64] data
 * CAN_FD_MESSAGE_64 (101)
 *   0 u8 channel  1 u8 dlc  2 u8 valid data bytes  3 u8 tx count  4 u32 id  8 u32 frame length
 *  12 u32 flags (0x10 remote, 0x1000 EDL, 0x2000 BRS, 0x4000 ESI)  16..32 bit timings, offsets
 *  32 u16 bit count  34 u8 direction  35 u8 ext data offset  36 u32 crc  40 data (may be short:
 *  the missing bytes read as 0, as CANoe does, python-can issue 1905)
 * CAN_FD_ERROR_64 (104)
 *   0 u8 channel  1 u8 dlc  2 u8 valid data bytes  ...  12 u32 id  ...  44 u8[64] data
 * ```
 *
 * Channels count from 1. Error frames keep the id and data the object holds (id 0 for
 * CAN_ERROR); whether an error happened in a CAN FD frame is not read.
 */

/** Object type: classic CAN frame. */
export const CAN_MESSAGE = 1;
/** Object type: CAN error frame (channel only). */
export const CAN_ERROR = 2;
/** Object type: CAN error frame with id and data. */
export const CAN_ERROR_EXT = 73;
/** Object type: classic CAN frame with frame length and bit count. */
export const CAN_MESSAGE2 = 86;
/** Object type: CAN FD frame with a 64-byte data field. */
export const CAN_FD_MESSAGE = 100;
/** Object type: CAN FD frame with a variable data field. */
export const CAN_FD_MESSAGE_64 = 101;
/** Object type: CAN FD error frame. */
export const CAN_FD_ERROR_64 = 104;
/** Id bit 31: extended identifier. */
const CAN_MSG_EXT = 0x80000000;
/** The 29 id bits. */
const ID_MASK = 0x1fffffff;
/** CAN_MESSAGE flags: remote frame. */
const REMOTE_FLAG = 0x80;
/** CAN_FD_MESSAGE FD flags: EDL (the frame is CAN FD). */
const FD_EDL = 0x1;
/** CAN_FD_MESSAGE FD flags: bit-rate switch. */
const FD_BRS = 0x2;
/** CAN_FD_MESSAGE FD flags: error state indicator. */
const FD_ESI = 0x4;
/** CAN_FD_MESSAGE_64 flags: remote frame. */
const FD64_REMOTE = 0x10;
/** CAN_FD_MESSAGE_64 flags: EDL. */
const FD64_EDL = 0x1000;
/** CAN_FD_MESSAGE_64 flags: bit-rate switch. */
const FD64_BRS = 0x2000;
/** CAN_FD_MESSAGE_64 flags: error state indicator. */
const FD64_ESI = 0x4000;
/** Largest CAN FD payload. */
const MAX_FD_BYTES = 64;
/** Body size each frame type needs at least. */
const BODY_SIZE: ReadonlyMap<number, number> = new Map([
  [CAN_MESSAGE, 16], [CAN_MESSAGE2, 16], [CAN_ERROR, 4], [CAN_ERROR_EXT, 32],
  [CAN_FD_MESSAGE, 84], [CAN_FD_MESSAGE_64, 40], [CAN_FD_ERROR_64, 44],
]);
/** The payload of frames without data (shared: never written to). */
const NO_DATA = new Uint8Array(0);

/** Copies `length` bytes at `from` (bytes past `available` read as 0). */
function copyData(b: Uint8Array, from: number, length: number, available = length): Uint8Array {
  if (length === 0) return NO_DATA;
  const data = new Uint8Array(length);
  const n = Math.min(length, Math.max(available, 0));
  for (let i = 0; i < n; i++) data[i] = b[from + i]!;
  return data;
}

/** A frame from a raw 32-bit id (bit 31: extended). Positional: this is the hot path. */
function frame(timestampUs: number, bus: string, raw: number, fd: boolean, brs: boolean, esi: boolean, rtr: boolean, error: boolean, data: Uint8Array): CanFrame {
  return { timestampUs, bus, id: raw & ID_MASK, extended: (raw & CAN_MSG_EXT) !== 0, fd, brs, esi, rtr, error, data };
}

/** Minimum body size by object type, 0 for types that are not frames. */
const BODY_SIZE_BY_TYPE = new Uint8Array(256);
for (const [type, size] of BODY_SIZE) BODY_SIZE_BY_TYPE[type] = size;

/** True for the object types that carry frames. */
export function isFrameObject(type: number): boolean {
  return type < 256 && BODY_SIZE_BY_TYPE[type] !== 0;
}

/**
 * Decodes the frame in the body `b[p, p + size)` (after a header of `headerSize` bytes) of an
 * object of `type`, or returns why it cannot. Callers check `isFrameObject(type)` first.
 */
export function decodeFrameObject(b: Uint8Array, p: number, size: number, headerSize: number, type: number, timeUs: number, names: ChannelNames): CanFrame | string {
  const need = BODY_SIZE_BY_TYPE[type]!;
  if (size < need) return `object type ${type} has a ${size}-byte body, needs ${need}`;
  const wide = type !== CAN_FD_MESSAGE_64 && type !== CAN_FD_ERROR_64;
  const channel = wide ? u16(b, p) : b[p]!;
  if (channel === 0) return 'channel 0 does not exist (channels count from 1)';
  const bus = names.busOf(channel);
  switch (type) {
    case CAN_MESSAGE:
    case CAN_MESSAGE2:
      return decodeCanMessage(b, p, timeUs, bus);
    case CAN_ERROR:
      return frame(timeUs, bus, 0, false, false, false, false, true, NO_DATA);
    case CAN_ERROR_EXT:
      return frame(timeUs, bus, u32(b, p + 16), false, false, false, false, true, copyData(b, p + 24, Math.min(b[p + 10]!, MAX_CLASSIC_BYTES)));
    case CAN_FD_MESSAGE:
      return fdFrame(b, p + 20, timeUs, bus, u32(b, p + 4), b[p + 14]!, b[p + 2]! & REMOTE_FLAG, b[p + 13]! & (FD_EDL | FD_BRS | FD_ESI), MAX_FD_BYTES);
    case CAN_FD_MESSAGE_64: {
      const flags = u32(b, p + 12);
      const fdFlags = (flags & FD64_EDL ? FD_EDL : 0) | (flags & FD64_BRS ? FD_BRS : 0) | (flags & FD64_ESI ? FD_ESI : 0);
      const extDataOffset = b[p + 35]!;
      // Data ends at the extended frame data (offset from the object start) or the object end.
      const end = extDataOffset > 0 ? Math.min(extDataOffset - headerSize, size) : size;
      return fdFrame(b, p + 40, timeUs, bus, u32(b, p + 4), b[p + 2]!, flags & FD64_REMOTE, fdFlags, end - 40);
    }
    default: {
      const valid = b[p + 2]!;
      if (valid > MAX_FD_BYTES) return `${valid} valid data bytes exceed 64`;
      return frame(timeUs, bus, u32(b, p + 12), false, false, false, false, true, copyData(b, p + 44, valid, size - 44));
    }
  }
}

/**
 * The frame of a CAN_MESSAGE(2) body at `b[p]` (16 bytes available). Exported for the reader's
 * fast path: most objects of most files are this.
 */
export function decodeCanMessage(b: Uint8Array, p: number, timeUs: number, bus: string): CanFrame {
  const rtr = (b[p + 2]! & REMOTE_FLAG) !== 0;
  const length = rtr ? 0 : Math.min(b[p + 3]!, MAX_CLASSIC_BYTES);
  const data = length === 0 ? NO_DATA : new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = b[p + 8 + i]!;
  return frame(timeUs, bus, u32(b, p + 4), false, false, false, rtr, false, data);
}

/** The frame of a CAN_FD_MESSAGE(_64): CAN FD when EDL is set, else classic (maybe remote). */
function fdFrame(b: Uint8Array, from: number, timeUs: number, bus: string, raw: number, valid: number, remote: number, fdFlags: number, available: number): CanFrame | string {
  if (valid > MAX_FD_BYTES) return `${valid} valid data bytes exceed 64`;
  const fd = (fdFlags & FD_EDL) !== 0;
  if (!fd && remote !== 0) return frame(timeUs, bus, raw, false, false, false, true, false, NO_DATA);
  if (!fd && valid > MAX_CLASSIC_BYTES) return `${valid} data bytes in a classic (non-EDL) frame`;
  const data = copyData(b, from, valid, available);
  return frame(timeUs, bus, raw, fd, fd && (fdFlags & FD_BRS) !== 0, fd && (fdFlags & FD_ESI) !== 0, false, false, data);
}

/** Size of the object `encodeFrameObject` writes for `f` (a multiple of 4: no padding). */
export function encodedSize(f: CanFrame): number {
  return V1_HEADER_SIZE + (f.error ? 32 : f.fd ? 84 : 16);
}

/**
 * Writes `f` as a complete object (v1 header, ns timestamp) at `b[p]`: CAN_ERROR_EXT for error
 * frames (at most 8 data bytes), CAN_FD_MESSAGE for CAN FD, CAN_MESSAGE otherwise. The caller
 * has checked the frame and zeroed the bytes.
 */
export function encodeFrameObject(f: CanFrame, channel: number, timeNs: number, b: Uint8Array, p: number): void {
  const size = encodedSize(f);
  const type = f.error ? CAN_ERROR_EXT : f.fd ? CAN_FD_MESSAGE : CAN_MESSAGE;
  putU32(b, p, OBJECT_SIGNATURE);
  putU16(b, p + 4, V1_HEADER_SIZE);
  putU16(b, p + 6, 1);
  putU32(b, p + 8, size);
  putU32(b, p + 12, type);
  putU32(b, p + 16, TIME_ONE_NANS);
  putU64(b, p + 24, timeNs);
  const q = p + V1_HEADER_SIZE;
  const raw = (f.id | (f.extended ? CAN_MSG_EXT : 0)) >>> 0;
  putU16(b, q, channel);
  if (f.error) {
    b[q + 10] = f.data.length;
    putU32(b, q + 16, raw);
    b.set(f.data, q + 24);
  } else if (f.fd) {
    b[q + 3] = lengthToDlc(f.data.length);
    putU32(b, q + 4, raw);
    b[q + 13] = FD_EDL | (f.brs ? FD_BRS : 0) | (f.esi ? FD_ESI : 0);
    b[q + 14] = f.data.length;
    b.set(f.data, q + 20);
  } else {
    b[q + 2] = f.rtr ? REMOTE_FLAG : 0;
    b[q + 3] = f.data.length;
    putU32(b, q + 4, raw);
    b.set(f.data, q + 8);
  }
}
