import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceFormatError } from '../errors.ts';
import { traceFormatContract } from '../../test/contracts/trace-format-contract.ts';
import { bytes, frame, readAll, SAMPLES, tempDir, writeAll } from '../../test/trace-fixtures.ts';
import { createTrcWriter, openTrcReader, parseOleDate } from './trc.ts';

traceFormatContract({
  format: 'trc',
  open: openTrcReader,
  create: createTrcWriter,
  keepsBusNames: false,
  // ER rows have no id and no CAN FD flag; their data bytes survive.
  errorFrames: [
    frame({ timestampUs: 1_000_000, id: 0, error: true, data: bytes('04 00 01 02 03') }),
    frame({ timestampUs: 2_000_000, bus: 'can1', id: 0, error: true }),
  ],
  keepsSubMicros: false,
  takesEarlierFrames: true,
});

const tmp = tempDir('trc');
test.after(() => tmp.cleanup());
const write = (name: string, lines: string[]): string => {
  const path = tmp.path(name);
  writeFileSync(path, lines.join('\r\n'));
  return path;
};
/** Start time 18.12.2021 14:28:07.062.001 of the PEAK samples (their comment), as UTC µs. */
const DEC_18 = Date.UTC(2021, 11, 18, 14, 28, 7, 62) * 1000 + 1;
const zeros8 = bytes('00 00 00 00 00 00 00 00');

/** The 11 frames both PEAK samples hold (rows 1-12 without the bus-status row 2). */
function peakSampleFrames(): CanFrame[] {
  const ext = (ms: number): CanFrame => frame({ timestampUs: DEC_18 + ms * 1000, id: 0x100, extended: true, data: zeros8 });
  const std = (ms: number): CanFrame => frame({ timestampUs: DEC_18 + ms * 1000, id: 0, data: zeros8 });
  return [
    ext(17535.4), ext(17700.3), ext(17873.8), std(19295.4), std(19500.6), std(19705.2),
    ext(20592.7), ext(20798.6), ext(20956.0), ext(21097.1),
    frame({ timestampUs: DEC_18 + 48_937_600, id: 0x704, rtr: true }),
  ].map((f) => ({ ...f, timestampUs: Math.round(f.timestampUs) }));
}

test('PEAK samples 1.1 and 2.1: the same 11 frames, $STARTTIME as UTC; status rows ignored', async () => {
  for (const [name, ignored] of [['pythoncan_test_CanMessage_V1_1.trc', 15], ['pythoncan_test_CanMessage_V2_1.trc', 19]] as const) {
    const reader = openTrcReader(join(SAMPLES, name));
    assert.equal(await readAll(reader), peakSampleFrames(), name);
    assert.equal([reader.stats.frames, reader.stats.malformed, reader.stats.ignored], [11, 0, ignored], name);
  }
});

test('OLE start dates', () => {
  assert.is(parseOleDate('44548.6028595139'), DEC_18);
  assert.is(parseOleDate('25569'), 0);
  assert.is(parseOleDate('25569.5'), 43_200_000_000);
  assert.is(parseOleDate('yesterday'), null);
});

test('version 1.0 (no header): times from 0, bus-info rows skipped, RTR', async () => {
  const path = write('v10.trc', [
    ';##########################################################################',
    '   1)      1841  0001  8  00 11 22 33 44 55 66 77',
    '   2)      1842  FFFFFFFF  4  00 00 00 08',
    '   3)      1843  18FEF100 2  AA BB',
    '   4)      1844  0123  1  RTR',
  ]);
  assert.equal(await readAll(openTrcReader(path)), [
    frame({ timestampUs: 1_841_000, id: 1, data: bytes('0011223344556677') }),
    frame({ timestampUs: 1_843_000, id: 0x18fef100, extended: true, data: bytes('AABB') }),
    frame({ timestampUs: 1_844_000, id: 0x123, rtr: true }),
  ]);
});

test('version 1.3: bus column, reserved column, Error rows', async () => {
  const start = parseOleDate('43000.5')!;
  const path = write('v13.trc', [
    ';$FILEVERSION=1.3',
    ';$STARTTIME=43000.5',
    '     1)      1059.900 1  Rx        0300 -  8    00 00 00 00 04 00 00 00',
    '     2)      1060.125 2  Tx    18FEF100 -  2    AA BB',
    '     3)      1061.000 1  Error 00000004 -  0',
  ]);
  assert.equal(await readAll(openTrcReader(path)), [
    frame({ timestampUs: start + 1_059_900, id: 0x300, data: bytes('0000000004000000') }),
    frame({ timestampUs: start + 1_060_125, bus: 'can1', id: 0x18fef100, extended: true, data: bytes('AABB') }),
    frame({ timestampUs: start + 1_061_000, id: 4, extended: true, error: true }),
  ]);
});

test('version 2.0 (data length column l): every row type', async () => {
  const start = parseOleDate('43000')!;
  const sixtyFour = Array.from({ length: 64 }, (_, i) => (i & 0xff).toString(16).padStart(2, '0')).join(' ');
  const path = write('v20.trc', [
    ';$FILEVERSION=2.0',
    ';$STARTTIME=43000',
    ';$COLUMNS=N,O,T,I,d,l,D',
    '      1         1.000 DT     0123 Rx 2    01 02',
    '      2         2.000 FD     0456 Rx 12   00 01 02 03 04 05 06 07 08 09 0A 0B',
    '      3         3.000 FB 18FEF100 Tx 0',
    `      4         4.000 BI     0001 Rx 64   ${sixtyFour}`,
    '      5         5.000 FE     0002 Rx 1    FF',
    '      6         6.000 RR     0003 Rx 0',
    '      7         7.000 ST        - Rx 4    00 00 00 08',
    '      8         8.000 ER        - Rx 5    04 00 01 02 03',
    '      9         9.000 EV        - - - user event',
  ]);
  const reader = openTrcReader(path);
  assert.equal(await readAll(reader), [
    frame({ timestampUs: start + 1_000, id: 0x123, data: bytes('0102') }),
    frame({ timestampUs: start + 2_000, id: 0x456, fd: true, data: bytes('000102030405060708090A0B') }),
    frame({ timestampUs: start + 3_000, id: 0x18fef100, extended: true, fd: true, brs: true }),
    frame({ timestampUs: start + 4_000, id: 1, fd: true, brs: true, esi: true, data: bytes(sixtyFour) }),
    frame({ timestampUs: start + 5_000, id: 2, fd: true, esi: true, data: bytes('FF') }),
    frame({ timestampUs: start + 6_000, id: 3, rtr: true }),
    frame({ timestampUs: start + 8_000, id: 0, error: true, data: bytes('0400010203') }),
  ]);
  assert.equal([reader.stats.frames, reader.stats.ignored], [7, 5]);
});

test('version 2.1: default columns without $COLUMNS, custom column order, DLC column', async () => {
  const path = write('v21.trc', [
    ';$FILEVERSION=2.1',
    '      1         1.000 FD 3     0456 Rx -  9    00 01 02 03 04 05 06 07 08 09 0A 0B',
  ]);
  assert.equal(await readAll(openTrcReader(path)), [frame({ timestampUs: 1_000, bus: 'can2', id: 0x456, fd: true, data: bytes('000102030405060708090A0B') })]);
  const custom = write('v21c.trc', [';$FILEVERSION=2.1', ';$COLUMNS=N,O,T,B,I,d,L,D', '      1         1.000 DT 1     0456 Rx 2 AA BB']);
  assert.equal(await readAll(openTrcReader(custom)), [frame({ timestampUs: 1_000, id: 0x456, data: bytes('AABB') })]);
});

test('malformed headers and rows: file:line, reason, line', async () => {
  const path = write('bad.trc', [
    ';$FILEVERSION=3.0',
    ';$FILEVERSION=2.1',
    ';$COLUMNS=N,O,T,X,D',
    ';$STARTTIME=soon',
    '      1         1.000 DT 1     0456 Rx -  2    AA',
    '      2         1.000 XX 1     0456 Rx -  2    AA BB',
    '      3         1.000 DT 0     0456 Rx -  2    AA BB',
    '      4       1,000.0 DT 1     0456 Rx -  2    AA BB',
    '      5         2.000 DT 1     0457 Rx -  1    CC',
  ]);
  const errors: TraceFormatError[] = [];
  const reader = openTrcReader(path, { skipMalformed: true, onMalformed: (e) => errors.push(e) });
  assert.equal(await readAll(reader), [frame({ timestampUs: 2_000, id: 0x457, data: bytes('CC') })]);
  assert.equal(errors.map((e) => e.message), [
    `${path}:1: unsupported TRC version "3.0" (read: 1.0, 1.1, 1.2, 1.3, 2.0, 2.1): ";$FILEVERSION=3.0"`,
    `${path}:3: unknown column "X": ";$COLUMNS=N,O,T,X,D"`,
    `${path}:4: expected a start time in days since 1899-12-30, like 44548.6028595139: ";$STARTTIME=soon"`,
    `${path}:5: expected 2 data bytes, found 1: "1         1.000 DT 1     0456 Rx -  2    AA"`,
    `${path}:6: expected a row type (DT, FD, FB, FE, BI, RR, ER, ST, EC, EV), not "XX": "2         1.000 XX 1     0456 Rx -  2    AA BB"`,
    `${path}:7: expected a bus number, not "0": "3         1.000 DT 0     0456 Rx -  2    AA BB"`,
    `${path}:8: expected a time offset in ms, not "1,000.0": "4       1,000.0 DT 1     0456 Rx -  2    AA BB"`,
  ]);
  assert.equal(reader.stats.frames + reader.stats.malformed + reader.stats.ignored, 9);
});

test('writes 2.1 rows; $STARTTIME is on the 864 µs grid, so offsets are exact', async () => {
  const path = tmp.path('out.trc');
  await writeAll(createTrcWriter(path), [
    frame({ timestampUs: DEC_18 + 17_535_400, id: 0x100, extended: true, data: zeros8 }),
    frame({ timestampUs: DEC_18 + 17_540_300, bus: 'can1', id: 0x7ff, rtr: true }),
    frame({ timestampUs: DEC_18 + 17_540_301, id: 0x12, fd: true, brs: true, data: bytes('01 02 03 04 05 06 07 08 09 0A 0B 0C') }),
  ]);
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = Math.floor((DEC_18 + 17_535_400) / 864) * 864;
  assert.is(lines[1], `;$STARTTIME=${25569 + Math.floor(start / 86_400_000_000)}.${String((start % 86_400_000_000) / 864).padStart(8, '0')}`);
  assert.is(parseOleDate(lines[1]!.split('=')[1]!), start);
  const offset = (DEC_18 + 17_535_400 - start) / 1000;
  assert.equal(lines.slice(12), [
    `      1 ${offset.toFixed(3).padStart(13)} DT  1 00000100 Rx -  8    00 00 00 00 00 00 00 00`,
    `      2 ${(offset + 4.9).toFixed(3).padStart(13)} RR  2     07FF Rx -  0`,
    `      3 ${(offset + 4.901).toFixed(3).padStart(13)} FB  1     0012 Rx -  9    01 02 03 04 05 06 07 08 09 0A 0B 0C`,
    '',
  ]);
});

test.run();
