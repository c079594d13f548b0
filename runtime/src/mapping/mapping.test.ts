import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompiledDbc, encodeFromObject, IntegrityChecker, loadDbcFile, type CanFrame } from '../../../dbc/index.ts';
import { loadCarConfig } from '../config/car-config.ts';
import { ConfigError } from '../errors.ts';
import { memoryLogger } from '../log.ts';
import { Runtime } from '../runtime.ts';
import { QUALITY_INVALID, QUALITY_VALID } from '../signal-store/signal-store.ts';
import { VssCatalogue } from '../vss/catalogue.ts';
import { loadMapping } from './mapping.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const vss = VssCatalogue.load();
const demo = new CompiledDbc(loadDbcFile(`${ROOT}dbc/vehicles/demo-ev.dbc`));

test('mapping errors name the file and the JSON path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-'));
  const file = join(dir, 'm.json');
  const err = (signals: unknown): string => {
    writeFileSync(file, JSON.stringify({ dbc: `${ROOT}dbc/vehicles/demo-ev.dbc`, signals }));
    try {
      loadMapping(file, demo, vss);
    } catch (e) {
      assert.instance(e, ConfigError);
      return (e as Error).message.slice(file.length + 2);
    }
    return 'no error';
  };
  try {
    assert.is(err({ 'Vehicle.Spede': { from: 'VCU_Drive.VehicleSpeed' } }), '$.signals["Vehicle.Spede"]: not a VSS 6.0 leaf');
    assert.is(err({ 'Vehicle.Speed': { from: 'VCU_Drive.Speed' } }), '$.signals["Vehicle.Speed"].from: message VCU_Drive has no signal Speed');
    assert.is(err({ 'Vehicle.Speed': { from: 'VCU_Drive.VehicleSpeed', mat: 'x' } }), '$.signals["Vehicle.Speed"].mat: unknown key (expected one of: from, math, map, invalid, interval_ms, on_change, deadband, to_dbc)');
    assert.is(err({ 'Vehicle.Speed': { from: 'VCU_Drive.VehicleSpeed', math: 'x *' } }), '$.signals["Vehicle.Speed"].math: expression "x *" at column 4: expected a number, x, a function or (');
    assert.is(err({ 'Vehicle.Speed': { from: 'VCU_Drive.VehicleSpeed', to_dbc: { signal: 'HU_BodyRequest.ReqDoorLock' } } }), '$.signals["Vehicle.Speed"].to_dbc: Vehicle.Speed is a VSS sensor, not an actuator: it cannot be written');
    assert.is(err({ 'Vehicle.Powertrain.Transmission.SelectedGear': { from: 'VCU_Drive.Gear', map: [{ from: 'Drive', to: 127 }] } }), '$.signals["Vehicle.Powertrain.Transmission.SelectedGear"].map[0].from: "Drive" is not a choice of Gear (P, R, N, D, B)');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

function frameFor(c: CompiledDbc, message: string, values: Record<string, number | string>, scheme: 'toyota' | 'none' | 'tesla'): CanFrame {
  const mi = c.messageIndexByName(message);
  const data = encodeFromObject(c, mi, values, { fillMissing: true, strict: false });
  const integrity = new IntegrityChecker(c.messages, scheme);
  if (integrity.covers(mi)) integrity.seal(mi, data, 0, data.length);
  const m = c.messages[mi]!;
  return { timestampUs: Date.now() * 1000, bus: '', id: m.id, extended: m.extended, fd: m.isFd, brs: false, esi: false, rtr: false, error: false, data };
}

async function runtimeFor(config: string) {
  const rt = await Runtime.create(loadCarConfig(`${ROOT}runtime/config/${config}.json`), memoryLogger());
  const value = (path: string): [unknown, number] => {
    const i = rt.store.index(path);
    const m = rt.buses.flatMap((b) => b.mapping.signals).find((s) => s.path === path)!;
    return [m.toVss(rt.store.values[i]!), rt.store.quality[i]!];
  };
  return { rt, value };
}

test('a real Toyota: speed, gear, doors and blinkers from opendbc frames', async () => {
  const { rt, value } = await runtimeFor('toyota-nodsu');
  const bus = rt.buses[0]!;
  const c = bus.pipeline.dbc;
  const now = Date.now();
  bus.pipeline.handle(frameFor(c, 'SPEED', { SPEED: 88.5 }, 'toyota'), now);
  bus.pipeline.handle(frameFor(c, 'GEAR_PACKET', { GEAR: 'R' }, 'toyota'), now);
  bus.pipeline.handle(frameFor(c, 'BODY_CONTROL_STATE', { DOOR_OPEN_FL: 1 }, 'toyota'), now);
  bus.pipeline.handle(frameFor(c, 'BLINKERS_STATE', { TURN_SIGNALS: 'left' }, 'toyota'), now);
  assert.equal(value('Vehicle.Speed'), [88.5, QUALITY_VALID]);
  assert.equal(value('Vehicle.Powertrain.Transmission.SelectedGear'), [-1, QUALITY_VALID]);
  assert.equal(value('Vehicle.Cabin.Door.Row1.DriverSide.IsOpen'), [true, QUALITY_VALID]);
  assert.equal([value('Vehicle.Body.Lights.DirectionIndicator.Left.IsSignaling')[0], value('Vehicle.Body.Lights.DirectionIndicator.Right.IsSignaling')[0]], [true, false]);
  assert.is(bus.pipeline.counters.badChecksum, 0);
  assert.equal(rt.policy.actuators, []);
});

test('a real Tesla Model 3 on two buses; "signal not available" is invalid, not a speed', async () => {
  const { rt, value } = await runtimeFor('tesla-model3');
  const [party, vehicle] = rt.buses;
  const now = Date.now();
  party!.pipeline.handle(frameFor(party!.pipeline.dbc, 'DI_speed', { DI_vehicleSpeed: 63.2 }, 'tesla'), now);
  assert.equal([value('Vehicle.Speed')[1], Math.round((value('Vehicle.Speed')[0] as number) * 100) / 100], [QUALITY_VALID, 63.2]);
  party!.pipeline.handle(frameFor(party!.pipeline.dbc, 'DI_speed', { DI_vehicleSpeed: 'SNA' }, 'tesla'), now + 100);
  assert.is(value('Vehicle.Speed')[1], QUALITY_INVALID);
  vehicle!.pipeline.handle(frameFor(vehicle!.pipeline.dbc, 'VCLEFT_doorStatus', { VCLEFT_frontLatchStatus: 'LATCH_AJAR', VCLEFT_rearLatchStatus: 'LATCH_CLOSED' }, 'none'), now);
  assert.equal([value('Vehicle.Cabin.Door.Row1.DriverSide.IsOpen')[0], value('Vehicle.Cabin.Door.Row2.DriverSide.IsOpen')[0]], [true, false]);
});

test.run();
