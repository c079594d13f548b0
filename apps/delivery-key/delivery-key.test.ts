import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appMessages, fastScenario, startAppCar, until, type AppCar } from '../testing/app-car.ts';
import { signedText, type DeliveryKey } from './src/delivery-key.ts';

const TRUNK = 'Vehicle.Body.Trunk.Rear.IsOpen';
const LOCK = 'Vehicle.Cabin.Door.Row1.DriverSide.IsLocked';
const dir = mkdtempSync(join(tmpdir(), 'delivery-key-'));
let car: AppCar;
test.before(async () => {
  // Parked and locked; from 3:50, 10x as fast: the courier opens the trunk 7.2 s in and closes it at 12.8 s.
  car = await startAppCar('delivery-key', fastScenario('parked-delivery.json', dir, { fromS: 230, speed: 10 }), { dir: join(dir, 'car') });
});
test.after(async () => {
  await car.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A key as the owner's phone issues it, signed with `by` (default: the owner's key). */
function issue(keyId: string, o: { fromMs?: number; toMs?: number; by?: KeyObject } = {}): DeliveryKey {
  const now = Date.now();
  const k = { v: 1 as const, keyId, vehicleId: car.rt.config.vehicleId, courier: 'Parcel Co. #4711', notBeforeMs: now + (o.fromMs ?? -1000), expMs: now + (o.toMs ?? 60_000) };
  return { ...k, sig: sign(null, Buffer.from(signedText(k), 'utf8'), o.by ?? car.owner.privateKey).toString('base64') };
}
const events = () => appMessages(car, 'delivery/events');
const stepsOf = (keyId: string) => events().filter((e) => e['keyId'] === keyId).map((e) => e['step']);
const mine = () => car.decisions.filter((d) => d.caller === car.appId).map((d) => [d.path, d.value, d.allowed]);
const refusal = async (keyId: string): Promise<unknown> => {
  await until(() => stepsOf(keyId).includes('refused'), 5000, `the refusal of ${keyId}`);
  return events().find((e) => e['keyId'] === keyId && e['step'] === 'refused')!['reason'];
};

test('the owner pairs with a signed command; a valid key opens the trunk once; closing it locks the car', async () => {
  const reply = await car.command('pair', { publicKey: car.owner.publicKey.export({ type: 'spki', format: 'pem' }), vehicleId: car.rt.config.vehicleId });
  assert.equal([reply['status'], reply['reason']], ['done', 'OK'], JSON.stringify(reply));
  await car.toApp('delivery/key', issue('dk-0001'));
  await until(() => stepsOf('dk-0001').includes('unlock-requested'), 5000, 'the unlock');
  assert.equal(mine(), [[TRUNK, true, true]]);
  await until(() => stepsOf('dk-0001').includes('relocked'), 15_000, 'the relock after the trunk closed');
  assert.equal(stepsOf('dk-0001'), ['accepted', 'unlock-requested', 'trunk-opened', 'trunk-closed', 'relocked']);
  assert.is(events().find((e) => e['step'] === 'relocked')!['why'], 'trunk-closed');
  assert.equal(mine(), [[TRUNK, true, true], [LOCK, true, true]]);
  // Every step is in the driver's ledger: the app's own records and the platform's action records.
  const ledger = car.host.ledger(car.appId);
  const steps = ledger.filter((r) => r.kind === 'app' && r.detail['keyId'] === 'dk-0001').map((r) => r.detail['step']);
  assert.equal(steps, ['accepted', 'unlock-requested', 'trunk-opened', 'trunk-closed', 'relocked']);
  assert.equal(ledger.filter((r) => r.kind === 'action').map((r) => [r.detail['path'], r.detail['allowed']]), [[TRUNK, true], [LOCK, true]]);
});

test('the same key a second time is refused and nothing is requested', async () => {
  const again = issue('dk-0001');
  await car.toApp('delivery/key', again);
  assert.is(await refusal('dk-0001'), 'ALREADY_USED');
  assert.is(mine().length, 2);
});

test('an expired key, a forged key and a tampered key are refused', async () => {
  await car.toApp('delivery/key', issue('dk-expired', { fromMs: -120_000, toMs: -1000 }));
  assert.is(await refusal('dk-expired'), 'EXPIRED');
  const forger = generateKeyPairSync('ed25519');
  await car.toApp('delivery/key', issue('dk-forged', { by: forger.privateKey }));
  assert.is(await refusal('dk-forged'), 'BAD_SIGNATURE');
  await car.toApp('delivery/key', { ...issue('dk-tampered'), courier: 'Someone Else' });
  assert.is(await refusal('dk-tampered'), 'BAD_SIGNATURE');
  await car.toApp('delivery/key', '{"v":1,"keyId":"x"}');
  await until(() => events().some((e) => e['reason'] === 'MALFORMED'), 5000, 'the malformed key');
  assert.is(mine().length, 2);
  assert.ok(car.host.ledger(car.appId).some((r) => r.kind === 'app' && r.detail['keyId'] === 'dk-forged' && r.detail['reason'] === 'BAD_SIGNATURE'));
});

test('a key whose trunk is never opened: the car locks again when its time is up', async () => {
  await until(() => car.rt.store.values[car.rt.store.index(TRUNK)] === 0 && stepsOf('dk-0001').includes('relocked'), 10_000, 'the trunk closed');
  await car.toApp('delivery/key', issue('dk-0002', { toMs: 1500 }));
  await until(() => stepsOf('dk-0002').includes('relocked'), 8000, 'the relock on timeout');
  assert.equal(stepsOf('dk-0002'), ['accepted', 'unlock-requested', 'relocked']);
  assert.is(events().find((e) => e['keyId'] === 'dk-0002' && e['step'] === 'relocked')!['why'], 'timed-out');
  assert.equal(mine().slice(2), [[TRUNK, true, true], [LOCK, true, true]]);
});

test.run();
