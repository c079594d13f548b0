import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TraceFormatError } from '../errors.ts';
import { commonFrames, traceFormatContract } from '../../test/contracts/trace-format-contract.ts';
import { bytes, frame, readAll, SAMPLES, tempDir } from '../../test/trace-fixtures.ts';
import { createCandumpWriter, openCandumpReader } from './candump.ts';
import { parseCandumpLine } from './candump-line.ts';

traceFormatContract({
  format: 'candump',
  open: openCandumpReader,
  create: createCandumpWriter,
  keepsBusNames: true,
  // Error frames keep id and data, but always read back as not extended (8 digits come from CAN_ERR_FLAG).
  errorFrames: [
    frame({ timestampUs: 1_000_000, id: 0x080, error: true, data: bytes('00 00 00 00 00 00 00 00') }),
    frame({ timestampUs: 2_000_000, bus: 'vcan1', id: 0x004, error: true }),
  ],
  keepsSubMicros: false,
  takesEarlierFrames: true,
});

const tmp = tempDir('candump');
test.after(() => tmp.cleanup());

test('the MoTeC sample: 20000 frames, first and last as in the file', async () => {
  const reader = openCandumpReader(join(SAMPLES, 'moteclog_can_sample_head20000.log'));
  const frames = await readAll(reader);
  assert.is(frames.length, 20000);
  // (1631416514.717133) can0 0D2#0000FFFF10000000
  assert.equal(frames[0], frame({ timestampUs: 1631416514717133, id: 0x0d2, data: bytes('0000FFFF10000000') }));
  // (1631416536.586348) can0 144#C001A31503288006
  assert.equal(frames[19999], frame({ timestampUs: 1631416536586348, id: 0x144, data: bytes('C001A31503288006') }));
  assert.equal(reader.stats, { frames: 20000, malformed: 0, ignored: 0, bytesRead: 903500 });
});

test('the fast path and parseCandumpLine agree on every line, odd ones included', async () => {
  const lines = [
    '(1436509052.249713) vcan0 044#2A366C2BBA',
    '(1436509052.249713) vcan0 044#2a366c2bba',
    '(1436509052.249713) vcan0 044#2A366C2BBA\r',
    '  (1436509052.249713)  vcan0\t044#2A366C2BBA  ',
    '(1436509052.2497) can0 123#00',
    '(1436509052.249713123) can0 123#00',
    '(0.000001) can1 18FEF100#01',
    '(1.000000) can0 123##3' + '11'.repeat(12),
    '(1.000000) can0 123##0',
    '(1.000000) can0 123#R',
    '(1.000000) can0 123#r',
    '(1.000000) can0 123#R8',
    '(1.000000) can0 20000080#0000000000000000',
    '(1.000000) can0 123#11.22.33',
    '(1.000000) can\u00e9 123#11',
    '(1.000000) can0 123#',
  ];
  const path = tmp.path('odd.log');
  writeFileSync(path, lines.join('\n'));
  const got = await readAll(openCandumpReader(path));
  const expected = lines.map((l) => parseCandumpLine(l));
  assert.ok(expected.every((f) => typeof f === 'object'));
  assert.equal(got, expected);
});

test('a malformed line stops the read with file:line and the line', async () => {
  const path = tmp.path('bad.log');
  writeFileSync(path, '(1.000000) can0 123#00\n\n(1.000000) can0 12#00\n(1.000001) can0 123#01\n');
  try {
    await readAll(openCandumpReader(path));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, TraceFormatError);
    assert.is((err as Error).message, `${path}:3: id must have 3 (standard) or 8 (extended) hex digits, not 2: "(1.000000) can0 12#00"`);
    assert.equal([(err as TraceFormatError).line, (err as TraceFormatError).offset], [3, null]);
  }
});

test('skipMalformed counts and reports each bad line and keeps the good ones', async () => {
  const path = tmp.path('skip.log');
  writeFileSync(path, 'garbage\n(1.000000) can0 123#00\n(1.000000) can0 123#0\n(2.000000) can0 124#01\n');
  const seen: string[] = [];
  const reader = openCandumpReader(path, { skipMalformed: true, onMalformed: (e) => seen.push(e.message) });
  assert.equal((await readAll(reader)).map((f) => f.id), [0x123, 0x124]);
  assert.equal(reader.stats, { frames: 2, malformed: 2, ignored: 0, bytesRead: statSync(path).size });
  assert.equal(seen, [
    `${path}:1: expected "(seconds.micros) interface ID#DATA": "garbage"`,
    `${path}:3: data must be an even number of hex digits, not "0": "(1.000000) can0 123#0"`,
  ]);
});

test('a line longer than a chunk is malformed and skipped up to its end', async () => {
  const path = tmp.path('long.log');
  writeFileSync(path, `(1.000000) can0 123#00\n(1.000000) can0 123#${'0'.repeat(5000)}\n(2.000000) can0 124#01`);
  const reader = openCandumpReader(path, { chunkBytes: 1024, skipMalformed: true });
  assert.equal((await readAll(reader)).map((f) => f.id), [0x123, 0x124]);
  assert.equal([reader.stats.frames, reader.stats.malformed], [2, 1]);
  try {
    await readAll(openCandumpReader(path, { chunkBytes: 1024 }));
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, new RegExp(`^${path}:2: line longer than 1024 bytes: "\\(1\\.000000\\) can0 123#0000`));
  }
});

test('written lines are byte-identical to can-utils candump -l', async () => {
  const path = tmp.path('out.log');
  const writer = createCandumpWriter(path);
  for (const f of commonFrames(1_436_509_052_249_713).slice(0, 3)) await writer.write(f);
  await writer.close();
  assert.is(
    readFileSync(path, 'utf8'),
    '(1436509052.249713) can0 123#010203\n(1436509052.249714) can1 18FEF100#1122334455667788\n(1436509052.249963) can0 7FF#R\n',
  );
});

test.run();
