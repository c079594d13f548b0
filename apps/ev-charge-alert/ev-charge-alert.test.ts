import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appMessages, fastScenario, startAppCar, until, type AppCar } from '../testing/app-car.ts';

// The EV commute from minute 5, 20 times as fast: the charge crosses 15 % about 3 s in.
const dir = mkdtempSync(join(tmpdir(), 'ev-charge-alert-'));
let car: AppCar;
test.before(async () => {
  car = await startAppCar('ev-charge-alert', fastScenario('ev-commute-low-charge.json', dir, { fromS: 300, speed: 20 }), { dir });
});
test.after(async () => {
  await car.close();
  rmSync(dir, { recursive: true, force: true });
});

const notes = (title: string) => car.host.notifications.filter((n) => n.appId === car.appId && n.title === title);

test('below 15 %: a short alert with the nearest chargers, not shared without opt-in', async () => {
  await until(() => notes('Charge low').length > 0, 20_000, 'the low-charge alert');
  const [n] = notes('Charge low');
  assert.match(n!.body!, /^Battery at 14\.\d %, below your 15 %\. Nearest: /);
  assert.ok(n!.body!.length <= 140, `${n!.body!.length} characters`);
  // On the commute's last stretch (north of Schwabing) the nearest configured charger is the Olympiapark one.
  assert.match(n!.body!, /Nearest: (Allego Olympiapark|EnBW Schwabing Nord) \d+(\.\d)? km/);
  const shown = car.host.templates.get(car.appId)?.template;
  assert.equal(shown, { kind: 'alert', title: 'Charge low', body: n!.body!, level: 'warning' });
  const soc = car.rt.store.values[car.rt.store.index('Vehicle.Powertrain.TractionBattery.StateOfCharge.Current')]!;
  assert.ok(soc < 15, `soc ${soc}`);
  await new Promise((r) => setTimeout(r, 500));
  assert.is(appMessages(car, 'alert').length, 0);
  assert.ok(car.host.ledger(car.appId).some((r) => r.kind === 'notify' && r.detail['title'] === 'Charge low'));
});

test('the driver raises the threshold on the tile: the alert re-arms and fires at the new level', async () => {
  car.host.uiAction(car.appId, 'raise');
  await until(() => notes('Charge low').length > 1, 10_000, 'the second alert');
  assert.match(notes('Charge low')[1]!.body!, /below your 20 %/);
  assert.is(notes('Charge low').length, 2);
});

test('range short of the way home: alert, and with opt-in the family gets it through the cloud', async () => {
  car.host.uiAction(car.appId, 'share');
  await until(() => car.logs().includes('family sharing on'), 10_000, 'sharing on');
  await car.toApp('config', { home: { name: 'Home', lat: 49.4521, lon: 11.0767 } });
  await until(() => notes('Not enough range to get home').length > 0, 15_000, 'the range alert');
  const body = notes('Not enough range to get home')[0]!.body!;
  // Munich to Nuremberg: ~150 km in a straight line, x 1.3 by road, + 5 km reserve.
  const [, range, needed] = /^Range (\d+) km, ~(\d+) km needed to get home\. Nearest: /.exec(body) ?? [];
  assert.ok(Number(range) < 60 && Number(needed) > 190 && Number(needed) < 210, body);
  await until(() => appMessages(car, 'alert').length > 0, 10_000, 'the shared alert on the broker');
  const [shared] = appMessages(car, 'alert');
  assert.is(shared!['kind'], 'range');
  assert.type(shared!['rangeKm'], 'number');
  assert.ok((shared!['chargers'] as unknown[]).length >= 1);
  assert.is(appMessages(car, 'alert').length, 1);
  assert.ok(car.host.ledger(car.appId).some((r) => r.kind === 'egress' && r.detail['topic'] === 'alert'));
});

test('a malformed configuration is refused and changes nothing', async () => {
  await car.toApp('config', { home: { name: 'Nowhere', lat: 123, lon: 0 } });
  await until(() => car.logs().some((l) => l.startsWith('config refused: home must be')), 10_000, 'the refusal');
});

test.run();
