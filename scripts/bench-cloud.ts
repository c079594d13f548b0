#!/usr/bin/env -S node --import tsx
/**
 * Issue #7 numbers: bytes per telemetry sample for several payload encodings; a 100k-message
 * outbox backlog drained to a local mosquitto (messages/s; also with the broker restarted
 * mid-drain); CPU for telemetry of 100 signals/s. Usage: node --import tsx scripts/bench-cloud.ts [--messages N] [--seconds N]
 */
import { deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCloudDb } from '../runtime/src/cloud/cloud-db.ts';
import { CloudConnection } from '../runtime/src/cloud/connection.ts';
import { CloudSync } from '../runtime/src/cloud/cloud-sync.ts';
import { Ledger } from '../runtime/src/cloud/ledger.ts';
import { Outbox } from '../runtime/src/cloud/outbox.ts';
import { telemetryBatch, type Sample } from '../runtime/src/cloud/payload.ts';
import { OutboxPublisher } from '../runtime/src/cloud/publisher.ts';
import { Mosquitto } from '../runtime/src/cloud/testing/mosquitto.ts';
import { Observer, until } from '../runtime/src/cloud/testing/observer.ts';
import { tempDir } from '../runtime/src/cloud/testing/temp-dir.ts';
import { createLogger } from '../runtime/src/log.ts';
import { QUALITY_VALID, SignalStore } from '../runtime/src/signal-store/signal-store.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, seconds: { type: 'string', default: '20' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: node --import tsx scripts/bench-cloud.ts [--messages N] [--seconds N]\n\nbytes/sample per encoding, outbox drain to mosquitto (msg/s), CPU of telemetry at 100 signals/s.');
  process.exit(0);
}
const quiet = createLogger({ write: () => true });
const TOPIC = 'vehicles/demo-ev-0001/telemetry';
/** MQTT 3.1.1/5 PUBLISH overhead besides topic and payload: fixed header (2-4), topic length (2), packet id (2), v5 property length (1). */
const mqttOverhead = (payload: number): number => 1 + (payload + TOPIC.length + 5 > 16383 ? 3 : payload + TOPIC.length + 5 > 127 ? 2 : 1) + 2 + TOPIC.length + 2 + 1 + payload;

/** One second of a driving car: 20 signals, speed-like values changing every 100 ms. */
function secondOfSamples(): Sample[] {
  const out: Sample[] = [];
  const t0 = 1_764_619_200_123;
  for (let k = 0; k < 10; k++) {
    for (let p = 0; p < 20; p++) out.push({ path: `Vehicle.Powertrain.TractionBattery.Signal${p}`, value: Math.round((40 + p + k * 0.37) * 100) / 100, timeMs: t0 + k * 100 + p });
  }
  return out;
}

function encodings(): void {
  const samples = secondOfSamples();
  const mid = 'mx57n6f3-f4432b33-4';
  const perSample = samples.map((s) => JSON.stringify({ mid, path: s.path, value: s.value, timeMs: s.timeMs }));
  const objects = JSON.stringify({ mid, samples: samples.map((s) => ({ path: s.path, value: s.value, timeMs: s.timeMs })) });
  const rows = JSON.stringify({ mid, t0: samples[0]!.timeMs, rows: samples.map((s) => [s.path, s.timeMs - samples[0]!.timeMs, s.value]) });
  const chosen = JSON.stringify(telemetryBatch(mid, 'energy', samples));
  const n = samples.length;
  const line = (name: string, payloads: number[]): void => {
    const payload = payloads.reduce((a, b) => a + b, 0);
    const wire = payloads.reduce((a, b) => a + mqttOverhead(b), 0);
    console.log(`  ${name.padEnd(46)} payload ${(payload / n).toFixed(1).padStart(6)} B/sample   on the wire ${(wire / n).toFixed(1).padStart(6)} B/sample`);
  };
  console.log(`bytes per sample (${n} samples: 20 signals x 10 values in 1 s):`);
  line('one message per sample (JSON object)', perSample.map((p) => Buffer.byteLength(p)));
  line('batch of {path,value,timeMs} objects', [Buffer.byteLength(objects)]);
  line('batch of [path, dt, value] rows', [Buffer.byteLength(rows)]);
  line('chosen: grouped by path, [dt, value] pairs', [Buffer.byteLength(chosen)]);
  line('chosen + raw deflate (not used)', [deflateRawSync(chosen).length]);
}

async function drain(broker: Mosquitto, dir: string, n: number, restartAt: number | null, subscriber = true): Promise<void> {
  const label = restartAt !== null ? `broker restarted at ${restartAt}` : subscriber ? 'with a subscriber session' : 'no subscriber';
  const db = openCloudDb(join(dir, `drain-${label.replace(/\W+/g, '-')}.db`));
  const outbox = new Outbox(db);
  const t0 = performance.now();
  outbox.batch(() => {
    for (let i = 0; i < n; i++) outbox.enqueue({ topic: 'vehicles/bench/events', body: { i, kind: 'event', timeMs: 1_764_619_200_000 + i }, kind: 'event', dataClass: 'diagnostics' });
  });
  const fillMs = performance.now() - t0;
  // The subscriber's session is made first and then left, so the broker queues for it and its
  // own work is not on this thread while the car drains; it counts afterwards.
  const clientId = `bench-subscriber-${label.replace(/\W+/g, '-')}`;
  if (subscriber) await (await Observer.connect(broker.url, { version: 5, filter: 'vehicles/bench/#', clientId })).close();
  const conn = new CloudConnection({ url: broker.url, vehicleId: `bench-${label.replace(/\W+/g, '-')}`, log: quiet, backoff: { initialMs: 100, maxMs: 500 } });
  const pub = new OutboxPublisher(outbox, conn, new Ledger(db), quiet);
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  pub.start();
  conn.start();
  if (restartAt !== null) {
    await until(() => outbox.counters.acked >= restartAt, 60_000, 'restart point');
    await broker.restart(200);
  }
  await until(() => outbox.depth.messages === 0, 300_000, 'drained');
  const drainS = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const obs = subscriber ? await Observer.connect(broker.url, { version: 5, filter: 'vehicles/bench/#', clientId }) : null;
  if (obs) await until(() => obs.mids.size >= n, 10_000, 'all received').catch(() => undefined);
  const received = obs ? `subscriber received ${obs.mids.size} unique (missing ${n - obs.mids.size}), duplicates ${obs.duplicates}` : 'nobody subscribed';
  console.log(
    `  ${label}: fill ${n} in ${fillMs.toFixed(0)} ms (${Math.round(n / (fillMs / 1000))} msg/s); ` +
      `drained in ${drainS.toFixed(2)} s = ${Math.round(n / drainS)} msg/s (car process CPU ${cpuS.toFixed(2)} s = ${Math.round(n / cpuS)} msg per CPU-second); acknowledged ${outbox.counters.acked}, dropped ${Object.values(outbox.counters.dropped).reduce((a, b) => a + b, 0)}; ${received}`,
  );
  pub.stop();
  await conn.stop();
  await obs?.close();
  db.close();
}

async function telemetryCpu(broker: Mosquitto, dir: string, seconds: number): Promise<void> {
  const paths = Array.from({ length: 100 }, (_, i) => `Vehicle.Bench.Signal${i}`);
  const run = async (withCloud: boolean): Promise<{ cpu: number; samples: number; bytes: number }> => {
    const store = new SignalStore(paths);
    const cloud = withCloud
      ? new CloudSync({ url: broker.url, vehicleId: 'bench-telemetry', dbFile: join(dir, 'telemetry.db'), store, toVss: () => (n) => n, log: quiet, telemetry: { policy: [{ prefix: 'Vehicle', category: 'energy', deadband: 0, minIntervalMs: 1000 }] } })
      : null;
    cloud?.start();
    let k = 0;
    // Each signal changes 10 times a second; the policy sends at most one value per signal per second.
    const writer = setInterval(() => {
      const now = Date.now();
      k++;
      for (let i = 0; i < paths.length; i++) store.write(i, i + k * 0.01, now, QUALITY_VALID);
      store.flush(now);
    }, 100);
    await new Promise((r) => setTimeout(r, 1500));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const s0 = cloud?.telemetry.counters.samples ?? 0;
    const b0 = cloud ? cloud.ledger.totals()['energy']?.bytes ?? 0 : 0;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const c = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    clearInterval(writer);
    const samples = (cloud?.telemetry.counters.samples ?? 0) - s0;
    const bytes = cloud ? (cloud.ledger.totals()['energy']?.bytes ?? 0) - b0 : 0;
    await cloud?.stop();
    return { cpu: ((c.user + c.system) / 1000 / wall) * 100, samples, bytes };
  };
  const base = await run(false);
  const withCloud = await run(true);
  console.log(
    `  100 signals at 10 Hz into the store, telemetry at most 1 value/signal/s: ${(withCloud.samples / seconds).toFixed(0)} samples/s, ` +
      `${(withCloud.bytes / Math.max(1, withCloud.samples)).toFixed(1)} payload B/sample; CPU ${withCloud.cpu.toFixed(2)} % of a core with cloud, ${base.cpu.toFixed(2)} % without: cloud costs ${(withCloud.cpu - base.cpu).toFixed(2)} %`,
  );
}

async function main(): Promise<void> {
  encodings();
  const t = tempDir('headunit-bench-cloud-');
  const broker = await Mosquitto.start(t.dir);
  try {
    const n = Number(values.messages);
    console.log(`outbox backlog of ${n} messages (QoS 1, SQLite WAL synchronous=FULL) drained to mosquitto ${broker.url}:`);
    await drain(broker, t.dir, n, null, false);
    await drain(broker, t.dir, n, null);
    await drain(broker, t.dir, n, Math.floor(n / 2));
    console.log(`telemetry CPU over ${values.seconds} s:`);
    await telemetryCpu(broker, t.dir, Number(values.seconds));
  } finally {
    await broker.kill();
    t.remove();
  }
}

await main();
