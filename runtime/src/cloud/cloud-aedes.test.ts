import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../http/http-server.ts';
import { cloudRoutes } from './cloud-http.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';
import { signCommand } from './command-signing.ts';
import { DEFAULT_TELEMETRY_POLICY } from './telemetry-policy.ts';
import { samplesOf, type TelemetryBatch } from './payload.ts';
import { carWithCloud, OWNER } from './testing/harness.ts';
import { Observer, until } from './testing/observer.ts';
import { tempDir } from './testing/temp-dir.ts';

// The default cloud of `headunit start`: the embedded aedes broker (MQTT 3.1.1).

test('embedded broker: 3.1.1 fallback, retained status, consented telemetry only, ledger, commands with replyTo', async () => {
  const t = tempDir();
  const car = await carWithCloud(t.dir, { telemetry: { batchMs: 100 } });
  const { cloud, url } = car.rc;
  const obs = await Observer.connect(url);
  try {
    await until(() => cloud.connection.connected, 15_000, 'connected');
    assert.is(cloud.connection.protocolVersion, 4, 'aedes refuses MQTT 5; the car falls back to 3.1.1');
    assert.is(cloud.connection.counters.fallbacks, 1);
    await until(() => obs.on('/telemetry').some((s) => s.body['cat'] === 'energy'), 15_000, 'energy telemetry');
    const late = await Observer.connect(url, { filter: 'vehicles/+/status' });
    await until(() => late.seen.length > 0, 10_000, 'retained status');
    assert.equal([late.seen[0]!.body['online'], late.seen[0]!.retain], [true, true]);
    await late.close();
    await until(() => cloud.ledger.list().length > 0, 10_000, 'ledger entries');
    // Defaults: location and driving stay in the car.
    const cats = new Set(obs.on('/telemetry').map((s) => s.body['cat']));
    assert.not.ok(cats.has('location') || cats.has('driving'), `categories sent: ${[...cats].join(',')}`);
    const batch = obs.on('/telemetry').find((s) => s.body['cat'] === 'energy')!.body as unknown as TelemetryBatch;
    const soc = samplesOf(batch).find((s) => s.path === 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current');
    assert.ok(soc && Math.abs((soc.value as number) - 41.4) < 0.5, `state of charge ${JSON.stringify(soc)}`);
    assert.ok(cloud.telemetry.counters.withheld > 0, 'location samples were withheld');
    const entry = cloud.ledger.list({ dataClass: 'energy', limit: 1 })[0]!;
    assert.equal([entry.topic, entry.kind], ['vehicles/demo-ev-0001/telemetry', 'telemetry']);
    assert.ok(entry.samples > 0 && entry.bytes > 20);

    // A signed precondition while parked: done, through the action policy, reply on replyTo.
    const replyTo = 'owners/alice/replies';
    await obs.client.subscribeAsync(replyTo, { qos: 1 });
    const cmd = signCommand(OWNER.privateKey, { kid: 'owner', vehicleId: 'demo-ev-0001', name: 'precondition', args: { on: true, targetC: 22 }, replyTo });
    await obs.client.publishAsync('vehicles/demo-ev-0001/commands/precondition', JSON.stringify(cmd), { qos: 1 });
    await until(() => obs.on(replyTo).length === 1, 15_000, 'reply');
    const reply = obs.on(replyTo)[0]!.body;
    assert.equal([reply['status'], reply['reason'], reply['nonce']], ['done', 'OK', cmd.nonce], JSON.stringify(reply));
    assert.ok(car.rt.buses[0]!.link.counters.txFrames >= 1, 'frames went out through the action policy');
    // The same command again: a replay.
    await obs.client.publishAsync('vehicles/demo-ev-0001/commands/precondition', JSON.stringify(cmd), { qos: 1 });
    // Unsigned: refused, reply on the default topic.
    await obs.client.publishAsync('vehicles/demo-ev-0001/commands/trunk', JSON.stringify({ args: { open: true }, exp: Date.now() + 60_000, nonce: 'unsigned-nonce-1' }), { qos: 1 });
    await until(() => obs.on(replyTo).length === 2 && obs.on('/commands/trunk/reply').length === 1, 15_000, 'refusals');
    assert.equal([obs.on(replyTo)[1]!.body['reason'], obs.on('/commands/trunk/reply')[0]!.body['reason']], ['REPLAY', 'UNSIGNED']);
    assert.is(car.rt.buses[0]!.link.counters.txFrames, 4, 'only the first command acted (4 requests)');
    assert.is(obs.duplicates, 0);
    // A clean stop leaves the retained status saying offline.
    await car.rc.cloud.stop();
    await until(() => obs.on('/status').some((s) => s.body['online'] === false), 10_000, 'offline status');
  } finally {
    await obs.close();
    await car.close();
    t.remove();
  }
});

test('app channels stay in their subtree; HTTP privacy settings revoke, purge and show the ledger', async () => {
  const t = tempDir();
  const policy = [...DEFAULT_TELEMETRY_POLICY, { prefix: 'Vehicle.Powertrain.TractionBattery.StateOfCharge', category: 'energy' as const, intervalMs: 100 }];
  const car = await carWithCloud(t.dir, { telemetry: { batchMs: 100, policy } });
  const { cloud, url } = car.rc;
  const obs = await Observer.connect(url);
  const server = createHttpServer(car.rt, [cloudRoutes(cloud)]).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/cloud`;
  try {
    await until(() => cloud.connection.connected, 15_000, 'connected');
    const ch = cloud.appChannel('climate');
    const got: { topic: string; data: unknown }[] = [];
    ch.subscribe('cmd/#', (m) => got.push({ topic: m.topic, data: m.data }));
    assert.throws(() => ch.subscribe('a/#/b', () => {}), /topic suffix/);
    assert.throws(() => ch.subscribe('', () => {}), /topic suffix/);
    assert.throws(() => ch.publish('a/+/b', {}), /topic suffix/);
    await new Promise((r) => setTimeout(r, 200));
    await obs.client.publishAsync('vehicles/demo-ev-0001/apps/climate/cmd/boost', JSON.stringify({ minutes: 5 }), { qos: 1 });
    await obs.client.publishAsync('vehicles/demo-ev-0001/apps/other/cmd/boost', JSON.stringify({ minutes: 9 }), { qos: 1 });
    const r = ch.publish('state', { on: true });
    assert.ok(r.queued);
    await until(() => got.length === 1 && obs.on('/apps/climate/state').length === 1, 15_000, 'app traffic');
    assert.equal(got, [{ topic: 'cmd/boost', data: { minutes: 5 } }]);
    assert.equal(obs.on('/apps/climate/state')[0]!.body, { mid: (r as { mid: string }).mid, app: 'climate', timeMs: obs.on('/apps/climate/state')[0]!.body['timeMs'], data: { on: true } });

    // The twin: desired documents reach listeners; reported state is retained with consented sections only.
    const desired: unknown[] = [];
    cloud.onDesired((d) => desired.push(d));
    await obs.client.publishAsync('vehicles/demo-ev-0001/state/desired', JSON.stringify({ climate: { targetC: 21 } }), { qos: 1 });
    cloud.reportState('climate', { targetC: 21, on: false }, 'cabin');
    cloud.reportState('trip', { km: 12 }, 'driving');
    await until(() => desired.length === 1 && obs.on('/state/reported').length === 2, 15_000, 'twin');
    assert.equal(desired, [{ climate: { targetC: 21 } }]);
    assert.equal(obs.on('/state/reported')[1]!.body['state'], { climate: { targetC: 21, on: false } });
    // A desired climate target is a setting: reported back, and the default of the next precondition.
    await obs.client.publishAsync('vehicles/demo-ev-0001/state/desired', JSON.stringify({ climate: { targetC: 24 } }), { qos: 1 });
    await until(() => obs.on('/state/reported').length === 3, 15_000, 'twin reported');
    assert.equal((obs.on('/state/reported')[2]!.body['state'] as Record<string, unknown>)['climate'], { targetC: 24 });
    const twinReply = 'owners/alice/twin';
    await obs.client.subscribeAsync(twinReply, { qos: 1 });
    const pre = signCommand(OWNER.privateKey, { kid: 'owner', vehicleId: 'demo-ev-0001', name: 'precondition', args: { on: true }, replyTo: twinReply });
    await obs.client.publishAsync('vehicles/demo-ev-0001/commands/precondition', JSON.stringify(pre), { qos: 1 });
    await until(() => obs.on(twinReply).length === 1, 15_000, 'precondition reply');
    const decided = (obs.on(twinReply)[0]!.body['result'] as { decisions: { path: string; value: unknown }[] }).decisions;
    assert.equal(decided[0], { path: 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature', value: 24, allowed: true, reason: 'OK' });

    const put = async (path: string, body: unknown): Promise<Response> => fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(body) });
    let consent = await (await fetch(`${base}/consent`)).json() as { categories: Record<string, { granted: boolean }> };
    assert.equal([consent.categories['location']!.granted, consent.categories['energy']!.granted], [false, true]);
    assert.is((await put('/consent/telepathy', { granted: true })).status, 404);
    assert.is((await put('/consent/energy', { granted: 'yes' })).status, 400);
    // Offline: telemetry piles up in the outbox; revoking energy purges it.
    await car.rc.broker!.close();
    await until(() => !cloud.connection.connected, 15_000, 'offline');
    await until(() => cloud.outbox.depth.messages >= 3, 15_000, 'backlog');
    const energyQueued = cloud.outbox.next(1000).filter((m) => m.dataClass === 'energy').length;
    assert.ok(energyQueued > 0);
    consent = await (await put('/consent/energy', { granted: false })).json() as typeof consent;
    assert.is(consent.categories['energy']!.granted, false);
    assert.is(cloud.outbox.next(1000).filter((m) => m.dataClass === 'energy').length, 0);
    assert.ok(cloud.outbox.counters.purged >= energyQueued);
    await put('/privacy', { on: true });
    assert.is(cloud.outbox.next(1000).filter((m) => m.dataClass !== 'service').length, 0, 'privacy mode leaves only service data');
    assert.is(cloud.appChannel('climate').publish('state', { on: false }).queued, false);
    const ledger = await (await fetch(`${base}/ledger?limit=5`)).json() as { entries: { topic: string }[]; totals: Record<string, { messages: number }> };
    assert.ok(ledger.entries.length > 0 && ledger.entries.length <= 5);
    assert.ok(ledger.totals['energy']!.messages > 0 && ledger.totals['apps']!.messages === 1);
    const metrics = await (await fetch(base.replace('/api/cloud', '/metrics'))).text();
    assert.match(metrics, /^headunit_cloud_outbox_messages \d+$/m);
    assert.match(metrics, /^headunit_cloud_outbox_purged_total [1-9]\d*$/m);
  } finally {
    server.close();
    await obs.close();
    await car.close();
    t.remove();
  }
});

test('broker restarted twice during a 20k-message stream: the cloud got every message, duplicates only with the same id', async () => {
  const t = tempDir();
  let broker = await startEmbeddedBroker();
  const port = broker.port;
  const got = new Map<string, number>();
  const order: number[] = [];
  const record = (b: EmbeddedBroker): void => {
    b.broker.on('publish', (packet, client) => {
      if (client?.id !== 'demo-ev-0001' || !packet.topic.endsWith('/events')) return;
      const body = JSON.parse(packet.payload.toString()) as { mid: string; i: number };
      got.set(body.mid, (got.get(body.mid) ?? 0) + 1);
      order.push(body.i);
    });
  };
  record(broker);
  const car = await carWithCloud(t.dir, { url: broker.url, telemetry: { policy: [] } });
  const { cloud } = car.rc;
  const N = 20_000;
  try {
    await until(() => cloud.connection.connected, 15_000, 'connected');
    cloud.outbox.batch(() => {
      for (let i = 0; i < N; i++) cloud.outbox.enqueue({ topic: 'vehicles/demo-ev-0001/events', body: { i }, kind: 'event', dataClass: 'diagnostics' });
    });
    cloud.publisher.kick();
    for (const share of [0.25, 0.6]) {
      await until(() => got.size > N * share, 30_000, `${share * 100} % through`);
      await broker.close();
      await new Promise((r) => setTimeout(r, 300));
      broker = await startEmbeddedBroker({ port });
      record(broker);
    }
    await until(() => cloud.outbox.depth.messages === 0 && got.size >= N, 60_000, `all ${N} received (now ${got.size})`);
    const duplicates = [...got.values()].reduce((a, n) => a + n - 1, 0);
    const c = cloud.outbox.counters;
    console.log(`  aedes restarts: accepted ${c.enqueued}, received ${got.size} unique, lost ${N - got.size}, duplicates ${duplicates} (same id), reconnects ${cloud.connection.counters.connects}`);
    assert.is(got.size, N);
    assert.is(c.acked, N);
    assert.is(Object.keys(c.dropped).length, 0);
    assert.is(cloud.connection.counters.connects, 3);
    const first = order.filter((i, k) => order.indexOf(i) === k);
    assert.ok(first.every((v, k) => k === 0 || v > first[k - 1]!), 'first arrivals are in outbox order');
  } finally {
    await car.close();
    await broker.close();
    t.remove();
  }
});

test.run();
