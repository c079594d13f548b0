import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBridgeFuzzInput, runBridgeFuzz } from './bridge-fuzz.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('fuzz, short run: 4000 random, COBS-random, random-payload, valid and damaged streams; no finding', () => {
  const r = runBridgeFuzz({ seed: 20_260_301, count: 4000 });
  assert.equal(r.findings.map((f) => `${f.input} ${f.kind}: ${f.detail}`), []);
  assert.is(r.inputs, 4000);
  assert.ok(r.framesDelivered > 10_000, `valid and damaged streams delivered frames (${r.framesDelivered})`);
  assert.ok(r.packetsDiscarded > 10_000, `damage was seen and discarded (${r.packetsDiscarded})`);
});

test('fuzz inputs are reproducible from (seed, index)', () => {
  const a = makeBridgeFuzzInput(5, 12);
  const b = makeBridgeFuzzInput(5, 12);
  assert.equal([a.mode, Buffer.from(a.bytes).toString('hex'), a.mutations], [b.mode, Buffer.from(b.bytes).toString('hex'), b.mutations]);
  assert.is.not(Buffer.from(makeBridgeFuzzInput(6, 12).bytes).toString('hex'), Buffer.from(a.bytes).toString('hex'));
});

test('fuzz CLI: --help, a short run, and its watchdog names an input that hangs', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fuzz-bridge.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const help = run('--help');
  assert.is(help.status, 0);
  assert.match(help.stdout, 'Usage: node --import tsx scripts/fuzz-bridge.ts [options]');
  const ok = run('--count', '300', '--seed', '3');
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, 'uart bridge fuzz, seed 3: 300 inputs');
  assert.match(ok.stdout, 'findings: 0');
  const hang = run('--count', '300', '--inject-hang', '150', '--timeout', '0.5');
  assert.is(hang.status, 1);
  assert.match(hang.stdout, 'hang in input 150 (');
  assert.match(hang.stdout, 'uart bridge fuzz, seed 1: 299 inputs');
  assert.is(run('--count', 'lots').status, 2);
});

test.run();
