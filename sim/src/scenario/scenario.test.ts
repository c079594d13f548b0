import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeToObject, IntegrityChecker, INTEGRITY_OK } from '../../../dbc/index.ts';
import { loadScenario, valueAt } from './scenario.ts';
import { SyntheticVehicle } from './synthetic-vehicle.ts';

const DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

test('tracks ramp numbers and hold names and flags', () => {
  const t: [number, number | string][] = [[0, 0], [10, 100], [20, 50]];
  assert.equal([valueAt(t, 5), valueAt(t, 15), valueAt(t, 30), valueAt(t, 5, true)], [50, 75, 50, 0]);
  assert.is(valueAt([[0, 'P'], [5, 'D']], 4.9), 'P');
});

test('every shipped scenario loads and its frames are sealed, in time order, at each message cycle', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const v = new SyntheticVehicle(loadScenario(DIR + f));
    const frames = [...v.frames(0, 10_000, 0)];
    assert.ok(frames.every((x, i) => i === 0 || x.timestampUs >= frames[i - 1]!.timestampUs), `${f}: time order`);
    // VCU_Drive every 20 ms: 500 frames in 10 s.
    assert.is(frames.filter((x) => x.id === 0x100).length, 500, f);
    const check = new IntegrityChecker(v.dbc.messages, 'toyota');
    for (const x of frames) assert.is(check.check(v.dbc.messageIndex(x.id, false), x.data, 0, x.data.length), INTEGRITY_OK, `${f} ${x.id}`);
  }
});

test('the commute crosses 15% state of charge while driving, as the low-battery app needs', () => {
  const v = new SyntheticVehicle(loadScenario(`${DIR}ev-commute-low-charge.json`));
  const soc = (tMs: number) => {
    const f = [...v.frames(tMs, tMs + 100, 0)].find((x) => x.id === 0x200)!;
    return decodeToObject(v.dbc, v.dbc.messageIndex(0x200, false), f.data).signals['StateOfCharge'] as number;
  };
  assert.ok(soc(60_000) > 15 && soc(500_000) < 15, `${soc(60_000)} then ${soc(500_000)}`);
});

test('a scenario naming a signal the DBC lacks is refused with its JSON path', () => {
  const s = loadScenario(`${DIR}parked-delivery.json`);
  s.tracks.set('BCM_Doors.Sunroof', [[0, 1]]);
  assert.throws(() => new SyntheticVehicle(s), /\$\.tracks\["BCM_Doors\.Sunroof"\]: no such MESSAGE\.SIGNAL/);
});

test.run();
