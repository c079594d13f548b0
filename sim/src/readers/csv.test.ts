import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { traceFormatContract } from '../../test/contracts/trace-format-contract.ts';
import { bytes, frame, readAll, tempDir, writeAll } from '../../test/trace-fixtures.ts';
import { createCsvWriter, openCsvReader, splitCsvRow } from './csv.ts';

traceFormatContract({
  format: 'csv',
  open: openCsvReader,
  create: createCsvWriter,
  keepsBusNames: true,
  // CSV carries every field.
  errorFrames: [
    frame({ timestampUs: 1_000_000, id: 0x80, error: true, data: bytes('00 01 02 03 04 05 06 07') }),
    frame({ timestampUs: 2_000_000, bus: 'vcan1', id: 0x1234567, extended: true, error: true, fd: true, data: new Uint8Array(12) }),
  ],
  keepsSubMicros: true,
  takesEarlierFrames: true,
});

const tmp = tempDir('csv');
test.after(() => tmp.cleanup());

test('the documented columns, quoting of odd bus names', async () => {
  const path = tmp.path('out.csv');
  const frames = [
    frame({ timestampUs: 1436509052249713, id: 0x44, data: bytes('2A366C2BBA') }),
    frame({ timestampUs: 1.5, bus: 'bus "A", left', id: 0x18fef100, extended: true, fd: true, brs: true, data: new Uint8Array(12) }),
  ];
  await writeAll(createCsvWriter(path), frames);
  assert.is(readFileSync(path, 'utf8'), [
    'timestamp,bus,id,extended,fd,brs,esi,rtr,error,data',
    '1436509052.249713,can0,0x44,0,0,0,0,0,0,2A366C2BBA',
    '0.000001500,"bus ""A"", left",0x18FEF100,1,1,1,0,0,0,000000000000000000000000',
    '',
  ].join('\n'));
  assert.equal(await readAll(openCsvReader(path)), frames);
});

test('python-can CSV (base64 data, no bus) reads too', async () => {
  const path = tmp.path('pycan.csv');
  writeFileSync(path, [
    'timestamp,arbitration_id,extended,remote,error,dlc,data',
    '1483389946.197,0x00dadada,1,0,0,6,WzQyLCA5XQ==',
    '1e-05,0x123,0,1,0,8,',
  ].join('\n'));
  assert.equal(await readAll(openCsvReader(path, { busPrefix: 'vcan' })), [
    frame({ timestampUs: 1483389946197000, bus: 'vcan0', id: 0xdadada, extended: true, data: Uint8Array.from(Buffer.from('[42, 9]')) }),
    frame({ timestampUs: 10, bus: 'vcan0', id: 0x123, rtr: true }),
  ]);
});

test('rows: quoted fields', () => {
  assert.equal(splitCsvRow('a,"b,c","d""e",'), ['a', 'b,c', 'd"e', '']);
  assert.is(splitCsvRow('a,"b'), 'unterminated quoted field');
});

test('malformed header and rows: file:line with the reason', async () => {
  const path = tmp.path('bad.csv');
  writeFileSync(path, [
    'timestamp,bus,id,extended,fd,brs,esi,rtr,error,data',
    '1.0,can0,0x123,0,0,0,0,0,0,0102',
    '1.0,can0,0x123,0,0,0,0,0,0',
    '1.0,can0,0x123,2,0,0,0,0,0,01',
    '1.0,can0,0x923,0,0,0,0,0,0,01',
    'x,can0,0x123,0,0,0,0,0,0,01',
  ].join('\n'));
  const errors: string[] = [];
  const reader = openCsvReader(path, { skipMalformed: true, onMalformed: (e) => errors.push(e.message) });
  assert.equal((await readAll(reader)).length, 1);
  assert.equal(errors, [
    `${path}:3: expected 10 fields, found 9: "1.0,can0,0x123,0,0,0,0,0,0"`,
    `${path}:4: expected 0 or 1 for extended: "1.0,can0,0x123,2,0,0,0,0,0,01"`,
    `${path}:5: id 0x923 exceeds 0x7FF: "1.0,can0,0x923,0,0,0,0,0,0,01"`,
    `${path}:6: expected a timestamp in seconds, not "x": "x,can0,0x123,0,0,0,0,0,0,01"`,
  ]);
  const noHeader = tmp.path('noheader.csv');
  writeFileSync(noHeader, '1.0,can0,0x123,0,0,0,0,0,0,0102\n');
  const headerless = openCsvReader(noHeader, { skipMalformed: true, onMalformed: (e) => errors.push(e.message) });
  await readAll(headerless);
  assert.match(errors[4]!, `${noHeader}:1: expected the header "timestamp,bus,id,extended,fd,brs,esi,rtr,error,data"`);
});

test.run();
