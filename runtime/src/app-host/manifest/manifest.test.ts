import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VssCatalogue } from '../../vss/catalogue.ts';
import { ManifestError } from '../errors.ts';
import { declaredPermissions, initialState, signalTier } from '../permissions/tiers.ts';
import { parseManifest } from './manifest.ts';

const vss = VssCatalogue.load();
const base = { id: 'com.example.hello', name: 'Hello', version: '1.0.0', publisher: 'Example', entry: 'src/main.ts' };
const text = (o: unknown): string => JSON.stringify(o, null, 2);

function error(t: string): ManifestError {
  try {
    parseManifest(t, 'app.json', vss);
  } catch (err) {
    if (err instanceof ManifestError) return err;
    throw err;
  }
  throw new Error('expected a ManifestError');
}

test('a full manifest validates and lists its permissions with tiers', () => {
  const m = parseManifest(text({ ...base, permissions: {
    signals: ['Vehicle.Speed', { path: 'Vehicle.Powertrain.TractionBattery.*', maxRateHz: 1 }, 'Vehicle.Exterior.AirTemperature'],
    actuators: ['Vehicle.Body.Trunk.Rear.IsOpen'], notifications: true, ui: ['tile', 'alert'], cloud: ['alerts', 'state/#'],
    network: [{ domain: 'api.example.com', reason: 'nearest chargers' }], storageKb: 64,
  } }), 'app.json', vss);
  assert.equal(m.permissions.signals[1], { path: 'Vehicle.Powertrain.TractionBattery.*', maxRateHz: 1 });
  const tiers = Object.fromEntries(declaredPermissions(m).map((p) => [p.id, p.tier]));
  assert.equal(tiers, {
    'signal:Vehicle.Speed': 'dangerous', 'signal:Vehicle.Powertrain.TractionBattery.*': 'dangerous', 'signal:Vehicle.Exterior.AirTemperature': 'normal',
    'actuator:Vehicle.Body.Trunk.Rear.IsOpen': 'privileged', notify: 'normal', ui: 'normal', storage: 'normal', cloud: 'dangerous', 'net:api.example.com': 'dangerous',
  });
});

test('tiers: VIN and odometer are privileged, a subtree that reaches them too; install states follow trust', () => {
  assert.is(signalTier('Vehicle.VehicleIdentification.VIN'), 'privileged');
  assert.is(signalTier('Vehicle.VehicleIdentification.Brand'), 'normal');
  assert.is(signalTier('Vehicle.*'), 'privileged');
  assert.is(signalTier('Vehicle.TraveledDistance'), 'privileged');
  assert.is(signalTier('Vehicle.CurrentLocation.Latitude'), 'dangerous');
  assert.is(initialState('privileged', false), 'blocked');
  assert.is(initialState('privileged', true), 'granted');
  assert.is(initialState('dangerous', true), 'ask');
});

test('errors name file:line:col and the JSON path', () => {
  const t = text({ ...base, permissions: { signals: ['Vehicle.Speed', { path: 'Vehicle.NoSuchThing' }] } });
  const e = error(t);
  assert.is(e.message, 'app.json:11:17: $.permissions.signals[1].path: Vehicle.NoSuchThing is not in the VSS 6.0 catalogue');
  assert.is(e.line, 11);
  assert.is(error(text({ ...base, id: 'Hello' })).message, 'app.json:2:9: $.id: "Hello" is not a reverse-DNS id such as com.example.hello');
  assert.is(error(text({ ...base, permissions: { actuators: ['Vehicle.Speed'] } })).message, 'app.json:9:7: $.permissions.actuators[0]: Vehicle.Speed is not a VSS actuator');
  assert.is(error(text({ ...base, permissions: { network: [{ domain: 'x.com', reason: 'why' }] } })).path, '$.permissions.network[0].reason');
  assert.is(error(text({ ...base, permissions: { cloud: ['../other-app/#'] } })).path, '$.permissions.cloud[0]');
  assert.is(error(text({ ...base, permissions: { signals: [{ path: 'Vehicle.Speed', maxRateHz: 500 }] } })).path, '$.permissions.signals[0].maxRateHz');
  assert.is(error(text({ ...base, entry: '../outside.ts' })).path, '$.entry');
  assert.is(error(text({ ...base, extra: 1 })).message, 'app.json:7:12: $.extra: unknown key (expected one of: id, name, version, publisher, description, entry, icon, permissions)');
  assert.match(error('{"id": "com.a.b",\n  oops}').message, /^app\.json:2:3: \$: invalid JSON/);
});

test.run();
