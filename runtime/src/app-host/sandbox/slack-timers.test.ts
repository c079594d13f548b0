import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_TIMER_SLACK_MS, SlackTimers, timerSlackMs, type TimerClock } from './slack-timers.ts';

/** A clock the test moves: `advance` runs the set timers that fall due, in time order. */
class FakeClock implements TimerClock {
  t = 0;
  private seq = 0;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  advance(to: number): void {
    for (;;) {
      const next = [...this.pending].filter(([, p]) => p.at <= to).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = to;
  }
}

test('the slack is a tenth of the delay, at most one tick', () => {
  assert.is(timerSlackMs(10), 1);
  assert.is(timerSlackMs(250), 25);
  assert.is(timerSlackMs(1000), MAX_TIMER_SLACK_MS);
  assert.is(timerSlackMs(60_000), MAX_TIMER_SLACK_MS);
});

test('with nothing else waking the thread, each timer fires by itself at due + slack, not before, not after', () => {
  const clock = new FakeClock();
  const timers = new SlackTimers(clock);
  const fired: [string, number][] = [];
  timers.add(1000, false, () => fired.push(['1s', clock.now()]));
  timers.add(200, false, () => fired.push(['200ms', clock.now()]));
  timers.add(50, false, () => fired.push(['50ms', clock.now()]), 0);
  clock.advance(5000);
  assert.equal(fired, [['50ms', 50], ['200ms', 220], ['1s', 1100]]);
  assert.is(timers.size, 0);
});

test('a wake-up fires the timers already due, oldest first, and none early', () => {
  const clock = new FakeClock();
  const timers = new SlackTimers(clock);
  const fired: [string, number][] = [];
  timers.add(1000, false, () => fired.push(['a', clock.now()]));
  timers.add(500, false, () => fired.push(['b', clock.now()]));
  const c = timers.add(2000, false, () => fired.push(['c', clock.now()]));
  clock.t = 499; // woken (a tick) just before anything is due
  timers.runDue();
  assert.equal(fired, [], 'nothing is due yet');
  clock.t = 520; // b is due (its latest moment is 550)
  timers.runDue();
  clock.t = 1010;
  timers.runDue();
  assert.equal(fired, [['b', 520], ['a', 1010]]);
  timers.cancel(c);
  clock.advance(10_000);
  assert.equal(fired.map((f) => f[0]), ['b', 'a'], 'a cancelled timer never fires');
  assert.is(timers.size, 0);
});

test('one timer\'s own moment fires the others already due, and not those due later', () => {
  const clock = new FakeClock();
  const timers = new SlackTimers(clock);
  const fired: [string, number][] = [];
  timers.add(1000, false, () => fired.push(['a', clock.now()])); // at the latest 1100
  timers.add(1050, false, () => fired.push(['b', clock.now()])); // due 1050: fires with a at 1100
  timers.add(1120, false, () => fired.push(['c', clock.now()])); // due 1120: not with a
  clock.advance(1119);
  assert.equal(fired, [['a', 1100], ['b', 1100]]);
  clock.advance(5000);
  assert.equal(fired.at(-1), ['c', 1220]);
});

test('an interval keeps its cadence when woken late, and starts over after a stall', () => {
  const clock = new FakeClock();
  const timers = new SlackTimers(clock);
  const at: number[] = [];
  const t = timers.add(1000, true, () => at.push(clock.now()));
  clock.t = 1080; // woken by something else 80 ms after it was due
  timers.runDue();
  assert.is(t.dueMs, 2000, 'the next one is due on the cadence, not 1000 ms after the late run');
  clock.advance(2100);
  assert.equal(at, [1080, 2100]);
  clock.t = 9000; // the thread was blocked for seconds
  timers.runDue();
  assert.equal(at, [1080, 2100, 9000], 'a stall gives one run, not a burst');
  assert.is(t.dueMs, 10_000);
  timers.cancel(t);
  clock.advance(20_000);
  assert.is(at.length, 3);
});

test('a timer with no slack fires on time even when a wake-up comes later', () => {
  const clock = new FakeClock();
  const timers = new SlackTimers(clock);
  const at: number[] = [];
  timers.add(4950, false, () => at.push(clock.now()), 0);
  clock.advance(4999);
  assert.equal(at, [4950]);
});

test('on the real clock: never early, and each fires', async () => {
  const timers = new SlackTimers();
  const t0 = performance.now();
  const at: [string, number][] = [];
  timers.add(50, false, () => at.push(['once', performance.now() - t0]));
  const every = timers.add(30, true, () => at.push(['every', performance.now() - t0]));
  await new Promise((r) => setTimeout(r, 200));
  timers.cancel(every);
  assert.ok(at.filter(([k]) => k === 'every').length >= 3);
  assert.is(at.filter(([k]) => k === 'once').length, 1);
  assert.ok(at.find(([k]) => k === 'once')![1] >= 50, 'the one-shot is not early');
  assert.ok(at.filter(([k]) => k === 'every').every(([, ms], i) => ms >= 30 * (i + 1) - 1), `the interval is not early: ${JSON.stringify(at)}`);
});

test.run();
