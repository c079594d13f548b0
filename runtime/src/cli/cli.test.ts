import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BIN = fileURLToPath(new URL('../../bin/headunit.mjs', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'headunit-cli-'));

/** Runs the real `headunit` executable, as a user would. */
function headunit(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('headunit --help lists the commands; no command is a usage error', () => {
  const help = headunit(['--help']);
  assert.is(help.code, 0);
  for (const c of ['dbc check', 'dbc dump', 'decode', 'bench decode', 'demo']) assert.ok(help.out.includes(c), c);
  assert.is(headunit([]).code, 2);
  const bad = headunit(['frobnicate']);
  assert.is(bad.code, 2);
  assert.match(bad.err, "headunit: unknown command 'frobnicate'");
});

test('every command has --help', () => {
  for (const c of [['dbc', 'check'], ['dbc', 'dump'], ['decode'], ['bench', 'decode'], ['demo']]) {
    const r = headunit([...c, '--help']);
    assert.is(r.code, 0, c.join(' '));
    assert.match(r.out, /^Usage: headunit /);
  }
});

test('dbc check: counts and warnings on real files; a broken file exits 1 with file:line:col on stderr', () => {
  const ok = headunit(['dbc', 'check', `${SHARED}dbc/cantools/motohawk.dbc`, `${SHARED}dbc/opendbc/vw_pq.dbc`]);
  assert.is(ok.code, 0);
  assert.match(ok.out, /motohawk\.dbc: 1 messages, 3 signals, 0 warnings/);
  assert.match(ok.out, /vw_pq\.dbc:394:\d+: warning MUX_INDICATOR_CASE:/);
  const broken = join(tmp, 'broken.dbc');
  writeFileSync(broken, 'VERSION ""\nBO_ 12x Name: 8 X\n');
  const bad = headunit(['dbc', 'check', broken]);
  assert.is(bad.code, 1);
  assert.is(bad.err, `${broken}:2:5: expected message id (decimal): "BO_ >>!<<12x Name: 8 X"\n`);
  const missing = headunit(['dbc', 'check', join(tmp, 'nope.dbc')]);
  assert.is(missing.code, 1);
  assert.match(missing.err, 'cannot read DBC file');
  assert.is(headunit(['dbc', 'check']).code, 2);
});

test('dbc dump: message list, and one message with its bit grid', () => {
  const list = headunit(['dbc', 'dump', `${SHARED}dbc/cantools/motohawk.dbc`]);
  assert.is(list.code, 0);
  assert.match(list.out, /0x1F0\s+ExampleMessage\s+8/);
  const one = headunit(['dbc', 'dump', `${SHARED}dbc/cantools/motohawk.dbc`, 'ExampleMessage']);
  assert.is(one.code, 0);
  assert.match(one.out, /byte  0      C B B B B B B A/);
  assert.match(one.out, /Temperature\s+0\|12@0-\s+0\.01\s+250/);
  assert.is(headunit(['dbc', 'dump', `${SHARED}dbc/cantools/motohawk.dbc`, 'Nope']).code, 1);
});

test('decode: the exact JSON Lines contract, from a file and from stdin, one line per frame in order', () => {
  const input = [
    '{"id":835,"ext":false,"data":"38b4e652e44da7f2"}',
    '(1631416514.717133) can0 343#38B4E652E44DA7F2',
    '(1631416514.717133) can0 7FF#00',
    'garbage',
    '{"id":835,"data":"38b4"}',
  ].join('\n');
  const r = headunit(['decode', '--dbc', `${SHARED}dbc/cantools/abs.dbc`], input);
  assert.is(r.code, 0);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 5);
  const abs1 = { id: 835, name: 'BREMSE_33', signals: { whlspeed_FL: 720.875, whlspeed_FR: 331.59375, whlspeed_RL: 311.5625, whlspeed_RR: 970.609375 } };
  assert.equal(lines[0], abs1);
  assert.equal(lines[1], abs1);
  assert.equal(lines[2], { id: 2047, error: '<stdin>:3: id 0x7ff is not in the DBC' });
  assert.equal(lines[3], { id: null, error: '<stdin>:4: expected "(seconds.micros) interface ID#DATA"' });
  assert.equal(lines[4], { id: 835, name: 'BREMSE_33', signals: { whlspeed_FL: 720.875 }, missing: ['whlspeed_FR', 'whlspeed_RL', 'whlspeed_RR'] });
});

test('decode: the MoTeC sample log gives sensible values', () => {
  const r = headunit(['decode', '--dbc', `${SHARED}traces/moteclog_sample_can_spec.dbc`, `${SHARED}traces/moteclog_can_sample_head20000.log`]);
  assert.is(r.code, 0);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { name?: string; signals?: Record<string, number> });
  assert.is(lines.length, 20000);
  const rpm = lines.filter((l) => l.name === 'ID_140').map((l) => l.signals!['RPM']!);
  assert.ok(rpm.length > 100 && Math.min(...rpm) > 500 && Math.max(...rpm) < 8000, 'engine speed within an engine\'s range');
  const coolant = lines.filter((l) => l.name === 'ID_360').map((l) => l.signals!['COOLANT_TEMP']!);
  assert.ok(coolant.every((t) => t > 60 && t < 110), 'coolant at operating temperature');
});

test('decode: a frame whose checksum fails is an error line, not values', () => {
  // Toyota: the last byte is (length + id bytes + the other data bytes) & 0xff. Id 180 is SPEED (no counter).
  const ok = `00000000000000${((8 + 180) & 0xff).toString(16)}`;
  const r = headunit(['decode', '--dbc', `${SHARED}dbc/opendbc/toyota_nodsu_pt_generated.dbc`], `{"id":180,"data":"${ok}"}\n{"id":180,"data":"${ok.slice(0, -2)}00"}\n`);
  const [a, b] = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(a.name, 'SPEED', JSON.stringify(a));
  assert.is(b.error, '<stdin>:2: SPEED: checksum mismatch (toyota)');
  const off = headunit(['decode', '--integrity', 'none', '--dbc', `${SHARED}dbc/opendbc/toyota_nodsu_pt_generated.dbc`], `{"id":180,"data":"${ok.slice(0, -2)}00"}\n`);
  assert.ok(JSON.parse(off.out).signals);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
