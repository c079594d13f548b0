import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompiledDbc, decodeToObject, IntegrityChecker, INTEGRITY_OK, loadDbcFile } from '../../../dbc/index.ts';
import { FakeLink, txKey } from '../../../firmware-bridge/index.ts';
import { memoryLogger } from '../log.ts';
import { loadMapping } from '../mapping/mapping.ts';
import { QUALITY_STALE, QUALITY_VALID, SignalStore } from '../signal-store/signal-store.ts';
import { VehicleState } from '../vehicle-state/vehicle-state.ts';
import { VssCatalogue } from '../vss/catalogue.ts';
import { ActionPolicy } from './action-policy.ts';

const DEMO = fileURLToPath(new URL('../../../dbc/vehicles/', import.meta.url));
const dbc = new CompiledDbc(loadDbcFile(`${DEMO}demo-ev.dbc`));
const vss = VssCatalogue.load();
const mapping = loadMapping(`${DEMO}demo-ev.vss.json`, dbc, vss);

function setup(opts: { speed: number; gear: number; permits?: (c: string, p: string) => boolean }) {
  const store = new SignalStore(mapping.signals.map((m) => m.path));
  const ign = mapping.byPath.get('Vehicle.LowVoltageSystemState')!;
  store.write(store.index('Vehicle.Speed'), opts.speed, 0, QUALITY_VALID);
  store.write(store.index('Vehicle.Powertrain.Transmission.SelectedGear'), opts.gear, 0, QUALITY_VALID);
  store.write(store.index('Vehicle.LowVoltageSystemState'), ign.enumValues!.indexOf('ON'), 0, QUALITY_VALID);
  const vehicle = new VehicleState(store, (n) => String(ign.toVss(n)));
  vehicle.update();
  const requestIds = new Set(mapping.signals.filter((m) => m.actuator).map((m) => txKey(dbc.messages[m.actuator!.messageIndex]!.id, false)));
  const link = new FakeLink('fake:pt', { txAllow: requestIds });
  void link.open();
  const integrity = new IntegrityChecker(dbc.messages, 'toyota');
  const log = memoryLogger();
  let now = 0;
  const policy = new ActionPolicy({
    targets: mapping.signals.filter((m) => m.actuator).map((m) => ({ bus: 'pt', dbc, integrity, mapping: m })),
    senders: new Map([['pt', (f) => link.send(f)]]),
    vehicle,
    permits: opts.permits ?? (() => true),
    isVssPath: (p) => vss.get(p) !== undefined,
    clock: () => now,
    log,
  });
  return { policy, link, log, vehicle, store, tick: (ms: number) => (now += ms) };
}

const PARKED = { speed: 0, gear: 126 };
const DRIVING = { speed: 80, gear: 127 };

test('an allowed request is encoded, sealed and sent; the frame decodes back to the request', async () => {
  const { policy, link } = setup(DRIVING);
  const d = await policy.request({ caller: 'hmi', path: 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature', value: 22.5 });
  assert.equal([d.allowed, d.reason], [true, 'OK']);
  assert.is(link.sent.length, 1);
  const mi = dbc.messageIndex(link.sent[0]!.id, false);
  const decoded = decodeToObject(dbc, mi, link.sent[0]!.data, { choices: true });
  assert.equal([decoded.name, decoded.signals['ReqTargetTempDriver'], decoded.signals['ReqClimateOn'], decoded.signals['ReqFanSpeed']], ['HU_ClimateRequest', 22.5, 'On', 0]);
  assert.is(new IntegrityChecker(dbc.messages, 'toyota').check(mi, link.sent[0]!.data, 0, 8), INTEGRITY_OK);
});

test('vehicle-state rules: the trunk opens and doors unlock only when parked; locking is fine while driving', async () => {
  const driving = setup(DRIVING);
  const trunk = await driving.policy.request({ caller: 'hmi', path: 'Vehicle.Body.Trunk.Rear.IsOpen', value: true });
  assert.equal([trunk.allowed, trunk.reason, trunk.detail], [false, 'VEHICLE_STATE', 'the trunk opens only while the car is parked (vehicle is driving)']);
  const unlock = await driving.policy.request({ caller: 'hmi', path: 'Vehicle.Cabin.Door.Row1.DriverSide.IsLocked', value: false });
  assert.is(unlock.reason, 'VEHICLE_STATE');
  const lock = await driving.policy.request({ caller: 'hmi', path: 'Vehicle.Cabin.Door.Row1.DriverSide.IsLocked', value: true });
  assert.is(lock.allowed, true);
  assert.is(driving.link.sent.length, 1);
  const parked = setup(PARKED);
  assert.is((await parked.policy.request({ caller: 'hmi', path: 'Vehicle.Body.Trunk.Rear.IsOpen', value: true })).allowed, true);
});

test('remote rules: an app acting for a remote command is held to the cloud\'s rules; the same app on its own is not', async () => {
  const path = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature';
  const driving = setup(DRIVING);
  const remote = await driving.policy.request({ caller: 'com.example.app', path, value: 22, via: 'remote', command: 'n-1' });
  assert.equal([remote.allowed, remote.reason, remote.detail, remote.caller, remote.via, remote.command], [false, 'VEHICLE_STATE', 'remote commands act only while the car stands still (vehicle is driving)', 'com.example.app', 'remote', 'n-1']);
  assert.equal([driving.log.lines.at(-1)!['caller'], driving.log.lines.at(-1)!['via'], driving.log.lines.at(-1)!['command']], ['com.example.app', 'remote', 'n-1']);
  assert.is((await driving.policy.request({ caller: 'cloud', path, value: 22 })).reason, 'VEHICLE_STATE');
  const local = await driving.policy.request({ caller: 'com.example.app', path, value: 22 });
  assert.equal([local.allowed, local.via, 'via' in driving.log.lines.at(-1)!], [true, undefined, false]);
  assert.is(driving.link.sent.length, 1);
  // The app's own grant still applies to its remote requests.
  const nosy = setup({ ...PARKED, permits: (caller) => caller !== 'com.example.nosy' });
  assert.is((await nosy.policy.request({ caller: 'com.example.nosy', path, value: 22, via: 'remote', command: 'n-2' })).reason, 'NO_PERMISSION');
  const parked = await nosy.policy.request({ caller: 'com.example.app', path, value: 22, via: 'remote', command: 'n-3' });
  assert.equal([parked.allowed, parked.reason, parked.via], [true, 'OK', 'remote']);
});

test('unknown speed counts as driving: UX restricted, trunk refused', async () => {
  const { policy, vehicle, store } = setup(PARKED);
  store.setQuality(store.index('Vehicle.Speed'), QUALITY_STALE);
  vehicle.update();
  assert.equal([vehicle.current.drive, vehicle.current.ux], ['unknown', 'driving']);
  const d = await policy.request({ caller: 'hmi', path: 'Vehicle.Body.Trunk.Rear.IsOpen', value: true });
  assert.equal([d.allowed, d.reason], [false, 'VEHICLE_STATE']);
});

test('values are checked against VSS and against the DBC range, with the reason', async () => {
  const { policy, link } = setup(PARKED);
  const r = async (path: string, value: number | boolean | string) => {
    const d = await policy.request({ caller: 'hmi', path, value });
    return `${d.reason}: ${d.detail}`;
  };
  assert.is(await r('Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed', 150), 'OUT_OF_RANGE: Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed: 150 is outside [0, 100]');
  assert.is(await r('Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed', 2.5), 'BAD_VALUE: Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed is uint8: 2.5 is not an integer');
  assert.is(await r('Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature', 40), 'OUT_OF_RANGE: HU_ClimateRequest.ReqTargetTempPassenger: 40 is outside [15, 31.5]');
  assert.is(await r('Vehicle.Body.Lights.Beam.Low.IsOn', 1), 'BAD_VALUE: Vehicle.Body.Lights.Beam.Low.IsOn takes true or false, not 1');
  assert.is(await r('Vehicle.Speed', 10), 'NOT_ACTUATOR: Vehicle.Speed cannot be written on this car');
  assert.is(await r('Vehicle.Warp.Drive', 9), 'UNKNOWN_PATH: Vehicle.Warp.Drive is not a VSS path');
  assert.is(link.sent.length, 0);
});

test('permissions and rate limits refuse; every decision is an event and a log line', async () => {
  const { policy, link, log, tick } = setup({ ...PARKED, permits: (caller) => caller !== 'com.example.nosy' });
  const decisions: string[] = [];
  policy.on('decision', (d) => decisions.push(d.reason));
  const path = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed';
  await policy.request({ caller: 'com.example.nosy', path, value: 50 });
  for (const v of [10, 20, 30]) await policy.request({ caller: 'hmi', path, value: v });
  tick(1001);
  await policy.request({ caller: 'hmi', path, value: 40 });
  assert.equal(decisions, ['NO_PERMISSION', 'OK', 'OK', 'RATE_LIMIT', 'OK']);
  assert.is(link.sent.length, 3);
  assert.equal(log.lines.map((l) => [l['level'], l['reason']]), [['warn', 'NO_PERMISSION'], ['info', 'OK'], ['info', 'OK'], ['warn', 'RATE_LIMIT'], ['info', 'OK']]);
});

test('structurally, only the action policy sends frames in runtime/ and apps/', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const sources: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'node_modules') walk(p);
      } else if (/\.(ts|tsx|js|mjs)$/.test(name) && !name.endsWith('.test.ts')) {
        sources.push({ file: p.slice(root.length), text: readFileSync(p, 'utf8') });
      }
    }
  };
  walk(join(root, 'runtime'));
  if (existsSync(join(root, 'apps'))) walk(join(root, 'apps'));
  const matching = (re: RegExp): string[] => sources.filter((s) => re.test(s.text)).map((s) => s.file).sort();
  // Only runtime.ts makes links (createLink, or a link class from firmware-bridge) ...
  assert.equal(matching(/\b(createLink|FakeLink|LinkBase)\b/), ['runtime/src/runtime.ts']);
  // ... and hands their send to nothing but the action policy, which alone takes a FrameSender.
  assert.equal(matching(/\bFrameSender\b/), ['runtime/src/action-policy/action-policy.ts', 'runtime/src/runtime.ts']);
  // No code calls send on a link (WebSocket and MQTT sends are not links).
  assert.equal(matching(/\blinks?\b[\w.\]\[?!]*\.send\(/i), ['runtime/src/runtime.ts']);
  const wiring = sources.find((s) => s.file === 'runtime/src/runtime.ts')!.text.split('\n').filter((l) => /link\.send\(/.test(l));
  assert.equal(wiring.map((l) => l.trim()), ['senders.set(b.name, (frame) => link.send(frame));']);
});

test.run();
