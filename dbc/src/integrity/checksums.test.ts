import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';
import {
  INTEGRITY_BAD_CHECKSUM, INTEGRITY_BAD_COUNTER, INTEGRITY_OK, INTEGRITY_TRUNCATED, IntegrityChecker,
  type ChecksumScheme,
} from './checksums.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** A signal as the DBC line `SG_ name : start|length@order+`; `order` 1 = Intel, 0 = Motorola. */
function sig(name: string, start: number, length: number, order: 0 | 1): Signal {
  return {
    name, startBit: start, length, byteOrder: order === 1 ? 'little_endian' : 'big_endian', signed: false,
    valueType: 'integer', factor: 1, offset: 0, minimum: 0, maximum: 0, unit: '', receivers: [],
    isMultiplexer: false, multiplexerSignal: null, multiplexerIds: null, choices: null, comment: null,
    attributes: {}, initialRaw: null, location: { file: 'test.dbc', line: 1, column: 1 },
  };
}

/** A message as `BO_ id name: length`, with the given signals. */
function msg(name: string, id: number, length: number, signals: Signal[], extended = false): Message {
  return {
    id, extended, name, length, isFd: length > 8, senders: [], signals, comment: null, attributes: {},
    cycleTimeMs: null, signalGroups: [], location: { file: 'test.dbc', line: 1, column: 1 },
  };
}

/** Payload filler: a fixed pseudo-random byte stream, so data bits are not all zero. */
function fill(d: Uint8Array, seed: number): Uint8Array {
  let x = seed;
  for (let i = 0; i < d.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = x >>> 24;
  }
  return d;
}

/** One message per scheme, laid out as in the real opendbc DBC named in the comment. */
const CASES: ReadonlyArray<{ scheme: ChecksumScheme; m: Message; counterBits: number }> = [
  // toyota_nodsu_pt_generated.dbc STEERING_LKA
  { scheme: 'toyota', counterBits: 6, m: msg('STEERING_LKA', 0x2e4, 5, [sig('COUNTER', 6, 6, 0), sig('CHECKSUM', 39, 8, 0)]) },
  // _lkas_hud_8byte.dbc LKAS_HUD (honda_accord_2018), standard and extended ids
  { scheme: 'honda', counterBits: 2, m: msg('LKAS_HUD', 0x33d, 8, [sig('CHECKSUM', 59, 4, 0), sig('COUNTER', 61, 2, 0)]) },
  { scheme: 'honda', counterBits: 2, m: msg('LKAS_HUD_A', 0x33da, 8, [sig('CHECKSUM', 59, 4, 0), sig('COUNTER', 61, 2, 0)], true) },
  // vw_mqb.dbc HCA_01 (one magic byte for all counters), ACC_06 (16 different ones), a made-up id without
  { scheme: 'vw_mqb', counterBits: 4, m: msg('HCA_01', 0x126, 8, [sig('CHECKSUM', 0, 8, 1), sig('COUNTER', 8, 4, 1)]) },
  { scheme: 'vw_mqb', counterBits: 4, m: msg('ACC_06', 0x122, 8, [sig('CHECKSUM', 0, 8, 1), sig('COUNTER', 8, 4, 1)]) },
  { scheme: 'vw_mqb', counterBits: 4, m: msg('NO_MAGIC', 0x5f0, 8, [sig('CHECKSUM', 0, 8, 1), sig('COUNTER', 8, 4, 1)]) },
  // vw_pq.dbc HCA_1 (checksum byte 0) and Airbag_1 (checksum byte 3)
  { scheme: 'vw_pq', counterBits: 4, m: msg('HCA_1', 0xd2, 5, [sig('CHECKSUM', 0, 8, 1), sig('COUNTER', 8, 4, 1)]) },
  { scheme: 'vw_pq', counterBits: 4, m: msg('Airbag_1', 0x50, 4, [sig('CHECKSUM', 24, 8, 1), sig('COUNTER', 20, 4, 1)]) },
  // hyundai_canfd_generated.dbc LKAS (16 bytes)
  { scheme: 'hyundai_canfd', counterBits: 8, m: msg('LKAS', 0x50, 16, [sig('CHECKSUM', 0, 16, 1), sig('COUNTER', 16, 8, 1)]) },
  // subaru_global_2017_generated.dbc ES_LKAS
  { scheme: 'subaru', counterBits: 4, m: msg('ES_LKAS', 0x122, 8, [sig('CHECKSUM', 0, 8, 1), sig('COUNTER', 8, 4, 1)]) },
  // tesla_model3_party.dbc DAS_steeringControl
  { scheme: 'tesla', counterBits: 4, m: msg('DAS_steeringControl', 0x488, 4,
    [sig('DAS_steeringControlChecksum', 24, 8, 1), sig('DAS_steeringControlCounter', 16, 4, 1)]) },
  // chrysler_pacifica_2017_hybrid_generated.dbc LKAS_COMMAND
  { scheme: 'chrysler', counterBits: 4, m: msg('LKAS_COMMAND', 0x292, 6, [sig('COUNTER', 39, 4, 0), sig('CHECKSUM', 47, 8, 0)]) },
];

/** The message of CASES called `name`. */
const caseMessage = (name: string): Message => CASES.find((c) => c.m.name === name)!.m;

for (const { scheme, m, counterBits } of CASES) {
  const label = `${scheme} ${m.name}`;

  test(`${label}: a sealed frame validates, and the checker covers it`, () => {
    const checker = new IntegrityChecker([m], scheme);
    assert.ok(checker.covers(0));
    assert.equal(checker.warnings, []);
    const d = fill(new Uint8Array(m.length), m.id);
    checker.seal(0, d, 0, m.length, 3);
    assert.is(checker.check(0, d, 0, m.length), INTEGRITY_OK);
    assert.equal(checker.stats, { checked: 1, badChecksum: 0, badCounter: 0, truncated: 0 });
  });

  test(`${label}: flipping any single bit of the frame gives BAD_CHECKSUM`, () => {
    const checker = new IntegrityChecker([m], scheme);
    const good = fill(new Uint8Array(m.length), m.id + 1);
    checker.seal(0, good, 0, m.length, 5);
    const bits = m.length * 8;
    for (let bit = 0; bit < bits; bit++) {
      const d = good.slice();
      d[bit >> 3]! ^= 1 << (bit & 7);
      assert.is(checker.check(0, d, 0, m.length), INTEGRITY_BAD_CHECKSUM, `bit ${bit}`);
    }
    assert.is(checker.stats.badChecksum, bits);
    assert.is(checker.check(0, good, 0, m.length), INTEGRITY_OK, 'bad frames left the counter state alone');
  });

  test(`${label}: counter must advance by one; wrap-around accepted, skips flagged`, () => {
    const checker = new IntegrityChecker([m], scheme);
    const modulo = 2 ** counterBits;
    const frame = (n: number): Uint8Array => {
      const d = fill(new Uint8Array(m.length), n);
      checker.seal(0, d, 0, m.length, n); // n is written modulo 2^bits
      return d;
    };
    for (let n = modulo - 3; n < modulo + 3; n++) {
      assert.is(checker.check(0, frame(n), 0, m.length), INTEGRITY_OK, `counter ${n % modulo}`);
    }
    assert.is(checker.check(0, frame(modulo + 4), 0, m.length), INTEGRITY_BAD_COUNTER, 'skipped one');
    assert.is(checker.check(0, frame(modulo + 5), 0, m.length), INTEGRITY_OK, 'resynchronised');
    assert.is(checker.check(0, frame(modulo + 5), 0, m.length), INTEGRITY_BAD_COUNTER, 'repeated');
    assert.is(checker.stats.badCounter, 2);
    checker.reset();
    assert.is(checker.check(0, frame(1), 0, m.length), INTEGRITY_OK, 'first frame after reset accepted');
  });
}

test('VW MQB: 16 recorded HCA_01 frames pass in order, wrap, and a skip is flagged', () => {
  // commaai/opendbc opendbc/can/tests/test_checksums.py test_vw_mqb_crc_HCA_01, counters 0..15.
  const recorded = [
    '00300dc005fe0700', '3e3154c005fe0700', 'a732bb4005fe0700', '963329c005fe0700', '5f34000003fe0700',
    '3b35ae4005fe0700', 'c7367a4005fe0700', '6f37764005fe0700', 'b138000003fe0700', 'd539000003fe0700',
    'ba3a69c005fe0700', '653b104005fe0700', '493c72c005fe0700', 'c63ddf4005fe0700', '1d3e2cc105fe0700',
    '9b3f204005fe0700',
  ].map(hex);
  const checker = new IntegrityChecker([caseMessage('HCA_01')], 'vw_mqb');
  for (const f of recorded) assert.is(checker.check(0, f, 0, 8), INTEGRITY_OK);
  assert.is(checker.check(0, recorded[0]!, 0, 8), INTEGRITY_OK, '15 -> 0');
  assert.is(checker.check(0, recorded[2]!, 0, 8), INTEGRITY_BAD_COUNTER, '0 -> 2');
  const resealed = recorded[5]!.slice();
  resealed[0] = 0;
  checker.seal(0, resealed, 0, 8);
  assert.equal(resealed, recorded[5], 'seal reproduces the recorded CRC');
});

test('Toyota: real 0x320 frame through the checker (checksum-only message)', () => {
  const m = msg('GEAR_PACKET', 0x320, 7, [sig('CHECKSUM', 55, 8, 0)]);
  const checker = new IntegrityChecker([m], 'toyota');
  assert.is(checker.check(0, hex('802000000000ca'), 0, 7), INTEGRITY_OK);
  assert.is(checker.check(0, hex('802000000000cb'), 0, 7), INTEGRITY_BAD_CHECKSUM);
});

test('short frame is TRUNCATED; longer frame checks only the DBC length', () => {
  const m = caseMessage('STEERING_LKA');
  const checker = new IntegrityChecker([m], 'toyota');
  const d = fill(new Uint8Array(8), 9);
  checker.seal(0, d, 0, 5, 1);
  assert.is(checker.check(0, d, 0, 4), INTEGRITY_TRUNCATED);
  assert.is(checker.check(0, d, 0, 8), INTEGRITY_OK, 'bytes 5..7 are padding');
  assert.equal(checker.stats, { checked: 2, badChecksum: 0, badCounter: 0, truncated: 1 });
});

test('works at a byte offset inside a larger buffer', () => {
  const m = caseMessage('HCA_01');
  const checker = new IntegrityChecker([m], 'vw_mqb');
  const buf = fill(new Uint8Array(32), 77);
  checker.seal(0, buf, 13, 8, 9);
  assert.is(checker.check(0, buf, 13, 8), INTEGRITY_OK);
  assert.is(buf[14]! & 0x0f, 9);
});

test('uncovered messages and scheme none: OK, not counted, seal is a no-op', () => {
  const plain = msg('PLAIN', 0x10, 8, [sig('SPEED', 0, 16, 1)]);
  const checker = new IntegrityChecker([plain, caseMessage('STEERING_LKA')], 'none');
  assert.is(checker.covers(0), false);
  assert.is(checker.covers(1), false);
  const d = fill(new Uint8Array(8), 1);
  const copy = d.slice();
  checker.seal(1, d, 0, 8);
  assert.equal(d, copy);
  assert.is(checker.check(1, d, 0, 8), INTEGRITY_OK);
  assert.is(checker.stats.checked, 0);
});

test('errors: bad index, buffer overrun, bad counters, missing counter', () => {
  const toyotaOnlyChecksum = msg('SPEED', 0xb4, 8, [sig('CHECKSUM', 63, 8, 0)]);
  const checker = new IntegrityChecker([caseMessage('STEERING_LKA'), toyotaOnlyChecksum], 'toyota');
  const d = new Uint8Array(8);
  assert.throws(() => checker.check(2, d, 0, 5), (e: Error) =>
    e.name === 'DbcError' && e.message === 'message index 2 is out of range 0..1');
  assert.throws(() => checker.check(0, d, 4, 5), (e: Error & { code?: string }) => e.name === 'FrameDecodeError'
    && e.code === 'BAD_INPUT' && e.message === 'STEERING_LKA: frame at offset 4, length 5 does not fit a 8-byte buffer');
  assert.throws(() => checker.seal(0, d, 0, 4), (e: Error & { code?: string }) => e.code === 'OUT_OF_RANGE'
    && e.message === 'STEERING_LKA: needs 5 bytes at offset 0, got length 4 in a 8-byte buffer');
  assert.throws(() => checker.seal(0, d, 0, 5, -1), (e: Error) => e.message === 'STEERING_LKA.COUNTER: counter -1 is negative');
  assert.throws(() => checker.seal(0, d, 0, 5, 1.5), (e: Error & { code?: string }) => e.code === 'NOT_A_NUMBER');
  assert.throws(() => checker.seal(1, d, 0, 8, 1), (e: Error & { code?: string }) => e.code === 'MISSING_SIGNAL'
    && e.message === 'SPEED: has no counter to write under scheme toyota');
});

test.run();
