import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QUALITY_STALE, QUALITY_VALID, SignalStore, type SignalUpdate } from './signal-store.ts';

const PATHS = ['Vehicle.Speed', 'Vehicle.Exterior.AirTemperature'];

test('latest value, time and quality per path; history ring keeps the newest', () => {
  const s = new SignalStore(PATHS, 3);
  const i = s.index('Vehicle.Speed');
  for (let t = 1; t <= 5; t++) s.write(i, t * 10, t, QUALITY_VALID);
  assert.equal([s.values[i], s.times[i], s.quality[i]], [50, 5, QUALITY_VALID]);
  assert.equal(s.historyOf(i), [[3, 30], [4, 40], [5, 50]]);
  assert.is(s.index('Vehicle.Nope'), -1);
});

test('subscriptions get one batch per flush, rate-limited per signal, without losing the last value', () => {
  const s = new SignalStore(PATHS);
  const got: SignalUpdate[][] = [];
  s.subscribe([0, 1], { maxRateHz: 10 }, (b) => got.push(b));
  s.write(0, 1, 0, QUALITY_VALID);
  s.write(1, 5, 0, QUALITY_VALID);
  s.flush(0);
  assert.equal(got.map((b) => b.map((u) => [u.path, u.value])), [[['Vehicle.Speed', 1], ['Vehicle.Exterior.AirTemperature', 5]]]);
  s.write(0, 2, 20, QUALITY_VALID);
  s.flush(20); // 20 ms after the last delivery: held back (10 Hz = 100 ms)
  s.write(0, 3, 50, QUALITY_VALID);
  s.flush(50);
  assert.is(got.length, 1);
  s.flush(100); // now the newest value goes out
  assert.equal(got[1]!.map((u) => u.value), [3]);
});

test('threshold suppresses small changes; quality changes always go out', () => {
  const s = new SignalStore(PATHS);
  const got: number[] = [];
  s.subscribe([0], { threshold: 1 }, (b) => b.forEach((u) => got.push(u.value)));
  s.write(0, 10, 0, QUALITY_VALID);
  s.flush(0);
  s.write(0, 10.5, 1, QUALITY_VALID);
  s.flush(1);
  s.write(0, 12, 2, QUALITY_VALID);
  s.flush(2);
  s.setQuality(0, QUALITY_STALE);
  s.flush(3);
  assert.equal(got, [10, 12, 12]);
});

test('unsubscribe stops deliveries', () => {
  const s = new SignalStore(PATHS);
  let n = 0;
  const off = s.subscribe([0], {}, () => n++);
  s.write(0, 1, 0, QUALITY_VALID);
  s.flush(0);
  off();
  s.write(0, 2, 1, QUALITY_VALID);
  s.flush(1);
  assert.equal([n, s.subscriptionCount], [1, 0]);
});

test('a subscription whose slots change keeps the rate state of the slots it keeps', () => {
  const s = new SignalStore([...PATHS, 'Vehicle.Cabin.Door.Row1.DriverSide.IsOpen']);
  const got: [string, number][] = [];
  const sub = s.subscribeSlots({ maxRateHz: 10 }, (b) => b.forEach((u) => got.push([u.path, u.value])));
  sub.set([0]);
  s.write(0, 1, 0, QUALITY_VALID);
  s.flush(0);
  sub.set([0, 1, 0]); // gains a slot (a duplicate counts once)
  s.write(0, 2, 10, QUALITY_VALID);
  s.write(1, 20, 10, QUALITY_VALID);
  s.flush(10);
  assert.equal(got, [['Vehicle.Speed', 1], ['Vehicle.Exterior.AirTemperature', 20]], 'the kept slot is still held back by its rate; the new one goes at once');
  s.flush(100);
  assert.equal(got.at(-1), ['Vehicle.Speed', 2]);
  sub.set([1]);
  s.write(0, 3, 200, QUALITY_VALID);
  s.flush(200);
  assert.equal(got.length, 3, 'a dropped slot gets nothing more');
  sub.off();
  assert.is(s.subscriptionCount, 0);
  s.write(1, 21, 300, QUALITY_VALID);
  s.flush(300);
  assert.is(got.length, 3);
});

test.run();
