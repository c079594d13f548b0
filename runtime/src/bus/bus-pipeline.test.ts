import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompiledDbc, encodeFromObject, IntegrityChecker, loadDbcFile, MessageTimeouts, type CanFrame } from '../../../dbc/index.ts';
import { loadMapping } from '../mapping/mapping.ts';
import { QUALITY_INVALID, QUALITY_NONE, QUALITY_OUT_OF_RANGE, QUALITY_STALE, QUALITY_VALID, SignalStore } from '../signal-store/signal-store.ts';
import { VssCatalogue } from '../vss/catalogue.ts';
import { BusPipeline } from './bus-pipeline.ts';

const DEMO = fileURLToPath(new URL('../../../dbc/vehicles/', import.meta.url));
const dbc = new CompiledDbc(loadDbcFile(`${DEMO}demo-ev.dbc`));
const mapping = loadMapping(`${DEMO}demo-ev.vss.json`, dbc, VssCatalogue.load());

function setup() {
  const store = new SignalStore(mapping.signals.map((m) => m.path));
  const integrity = new IntegrityChecker(dbc.messages, 'toyota');
  const p = new BusPipeline('pt', dbc, integrity, new MessageTimeouts(dbc.messages), mapping, store);
  let counter = 0;
  const frame = (message: string, values: Record<string, number | string>, seal = true): CanFrame => {
    const mi = dbc.messageIndexByName(message);
    const data = encodeFromObject(dbc, mi, values, { fillMissing: true, strict: false });
    if (seal && integrity.covers(mi)) integrity.seal(mi, data, 0, data.length, counter++);
    const m = dbc.messages[mi]!;
    return { timestampUs: 0, bus: 'pt', id: m.id, extended: m.extended, fd: false, brs: false, esi: false, rtr: false, error: false, data };
  };
  const get = (path: string) => {
    const i = store.index(path);
    const m = mapping.byPath.get(path)!;
    return [m.toVss(store.values[i]!), store.quality[i]];
  };
  return { store, p, frame, get };
}

test('frames become VSS values through transforms, tables and enum strings', () => {
  const { p, frame, get } = setup();
  p.handle(frame('VCU_Drive', { VehicleSpeed: 87.5, Gear: 'D', IgnitionState: 'ON' }), 1000);
  p.handle(frame('BMS_Status', { StateOfCharge: 14.2, RangeEstimate: 61 }), 1000);
  assert.equal(get('Vehicle.Speed'), [87.5, QUALITY_VALID]);
  assert.equal(get('Vehicle.Powertrain.Transmission.SelectedGear'), [127, QUALITY_VALID]);
  assert.equal(get('Vehicle.LowVoltageSystemState'), ['ON', QUALITY_VALID]);
  assert.equal(get('Vehicle.Powertrain.Range'), [61000, QUALITY_VALID]);
  assert.equal(get('Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed'), [14, QUALITY_VALID]);
  assert.is(get('Vehicle.Cabin.Door.Row1.DriverSide.IsOpen')[1], QUALITY_NONE);
});

test('a frame with a bad checksum marks its signals invalid and does not change their values', () => {
  const { p, frame, get } = setup();
  p.handle(frame('VCU_Drive', { VehicleSpeed: 50 }), 1000);
  const bad = frame('VCU_Drive', { VehicleSpeed: 120 });
  bad.data[7]! ^= 0x01;
  p.handle(bad, 1020);
  assert.equal(get('Vehicle.Speed'), [50, QUALITY_INVALID]);
  assert.is(p.counters.badChecksum, 1);
});

test('values outside the VSS range are kept but flagged; unmapped table values are invalid', () => {
  const { p, frame, get } = setup();
  p.handle(frame('BMS_Status', { StateOfCharge: 102 }, false), 1000);
  assert.equal(get('Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'), [102, QUALITY_OUT_OF_RANGE]);
  p.handle(frame('VCU_Drive', { Gear: 7 }), 1000);
  assert.is(get('Vehicle.Powertrain.Transmission.SelectedGear')[1], QUALITY_INVALID);
});

test('a message that stops arriving makes its signals stale; the next frame makes them valid again', () => {
  const { p, frame, get } = setup();
  p.handle(frame('HVAC_Status', { CabinTemperature: 21.5 }), 1000); // cycle 500 ms
  p.checkTimeouts(1500);
  assert.equal(get('Vehicle.Cabin.HVAC.AmbientAirTemperature'), [21.5, QUALITY_VALID]);
  p.checkTimeouts(3000);
  assert.equal(get('Vehicle.Cabin.HVAC.AmbientAirTemperature'), [21.5, QUALITY_STALE]);
  assert.is(p.counters.staleMessages >= 1, true);
  p.handle(frame('HVAC_Status', { CabinTemperature: 21.5 }), 3100);
  assert.equal(get('Vehicle.Cabin.HVAC.AmbientAirTemperature'), [21.5, QUALITY_VALID]);
});

test('publish rules: deadband and interval hold back small or too frequent changes', () => {
  const { store, p, frame } = setup();
  const speed = store.index('Vehicle.Speed');
  p.handle(frame('VCU_Drive', { VehicleSpeed: 50 }), 1000);
  p.handle(frame('VCU_Drive', { VehicleSpeed: 50.05 }), 1020); // deadband 0.1
  assert.is(store.values[speed], 50);
  const lat = store.index('Vehicle.CurrentLocation.Latitude');
  p.handle(frame('GNSS_Position', { Latitude: 48.1 }), 1000);
  p.handle(frame('GNSS_Position', { Latitude: 48.2 }), 1200); // interval 1000 ms
  assert.ok(Math.abs(store.values[lat]! - 48.1) < 1e-6);
  p.handle(frame('GNSS_Position', { Latitude: 48.3 }), 2000);
  assert.ok(Math.abs(store.values[lat]! - 48.3) < 1e-6);
});

test.run();
