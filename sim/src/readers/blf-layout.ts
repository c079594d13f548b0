/**
 * Vector BLF (binary logging format) layouts: the file header, object headers and log
 * containers. All numbers are little-endian. CAN object bodies are in `blf-objects.ts`.
 *
 * ```
 * file:  LOGG header (144 bytes) | LOBJ object | pad | LOBJ object | pad | ...
 *        top-level objects are LOG_CONTAINERs whose payloads, concatenated, are a stream of
 *        LOBJ objects (frames, statistics, ...); an object may span two containers.
 *
 * LOGG file header
 *   0  char[4]  "LOGG"                      40  SYSTEMTIME measurement start (8 x u16:
 *   4  u32      header size (144)                year, month, weekday, day,
 *   8  u8[4]    application id/major/minor/build  hour, minute, second, millisecond)
 *  12  u8[4]    binlog major/minor/build/patch  56  SYSTEMTIME last object
 *  16  u64      file size                     72  reserved up to the header size
 *  24  u64      uncompressed size
 *  32  u32      object count
 *  36  u32      objects read
 *
 * LOBJ object header                              v1 (header size 32)   v2 (header size 40)
 *   0  char[4]  "LOBJ"                            16  u32 flags         16  u32 flags
 *   4  u16      header size                       20  u16 client index  20  u8 time status, u8
 *   6  u16      header version (1 or 2)           22  u16 object vers.  22  u16 object version
 *   8  u32      object size (header + body)       24  u64 timestamp     24  u64 timestamp
 *  12  u32      object type                                             32  u64 original time
 *   flags: 1 = timestamp in 10 µs, 2 = in ns (relative to the measurement start)
 *   padding after an object: (object size % 4) bytes (sic: what Vector's tools do)
 *
 * LOG_CONTAINER (type 10), base header only (16 bytes), then
 *  16  u16      compression: 0 none, 2 zlib   24  u32  uncompressed payload size
 *  18  u8[6]    reserved                      28  u32  reserved
 *  32  payload (object size - 32 bytes)
 * ```
 */

/** "LOGG" read as a little-endian u32. */
export const FILE_SIGNATURE = 0x47474f4c;
/** "LOBJ" read as a little-endian u32. */
export const OBJECT_SIGNATURE = 0x4a424f4c;
/** Size of the file header Vector and python-can write. */
export const FILE_HEADER_SIZE = 144;
/** Bytes of the file header that carry fields (the rest is reserved). */
export const FILE_HEADER_FIELDS_SIZE = 72;
/** Largest file header accepted (guards against a garbage size). */
export const MAX_FILE_HEADER_SIZE = 65536;
/** Offset of the measurement-start SYSTEMTIME in the file header. */
export const START_TIME_OFFSET = 40;
/** Offset of the last-object SYSTEMTIME in the file header. */
export const STOP_TIME_OFFSET = 56;
/** Size of the base object header (signature to type). */
export const BASE_HEADER_SIZE = 16;
/** Size of a version 1 object header. */
export const V1_HEADER_SIZE = 32;
/** Size of a version 2 object header. */
export const V2_HEADER_SIZE = 40;
/** Size of a log container's header (base header + container fields). */
export const CONTAINER_HEADER_SIZE = 32;
/** Object type of a log container. */
export const LOG_CONTAINER = 10;
/** Container payload stored as is. */
export const NO_COMPRESSION = 0;
/** Container payload compressed with zlib (deflate with zlib header). */
export const ZLIB_DEFLATE = 2;
/** Object header flag: timestamp counts 10 µs units. */
export const TIME_TEN_MICS = 0x1;
/** Object header flag: timestamp counts nanoseconds. */
export const TIME_ONE_NANS = 0x2;
/** Largest object accepted: far above any CAN object, bounds the memory of a broken size field. */
export const MAX_OBJECT_SIZE = 1 << 24;
/** Earliest year a SYSTEMTIME can hold. */
export const MIN_SYSTEMTIME_YEAR = 1601;
/** Uncompressed payload a writer puts in one container (what Vector and python-can use). */
export const CONTAINER_PAYLOAD_SIZE = 128 * 1024;

/** Reads a little-endian u16. */
export function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

/** Reads a little-endian u32. */
export function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** Writes a little-endian u16. */
export function putU16(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
}

/** Writes a little-endian u32. */
export function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v & 0xff;
  b[p + 1] = (v >>> 8) & 0xff;
  b[p + 2] = (v >>> 16) & 0xff;
  b[p + 3] = (v >>> 24) & 0xff;
}

/** Writes a non-negative integer below 2^53 as a little-endian u64. */
export function putU64(b: Uint8Array, p: number, v: number): void {
  putU32(b, p, v % 0x100000000);
  putU32(b, p + 4, Math.floor(v / 0x100000000));
}

/** Reads a u64 that fits a double exactly (sizes), or Infinity when it does not. */
export function u64(b: Uint8Array, p: number): number {
  const high = u32(b, p + 4);
  return high >= 0x200000 ? Infinity : high * 0x100000000 + u32(b, p);
}

/**
 * Converts an object timestamp (u64 at `p`, in ns or 10 µs units by `flags`) to µs. The
 * 64-bit value is split so that ns counts beyond 2^53 (104 days) still give whole µs exactly.
 */
export function objectTimeUs(b: Uint8Array, p: number, flags: number): number {
  const low = u32(b, p);
  const high = u32(b, p + 4);
  if (flags === TIME_TEN_MICS) return (high * 0x100000000 + low) * 10;
  // ns = high * 2^32 + low; 2^32 / 1000 = 4294967.296
  const rest = high * 296 + low;
  return high * 4294967 + Math.floor(rest / 1000) + (rest % 1000) / 1000;
}

/**
 * Reads a SYSTEMTIME as µs since the epoch, taking it as UTC. All zero (python-can writes that
 * for traces without an absolute time) gives 0; fields out of range give null.
 */
export function readSystemTime(b: Uint8Array, p: number): number | null {
  const [year, month, , day, hour, minute, second, ms] = Array.from({ length: 8 }, (_, i) => u16(b, p + 2 * i)) as number[];
  if (year === 0 && month === 0 && day === 0) return 0;
  if (year! < MIN_SYSTEMTIME_YEAR || month! < 1 || month! > 12 || day! < 1 || day! > 31 || hour! > 23 || minute! > 59 || second! > 59 || ms! > 999) return null;
  const t = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, ms!);
  return new Date(t).getUTCDate() === day ? t * 1000 : null;
}

/** Writes µs since the epoch as a UTC SYSTEMTIME (millisecond resolution, truncated). */
export function writeSystemTime(b: Uint8Array, p: number, timestampUs: number): void {
  const d = new Date(Math.floor(timestampUs / 1000));
  const fields = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDay(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()];
  fields.forEach((v, i) => putU16(b, p + 2 * i, v));
}

/** Padding after an object of `size` bytes. */
export function paddingAfter(size: number): number {
  return size % 4;
}
