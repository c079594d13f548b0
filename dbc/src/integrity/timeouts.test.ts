import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message } from '../model/message.ts';
import { MessageTimeouts } from './timeouts.ts';

/** A signal-less message with the given GenMsgCycleTime (ms) or none. */
function msg(name: string, cycleTimeMs: number | null): Message {
  return {
    id: 0x100, extended: false, name, length: 8, isFd: false, senders: [], signals: [], comment: null,
    attributes: {}, cycleTimeMs, signalGroups: [], location: { file: 'test.dbc', line: 1, column: 1 },
  };
}

const STATED_10MS = 0;
const UNSTATED = 1;
const ZERO_CYCLE = 2;
const MESSAGES = [msg('STATED', 10), msg('UNSTATED', null), msg('ZERO', 0)];

test('a message that never arrived is stale; periods start stated or unknown', () => {
  const t = new MessageTimeouts(MESSAGES);
  assert.is(t.size, 3);
  assert.ok(t.isStale(STATED_10MS, 0));
  assert.is(t.periodMs(STATED_10MS), 10);
  assert.is(t.periodMs(UNSTATED), null);
  assert.is(t.periodMs(ZERO_CYCLE), null, 'GenMsgCycleTime 0 means not cyclic');
  assert.equal(t.staleMessages(0), [0, 1, 2]);
});

test('stated period: stale only after more than 2.5 periods', () => {
  const t = new MessageTimeouts(MESSAGES);
  t.seen(STATED_10MS, 1000);
  assert.is(t.isStale(STATED_10MS, 1025), false, 'exactly 2.5 periods');
  assert.is(t.isStale(STATED_10MS, 1025.5), true);
  t.seen(STATED_10MS, 1020);
  assert.is(t.isStale(STATED_10MS, 1040), false);
  assert.is(t.periodMs(STATED_10MS), 10, 'observed intervals do not override the stated period');
});

test('factor is configurable', () => {
  const t = new MessageTimeouts(MESSAGES, { factor: 5 });
  t.seen(STATED_10MS, 0);
  assert.is(t.isStale(STATED_10MS, 50), false);
  assert.is(t.isStale(STATED_10MS, 51), true);
});

test('a floor keeps fast messages from going stale before minTimeoutMs; slow ones keep their periods', () => {
  const t = new MessageTimeouts([msg('FAST', 10), msg('SLOW', 1000)], { minTimeoutMs: 250 });
  t.seen(0, 0);
  t.seen(1, 0);
  assert.is(t.isStale(0, 250), false, '25 periods, but within the floor');
  assert.is(t.isStale(0, 251), true);
  assert.is(t.isStale(1, 2500), false, 'the period rule is longer than the floor');
  assert.is(t.isStale(1, 2501), true);
  assert.throws(() => new MessageTimeouts(MESSAGES, { minTimeoutMs: -1 }), /minTimeoutMs = -1 must be a finite number >= 0/);
});

test('unstated period is learned from inter-arrival times after a few frames', () => {
  const t = new MessageTimeouts(MESSAGES);
  const arrivals = [0, 20, 40, 62, 80]; // intervals 20 20 22 18: mean 20
  arrivals.forEach((ms, i) => {
    t.seen(UNSTATED, ms);
    if (i < 4) assert.is(t.periodMs(UNSTATED), null, `after ${i + 1} frames`);
  });
  assert.is(t.periodMs(UNSTATED), 20);
  assert.is(t.isStale(UNSTATED, 130), false, '50 ms = 2.5 periods');
  assert.is(t.isStale(UNSTATED, 131), true);
  t.seen(UNSTATED, 110); // interval 30: smoothed 20 + 0.1 * (30 - 20)
  assert.is(t.periodMs(UNSTATED), 21);
});

test('while the period is unknown, the 1 s fallback (opendbc assumes 1 Hz) decides', () => {
  const t = new MessageTimeouts(MESSAGES, { fallbackPeriodMs: 100 });
  t.seen(UNSTATED, 0);
  assert.is(t.isStale(UNSTATED, 250), false);
  assert.is(t.isStale(UNSTATED, 251), true);
  const d = new MessageTimeouts(MESSAGES);
  d.seen(UNSTATED, 0);
  assert.is(d.isStale(UNSTATED, 2500), false);
  assert.is(d.isStale(UNSTATED, 2501), true);
});

test('a dropout does not inflate the learned period; equal or earlier timestamps are ignored', () => {
  const t = new MessageTimeouts(MESSAGES, { learnIntervals: 2 });
  for (const ms of [0, 10, 20]) t.seen(UNSTATED, ms);
  assert.is(t.periodMs(UNSTATED), 10);
  t.seen(UNSTATED, 5000); // 4980 ms gap: the message was gone, not slow
  assert.is(t.periodMs(UNSTATED), 10);
  t.seen(UNSTATED, 5000); // same time stamp twice (batched frames)
  t.seen(UNSTATED, 4000); // reordered input
  assert.is(t.periodMs(UNSTATED), 10);
  assert.is(t.isStale(UNSTATED, 5025), false, 'last arrival is still 5000');
});

test('staleMessages lists stale indices in order; reset forgets arrivals but keeps periods', () => {
  const t = new MessageTimeouts(MESSAGES, { learnIntervals: 1 });
  t.seen(STATED_10MS, 100);
  t.seen(UNSTATED, 50);
  t.seen(UNSTATED, 100);
  t.seen(ZERO_CYCLE, 100);
  assert.equal(t.staleMessages(110), []);
  assert.equal(t.staleMessages(126), [STATED_10MS]);
  assert.equal(t.staleMessages(226), [STATED_10MS, UNSTATED]);
  t.reset();
  assert.equal(t.staleMessages(226), [0, 1, 2]);
  assert.is(t.periodMs(UNSTATED), 50);
});

test('errors: options out of range, unknown index, non-finite time', () => {
  const bad = (options: object, message: string) => assert.throws(() => new MessageTimeouts(MESSAGES, options),
    (e: Error & { code?: string }) => e.code === 'BAD_OPTION' && e.message === message);
  bad({ factor: 0 }, 'MessageTimeouts: option factor = 0 must be a finite number > 0');
  bad({ learnIntervals: 1.5 }, 'MessageTimeouts: option learnIntervals = 1.5 must be an integer >= 1');
  bad({ smoothing: 0 }, 'MessageTimeouts: option smoothing = 0 must be in (0, 1]');
  bad({ fallbackPeriodMs: Infinity }, 'MessageTimeouts: option fallbackPeriodMs = Infinity must be a finite number > 0');
  const t = new MessageTimeouts(MESSAGES);
  assert.throws(() => t.seen(3, 0), (e: Error & { code?: string }) =>
    e.code === 'BAD_MESSAGE_INDEX' && e.message === 'message index 3 is out of range 0..2');
  assert.throws(() => t.isStale(-1, 0), (e: Error & { code?: string }) => e.code === 'BAD_MESSAGE_INDEX');
  assert.throws(() => t.seen(0, NaN), (e: Error & { code?: string }) =>
    e.code === 'BAD_TIME' && e.message === 'MessageTimeouts.seen: time NaN is not a finite number');
});

test.run();
