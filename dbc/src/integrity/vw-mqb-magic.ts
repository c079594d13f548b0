/**
 * The per-message "magic" bytes of VW's MQB/MEB checksum (AUTOSAR E2E profile 2 data IDs).
 *
 * After the CRC has run over the payload, one more byte is fed into it: entry
 * `magic[counter]` of the message's table, where `counter` is the low nibble of byte 1.
 * Messages missing from this table get no extra byte.
 *
 * Facts from commaai/opendbc `opendbc/can/_checksums.py` (`VOLKSWAGEN_MQB_MEB_CONSTANTS`),
 * written down here as hex strings: 32 hex digits = the 16 entries for counter 0..15,
 * or 2 hex digits = the same byte for every counter value.
 */
const MAGIC_HEX: ReadonlyArray<readonly [id: number, hex: string]> = [
  [0x040, '40'],
  [0x086, '86'],
  [0x09f, 'f5'],
  [0x0ad, '3f6939dc94f91464d86a34cea255b52c'],
  [0x0db, '09faca8e62d5d1f031a0afda4d1a0a97'],
  [0x0fc, '775ca0894b7cbbd61f6c4ff6202b43dd'],
  [0x0fd, 'b4eff8491ee5c2c097193cc9f198d661'],
  [0x101, 'aa'],
  [0x102, 'd712857e0b34fa167a252d8f048e5d35'],
  [0x106, '07'],
  [0x10b, '775ca0894b7cbbd61f6c4ff6202b43dd'],
  [0x116, 'ac'],
  [0x117, '16'],
  [0x120, 'c4e24fe4f82f56819fe58344053f97df'],
  [0x121, 'e965ae6b7b35e55f4ec786a2bbddebb4'],
  [0x122, '377df3a918466d4d3d71929ce53210b9'],
  [0x126, 'da'],
  [0x12b, '6a38b42722efe1bbf8808449c79e1e2b'],
  [0x12e, 'f8e597c9d607472166ddcf6fa1947463'],
  [0x139, 'ed031c13c623787a8b401451bf6832ba'],
  [0x13d, '20ca68d51b31e2da080ad4de9ce4355b'],
  [0x14c, '163559159a2a97b80e4e30ccb30701ad'],
  [0x14d, '1a658196c0df1192d361c6958c2921b5'],
  [0x187, '7fed17c27ceb442101fadb154a6b2305'],
  [0x1a4, '69bb54e64e468d7bea87e9b363cef8bf'],
  [0x1ab, '13219b6a9a62d46518f1ab163289e726'],
  [0x1f0, '2f3c226018eb6376c5910f2734047f02'],
  [0x20a, '9de836a1ca3b1d33e0d5bb5fae3c319f'],
  [0x26b, 'ceccbd69a13c18760f04f23a93241951'],
  [0x30c, '0f'],
  [0x30f, '0c'],
  [0x324, '27'],
  [0x3be, '1f28c685e6f8b0195b643521e4f79c24'],
  [0x3c0, 'c3'],
  [0x3d5, 'c539c7f992d824cef1b57ac4bc60e3d1'],
  [0x65d, 'acb3abeb7ae13bf773ba7c9e065f02d9'],
];

/** Entries per table: one per value of the 4-bit counter. */
const MAGIC_ENTRIES = 16;

/**
 * The 16 magic bytes of VW MQB/MEB message `id`, or null when opendbc knows none for it.
 * Builds a fresh array on each call; call it once per message when setting up, not per frame.
 */
export function vwMqbMagicBytes(id: number): Uint8Array | null {
  for (const [tableId, hex] of MAGIC_HEX) {
    if (tableId !== id) continue;
    const out = new Uint8Array(MAGIC_ENTRIES);
    for (let i = 0; i < MAGIC_ENTRIES; i++) {
      const at = hex.length === 2 ? 0 : i * 2;
      out[i] = parseInt(hex.slice(at, at + 2), 16);
    }
    return out;
  }
  return null;
}
