import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signCommand } from './command-signing.ts';
import type { CloudSync } from './cloud-sync.ts';
import { carWithCloud, OWNER } from './testing/harness.ts';
import { Mosquitto } from './testing/mosquitto.ts';
import { Observer, until } from './testing/observer.ts';
import { tempDir } from './testing/temp-dir.ts';
import { DEFAULT_TELEMETRY_POLICY } from './telemetry-policy.ts';

// Against mosquitto from Debian: MQTT 5, persistence, restarts. Each fault test counts what
// was accepted, received, dropped and duplicated.

const VEHICLE = 'vehicles/demo-ev-0001';

/** Everything accepted into the outbox arrived once (duplicates only with the same id), or is counted as dropped/expired/purged. */
function accountFor(cloud: CloudSync, obs: Observer, kinds: (mid: string) => boolean = () => true): { accepted: number; received: number; lost: number; duplicates: number } {
  const c = cloud.outbox.counters;
  const gone = Object.values(c.dropped).reduce((a, b) => a + b, 0) + c.expired + c.purged;
  const received = [...obs.mids.keys()].filter(kinds).length;
  return { accepted: c.enqueued, received, lost: c.enqueued - gone - received - cloud.outbox.depth.messages, duplicates: obs.duplicates };
}

test('MQTT 5: reply on the response topic with correlation data; preconditioning refused while driving', async () => {
  if (!Mosquitto.available()) throw new Error('mosquitto is not installed (/usr/sbin/mosquitto); CI installs it');
  const t = tempDir();
  const broker = await Mosquitto.start(t.dir);
  const car = await carWithCloud(t.dir, { url: broker.url, kind: 'driving' });
  const obs = await Observer.connect(broker.url, { version: 5 });
  try {
    await until(() => car.rc.cloud.connection.connected && car.rt.vehicle.current.drive === 'driving', 15_000, 'connected and driving');
    assert.is(car.rc.cloud.connection.protocolVersion, 5);
    assert.is(car.rc.cloud.connection.counters.fallbacks, 0);
    await obs.client.subscribeAsync('phone/+/responses', { qos: 1 });
    const cmd = signCommand(OWNER.privateKey, { kid: 'owner', vehicleId: 'demo-ev-0001', name: 'precondition', args: { on: true } });
    const corr = Buffer.from('req-42');
    await obs.client.publishAsync(`${VEHICLE}/commands/precondition`, JSON.stringify(cmd), { qos: 1, properties: { responseTopic: 'phone/alice/responses', correlationData: corr } });
    await until(() => obs.on('phone/alice/responses').length === 1, 15_000, 'reply');
    const r = obs.on('phone/alice/responses')[0]!;
    assert.equal([r.body['status'], r.body['reason']], ['refused', 'VEHICLE_STATE'], JSON.stringify(r.body));
    assert.match(String(r.body['detail']), /stands still \(vehicle is driving\)/);
    assert.equal(r.correlationData, corr);
    assert.is(car.rt.buses[0]!.link.counters.txFrames, 0, 'nothing reached the bus');
  } finally {
    await obs.close();
    await car.close();
    await broker.kill();
    t.remove();
  }
});

test('mosquitto restarted twice during a 20k-message stream: nothing lost, duplicates only with the same id, in order', async () => {
  const t = tempDir();
  const broker = await Mosquitto.start(t.dir);
  const car = await carWithCloud(t.dir, { url: broker.url, telemetry: { policy: [] } });
  const obs = await Observer.connect(broker.url, { version: 5 });
  const { cloud } = car.rc;
  const N = 20_000;
  try {
    await until(() => cloud.connection.connected, 15_000, 'connected');
    cloud.outbox.batch(() => {
      for (let i = 0; i < N; i++) cloud.outbox.enqueue({ topic: `${VEHICLE}/events`, body: { i }, kind: 'event', dataClass: 'diagnostics' });
    });
    cloud.publisher.kick();
    await until(() => cloud.outbox.counters.acked > N / 4, 20_000, 'a quarter through');
    await broker.restart(300);
    await until(() => cloud.outbox.counters.acked > (N * 2) / 3, 30_000, 'two thirds through');
    await broker.restart(300);
    await until(() => cloud.outbox.depth.messages === 0, 60_000, 'outbox drained');
    await until(() => obs.mids.size >= N, 10_000, `all ${N} received (now ${obs.mids.size})`);
    const a = accountFor(cloud, obs);
    console.log(`  mosquitto restarts: accepted ${a.accepted}, acknowledged ${cloud.outbox.counters.acked}, received ${a.received} unique, lost ${a.lost}, duplicates ${a.duplicates} (same id), reconnects ${cloud.connection.counters.connects}`);
    assert.is(a.received, N);
    assert.is(a.lost, 0);
    assert.is(cloud.outbox.counters.acked, N);
    assert.is(Object.keys(cloud.outbox.counters.dropped).length, 0);
    assert.is(cloud.connection.counters.connects, 3);
    const firstSeen = obs.on('/events').map((s) => s.body['i'] as number).filter((i, k, all) => all.indexOf(i) === k);
    assert.ok(firstSeen.every((v, k) => k === 0 || v > firstSeen[k - 1]!), 'first arrivals are in outbox order');
  } finally {
    await obs.close();
    await car.close();
    await broker.kill();
    t.remove();
  }
});

test('an outage: telemetry piles up offline, is sent in order afterwards; revoking purges the queue', async () => {
  const t = tempDir();
  const broker = await Mosquitto.start(t.dir);
  const policy = [...DEFAULT_TELEMETRY_POLICY, { prefix: 'Vehicle.Powertrain.TractionBattery.StateOfCharge', category: 'energy' as const, intervalMs: 50 }, { prefix: 'Vehicle.Cabin.HVAC.AmbientAirTemperature', category: 'cabin' as const, intervalMs: 50 }];
  const car = await carWithCloud(t.dir, { url: broker.url, telemetry: { policy, batchMs: 50 } });
  const obs = await Observer.connect(broker.url, { version: 5 });
  const { cloud } = car.rc;
  try {
    await until(() => cloud.connection.connected && obs.on('/telemetry').length > 2, 15_000, 'telemetry flowing');
    await broker.stop();
    // 60 batching windows offline: a minute of 1 s batches, compressed.
    await until(() => cloud.outbox.depth.messages >= 60, 10_000, 'backlog of 60 batches');
    const cabinQueued = cloud.outbox.next(10_000).filter((m) => m.dataClass === 'cabin').length;
    cloud.consent.set('cabin', false);
    assert.is(cloud.outbox.next(10_000).filter((m) => m.dataClass === 'cabin').length, 0);
    const revokedAt = Date.now();
    await broker.restart();
    await until(() => cloud.connection.connected, 10_000, 'reconnected');
    await new Promise((r) => setTimeout(r, 300));
    await until(() => cloud.outbox.depth.messages <= 2, 10_000, 'backlog drained');
    const a = accountFor(cloud, obs);
    console.log(`  outage: accepted ${a.accepted}, received ${a.received}, purged ${cloud.outbox.counters.purged} (cabin queued ${cabinQueued}), lost ${a.lost}, duplicates ${a.duplicates}`);
    assert.ok(a.lost <= 0 && a.lost >= -2, `lost ${a.lost}`);
    assert.ok(cloud.outbox.counters.purged >= cabinQueued && cabinQueued > 0);
    const energy = obs.on('/telemetry').filter((s) => s.body['cat'] === 'energy').map((s) => s.body['t0'] as number);
    assert.ok(energy.every((v, k) => k === 0 || v >= energy[k - 1]!), 'energy batches arrive in time order');
    const lateCabin = obs.on('/telemetry').filter((s) => s.body['cat'] === 'cabin' && (s.body['t0'] as number) > revokedAt);
    assert.is(lateCabin.length, 0, 'no cabin data after revocation');
  } finally {
    await obs.close();
    await car.close();
    await broker.kill();
    t.remove();
  }
});

test.run();
