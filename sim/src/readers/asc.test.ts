import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { TraceFormatError } from '../errors.ts';
import { traceFormatContract } from '../../test/contracts/trace-format-contract.ts';
import { bytes, frame, readAll, SAMPLES, tempDir, writeAll } from '../../test/trace-fixtures.ts';
import { parseAscDate } from './asc-date.ts';
import { createAscWriter, openAscReader } from './asc.ts';

traceFormatContract({
  format: 'asc',
  open: openAscReader,
  create: createAscWriter,
  keepsBusNames: false,
  // ASC says only "ErrorFrame" (and CANFD for FD errors): no id, no data.
  errorFrames: [
    frame({ timestampUs: 1_000_000, id: 0, error: true }),
    frame({ timestampUs: 2_000_000, bus: 'can1', id: 0, error: true, fd: true }),
  ],
  keepsSubMicros: false,
  takesEarlierFrames: true,
});

const tmp = tempDir('asc');
test.after(() => tmp.cleanup());
const write = (name: string, text: string): string => {
  const path = tmp.path(name);
  writeFileSync(path, text);
  return path;
};
/** `date Sam Sep 30 15:06:13.191 2017` of the python-can samples, as UTC µs. */
const SEP_30 = Date.UTC(2017, 8, 30, 15, 6, 13, 191) * 1000;
const zeros = (n: number): string => '00'.repeat(n);

test('python-can logfile.asc: 20 frames (errors, remote, extended, CAN FD), 19 other lines', async () => {
  const reader = openAscReader(join(SAMPLES, 'pythoncan_logfile.asc'));
  const frames = await readAll(reader);
  const j1939 = (t: number, bus: string, data: string): CanFrame => frame({ timestampUs: SEP_30 + t, bus, id: 0x18ebff00, extended: true, data: bytes(data) });
  assert.equal(frames, [
    frame({ timestampUs: SEP_30 + 2_501_000, error: true, id: 0 }),
    frame({ timestampUs: SEP_30 + 2_501_010, error: true, id: 0 }),
    frame({ timestampUs: SEP_30 + 2_501_020, bus: 'can1', error: true, id: 0 }),
    frame({ timestampUs: SEP_30 + 2_510_001, bus: 'can1', id: 0x100, rtr: true }),
    frame({ timestampUs: SEP_30 + 2_520_002, bus: 'can2', id: 0x200, rtr: true }),
    frame({ timestampUs: SEP_30 + 2_584_921, bus: 'can3', id: 0x300, rtr: true }),
    j1939(3_098_426, 'can0', '01 A0 0F A6 60 3B D1 40'),
    j1939(3_148_421, 'can0', '02 1F DE 80 25 DF C0 2B'),
    j1939(3_197_693, 'can0', '03 E1 00 4B FF FF 3C 0F'),
    j1939(3_248_765, 'can0', '04 00 4B FF FF FF FF FF'),
    frame({ timestampUs: SEP_30 + 17_876_708, id: 0x6f9, data: bytes('05 0C 00 00 00 00 00 00') }),
    frame({ timestampUs: SEP_30 + 17_876_976, id: 0x6f8, data: bytes('FF 00 0C FE 00 00 00 00') }),
    j1939(20_105_214, 'can1', '01 A0 0F A6 60 3B D1 40'),
    j1939(20_155_119, 'can1', '02 1F DE 80 25 DF C0 2B'),
    j1939(20_204_671, 'can1', '03 E1 00 4B FF FF 3C 0F'),
    j1939(20_248_887, 'can1', '04 00 4B FF FF FF FF FF'),
    frame({ timestampUs: SEP_30 + 30_005_071, bus: 'can1', id: 0x300, fd: true, brs: true, data: bytes('01 02 03 04 05 06 07 08') }),
    frame({ timestampUs: SEP_30 + 30_300_981, bus: 'can2', id: 0x50005, extended: true, rtr: true }),
    frame({ timestampUs: SEP_30 + 30_506_898, bus: 'can3', id: 0x4ee, fd: true, data: bytes(`01020304${zeros(59)}64`) }),
    frame({ timestampUs: SEP_30 + 30_806_898, bus: 'can4', id: 0, fd: true, error: true }),
  ]);
  // 39 non-blank lines: 4 header, 1 Begin, 1 End, 1 start, 3 chip status, 7 statistics, 2 J1939TP.
  assert.equal([reader.stats.frames, reader.stats.malformed, reader.stats.ignored], [20, 0, 19]);
});

test('python-can test_CanFdMessage64.asc: the frames python-can expects', async () => {
  const frames = await readAll(openAscReader(join(SAMPLES, 'pythoncan_test_CanFdMessage64.asc')));
  assert.equal(frames, [
    frame({ timestampUs: SEP_30 + 30_506_898, bus: 'can3', id: 0x4ee, fd: true, esi: true, data: bytes(`A1020304${zeros(59)}64`) }),
    frame({ timestampUs: SEP_30 + 31_506_898, bus: 'can3', id: 0x1c4d80a7, extended: true, fd: true, brs: true, data: bytes(`B1020304${zeros(59)}64`) }),
  ]);
});

test('python-can issue_1256.asc (12-hour date, no trigger block): 1457 frames', async () => {
  const start = Date.UTC(2014, 4, 27, 16, 9, 35) * 1000; // Tue May 27 04:09:35.000 pm 2014
  const reader = openAscReader(join(SAMPLES, 'pythoncan_issue_1256.asc'));
  const frames = await readAll(reader);
  assert.is(frames.length, 1457); // grep -c " Rx   d " gives 1457
  assert.equal(frames[0], frame({ timestampUs: start + 19_968, id: 0x64, data: bytes('64 00 00 00') }));
  assert.equal(frames[1456], frame({ timestampUs: start + 7_960_498, id: 0x12, data: bytes('00 01 00 00') }));
  assert.equal([reader.stats.malformed, reader.stats.ignored], [0, 4]);
});

test('relative timestamps and base dec; German month names; no date: µs from 0', async () => {
  const path = write('rel.asc', [
    'date Do Mär 02 12:30:00.250 am 2023',
    'base dec  timestamps relative',
    'no internal events logged',
    '   0.500000 1  291             Rx   d 2 1 255',
    '   0.250000 1  100x            Rx   d 1 16',
    '   1.000000 CANFD   2 Rx 291  1 1 9 12 1 2 3 4 5 6 7 8 9 10 11 12',
  ].join('\r\n'));
  const start = Date.UTC(2023, 2, 2, 0, 30, 0, 250) * 1000;
  assert.equal(await readAll(openAscReader(path)), [
    frame({ timestampUs: start + 500_000, id: 291, data: bytes('01 FF') }),
    frame({ timestampUs: start + 750_000, id: 100, extended: true, data: bytes('10') }),
    frame({ timestampUs: start + 1_750_000, bus: 'can1', id: 291, fd: true, brs: true, esi: true, data: bytes('0102030405060708090A0B0C') }),
  ]);
  const bare = write('bare.asc', '   0.019968 1  64              Rx   d 1 64\n');
  assert.equal(await readAll(openAscReader(bare)), [frame({ timestampUs: 19_968, id: 0x64, data: bytes('64') })]);
});

test('dates: English, German, 12-hour, invalid', () => {
  assert.is(parseAscDate('Sat Sep 30 15:06:13.191 2017'), SEP_30);
  assert.is(parseAscDate('Mo Dez 31 12:00:00 pm 2018'), Date.UTC(2018, 11, 31, 12) * 1000);
  assert.is(parseAscDate('Thu Feb 30 10:00:00.000 2017'), null);
  assert.is(parseAscDate('Thu Foo 01 10:00:00.000 2017'), null);
  assert.is(parseAscDate('Thu Feb 01 13:00:00.000 pm 2017'), null);
});

test('malformed lines: file:line, the reason, the line; skipMalformed accounts for every line', async () => {
  const lines = [
    'date Sat Sep 30 15:06:13.191 2017',
    'base hex  timestamps absolute',
    '   1.000000 1  123             Rx   d 8 01 02',
    'hello world',
    '   1.000000 1  800             Rx   d 0',
    '   1.000000 CANFD   1 Rx 123  1 0 9 13 00',
    '   1.000000 0  123             Rx   d 0',
    '   2.000000 1  124             Rx   d 1 AA',
    'date yesterday',
  ];
  const path = write('bad.asc', lines.join('\n'));
  const errors: TraceFormatError[] = [];
  const reader = openAscReader(path, { skipMalformed: true, onMalformed: (e) => errors.push(e) });
  assert.equal((await readAll(reader)).map((f) => f.id), [0x124]);
  assert.equal(errors.map((e) => e.message), [
    `${path}:3: expected 8 data bytes, found 2: "1.000000 1  123             Rx   d 8 01 02"`,
    `${path}:4: expected a timestamp, a header line or a // comment: "hello world"`,
    `${path}:5: standard id 800 exceeds 0x7FF: "1.000000 1  800             Rx   d 0"`,
    `${path}:6: expected a CAN FD data length, not "13": "1.000000 CANFD   1 Rx 123  1 0 9 13 00"`,
    `${path}:7: channel 0 does not exist (channels count from 1): "1.000000 0  123             Rx   d 0"`,
    `${path}:9: expected a date like "Sat Sep 30 15:06:13.191 2017": "date yesterday"`,
  ]);
  assert.equal([reader.stats.frames, reader.stats.malformed, reader.stats.ignored], [1, 6, 2]);
  assert.equal(reader.stats.frames + reader.stats.malformed + reader.stats.ignored, lines.length);
  try {
    await readAll(openAscReader(path));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, TraceFormatError);
    assert.is((err as TraceFormatError).line, 3);
  }
});

test('writes CANoe-style lines: header with the first frame date, times from it', async () => {
  const path = tmp.path('out.asc');
  const t0 = SEP_30 + 2_501_000;
  await writeAll(createAscWriter(path), [
    frame({ timestampUs: t0, id: 0x18ebff00, extended: true, data: bytes('01 A0 0F A6 60 3B D1 40') }),
    frame({ timestampUs: t0 + 9_000, bus: 'can1', id: 0x100, rtr: true }),
    frame({ timestampUs: t0 + 10_000, error: true, id: 0 }),
    frame({ timestampUs: t0 + 20_000, bus: 'can1', id: 0x300, fd: true, brs: true, data: bytes('01 02 03 04 05 06 07 08') }),
  ]);
  assert.is(readFileSync(path, 'utf8'), [
    'date Sat Sep 30 15:06:15.692 2017',
    'base hex  timestamps absolute',
    'internal events logged',
    '// version 13.0.0',
    'Begin Triggerblock Sat Sep 30 15:06:15.692 2017',
    '   0.000000 Start of measurement',
    '   0.000000 1  18EBFF00x       Rx   d 8 01 A0 0F A6 60 3B D1 40',
    '   0.009000 2  100             Rx   r',
    '   0.010000 1  ErrorFrame',
    `   0.020000 CANFD   2 Rx       300 ${' '.repeat(32)} 1 0 8  8 01 02 03 04 05 06 07 08 0 0 3000 0 0 0 0 0`,
    'End TriggerBlock',
    '',
  ].join('\n'));
});

test.run();
