import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_TIMER_SLACK_MS, SlackTimers, timerSlackMs } from './slack-timers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('the slack is a tenth of the delay, at most one tick', () => {
  assert.is(timerSlackMs(10), 1);
  assert.is(timerSlackMs(250), 25);
  assert.is(timerSlackMs(1000), MAX_TIMER_SLACK_MS);
  assert.is(timerSlackMs(60_000), MAX_TIMER_SLACK_MS);
});

test('a wake-up fires the timers already due, oldest first, and none early', () => {
  const timers = new SlackTimers();
  const fired: string[] = [];
  const t0 = 1_000_000;
  const a = timers.add(1000, false, () => fired.push('a'), t0);
  timers.add(500, false, () => fired.push('b'), t0);
  const c = timers.add(2000, false, () => fired.push('c'), t0);
  timers.runDue(t0 + 499);
  assert.equal(fired, [], 'nothing is due yet');
  timers.runDue(t0 + 1000);
  assert.equal(fired, ['b', 'a']);
  assert.ok(a.done);
  assert.is(timers.size, 1, 'the 2000 ms timer is still waiting');
  timers.runDue(t0 + 1999);
  assert.equal(fired, ['b', 'a']);
  timers.cancel(c);
  assert.is(timers.size, 0);
  timers.runDue(t0 + 5000);
  assert.equal(fired, ['b', 'a'], 'a cancelled timer never fires');
});

test('an interval keeps its cadence when woken late, and starts over after a stall', () => {
  const timers = new SlackTimers();
  let n = 0;
  const t0 = 2_000_000;
  const t = timers.add(1000, true, () => n++, t0);
  timers.runDue(t0 + 1080);
  assert.is(n, 1);
  assert.is(t.dueMs, t0 + 2000, 'the next one is due on the cadence, not 1000 ms after the late run');
  timers.runDue(t0 + 9000);
  assert.is(n, 2, 'a stall gives one run, not a burst');
  assert.is(t.dueMs, t0 + 10_000);
  timers.cancel(t);
  timers.runDue(t0 + 20_000);
  assert.is(n, 2);
});

test('with nothing else waking the thread, a timer fires by itself at its latest moment', async () => {
  const timers = new SlackTimers();
  const t0 = performance.now();
  const at: number[] = [];
  timers.add(50, false, () => at.push(performance.now() - t0));
  const every = timers.add(30, true, () => at.push(performance.now() - t0));
  await sleep(200);
  timers.cancel(every);
  assert.ok(at.length >= 4, `fired ${at.length} times in 200 ms`);
  assert.ok(at.every((ms) => ms >= 30), `never early: ${at.map((x) => x.toFixed(1)).join(', ')}`);
  assert.ok(at.some((ms) => ms >= 50 && ms < 200), 'the one-shot fired');
  assert.is(timers.size, 0);
});

test.run();
