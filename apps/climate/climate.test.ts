import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { APP_COMMAND, signCommand } from '../../runtime/index.ts';
import { appMessages, fastScenario, startAppCar, until, type AppCar } from '../testing/app-car.ts';

const TEMP = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature';
const FAN = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed';
const dir = mkdtempSync(join(tmpdir(), 'climate-'));
let car: AppCar;
test.before(async () => {
  // The cold morning, parked and plugged in at 79.5 %, 20 times as fast.
  car = await startAppCar('climate', fastScenario('cold-morning-preheat.json', dir, { speed: 20 }), { dir: join(dir, 'car') });
});
test.after(async () => {
  await car.close();
  rmSync(dir, { recursive: true, force: true });
});

const mine = () => car.decisions.filter((d) => d.caller === car.appId);
const twin = () => appMessages(car, 'state');
const pick = (r: Record<string, unknown>): unknown[] => [r['status'], r['reason']];

test('the tile shows the cabin temperature; a tap asks the action policy for the new target', async () => {
  // The cabin temperature and the set temperature come in different frames: wait for both.
  await until(() => {
    const t = car.host.templates.get(car.appId)?.template as { value?: string; title?: string } | undefined;
    return t?.value === '-4.0' && !String(t.title).includes('set --');
  }, 10_000, 'the tile with the cabin and the set temperature');
  const tile = car.host.templates.get(car.appId)!.template as { title: string; unit: string; actions: { id: string }[] };
  // The scenario's own fan ramps up from minute 2 (6 s here): its figure depends on when we look.
  assert.match(tile.title, /^Climate, set 20\.0 °C, fan \d+ %$/);
  assert.is(tile.unit, '°C');
  assert.equal(tile.actions.map((a) => a.id), ['temp-down', 'temp-up', 'fan-down', 'fan-up']);
  car.host.uiAction(car.appId, 'temp-up');
  await until(() => mine().length > 0, 5000, 'the request');
  assert.equal([mine()[0]!.path, mine()[0]!.value, mine()[0]!.allowed, mine()[0]!.reason], [TEMP, 20.5, true, 'OK']);
});

test('a signed precondition command heats while parked, reports to the twin, and switches off after N minutes', async () => {
  await new Promise((r) => setTimeout(r, 1100)); // past the HVAC's 2 requests/s
  const mark = mine().length;
  const reply = await car.command('precondition', { on: true, targetC: 22, minutes: 0.05 });
  assert.is(reply['status'], 'done', JSON.stringify(reply));
  assert.match(String(reply['detail']), /^pre-conditioning to 22 °C until /);
  const started = mine().slice(mark);
  assert.equal(started.map((d) => [d.path, d.value, d.allowed]), [[TEMP, 22, true], [FAN, 60, true]]);
  await until(() => twin().some((s) => (s['preconditioning'] as { active: boolean }).active), 5000, 'the twin saying on');
  const on = twin().find((s) => (s['preconditioning'] as { active: boolean }).active)!;
  assert.is((on['preconditioning'] as { targetC: number }).targetC, 22);
  assert.is((on['lastCommand'] as { status: string }).status, 'done');
  // 0.05 minutes later the app switches the fan off by itself.
  await until(() => mine().some((d) => d.path === FAN && d.value === 0), 8000, 'the auto-off');
  await until(() => !(twin().at(-1)!['preconditioning'] as { active: boolean }).active, 5000, 'the twin saying off');
  // Log lines reach the database up to a second after the app wrote them.
  await until(() => car.logs().includes('pre-conditioning ended: 0.05 min elapsed'), 3000, 'the log line');
});

test('the twin is retained: a phone that connects later gets the latest state at once', async () => {
  const late = mqtt.connect(car.rc.url, { clientId: `late-phone-${process.pid}` });
  try {
    await new Promise<void>((resolve, reject) => (late.once('connect', () => resolve()), late.once('error', reject)));
    const got = new Promise<{ retain: boolean; body: { data: { preconditioning: { active: boolean } } } }>((resolve) =>
      late.once('message', (_t, payload, packet) => resolve({ retain: packet.retain, body: JSON.parse(payload.toString('utf8')) })),
    );
    await late.subscribeAsync(`vehicles/${car.rt.config.vehicleId}/apps/${car.appId}/state`, { qos: 1 });
    const m = await got;
    assert.is(m.retain, true);
    assert.is(m.body.data.preconditioning.active, false);
  } finally {
    await late.endAsync(true);
  }
});

test('a command with a forged signature never reaches the app', async () => {
  const before = mine().length;
  const forger = generateKeyPairSync('ed25519');
  const reply = await car.command('precondition', { on: true }, forger.privateKey);
  assert.equal([reply['status'], reply['reason']], ['refused', 'BAD_SIGNATURE']);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(mine().length, before);
});

test('bad arguments are refused by the app with the reason', async () => {
  const reply = await car.command('precondition', { on: true, targetC: 35 });
  assert.equal([reply['status'], reply['reason'], reply['detail']], ['refused', 'BAD_ARGS', 'targetC must be 16..28 °C']);
});

test('an app without the cloud grant gets no commands: the car refuses them for it', async () => {
  car.host.setGrant(car.appId, 'cloud', false);
  try {
    const reply = await car.command('precondition', { on: true });
    assert.equal([reply['status'], reply['reason']], ['refused', 'NOT_GRANTED']);
  } finally {
    car.host.setGrant(car.appId, 'cloud', true);
  }
});

test('the app command names an app and a command: anything else is refused before any app sees it', async () => {
  const vid = car.rt.config.vehicleId;
  const send = async (args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const replyTo = `phone/replies/raw-${Math.random().toString(36).slice(2)}`;
    await car.phone.subscribeAsync(replyTo, { qos: 1 });
    const cmd = signCommand(car.owner.privateKey, { kid: 'owner', vehicleId: vid, name: APP_COMMAND, args });
    await car.phone.publishAsync(`vehicles/${vid}/commands/${APP_COMMAND}`, JSON.stringify({ ...cmd, replyTo }), { qos: 1 });
    await until(() => car.inbox.some((m) => m.topic === replyTo), 10_000, 'the reply');
    return JSON.parse(car.inbox.find((m) => m.topic === replyTo)!.text) as Record<string, unknown>;
  };
  const before = mine().length;
  assert.equal(pick(await send({ app: 'org.example.nothing', name: 'precondition' })), ['refused', 'NO_SUCH_APP']);
  assert.equal(pick(await send({ app: car.appId })), ['refused', 'BAD_ARGS']);
  assert.equal(pick(await send({ app: car.appId, name: 'precondition', args: [1] })), ['refused', 'BAD_ARGS']);
  assert.equal(pick(await send({ app: car.appId, name: 'defrost', args: {} })), ['refused', 'UNKNOWN_COMMAND']);
  assert.is(mine().length, before);
});

test('below the charge floor and while driving, pre-conditioning is refused and nothing is requested', async () => {
  // Parked at 15 % for 8 s (room for a slow machine), then driven away.
  const low = fastScenario('cold-morning-preheat.json', dir, {
    speed: 20,
    tracks: {
      'BMS_Status.StateOfCharge': [[0, 15]],
      'VCU_Drive.IgnitionState': [[0, 'OFF'], [8, 'ON']],
      'VCU_Drive.Gear': [[0, 'P'], [8, 'D']],
      'VCU_Drive.VehicleSpeed': [[0, 0], [8.5, 0], [10, 30]],
    },
  });
  const other = await startAppCar('climate', low, { dir: join(dir, 'low') });
  try {
    await until(() => other.rt.vehicle.current.drive !== 'unknown', 5000, 'a vehicle state');
    // The tile shows a cabin value once the app has its first signals (the charge comes with them).
    await until(() => /^-?\d/.test((other.host.templates.get(other.appId)?.template as { value?: string } | undefined)?.value ?? ''), 5000, 'the app has values');
    await new Promise((r) => setTimeout(r, 300));
    const floor = await other.command('precondition', { on: true });
    assert.equal([floor['status'], floor['reason']], ['refused', 'BELOW_CHARGE_FLOOR'], JSON.stringify(floor));
    await until(() => other.rt.vehicle.current.drive === 'driving', 10_000, 'driving');
    await new Promise((r) => setTimeout(r, 300)); // the app hears of it at the next tick
    const driving = await other.command('precondition', { on: true });
    assert.equal([driving['status'], driving['reason']], ['refused', 'NOT_PARKED'], JSON.stringify(driving));
    assert.is(other.decisions.filter((d) => d.caller === other.appId).length, 0);
  } finally {
    await other.close();
  }
});

test.run();
