import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { QUALITY_STALE, QUALITY_VALID, SignalStore } from '../signal-store/signal-store.ts';
import type { Category } from './categories.ts';
import { openCloudDb } from './cloud-db.ts';
import { ConsentStore } from './consent.ts';
import type { Sample } from './payload.ts';
import { TelemetryCollector } from './telemetry.ts';
import { ruleFor, type TelemetryRuleEntry } from './telemetry-policy.ts';
import { tempDir } from './testing/temp-dir.ts';

test('the longest matching prefix decides a path\'s rule; defaults keep location and driving apart', () => {
  assert.equal(ruleFor('Vehicle.CurrentLocation.Latitude'), { category: 'location', onChange: false, deadband: 0, minIntervalMs: 0, intervalMs: 5000 });
  assert.is(ruleFor('Vehicle.Speed')!.category, 'driving');
  assert.is(ruleFor('Vehicle.Powertrain.Transmission.SelectedGear')!.category, 'driving');
  assert.is(ruleFor('Vehicle.Powertrain.TractionBattery.StateOfCharge.Current')!.category, 'energy');
  assert.is(ruleFor('Vehicle.TraveledDistanceSinceStart')!.category, 'driving');
  assert.is(ruleFor('Vehicle.TraveledDistance')!.category, 'diagnostics');
  assert.is(ruleFor('Other.Thing', [{ prefix: 'Vehicle', category: 'cabin' }]), null);
});

test('on-change with deadband and min interval: small moves are not sent, a held-back last value is; only consented, valid values', () => {
  const store = new SignalStore(['Vehicle.A', 'Vehicle.Loc']);
  const db = openCloudDb(':memory:');
  const consent = new ConsentStore(db);
  const batches: [Category, Sample[]][] = [];
  const policy: TelemetryRuleEntry[] = [
    { prefix: 'Vehicle.A', category: 'energy', deadband: 1, minIntervalMs: 1000 },
    { prefix: 'Vehicle.Loc', category: 'location', deadband: 0 },
  ];
  const c = new TelemetryCollector({ store, toVss: () => (n) => n, consent, emit: (cat, s) => batches.push([cat, s]), policy, batchMs: 1e9 });
  c.start();
  const write = (i: number, v: number, t: number, q = QUALITY_VALID): void => {
    store.write(i, v, t, q);
    store.flush(t);
  };
  write(0, 10, 0);
  write(0, 10.5, 100);
  write(0, 12, 200);
  write(0, 13, 300);
  write(1, 48.1, 300);
  write(0, 14, 1000);
  store.setQuality(0, QUALITY_STALE);
  store.flush(1100);
  c.flush();
  assert.equal(batches, [['energy', [{ path: 'Vehicle.A', value: 10, timeMs: 0 }, { path: 'Vehicle.A', value: 14, timeMs: 1000 }]]]);
  assert.is(c.counters.withheld, 1, 'location is off by default');
  consent.set('location', true);
  write(1, 48.2, 2000);
  assert.is(c.discard(['location']), 1);
  c.flush();
  assert.is(batches.length, 1);
  c.stop();
  db.close();
});

test('consent: defaults, persistence, privacy mode revokes every category and restores the choices', () => {
  const t = tempDir();
  const file = join(t.dir, 'cloud.db');
  let db = openCloudDb(file);
  let consent = new ConsentStore(db);
  assert.equal([consent.allows('location'), consent.allows('driving'), consent.allows('energy'), consent.allows('service')], [false, false, true, true]);
  const revoked: string[][] = [];
  consent.on('revoked', (c: string[]) => revoked.push(c));
  consent.set('location', true);
  consent.set('energy', false);
  consent.setPrivacyMode(true);
  assert.equal(revoked, [['energy'], ['location', 'cabin', 'diagnostics', 'apps']]);
  assert.equal([consent.allows('location'), consent.allows('service')], [false, true]);
  assert.throws(() => consent.set('telepathy', true), /unknown category; expected one of location, driving/);
  db.close();
  db = openCloudDb(file);
  consent = new ConsentStore(db);
  assert.is(consent.privacyMode, true);
  consent.setPrivacyMode(false);
  assert.equal([consent.allows('location'), consent.allows('energy'), consent.allows('cabin')], [true, false, true]);
  db.close();
  t.remove();
});

test.run();
