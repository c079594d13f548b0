/**
 * CRC-16/CCITT-FALSE, the checksum of every UART bridge packet (UART-BRIDGE-PROTOCOL.md §3).
 *
 * ```
 *   width 16   poly 0x1021   init 0xFFFF   refin false   refout false   xorout 0x0000
 *   check (CRC of the ASCII bytes "123456789") = 0x29B1
 * ```
 *
 * Chosen because MCU CRC peripherals (STM32 CRC unit with a 16-bit polynomial, NXP CRC module)
 * compute it in hardware, and it detects every error of up to 3 flipped bits and every burst of
 * up to 16 bits in packets of our size.
 */

/** Initial register value. */
export const CRC16_INIT = 0xffff;
/** The generator polynomial (x^16 + x^12 + x^5 + 1), MSB-first form. */
export const CRC16_POLY = 0x1021;
/** CRC of the nine ASCII bytes "123456789": the catalogue check value. */
export const CRC16_CHECK = 0x29b1;

let table: Uint16Array | null = null;

/** The 256-entry lookup table, built on first use (no work at import time). */
function crcTable(): Uint16Array {
  if (table) return table;
  table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ CRC16_POLY) & 0xffff : (c << 1) & 0xffff;
    table[n] = c;
  }
  return table;
}

/**
 * CRC-16/CCITT-FALSE of `bytes[start, end)`. Pass a previous result as `crc` to continue a
 * running checksum over several pieces.
 * @returns the 16-bit CRC, 0..0xFFFF.
 */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length, crc = CRC16_INIT): number {
  const t = crcTable();
  let c = crc;
  for (let i = start; i < end; i++) c = ((c << 8) & 0xff00) ^ t[((c >>> 8) ^ bytes[i]!) & 0xff]!;
  return c;
}

/** Bit-by-bit reference implementation (no table), used by tests and the fuzzer as an oracle. */
export function crc16Reference(bytes: Uint8Array): number {
  let c = CRC16_INIT;
  for (const b of bytes) {
    c ^= b << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ CRC16_POLY) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}
