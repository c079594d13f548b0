import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fastScenario, startAppCar, until, type AppCar } from './app-car.ts';

/**
 * An app acting for a signed remote command is held to the rules for remote requests (caller
 * `cloud`: only while the car stands), whether or not it checks the vehicle state itself; the
 * same app acting for the driver (a tap, its own timer) and the driver's control on the screen
 * follow the ordinary rules. A real app bundle, the real sandbox, real signed commands over MQTT.
 */
const TEMP = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature';
const dir = mkdtempSync(join(tmpdir(), 'remote-actions-'));
const appDir = join(dir, 'careless');
mkdirSync(join(appDir, 'src'), { recursive: true });
writeFileSync(join(appDir, 'app.json'), JSON.stringify({
  id: 'com.test.careless', name: 'Careless', version: '1.0.0', publisher: 'Test', description: 'Sets the cabin temperature whenever asked, never looking at the vehicle state.', entry: 'src/main.ts',
  permissions: { actuators: [TEMP], ui: ['control'], cloud: ['state'] },
}));
// Never checks the vehicle state: the platform must.
writeFileSync(join(appDir, 'src', 'main.ts'), `
import { app, cloud, errors, ui, vehicle, type CloudCommand } from '@headunit/sdk';
const TEMP = '${TEMP}';
async function setTemp(v: number, why: string): Promise<Record<string, unknown>> {
  try {
    await vehicle.set(TEMP, v);
    console.info(why + ' ' + v + ' OK');
    return { status: 'done', reason: 'OK', detail: why };
  } catch (err) {
    const E = errors();
    const r = err instanceof E.Refused ? { status: 'refused', reason: err.reason, detail: 'Refused: ' + err.message } : { status: 'failed', reason: String(err), detail: why };
    console.info(why + ' ' + v + ' ' + r.reason);
    return r;
  }
}
function onCommand(c: CloudCommand): unknown {
  const v = Number(c.args['value']);
  if (c.name === 'set') return setTemp(v, 'command');
  // Answers at once and acts afterwards: still for the command.
  if (c.name === 'later') { setTimeout(() => void setTemp(v, 'after-answer'), 50); return { status: 'done', reason: 'OK', detail: 'scheduled' }; }
  if (c.name === 'hold') { console.info('holding'); return new Promise((resolve) => setTimeout(() => resolve({ status: 'done', reason: 'OK', detail: 'held' }), Number(c.args['ms']))); }
  return { status: 'refused', reason: 'UNKNOWN_COMMAND', detail: c.name };
}
app.onStart(() => {
  ui.render({ kind: 'control', title: 'Driver', control: { type: 'slider', action: TEMP, value: 21, min: 16, max: 28, step: 0.5 } });
  ui.onAction((a) => {
    const [what, v] = a.id.split(':');
    if (what === 'tap') void setTemp(Number(v), 'tap');
    if (what === 'timer') setTimeout(() => void setTemp(Number(v), 'timer'), 50);
  });
  cloud.onCommand(onCommand);
});
`);

let car: AppCar;
test.before(async () => {
  // Parked (ignition on, P, not plugged in) for 10 s, then driven away at 30 km/h.
  car = await startAppCar(appDir, fastScenario('cold-morning-preheat.json', dir, {
    speed: 20,
    tracks: {
      'VCU_Drive.IgnitionState': [[0, 'ON']],
      'VCU_Drive.Gear': [[0, 'P'], [10, 'D']],
      'VCU_Drive.VehicleSpeed': [[0, 0], [10.5, 0], [11.5, 30]],
      'BMS_Charging.ChargePlugConnected': [[0, 0]],
    },
  }), { dir: join(dir, 'car') });
});
test.after(async () => {
  await car.close();
  rmSync(dir, { recursive: true, force: true });
});

const mine = () => car.decisions.filter((d) => d.caller === car.appId);
const actions = () => car.host.ledger(car.appId).filter((r) => r.kind === 'action').map((r) => r.detail);
const logged = (text: string): boolean => car.logs().includes(text);
/** Past the HVAC's 2 accepted requests per second. */
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));

test('parked: the command handler\'s vehicle.set is a remote request and allowed; a tap is local', async () => {
  await until(() => car.rt.vehicle.current.drive === 'parked', 5000, 'parked');
  const reply = await car.command('set', { value: 22 });
  assert.equal([reply['status'], reply['reason']], ['done', 'OK'], JSON.stringify(reply));
  const d = mine().at(-1)!;
  assert.equal([d.path, d.value, d.allowed, d.via, d.command], [TEMP, 22, true, 'remote', reply['nonce']]);
  assert.equal(actions().at(-1), { path: TEMP, value: 22, via: 'remote', command: reply['nonce'], allowed: true, reason: 'OK', detail: d.detail });
  await pause();
  car.host.uiAction(car.appId, 'tap:22.5');
  await until(() => logged('tap 22.5 OK'), 5000, 'the tap');
  const tap = mine().at(-1)!;
  assert.equal([tap.value, tap.allowed, tap.via, tap.command], [22.5, true, undefined, undefined]);
  assert.not.ok('via' in actions().at(-1)!);
});

test('driving: the command\'s vehicle.set is refused VEHICLE_STATE as remote; taps and timers of the app stay local', async () => {
  await until(() => car.rt.vehicle.current.drive === 'driving', 15_000, 'driving');
  await pause();
  const reply = await car.command('set', { value: 23 });
  // The app got a typed Refused with the policy's reason and passed it on.
  assert.equal([reply['status'], reply['reason']], ['refused', 'VEHICLE_STATE'], JSON.stringify(reply));
  assert.match(String(reply['detail']), /^Refused: remote commands act only while the car stands still \(vehicle is driving\)$/);
  const d = mine().at(-1)!;
  assert.equal([d.value, d.allowed, d.reason, d.via, d.command], [23, false, 'VEHICLE_STATE', 'remote', reply['nonce']]);
  assert.equal([actions().at(-1)!['via'], actions().at(-1)!['command'], actions().at(-1)!['reason']], ['remote', reply['nonce'], 'VEHICLE_STATE']);
  // The same actuator for the driver: the HVAC has no state rule of its own.
  car.host.uiAction(car.appId, 'tap:23');
  await until(() => logged('tap 23 OK'), 5000, 'the tap while driving');
  assert.equal([mine().at(-1)!.allowed, mine().at(-1)!.via], [true, undefined]);
  await pause();
  car.host.uiAction(car.appId, 'timer:23.5');
  await until(() => logged('timer 23.5 OK'), 5000, 'the timer while driving');
  assert.equal([mine().at(-1)!.value, mine().at(-1)!.allowed, mine().at(-1)!.via], [23.5, true, undefined]);
});

test('answering first does not escape: what the handler scheduled still acts for the command', async () => {
  await pause();
  const reply = await car.command('later', { value: 24 });
  assert.equal([reply['status'], reply['detail']], ['done', 'scheduled']);
  await until(() => logged('after-answer 24 VEHICLE_STATE'), 5000, 'the late request');
  const d = mine().at(-1)!;
  assert.equal([d.value, d.allowed, d.reason, d.via, d.command], [24, false, 'VEHICLE_STATE', 'remote', reply['nonce']]);
});

test('while a command is in flight the driver\'s control stays local; the app\'s own requests count as remote', async () => {
  await pause();
  const pending = car.command('hold', { ms: 1500 });
  await until(() => logged('holding'), 5000, 'the command in the app');
  const control = await car.host.controlAction(car.appId, TEMP, 21);
  assert.equal([control.allowed, control.reason, 'via' in control], [true, 'OK', false]);
  assert.equal([mine().at(-1)!.value, mine().at(-1)!.via], [21, undefined]);
  assert.not.ok('via' in actions().at(-1)!);
  // Conservative: a tap while the app is busy with a remote command is asked as remote too.
  car.host.uiAction(car.appId, 'tap:21.5');
  await until(() => logged('tap 21.5 VEHICLE_STATE'), 5000, 'the tap during the command');
  const reply = await pending;
  assert.equal([reply['status'], reply['detail']], ['done', 'held']);
  assert.equal([mine().at(-1)!.value, mine().at(-1)!.via, mine().at(-1)!.command], [21.5, 'remote', reply['nonce']]);
  // Answered and drained: the app's taps are its own again.
  await pause();
  car.host.uiAction(car.appId, 'tap:22');
  await until(() => logged('tap 22 OK'), 5000, 'the tap after the command');
  assert.equal([mine().at(-1)!.value, mine().at(-1)!.allowed, mine().at(-1)!.via], [22, true, undefined]);
});

test.run();
