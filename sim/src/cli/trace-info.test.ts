import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../../runtime/src/cli/main.ts';
import { captureIo } from '../../test/cli-io.ts';
import { frame, readAll, SAMPLES } from '../../test/trace-fixtures.ts';
import { openTraceReader } from '../trace-io.ts';
import { frameSeconds } from '../trace-summary.ts';

const BIN = fileURLToPath(new URL('../../../runtime/bin/headunit.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'headunit-trace-info-'));
/** 1 s of can0 0x100 at 100 Hz and can1 0x18FEF100 at 10 Hz, 8 bytes each. */
const TRACE = join(dir, 'two.trc'); // candump content: the extension must not decide
const lines: string[] = [];
for (let ms = 0; ms <= 1000; ms += 10) {
  const t = `(${1700000000 + Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')})`;
  lines.push(`${t} can0 100#0102030405060708`);
  if (ms % 100 === 0) lines.push(`${t} can1 18FEF100#0102030405060708`);
}
writeFileSync(TRACE, lines.join('\n') + '\n');

async function headunit(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { io, out, err } = captureIo();
  const code = await main(args, io);
  return { code, out: out(), err: err() };
}

test('frame time on the bus: classic with worst-case stuffing, CAN FD with a fast data phase', () => {
  assert.is(frameSeconds(frame({ id: 1, data: new Uint8Array(8) }), 500_000, 2_000_000), 135 / 500_000);
  assert.is(frameSeconds(frame({ id: 1, extended: true, data: new Uint8Array(8) }), 500_000, 2_000_000), 160 / 500_000);
  assert.is(frameSeconds(frame({ id: 1, rtr: true }), 500_000, 2_000_000), (47 + 8) / 500_000);
  const fd = frameSeconds(frame({ id: 1, fd: true, brs: true, data: new Uint8Array(64) }), 500_000, 2_000_000);
  assert.is(fd, 30 / 500_000 + ((512 + 33) * 1.25) / 2_000_000);
});

test('trace info: format from content, counts, duration, per-bus rate and load, per-id rate and period', async () => {
  const r = await headunit(['trace', 'info', TRACE]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, `${TRACE}: candump -l log (candump, detected from content)`);
  assert.match(r.out, 'frames:    112  (0 error, 0 remote, 0 CAN FD)');
  assert.match(r.out, 'duration:  1.000 s  (2023-11-14T22:13:20.000Z .. 2023-11-14T22:13:21.000Z)');
  assert.match(r.out, /\n {2}can0 +101 frames +101\.0 frames\/s +load ~2\.7 %\n/);
  assert.match(r.out, /\n {2}can1 +11 frames +11\.0 frames\/s +load ~0\.4 %\n/);
  assert.match(r.out, /\n {2}can0 +0x100 +101 +101\.0 +10\.00 +8\n/);
  assert.match(r.out, /\n {2}can1 +0x18FEF100 +11 +11\.0 +100\.00 +8\n/);
  const json = JSON.parse((await headunit(['trace', 'info', TRACE, '--json', '--bitrate', '250k'])).out);
  assert.equal([json.format, json.frames, json.ids.length], ['candump', 112, 2]);
  assert.ok(Math.abs(json.buses[0].busySeconds - (101 * 135) / 250_000) < 1e-12, String(json.buses[0].busySeconds));
});

test('trace info on real samples of every format', async () => {
  for (const [file, format, frames] of [['pythoncan_logfile.asc', 'Vector ASC', /frames: +\d+/], ['pythoncan_test_CanFdMessage64.blf', 'Vector BLF', /frames: +\d+ .*[1-9]\d* CAN FD/], ['pythoncan_test_CanMessage_V1_1.trc', 'PEAK TRC', /frames: +\d+/]] as const) {
    const r = await headunit(['trace', 'info', SAMPLES + file]);
    assert.is(r.code, 0, `${file}: ${r.err}`);
    assert.match(r.out, `${SAMPLES + file}: ${format}`);
    assert.match(r.out, frames);
  }
});

test('a malformed line: exit 1 naming file:line; --skip-bad prints and counts it', async () => {
  const bad = join(dir, 'bad.log');
  writeFileSync(bad, '(1.000000) can0 123#01\n(1.100000) can0 123#0\n(1.200000) can0 124#02\n');
  const stop = await headunit(['trace', 'info', bad]);
  assert.is(stop.code, 1);
  assert.match(stop.err, `headunit trace info: ${bad}:2: `);
  const skip = await headunit(['trace', 'info', bad, '--skip-bad']);
  assert.is(skip.code, 0);
  assert.match(skip.out, 'frames:    2  (0 error, 0 remote, 0 CAN FD); 1 malformed records skipped');
  assert.match(skip.err, `headunit trace info: skipped ${bad}:2: `);
  assert.match(skip.err, `headunit trace info: 1 malformed record skipped in ${bad}`);
});

test('trace convert: candump -> BLF -> ASC -> candump keeps every frame', async () => {
  const blf = join(dir, 'c.blf');
  const asc = join(dir, 'c.asc');
  const back = join(dir, 'back.log');
  for (const [a, b] of [[TRACE, blf], [blf, asc], [asc, back]]) {
    const r = await headunit(['trace', 'convert', a!, b!]);
    assert.is(r.code, 0, r.err);
    assert.match(r.err, ': 112 frames');
  }
  const before = await readAll(await openTraceReader(TRACE));
  const after = await readAll(await openTraceReader(back));
  const key = (f: (typeof before)[number]): string => `${f.timestampUs} ${f.id} ${f.extended} ${Buffer.from(f.data).toString('hex')}`;
  assert.equal(after.map(key), before.map(key));
  // Exit codes from the real executable (in-process, tsx may load the UsageError class twice).
  const same = spawnSync(process.execPath, [BIN, 'trace', 'convert', TRACE, TRACE], { encoding: 'utf8' });
  assert.equal([same.status, same.stderr.split('\n')[0]], [2, 'headunit trace convert: IN and OUT are the same file']);
  const unknown = spawnSync(process.execPath, [BIN, 'trace', 'convert', TRACE, join(dir, 'x.mf4')], { encoding: 'utf8' });
  assert.equal([unknown.status, unknown.stderr], [1, `headunit trace convert: ${join(dir, 'x.mf4')}: cannot tell the trace format from the extension .mf4: use .log, .asc, .trc, .blf or .csv, or give the format\n`]);
});

test('replay, record, trace info and trace convert have --help and are listed', async () => {
  const top = await headunit(['--help']);
  for (const c of ['replay', 'record', 'trace info', 'trace convert']) {
    assert.match(top.out, `  ${c} `);
    const r = await headunit([...c.split(' '), '--help']);
    assert.is(r.code, 0, c);
    assert.match(r.out, `Usage: headunit ${c} `);
  }
});

test.after(() => rmSync(dir, { recursive: true }));
test.run();
