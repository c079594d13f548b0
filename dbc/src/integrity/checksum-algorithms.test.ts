import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chryslerChecksum, crc16XmodemByte, crc8Autosar, crc8J1850, hondaChecksum, hyundaiCanFdChecksum,
  subaruChecksum, teslaChecksum, toyotaChecksum, vwMqbChecksum, xorChecksum,
} from './checksum-algorithms.ts';
import { vwMqbMagicBytes } from './vw-mqb-magic.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

// CRC catalogue check values (CRC RevEng catalogue: the CRC of the ASCII string "123456789").
test('CRC cores match the catalogue check values', () => {
  const check = ascii('123456789');
  assert.is(crc8Autosar(check, 0, 9, 0xff) ^ 0xff, 0xdf, 'CRC-8/AUTOSAR');
  assert.is(crc8J1850(check, 0, 9, 0xff) ^ 0xff, 0x4b, 'CRC-8/SAE-J1850');
  let crc = 0;
  for (const b of check) crc = crc16XmodemByte(crc, b);
  assert.is(crc, 0x31c3, 'CRC-16/XMODEM');
});

// Frames recorded from real cars, from commaai/opendbc opendbc/can/tests/test_checksums.py
// (test_vw_mqb_crc_*): 16 frames per message, one per counter value; byte 0 is the CRC.
const VW_MQB_RECORDED: ReadonlyArray<readonly [name: string, id: number, frames: string]> = [
  ['LWI_01', 0x86, `6b00bd0000000000 ee010a0000000000 d802a90000000000 0303bea212000000 7b04312003000000
    8b05e28509000000 6306132100000000 6607050000000000 49080d0000000000 5f097e6001000000 af0a722000000000
    590b1b0000000000 a80c060000000000 bc0d722000000000 f90e0f0000000000 600f62c000000000`],
  ['ACC_02', 0x30c, `82f03f0040300040 e6f13f0040300040 4af23f0040300040 2ef33f0040300040 3df43f0040300040
    59f53f0040300040 f5f63f0040300040 91f73f0040300040 d3f83f0040300040 b7f93f0040300040 1bfa3f0040300040
    7ffb3f0040300040 6cfc3f0040300040 08fd3f0040300040 a4fe3f0040300040 c0ff3f0040300040`],
  ['LH_EPS_03', 0x9f, `11302e00051c8030 5b318e0305530030 cb32d30605730030 f233280005260030 0b344400055b8030
    ed35800003340030 f036880005 3d8030 9e37440305410030 6838060105188030 8739510005118030 8c3a290005ac0030
    083bbd00058e0030 d43c190005058030 293d5400055b0030 a13e490103048030 e23f0500050a0030`],
  ['Getriebe_11', 0xad, `f8e0bfff5f202020 b0e1bfffc6982180 d2e2bfff5f202020 00e3bfffaa202010 f1e4bfff5f202020
    c4e5bfff5f202020 dae6bfff5f202020 85e7bfff5f202020 12e8bfff5f202020 45e9bfffaa202010 03eabfffcc202010
    fcebbfff5f202120 feecbfffad202010 bdedbfffaa202010 67eebfffaa202010 36efbfffaa202010`],
  ['ESP_21', 0xfd, `66d01f8045050000 87d11f8052050000 cdd21f8050060000 fdd31f8035020000 fad41f8022050000
    fdd51f8084040000 2ed61f80f0030000 9fd71f8000000000 1ed81f80b3030000 61d91f806d050000 44da1f8047020000
    86db1f803a020000 39dc1f80cb010000 19dd1f8000000000 8cde1f80ba040000 fbdf1f8046000000`],
  ['ESP_05', 0x106, `90806400 0000e710 f4816400 0000e710 90826300 0000e810 a0836300 0000e610 e7846300 0000e810
    2e857804 0000ea30 7b866300 0000e610 71877904 0000d030 50887904 0000ea30 81896400 0000e110
    6a8a6800 0004d010 178b6a04 0000e610 c78c6300 0000d110 538d6404 0000e210 248e6300 0000e710
    3f8f8204 0000e630`],
  ['ACC_10', 0x117, `9b00004068 0000ff ff01004068 0000ff 5302004068 0000ff 3703004068 0000ff 2404004068 0000ff
    4005004068 0000ff ec06004068 0000ff 8807004068 0000ff ca08004068 0000ff ae09004068 0000ff
    020a004068 0000ff 660b004068 0000ff 750c004068 0000ff 110d004068 0000ff bd0e004068 0000ff
    d90f004068 0000ff`],
  ['TSK_06', 0x120, `c100000200 08ff21 3401000200 08ff21 cc02000200 08ff21 1e03000200 08ff21 4804000200 08ff21
    4a05000200 08ff21 a506000200 08ff21 a707000200 08ff21 fe08000200 08ff21 a809000200 08ff21
    730a000200 08ff21 df0b000200 08ff21 050c000200 08ff21 b50d000200 08ff21 de0e000200 08ff21
    0b0f000200 08ff21`],
  ['Motor_20', 0x121, `b90000c039467efe 853120001a467efe c71200401a467efe 5393000019467efe a43400801a467efe
    0e55206018467efe 3f0600c0374c7efe 0c07004039467efe 2a0800003a467efe 7f4920801a467efe 2f0a00c039467efe
    70bb000017467efe 060c000039467efe 4b9d20e0164c7efe 73fe004016467efe af0f2080394c7efe`],
  ['ACC_06', 0x122, `148000fe07000018 9f8100fe07000018 0a8200fe07000028 408300fe07000018 2d8400fe07000028
    db8500fe07000018 4d8600fe07000028 358700fe07000018 238800fe07000028 4a8900fe07000028 e18a00fe07000028
    308b00fe07000028 608c00fe07000028 0d8d00fe07000018 8c8e00fe07000018 6f8f00fe07000028`],
  ['HCA_01', 0x126, `00300dc005fe0700 3e3154c005fe0700 a732bb4005fe0700 963329c005fe0700 5f34000003fe0700
    3b35ae4005fe0700 c7367a4005fe0700 6f37764005fe0700 b138000003fe0700 d539000003fe0700 ba3a69c005fe0700
    653b104005fe0700 493c72c005fe0700 c63ddf4005fe0700 1d3e2cc105fe0700 9b3f204005fe0700`],
  ['GRA_ACC_01', 0x12b, `8640802a00000000 f441802a00000000 5042802a00000000 0843802a00000000 8844802a00000000
    2d45802a00000000 3446802a00000000 1147802a00000000 c448802a00000000 cc49802a00000000 dc4a802a00000000
    794b802a00000000 3c4c802a00000000 684d802a00000000 274e802a00000000 0d4f802a00000000`],
  ['ACC_07', 0x12e, `ace07f00fe00c0ff a2e17f00fe00c0ff 6be27f00fe00c0ff f2e37f00fe00c0ff d5e47f00fe00c0ff
    35e57f00fe00c0ff 7fe67f00fe00c0ff 6ce77f00fe00c0ff 05e87f00fe00c0ff 79e97f00fe00c0ff 25ea7f00fe00c0ff
    d1eb7f00fe00c0ff 72ec7f00fe00c0ff 58ed7f00fe00c0ff 82ee7f00fe00c0ff 85ef7f00fe00c0ff`],
  ['Motor_EV_01', 0x187, `70801500000000f0 07811500000000f0 7a821500000000f0 26831500000000f0 be841500000000f0
    5a851500000000f0 fc861500000000f0 9e871500000000f0 af881500000000f0 35891500000000f0 c58a1500000000f0
    118b1500000000f0 d08c1500000000f0 e88d1500000000f0 f58e1500000000f0 008f1500000000f0`],
  ['SWA_01', 0x30f, `1000100000000000 7401100000000000 d802100000000000 bc03100000000000 af04100000000000
    cb05100000000000 6706100000000000 0307100000000000 4108100000000000 2509100000000000 890a100000000000
    ed0b100000000000 fe0c100000000000 9a0d100000000000 360e100000000000 520f100000000000`],
  ['ACC_04', 0x324, `ba00000000000010 de01000000000010 7202000000000010 1603000000000010 0504000000000010
    4405000000000000 e806000000000000 a907000000000010 eb08000000000010 8f09000000000010 060a000000000000
    470b000000000010 710c000000000000 150d000000000000 b90e000000000000 dd0f000000000000`],
  ['Klemmen_Status_01', 0x3c0, `74000300 c1010300 31020300 84030300 fe040300 4b050300 bb060300 0e070300
    4f080300 fa090300 0a0a0300 bf0b0300 c50c0300 700d0300 800e0300 350f0300`],
  ['ESP_20', 0x65d, `98302b1000002281 c8312b1000002281 9d322b1000002281 1f332b1000002281 6e342b1000002281
    61352b1000002281 6f362b1000002281 e5372b1000002281 f8382b1000002281 e1392b1000002281 aa3a2b1000002281
    e63b2b1000002281 ef3c2b1000002281 bb3d2b1000002281 9b3e2b1000002281 723f2b1000002281`],
];

/** Splits the compact listing into frames of `len` bytes (whitespace inside is layout only). */
function frames(listing: string, len: number): Uint8Array[] {
  const all = hex(listing);
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += len) out.push(all.subarray(i, i + len));
  return out;
}

for (const [name, id, listing] of VW_MQB_RECORDED) {
  test(`VW MQB CRC matches 16 recorded ${name} (0x${id.toString(16)}) frames`, () => {
    const len = name === 'Klemmen_Status_01' ? 4 : 8;
    const list = frames(listing, len);
    assert.is(list.length, 16);
    const magic = vwMqbMagicBytes(id);
    assert.ok(magic, 'opendbc has a magic table for this id');
    list.forEach((f, i) => assert.is(vwMqbChecksum(f, 0, len, magic), f[0], `frame ${i}`));
  });
}

test('Toyota sum matches real frames', () => {
  // rusefi CANBUS-RE-Tools ToyotaChecksum.txt, worked examples 1 and 2.
  assert.is(toyotaChecksum(0x320, hex('80200000000000ca'), 0, 7), 0xca);
  assert.is(toyotaChecksum(0x0b4, hex('0000000061016684'), 0, 8), 0x84);
  // 2005 Prius 0x3CB, 7 bytes 105 107 0 101 21 21 + check byte 56 (eaa-phev.net wiki, Prius PHEV TechInfo talk).
  assert.is(toyotaChecksum(0x3cb, Uint8Array.of(105, 107, 0, 101, 21, 21, 56), 0, 7), 56);
});

test('Honda nibble sum matches opendbc test_honda_checksum (standard and extended id)', () => {
  // honda_accord_2018 LKAS_HUD (0x33D) and LKAS_HUD_A (0x33DA), 8 bytes (_lkas_hud_8byte.dbc):
  // SET_ME_X41=0x41 -> byte 0, STEERING_REQUIRED=1, SOLID_LANES=1 -> byte 1 = 0x05,
  // COUNTER in bits 5..4 of byte 7. opendbc's "known correct checksums": [11,10,9,8] and [4,3,2,1].
  for (let counter = 0; counter < 4; counter++) {
    const f = hex('4105000000000000');
    f[7] = counter << 4;
    assert.is(hondaChecksum(0x33d, false, f, 0, 8), 11 - counter, `std counter ${counter}`);
    assert.is(hondaChecksum(0x33da, true, f, 0, 8), 4 - counter, `ext counter ${counter}`);
  }
});

test('Chrysler CRC matches the known-good LKAS_COMMAND frame', () => {
  // commaai/openpilot selfdrive/car/chrysler/chryslercan_test.py: "14 00 00 00 20" -> good checksum 0xCC.
  assert.is(chryslerChecksum(hex('14000000 20cc'), 0, 6), 0xcc);
});

test('Tesla sum: worked examples', () => {
  // 0x118, bytes 01..07, checksum in byte 7: 0x18 + 0x01 + (1+2+...+7 = 0x1C) = 0x35.
  assert.is(teslaChecksum(0x118, hex('0102030405060700'), 0, 8, 7), 0x35);
  // Checksum in byte 0 (DI_torque, 0x108): 0x08 + 0x01 + 0x10 + 0x20 = 0x39; byte 0 itself is skipped.
  assert.is(teslaChecksum(0x108, hex('ff10200000000000'), 0, 8, 0), 0x39);
});

test('Subaru sum: worked example', () => {
  // 0x119 (Steering_Torque): 0x01 + 0x19 + bytes 1..7 (0x12 + 0xF0 + 0x01 = 0x103) = 0x11D -> 0x1D.
  assert.is(subaruChecksum(0x119, hex('ee12f00100000000'), 0, 8), 0x1d);
});

test('VW PQ XOR: worked examples, checksum in byte 0 and byte 7', () => {
  assert.is(xorChecksum(hex('00 0f 30 0c 00 00 00 00'), 0, 8, 0), 0x0f ^ 0x30 ^ 0x0c);
  assert.is(xorChecksum(hex('a5 5a ff 00 00 00 00 99'), 0, 8, 7), 0xa5 ^ 0x5a ^ 0xff);
});

/** Bit-by-bit CRC-16/XMODEM, written independently of the table-driven code under test. */
function slowXmodem(bytes: readonly number[]): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

test('Hyundai CAN FD CRC: bytes 2.., id lo, id hi, length constant', () => {
  const f = hex('0000 17 2a 00 ff 10 80');
  const body = [...f.subarray(2)];
  // 8-byte frame of 0x1CF: XOR 0x5F29 (opendbc _checksums.py hkg_can_fd_checksum).
  assert.is(hyundaiCanFdChecksum(0x1cf, f, 0, 8), slowXmodem([...body, 0xcf, 0x01]) ^ 0x5f29);
  const f16 = new Uint8Array(16).fill(0x5a);
  assert.is(hyundaiCanFdChecksum(0x50, f16, 0, 16), slowXmodem([...f16.subarray(2), 0x50, 0x00]) ^ 0x041d);
  const f24 = new Uint8Array(24).fill(0x01);
  assert.is(hyundaiCanFdChecksum(0x2a4, f24, 0, 24), slowXmodem([...f24.subarray(2), 0xa4, 0x02]) ^ 0x819d);
  const f32 = new Uint8Array(32);
  assert.is(hyundaiCanFdChecksum(0x1a0, f32, 0, 32), slowXmodem([...f32.subarray(2), 0xa0, 0x01]) ^ 0x9f5b);
  const f12 = new Uint8Array(12).fill(0x33);
  assert.is(hyundaiCanFdChecksum(0x1a0, f12, 0, 12), slowXmodem([...f12.subarray(2), 0xa0, 0x01]), 'no constant');
});

test('algorithms honour the byte offset', () => {
  const buf = new Uint8Array(20).fill(0xee);
  buf.set(hex('80200000000000ca'), 5);
  assert.is(toyotaChecksum(0x320, buf, 5, 7), 0xca);
  buf.set(hex('14000000 20cc'), 11);
  assert.is(chryslerChecksum(buf, 11, 6), 0xcc);
});

test.run();
