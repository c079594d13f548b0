import type { CanFrame } from '../../../dbc/index.ts';

/** Largest 11-bit (standard) identifier. */
export const MAX_STANDARD_ID = 0x7ff;
/** Largest 29-bit (extended) identifier; also the mask of an error frame's class bits. */
export const MAX_EXTENDED_ID = 0x1fffffff;
/** Most data bytes of a classic CAN frame. */
export const MAX_CLASSIC_BYTES = 8;
/** Payload length of each CAN FD DLC 0..15. */
export const FD_DLC_LENGTHS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];

/** Data bytes of DLC `dlc` (0..15): classic CAN caps at 8, CAN FD follows the FD table. */
export function dlcToLength(dlc: number, fd: boolean): number {
  if (!fd) return Math.min(dlc, MAX_CLASSIC_BYTES);
  return FD_DLC_LENGTHS[dlc] ?? -1;
}

/** DLC of a payload length, or -1 when no DLC gives exactly that many bytes. */
export function lengthToDlc(length: number): number {
  return FD_DLC_LENGTHS.indexOf(length);
}

/** True if `length` is a payload size some CAN FD frame can have. */
export function isFdLength(length: number): boolean {
  return FD_DLC_LENGTHS.includes(length);
}

/**
 * Why `frame` is not a frame a bus could carry, or null when it is. Writers refuse such frames
 * (with `TraceWriteError`) so that everything they write reads back.
 */
export function frameProblem(frame: CanFrame): string | null {
  if (!Number.isFinite(frame.timestampUs)) return `timestamp ${frame.timestampUs} is not a finite number`;
  if (!Number.isInteger(frame.id) || frame.id < 0) return `id ${frame.id} is not a non-negative integer`;
  const maxId = frame.extended || frame.error ? MAX_EXTENDED_ID : MAX_STANDARD_ID;
  if (frame.id > maxId) return `id 0x${frame.id.toString(16).toUpperCase()} exceeds 0x${maxId.toString(16).toUpperCase()}`;
  if (frame.fd && frame.rtr) return 'a CAN FD frame cannot be a remote frame';
  if (!frame.fd && (frame.brs || frame.esi)) return 'brs and esi need a CAN FD frame';
  const length = frame.data.length;
  if (frame.rtr && length > 0) return 'a remote frame carries no data';
  if (frame.fd ? !isFdLength(length) : length > MAX_CLASSIC_BYTES) {
    return `${length} data bytes is not a valid ${frame.fd ? 'CAN FD' : 'CAN'} length`;
  }
  return null;
}

/** "00" .. "FF". */
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Upper-case hex of `data`, bytes joined by `separator` (none by default). */
export function hexOf(data: Uint8Array, separator = ''): string {
  let text = '';
  for (let i = 0; i < data.length; i++) text += i === 0 ? HEX_PAIRS[data[i]!] : separator + HEX_PAIRS[data[i]!];
  return text;
}
