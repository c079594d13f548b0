import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nearest } from './geo.ts';
import { applyConfig, DEFAULTS } from './settings.ts';

test('configuration from the phone: applied field by field, the opt-in never', () => {
  const next = applyConfig(DEFAULTS, { home: { name: 'Work', lat: 48.1, lon: 11.6 }, thresholdPct: 20, shareWithFamily: true });
  assert.ok(typeof next !== 'string');
  assert.equal([next.home.name, next.thresholdPct, next.shareWithFamily, next.chargers.length], ['Work', 20, false, 5]);
});

test('a malformed configuration says what is wrong', () => {
  assert.is(applyConfig(DEFAULTS, 'x'), 'config must be a JSON object');
  assert.is(applyConfig(DEFAULTS, { home: { name: 'X', lat: 91, lon: 0 } }), 'home must be {name, lat, lon}');
  assert.is(applyConfig(DEFAULTS, { chargers: [] }), 'chargers must be a non-empty list of {name, lat, lon}');
  assert.is(applyConfig(DEFAULTS, { thresholdPct: 60 }), 'thresholdPct must be 5..50');
});

test('nearest chargers, nearest first', () => {
  const n = nearest(DEFAULTS.chargers, 48.1755, 11.5518, 3);
  assert.equal(n.map((c) => c.name), ['Allego Olympiapark', 'EnBW Schwabing Nord', 'Tesla Supercharger Munich Moosach']);
  assert.ok(n[0]!.distanceM < 1 && n[1]!.distanceM < n[2]!.distanceM);
});

test.run();
