import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimulatedHaLight } from '../../sim/index.ts';
import { fastScenario, startAppCar, until, type AppCar } from '../testing/app-car.ts';

const dir = mkdtempSync(join(tmpdir(), 'home-lights-'));
let car: AppCar;
let light: SimulatedHaLight;

/** The light, configured in Home Assistant on the app's topics (bridged from the car's cloud broker). */
async function lightFor(c: AppCar): Promise<SimulatedHaLight> {
  const root = `vehicles/${c.rt.config.vehicleId}/apps/${c.appId}/home/light`;
  const l = new SimulatedHaLight(c.rc.url, { command: `${root}/set`, state: `${root}/state`, availability: `${root}/availability` });
  await l.start();
  return l;
}
const tile = (c: AppCar) => c.host.templates.get(c.appId)?.template as { title: string; value: string } | undefined;

test.before(async () => {
  // The last 90 s of the drive home, 10x as fast: ~320 m away at the start, within 150 m about 5 s in.
  car = await startAppCar('home-lights', fastScenario('arriving-home.json', dir, { fromS: 90, speed: 10 }), { dir: join(dir, 'arrive') });
  light = await lightFor(car);
});
test.after(async () => {
  await light.stop();
  await car.close();
  rmSync(dir, { recursive: true, force: true });
});

test('arriving home turns the light on with a Home Assistant JSON command, exactly once', async () => {
  await until(() => light.on, 15_000, 'the light on');
  assert.equal(light.received.map((r) => r.payload), ['{"state":"ON","brightness":255,"transition":2}']);
  assert.is(light.received[0]!.ignored, undefined);
  await until(() => tile(car)?.value === 'On', 5000, 'the tile showing the state the light reported');
  assert.is(tile(car)!.title, 'Home lights (car at home)');
  await new Promise((r) => setTimeout(r, 1500)); // parked at home: GNSS jitter must not repeat it
  assert.is(light.received.length, 1);
  assert.ok(car.host.ledger(car.appId).some((r) => r.kind === 'egress' && r.detail['topic'] === 'home/light/set'));
});

test('the manual tile switches it off and on', async () => {
  car.host.uiAction(car.appId, 'off');
  await until(() => !light.on, 5000, 'the light off');
  await until(() => tile(car)?.value === 'Off', 5000, 'the tile off');
  car.host.uiAction(car.appId, 'on');
  await until(() => light.on, 5000, 'the light on again');
  assert.equal(light.received.slice(1).map((r) => r.payload), ['{"state":"OFF"}', '{"state":"ON","brightness":255}']);
});

test('while the light is offline the tile says so; a command waits and goes when it is back', async () => {
  await light.stop(false); // the broker publishes the last will: offline
  await until(() => tile(car)?.value === 'Offline', 5000, 'the tile offline');
  car.host.uiAction(car.appId, 'off');
  await until(() => tile(car)?.value === 'Waiting', 5000, 'the tile waiting');
  assert.ok(car.logs().some((l) => l.startsWith('light offline: OFF (on the screen) sent when it is back')));
  const count = light.received.length;
  light = await lightFor(car);
  await until(() => light.received.length > 0, 5000, 'the queued command');
  assert.is(count, 3);
  assert.equal(light.received.map((r) => r.payload), ['{"state":"OFF"}']);
  await until(() => tile(car)?.value === 'Off', 5000, 'the tile off after the light came back');
});

test('leaving home turns the light off', async () => {
  // Parked at home for 2 s, then driving away north-east.
  const leave = fastScenario('arriving-home.json', dir, {
    fromS: 170,
    speed: 10,
    durationS: 30,
    tracks: {
      'VCU_Drive.IgnitionState': [[0, 'ON']],
      'VCU_Drive.Gear': [[0, 'D']],
      'VCU_Drive.VehicleSpeed': [[0, 0], [2, 0], [3, 40]],
      'GNSS_Position.Latitude': [[0, 48.1771], [2, 48.1771], [6, 48.1820]],
      'GNSS_Position.Longitude': [[0, 11.5562], [2, 11.5562], [6, 11.5620]],
    },
  });
  const away = await startAppCar('home-lights', leave, { dir: join(dir, 'leave') });
  const l = await lightFor(away);
  try {
    away.host.uiAction(away.appId, 'on');
    await until(() => l.on, 5000, 'the light on before leaving');
    await until(() => !l.on, 15_000, 'the light off after leaving').catch((e: Error) => {
      const s = away.rt.store;
      throw new Error(`${e.message}: ${JSON.stringify([away.logs(), s.values[s.index('Vehicle.CurrentLocation.Latitude')], tile(away)])}`);
    });
    assert.equal(l.received.map((r) => r.payload), ['{"state":"ON","brightness":255}', '{"state":"OFF","transition":2}']);
    // Log lines reach the database up to a second after the app wrote them.
    await until(() => away.logs().includes('light OFF (left home)'), 3000, 'the log line');
  } finally {
    await l.stop();
    await away.close();
  }
});

test.run();
