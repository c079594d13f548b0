import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';
import { signalRole } from './checksum-schemes.ts';
import { CHECKSUM_SCHEMES, INTEGRITY_BAD_COUNTER, INTEGRITY_OK, IntegrityChecker, checksumSchemeForFile } from './checksums.ts';

/** A signal as the DBC line `SG_ name : start|length@order+` at `line` of test.dbc. */
function sig(name: string, start: number, length: number, order: 0 | 1, line = 1): Signal {
  return {
    name, startBit: start, length, byteOrder: order === 1 ? 'little_endian' : 'big_endian', signed: false,
    valueType: 'integer', factor: 1, offset: 0, minimum: 0, maximum: 0, unit: '', receivers: [],
    isMultiplexer: false, multiplexerSignal: null, multiplexerIds: null, choices: null, comment: null,
    attributes: {}, initialRaw: null, location: { file: 'test.dbc', line, column: 2 },
  };
}

function msg(name: string, id: number, length: number, signals: Signal[]): Message {
  return {
    id, extended: false, name, length, isFd: length > 8, senders: [], signals, comment: null, attributes: {},
    cycleTimeMs: null, signalGroups: [], location: { file: 'test.dbc', line: 1, column: 1 },
  };
}

test('CHECKSUM_SCHEMES lists every scheme once', () => {
  assert.equal([...CHECKSUM_SCHEMES],
    ['toyota', 'honda', 'vw_mqb', 'vw_pq', 'hyundai_canfd', 'subaru', 'tesla', 'chrysler', 'none']);
});

test('checksumSchemeForFile follows opendbc file-name prefixes', () => {
  const expected: Record<string, string> = {
    'toyota_nodsu_pt_generated.dbc': 'toyota',
    'toyota_secoc_pt_generated': 'toyota',
    'lexus_is_2018_pt_generated.dbc': 'toyota',
    'honda_civic_touring_2016_can_generated.dbc': 'honda',
    'acura_ilx_2016_can_generated.dbc': 'honda',
    'vw_mqb.dbc': 'vw_mqb',
    'vw_mqbevo.dbc': 'vw_mqb',
    'vw_meb_generated.dbc': 'vw_mqb',
    'vw_pq.dbc': 'vw_pq',
    'vw_mlb.dbc': 'none',
    'hyundai_canfd_generated.dbc': 'hyundai_canfd',
    'hyundai_can_generated.dbc': 'none',
    'subaru_global_2017_generated.dbc': 'subaru',
    'subaru_outback_2015_generated.dbc': 'none',
    'tesla_model3_party.dbc': 'tesla',
    'tesla_can.dbc': 'none',
    'chrysler_pacifica_2017_hybrid_generated.dbc': 'chrysler',
    'chrysler_cusw.dbc': 'chrysler',
    'fca_giorgio.dbc': 'none',
    '/work/shared/data/dbc/opendbc/vw_mqb.dbc': 'vw_mqb',
    'C:\\dbc\\honda_insight_ex_2019_can_generated.dbc': 'honda',
    'mazda_2017.dbc': 'none',
    '': 'none',
  };
  for (const [file, scheme] of Object.entries(expected)) assert.is(checksumSchemeForFile(file), scheme, file);
});

test('signal roles: exact CHECKSUM/COUNTER everywhere, Tesla suffixes only for tesla', () => {
  assert.is(signalRole('honda', 'CHECKSUM'), 'checksum');
  assert.is(signalRole('honda', 'COUNTER'), 'counter');
  assert.is(signalRole('vw_mqb', 'COUNTER_DISABLED'), null);
  assert.is(signalRole('hyundai_canfd', '_CHECKSUM'), null);
  assert.is(signalRole('tesla', 'DI_torqueChecksum'), 'checksum');
  assert.is(signalRole('tesla', 'DI_torqueCounter'), 'counter');
  assert.is(signalRole('toyota', 'DI_torqueCounter'), null);
  assert.is(signalRole('none', 'CHECKSUM'), null);
});

test('a checksum where the algorithm cannot use it is skipped with a warning (opendbc Subaru Steering)', () => {
  // subaru_global_2017_generated.dbc: BO_ 2 Steering: 8, SG_ CHECKSUM : 32|8@1+, SG_ COUNTER : 25|3@1+
  const steering = msg('Steering', 0x2, 8, [sig('CHECKSUM', 32, 8, 1, 40), sig('COUNTER', 25, 3, 1, 41)]);
  const checker = new IntegrityChecker([steering], 'subaru');
  assert.equal(checker.warnings, [{
    code: 'INTEGRITY_CHECKSUM_MISPLACED',
    message: 'Steering (0x2): CHECKSUM not checked: the subaru algorithm expected the whole of byte 0',
    location: { file: 'test.dbc', line: 40, column: 2 },
  }]);
  assert.ok(checker.covers(0), 'the counter is still checked');
  const d = new Uint8Array(8);
  d[3] = 1 << 1; // counter 1 in bits 25..27
  assert.is(checker.check(0, d, 0, 8), INTEGRITY_OK);
  assert.is(checker.check(0, d, 0, 8), INTEGRITY_BAD_COUNTER);
});

test('a 16-bit "COUNTER" is a measurement, not a rolling counter (Chrysler TRIP)', () => {
  const trip = msg('TRIP', 0x2e0, 8, [sig('COUNTER', 7, 16, 0)]);
  const checker = new IntegrityChecker([trip], 'chrysler');
  assert.is(checker.covers(0), false);
  assert.is(checker.warnings[0]!.code, 'INTEGRITY_COUNTER_TOO_WIDE');
  assert.is(checker.warnings[0]!.message, 'TRIP (0x2E0): COUNTER not checked: 16 bits is a measurement, not a rolling counter');
});

test('multiplexed and duplicate checksum/counter signals are reported, not used', () => {
  const muxed = sig('COUNTER', 8, 4, 1);
  muxed.multiplexerSignal = 'MUX';
  muxed.multiplexerIds = [1];
  const m1 = msg('MUXED', 0x100, 8, [sig('MUX', 0, 8, 1), muxed]);
  const m2 = msg('TWO', 0x101, 8, [sig('A_Counter', 8, 4, 1), sig('B_Counter', 12, 4, 1)]);
  const checker = new IntegrityChecker([m1, m2], 'tesla');
  assert.equal(checker.warnings.map((w) => w.code), ['INTEGRITY_MULTIPLEXED', 'INTEGRITY_DUPLICATE_ROLE']);
  assert.is(checker.covers(0), false);
  assert.is(checker.covers(1), true, 'the first counter is used');
});

test('Hyundai CRUISE_BUTTONS: _CHECKSUM is not a checksum, the 4-bit COUNTER is checked', () => {
  const buttons = msg('CRUISE_BUTTONS', 0x1cf, 8, [sig('_CHECKSUM', 0, 8, 1), sig('COUNTER', 12, 4, 1)]);
  const checker = new IntegrityChecker([buttons], 'hyundai_canfd');
  assert.ok(checker.covers(0));
  const d = new Uint8Array(8);
  checker.seal(0, d, 0, 8, 15);
  assert.is(d[1], 0xf0, 'counter in the high nibble of byte 1');
  assert.is(d[0], 0, 'no checksum written');
});

test.run();
