import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../../dbc/index.ts';
import { FakeLink, type LinkOptions } from '../../../firmware-bridge/index.ts';
import { captureIo } from '../../test/cli-io.ts';
import { FakeClock } from '../player/clock.ts';
import { createReplayCommand } from './replay.ts';

const BIN = fileURLToPath(new URL('../../../runtime/bin/headunit.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'headunit-replay-'));
const TRACE = join(dir, 'two-buses.log');
writeFileSync(
  TRACE,
  [
    '(1700000000.000000) can0 123#01',
    '(1700000000.100000) can1 18FEF100#0203',
    '(1700000000.250000) can0 124#R',
    '(1700000000.400000) can0 20000080#0000000000000000',
    '(1700000001.000000) can1 125##1AABB',
    '',
  ].join('\n'),
);

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A replay command whose links are FakeLinks kept by URL, on a fake clock (instant). */
function rig() {
  const links = new Map<string, FakeLink>();
  const options: LinkOptions[] = [];
  const clock = new FakeClock();
  const command = createReplayCommand({
    clock,
    createLink: async (url, o) => {
      options.push(o);
      const link = new FakeLink(url, o);
      links.set(url, link);
      return link;
    },
  });
  return { links, options, clock, command };
}

test('plays every frame to --to at the trace timing, links opened allowing every id', async () => {
  const { links, options, clock, command } = rig();
  const { io, err } = captureIo();
  assert.is(await command.run([TRACE, '--to', 'fake:out', '--speed', '2'], io), 0);
  const sent = links.get('fake:out')!.sent;
  assert.equal(sent.map((f) => f.id), [0x123, 0x18fef100, 0x124, 0x125]);
  assert.equal([sent[1]!.extended, sent[2]!.rtr, sent[3]!.fd, sent[3]!.brs, [...sent[3]!.data]], [true, true, true, true, [0xaa, 0xbb]]);
  assert.is(clock.now(), 500); // the last frame is 1 s into the trace, at twice the speed
  assert.equal(options[0]!.txAllow, 'all');
  assert.is(links.get('fake:out')!.state, 'closed');
  assert.match(err(), 'replayed 4 frames in 0.500 s (0 skipped by filters, window or unmapped bus, 1 error frames not sent; 1 full pass)');
  assert.match(err(), /timing vs trace timestamps at speed 2: late p50 0\.000 ms, p99 0\.000 ms, max 0\.000 ms/);
  assert.match(err(), 'link fake:out: tx 4, tx errors 0');
});

test('--map sends each trace bus to its link; --id, --bus, --start and --stop select frames', async () => {
  const r = rig();
  assert.is(await r.command.run([TRACE, '--map', 'can0=fake:a', '--map', 'can1=fake:b', '--fast'], captureIo().io), 0);
  assert.equal([r.links.get('fake:a')!.sent.map((f) => f.id), r.links.get('fake:b')!.sent.map((f) => f.id)], [[0x123, 0x124], [0x18fef100, 0x125]]);
  const s = rig();
  await s.command.run([TRACE, '--to', 'fake:o', '--fast', '--id', '123,0x125', '--id', '18FEF100', '--bus', 'can1'], captureIo().io);
  assert.equal(s.links.get('fake:o')!.sent.map((f) => f.id), [0x18fef100, 0x125]);
  const w = rig();
  await w.command.run([TRACE, '--to', 'fake:o', '--start', '0.05', '--stop', '0.3'], captureIo().io);
  assert.equal(w.links.get('fake:o')!.sent.map((f) => f.id), [0x18fef100, 0x124]);
  assert.is(w.clock.now(), 200); // 0.25 s into the trace, counted from --start 0.05
});

test('bad usage names the option; a malformed line stops with file:line unless --skip-bad', async () => {
  const { command } = rig();
  for (const [args, message] of [
    [[TRACE], 'give --to LINKURL, or --map TRACEBUS=LINKURL for each bus to play'],
    [[TRACE, '--to', 'fake:o', '--speed', '0'], "--speed must be a positive factor (0.5, 1, 10), not '0'"],
    [[TRACE, '--to', 'fake:o', '--fast', '--speed', '2'], 'give --speed or --fast, not both'],
    [[TRACE, '--to', 'fake:o', '--id', '12G'], "--id: '12G' is not a CAN id in hex (e.g. 123 or 18FEF100)"],
    [[TRACE, '--map', 'can0'], "--map must be TRACEBUS=LINKURL (e.g. can0=socketcan:vcan0), not 'can0'"],
    [[TRACE, '--to', 'fake:o', '--start', '2', '--stop', '1'], '--stop 1 must be after --start 2'],
  ] as const) {
    try {
      await command.run([...args], captureIo().io);
      assert.unreachable(args.join(' '));
    } catch (e) {
      assert.instance(e, UsageError);
      assert.is((e as Error).message, message);
    }
  }
  const bad = join(dir, 'bad.log');
  writeFileSync(bad, '(1.000000) can0 123#01\n(1.100000) can0 12345678901#00\n(1.200000) can0 124#02\n');
  try {
    await command.run([bad, '--to', 'fake:o', '--fast'], captureIo().io);
    assert.unreachable('malformed');
  } catch (e) {
    assert.match((e as Error).message, new RegExp(`^${bad.replace(/[./\\]/g, '\\$&')}:2: `));
  }
  const r = rig();
  const { io, err } = captureIo();
  assert.is(await r.command.run([bad, '--to', 'fake:o', '--fast', '--skip-bad'], io), 0);
  assert.equal(r.links.get('fake:o')!.sent.map((f) => f.id), [0x123, 0x124]);
  assert.match(err(), `headunit replay: skipped ${bad}:2: `);
  assert.match(err(), `1 malformed record skipped in ${bad}`);
});

test('space on a terminal pauses and resumes; q stops a looped replay', async () => {
  const { links, command } = rig();
  const keys = Object.assign(new PassThrough(), { isTTY: true, raw: false, setRawMode(on: boolean) { keys.raw = on; } });
  const { io, err } = captureIo(keys);
  const done = command.run([TRACE, '--to', 'fake:o', '--loop'], io);
  await until(() => keys.raw && (links.get('fake:o')?.sent.length ?? 0) > 0);
  keys.write(' ');
  await until(() => err().includes('paused'));
  await new Promise((r) => setTimeout(r, 20));
  const pausedAt = links.get('fake:o')!.sent.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.is(links.get('fake:o')!.sent.length, pausedAt, 'no frame while paused');
  keys.write(' ');
  await until(() => links.get('fake:o')!.sent.length > pausedAt);
  keys.write('q');
  assert.is(await done, 0);
  assert.ok(links.get('fake:o')!.sent.length > pausedAt);
  assert.not.ok(keys.raw, 'terminal restored');
  assert.match(err(), /paused: space or SIGUSR2 resumes\n\nresumed\n/);
  assert.match(err(), 'stopped from the keyboard: replay stopped');
});

test('headunit replay: SIGUSR1 pauses and SIGUSR2 resumes a real-time replay', async () => {
  const trace = join(dir, 'gap.log');
  writeFileSync(trace, '(1700000000.000000) can0 123#01\n(1700000000.600000) can0 123#02\n');
  const child = spawn(process.execPath, [BIN, 'replay', trace, '--to', 'fake:x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  while (!err.includes('playing')) await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  child.kill('SIGUSR1');
  while (!err.includes('paused')) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 800));
  child.kill('SIGUSR2');
  const [code] = await exited;
  assert.is(code, 0);
  assert.ok(performance.now() - t0 >= 800, 'the pause held the second frame');
  assert.match(err, /replayed 2 frames in (\d+\.\d+) s/);
  assert.ok(Number(/replayed 2 frames in (\d+\.\d+) s/.exec(err)![1]) >= 1.3, err);
});

test.after(() => rmSync(dir, { recursive: true }));
test.run();
