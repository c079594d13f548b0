import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { FakeClock, realClock } from './clock.ts';
import { Player } from './player.ts';

const frame = (tMs: number, id: number, bus = 'can0'): CanFrame => ({ timestampUs: 1_600_000_000_000_000 + tMs * 1000, bus, id, extended: false, fd: false, brs: false, esi: false, rtr: false, error: false, data: Uint8Array.of(id & 0xff) });
const TRACE = [frame(0, 1), frame(100, 2), frame(250, 3, 'can1'), frame(1000, 4)];
const source = () => (async function* () { yield* TRACE; })();

function record(clock: FakeClock) {
  const sent: [number, number][] = [];
  return { sent, sink: (f: CanFrame) => void sent.push([clock.now(), f.id]) };
}

test('real-time pacing follows the trace timestamps; speed scales them', async () => {
  for (const [speed, times] of [[1, [0, 100, 250, 1000]], [2, [0, 50, 125, 500]]] as const) {
    const clock = new FakeClock();
    const { sent, sink } = record(clock);
    const stats = await new Player(source, new Map([['*', sink]]), { speed }, clock).play();
    assert.equal(sent.map(([t]) => t), [...times]);
    assert.equal([stats.frames, stats.lateMaxMs], [4, 0]);
  }
});

test('as fast as possible, time window, id and bus filters, bus map', async () => {
  const clock = new FakeClock();
  const a = record(clock);
  const b = record(clock);
  const stats = await new Player(source, new Map([['A', a.sink], ['B', b.sink]]), { speed: Infinity, startAtS: 0.05, stopAtS: 0.9, busMap: new Map([['can0', 'A'], ['can1', 'B']]) }, clock).play();
  assert.equal([a.sent.map(([, id]) => id), b.sent.map(([, id]) => id), clock.now()], [[2], [3], 0]);
  assert.is(stats.skipped, 1); // frame 1 before the window; frame 4 ends the replay
  const c = record(clock);
  await new Player(source, new Map([['*', c.sink]]), { speed: Infinity, ids: new Set([1, 4]) }, clock).play();
  assert.equal(c.sent.map(([, id]) => id), [1, 4]);
});

test('loop plays again until stopped; pause shifts the schedule', async () => {
  const clock = new FakeClock();
  const { sent, sink } = record(clock);
  const p = new Player(source, new Map([['*', (f: CanFrame) => { sink(f); if (sent.length === 6) p.stop(); if (sent.length === 2) { p.pause(); setTimeout(() => { clock.t += 5000; p.resume(); }, 0); } }]]), { loop: true }, clock);
  const stats = await p.play();
  assert.equal(sent.map(([, id]) => id), [1, 2, 3, 4, 1, 2]);
  assert.is(sent[2]![0], 5250); // frame 3 came 150 ms after frame 2, counted from the resume
  assert.is(stats.loops, 1);
});

test('stop() ends a long wait for the next frame at once, and its timer does not hold the process', async () => {
  const gap = () => (async function* () { yield frame(0, 1); yield frame(60_000, 2); })();
  const sent: number[] = [];
  const p = new Player(gap, new Map([['*', (f: CanFrame) => void sent.push(f.id)]]), {}, realClock);
  const began = performance.now();
  setTimeout(() => p.stop(), 30);
  const stats = await p.play();
  assert.ok(performance.now() - began < 1000, `stopped after ${performance.now() - began} ms`);
  assert.equal([sent, stats.frames, stats.loops], [[1], 1, 0]);
});

test('a looped trace without frames ends instead of spinning', async () => {
  const stats = await new Player(() => (async function* () {})(), new Map([['*', () => {}]]), { loop: true }, new FakeClock()).play();
  assert.equal([stats.frames, stats.loops], [0, 1]);
});

test('maxInFlight keeps several sends in progress, in order; lateness is booked on acceptance; a failed send ends play()', async () => {
  const clock = new FakeClock();
  const pending: { id: number; done: () => void }[] = [];
  let most = 0;
  const sink = (f: CanFrame): Promise<void> =>
    new Promise<void>((resolve) => {
      pending.push({ id: f.id, done: resolve });
      most = Math.max(most, pending.length);
      // The "link" answers a few ms later, oldest first.
      setTimeout(() => {
        clock.t += 3;
        pending.shift()!.done();
      }, 1);
    });
  const stats = await new Player(source, new Map([['*', sink]]), { maxInFlight: 3, speed: Infinity }, clock).play();
  assert.equal([stats.frames, most], [4, 3]);
  const slow = await new Player(source, new Map([['*', (f: CanFrame) => new Promise<void>((r) => setTimeout(() => { clock.t += 7; r(); }, 1))]]), { maxInFlight: 1 }, clock).play();
  assert.is(slow.lateMaxMs, 7); // accepted 7 ms after it was due
  const failing = new Player(source, new Map([['*', (f: CanFrame) => (f.id === 2 ? Promise.reject(new Error('refused 2')) : Promise.resolve())]]), { maxInFlight: 4, speed: Infinity }, clock);
  try {
    await failing.play();
    assert.unreachable('the refused send must surface');
  } catch (err) {
    assert.is((err as Error).message, 'refused 2');
  }
});

test.run();
