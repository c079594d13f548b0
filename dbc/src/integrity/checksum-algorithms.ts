/**
 * The checksum algorithms of opendbc's checksum schemes, as pure functions over a frame
 * `d[off .. off+len-1]`. None allocates. Each returns the value the checksum signal should hold.
 *
 * Algorithm facts from commaai/opendbc `opendbc/can/_checksums.py` (cross-checked with
 * commaai/panda `board/safety/safety_hyundai_common.h` for the Hyundai CAN FD CRC):
 *
 * ```
 *   scheme         checksum lives in      covers
 *   toyota         last byte              len + id bytes + bytes 0..len-2              (sum, 8 bit)
 *   honda          low nibble, last byte  id nibbles + data nibbles except itself      (8 - sum, +3 if extended)
 *   vw_mqb         byte 0                 CRC-8/AUTOSAR of bytes 1..len-1, then magic[counter]
 *   vw_pq          any whole byte         XOR of every other byte
 *   hyundai_canfd  bytes 0..1 (LE)        CRC-16/XMODEM of bytes 2..len-1, id lo, id hi, ^ length constant
 *   subaru         byte 0                 id bytes + bytes 1..len-1                    (sum, 8 bit)
 *   tesla          any whole byte         id lo + id hi + every other byte             (sum, 8 bit)
 *   chrysler       last byte              CRC-8/SAE-J1850 of bytes 0..len-2
 * ```
 */

/** CRC-8 polynomial of AUTOSAR's CRC8H2F (VW MQB/MEB). */
const POLY_CRC8_H2F = 0x2f;
/** CRC-8 polynomial of SAE J1850 (Chrysler). */
const POLY_CRC8_J1850 = 0x1d;
/** CRC-16 polynomial of CRC-16/XMODEM, i.e. CCITT (Hyundai CAN FD). */
const POLY_CRC16_XMODEM = 0x1021;
/** Initial value and final XOR of both 8-bit CRCs. */
const CRC8_INIT_XOR = 0xff;
/** Mask of the VW counter nibble in byte 1, which indexes the magic bytes. */
const VW_COUNTER_MASK = 0x0f;
/** Honda's nibble sum starts from this constant... */
const HONDA_BASE = 8;
/** ...and extended (29-bit) frames add this on top. */
const HONDA_EXTENDED_BONUS = 3;

/** Hyundai CAN FD final XOR per frame length in bytes; other lengths get none. */
function hyundaiLengthXor(len: number): number {
  switch (len) {
    case 8: return 0x5f29;
    case 16: return 0x041d;
    case 24: return 0x819d;
    case 32: return 0x9f5b;
    default: return 0;
  }
}

function crc8Table(poly: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) {
      const carry = crc & 0x80;
      crc = (crc << 1) & 0xff;
      if (carry) crc ^= poly;
    }
    table[i] = crc;
  }
  return table;
}

function crc16Table(poly: number): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) {
      const carry = crc & 0x8000;
      crc = (crc << 1) & 0xffff;
      if (carry) crc ^= poly;
    }
    table[i] = crc;
  }
  return table;
}

// MSB-first lookup tables: pure constants, computed once when the module loads.
/** CRC-8/AUTOSAR (H2F) table, one entry per byte value. */
const CRC8_H2F = crc8Table(POLY_CRC8_H2F);
/** CRC-8/SAE-J1850 table. */
const CRC8_J1850 = crc8Table(POLY_CRC8_J1850);
/** CRC-16/XMODEM table. */
const CRC16_XMODEM = crc16Table(POLY_CRC16_XMODEM);

/** Sum of the bytes of a non-negative id, lowest first (`0x3CB` → 0x03 + 0xCB). */
function idByteSum(id: number): number {
  let s = 0;
  for (let a = id; a > 0; a = Math.floor(a / 256)) s += a % 256;
  return s;
}

/** Sum of the nibbles of a non-negative id. */
function idNibbleSum(id: number): number {
  let s = 0;
  for (let a = id; a > 0; a = Math.floor(a / 16)) s += a % 16;
  return s;
}

/**
 * CRC-8/AUTOSAR core (poly 0x2F, MSB first) over `d[off .. off+len-1]`, starting from `crc`,
 * without final XOR. `crc8Autosar(d, 0, 9, 0xff) ^ 0xff` is the catalogue CRC-8/AUTOSAR.
 */
export function crc8Autosar(d: Uint8Array, off: number, len: number, crc: number): number {
  for (let i = off; i < off + len; i++) crc = CRC8_H2F[(crc ^ d[i]!) & 0xff]!;
  return crc;
}

/** CRC-8/SAE-J1850 core (poly 0x1D, MSB first), same conventions as `crc8Autosar`. */
export function crc8J1850(d: Uint8Array, off: number, len: number, crc: number): number {
  for (let i = off; i < off + len; i++) crc = CRC8_J1850[(crc ^ d[i]!) & 0xff]!;
  return crc;
}

/** CRC-16/XMODEM core (poly 0x1021, MSB first) of one more byte `b`. */
export function crc16XmodemByte(crc: number, b: number): number {
  return ((crc << 8) ^ CRC16_XMODEM[((crc >> 8) ^ b) & 0xff]!) & 0xffff;
}

/** Toyota: `(len + id bytes + d[0..len-2]) & 0xFF`; the checksum is the last byte. */
export function toyotaChecksum(id: number, d: Uint8Array, off: number, len: number): number {
  let s = len + idByteSum(id);
  for (let i = 0; i < len - 1; i++) s += d[off + i]!;
  return s & 0xff;
}

/**
 * Honda: 4 bits. Sums the id's nibbles and every data nibble except the checksum nibble
 * (the low nibble of the last byte), returns `(8 - sum [+ 3 when extended]) & 0xF`.
 */
export function hondaChecksum(id: number, extended: boolean, d: Uint8Array, off: number, len: number): number {
  let s = idNibbleSum(id);
  for (let i = 0; i < len; i++) {
    const b = d[off + i]!;
    s += i === len - 1 ? b >> 4 : (b >> 4) + (b & 0x0f);
  }
  let out = HONDA_BASE - s;
  if (extended) out += HONDA_EXTENDED_BONUS;
  return out & 0x0f;
}

/**
 * VW MQB/MEB (AUTOSAR E2E profile 2 style): CRC-8/AUTOSAR over bytes 1..len-1, then one
 * more byte `magic[d[1] & 0xF]` when the message has a magic table, final XOR 0xFF.
 */
export function vwMqbChecksum(d: Uint8Array, off: number, len: number, magic: Uint8Array | null): number {
  let crc = crc8Autosar(d, off + 1, len - 1, CRC8_INIT_XOR);
  if (magic !== null) crc = CRC8_H2F[crc ^ magic[d[off + 1]! & VW_COUNTER_MASK]!]!;
  return crc ^ CRC8_INIT_XOR;
}

/** VW PQ: XOR of every byte except the checksum's own byte `skipByte`. */
export function xorChecksum(d: Uint8Array, off: number, len: number, skipByte: number): number {
  let x = 0;
  for (let i = 0; i < len; i++) if (i !== skipByte) x ^= d[off + i]!;
  return x;
}

/**
 * Hyundai/Kia CAN FD: CRC-16/XMODEM (init 0) over bytes 2..len-1, then the id's low and
 * second byte, then XOR with a constant chosen by the frame length (8, 16, 24, 32 bytes).
 */
export function hyundaiCanFdChecksum(id: number, d: Uint8Array, off: number, len: number): number {
  let crc = 0;
  for (let i = 2; i < len; i++) crc = crc16XmodemByte(crc, d[off + i]!);
  crc = crc16XmodemByte(crc, id & 0xff);
  crc = crc16XmodemByte(crc, (id >> 8) & 0xff);
  return crc ^ hyundaiLengthXor(len);
}

/** Subaru (global platform): `(id bytes + d[1..len-1]) & 0xFF`; the checksum is byte 0. */
export function subaruChecksum(id: number, d: Uint8Array, off: number, len: number): number {
  let s = idByteSum(id);
  for (let i = 1; i < len; i++) s += d[off + i]!;
  return s & 0xff;
}

/** Tesla: `(id lo + id hi + every byte except skipByte) & 0xFF`. */
export function teslaChecksum(id: number, d: Uint8Array, off: number, len: number, skipByte: number): number {
  let s = (id & 0xff) + ((id >> 8) & 0xff);
  for (let i = 0; i < len; i++) if (i !== skipByte) s += d[off + i]!;
  return s & 0xff;
}

/** Chrysler/FCA: CRC-8/SAE-J1850 (init 0xFF, final XOR 0xFF) over bytes 0..len-2. */
export function chryslerChecksum(d: Uint8Array, off: number, len: number): number {
  return crc8J1850(d, off, len - 1, CRC8_INIT_XOR) ^ CRC8_INIT_XOR;
}
