import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatCandumpLine, parseCandumpLine } from './candump-line.ts';

const SAMPLE = new URL('../../samples/moteclog-drive.log', import.meta.url);

test('parses classic, extended, CAN FD, remote and error frames', () => {
  const classic = parseCandumpLine('(1436509052.249713) vcan0 044#2A366C2BBA');
  assert.equal(typeof classic === 'object' && [classic.timestampUs, classic.bus, classic.id, classic.extended, [...classic.data]], [1436509052249713, 'vcan0', 0x44, false, [0x2a, 0x36, 0x6c, 0x2b, 0xba]]);
  const ext = parseCandumpLine('(0.000001) can1 18FEF100#01');
  assert.equal(typeof ext === 'object' && [ext.id, ext.extended, ext.timestampUs], [0x18fef100, true, 1]);
  const fd = parseCandumpLine('(1.5) can0 123##3' + '11'.repeat(12));
  assert.equal(typeof fd === 'object' && [fd.fd, fd.brs, fd.esi, fd.data.length], [true, true, true, 12]);
  const rtr = parseCandumpLine('(1.0) can0 123#R');
  assert.equal(typeof rtr === 'object' && [rtr.rtr, rtr.data.length, rtr.rtrLength], [true, 0, undefined]);
  const asked = parseCandumpLine('(1.0) can0 123#R4');
  assert.equal(typeof asked === 'object' && [asked.rtr, asked.rtrLength, formatCandumpLine(asked)], [true, 4, '(1.000000) can0 123#R4']);
  assert.is(parseCandumpLine('(1.0) can0 123#R9'), 'remote frame length must be one digit 0-8, not "9"');
  const err = parseCandumpLine('(1.0) can0 20000080#0000000000000000');
  assert.equal(typeof err === 'object' && [err.error, err.id], [true, 0x80]);
});

test('malformed lines give a reason, never a frame', () => {
  assert.is(parseCandumpLine('hello'), 'expected "(seconds.micros) interface ID#DATA"');
  assert.is(parseCandumpLine('(1.0) can0 12#00'), 'id must have 3 (standard) or 8 (extended) hex digits, not 2');
  assert.is(parseCandumpLine('(1.0) can0 123#0'), 'data must be an even number of hex digits, not "0"');
  assert.is(parseCandumpLine('(1.0) can0 123#000000000000000000'), '9 data bytes is not a valid CAN length');
  assert.is(parseCandumpLine('(1.0) can0 123##0' + '00'.repeat(9)), '9 data bytes is not a valid CAN FD length');
  assert.is(parseCandumpLine('(1.0) can0 923#00'), 'standard id 923 exceeds 0x7FF');
});

test('format(parse(line)) is byte-identical for every line of a real candump log', () => {
  const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
  assert.is(lines.length, 20000);
  for (const line of lines) {
    const f = parseCandumpLine(line);
    if (typeof f === 'string') assert.unreachable(`${line}: ${f}`);
    else assert.is(formatCandumpLine(f), line);
  }
});

test.run();
