import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { carWithCloud } from './testing/harness.ts';
import { Mosquitto } from './testing/mosquitto.ts';
import { Observer, until } from './testing/observer.ts';
import { TcpProxy } from './testing/tcp-proxy.ts';
import { tempDir } from './testing/temp-dir.ts';

// Faults between the car and mosquitto (MQTT 5): the head unit SIGKILLed mid-upload, a stalled
// then reset network, a slow broker. The cloud side (an observer on the broker) counts.

const CHILD = fileURLToPath(new URL('./testing/backlog-child.ts', import.meta.url));

function startChild(args: string[]): { exited: Promise<[number | null, NodeJS.Signals | null]>; lines: string[]; kill: () => void } {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  p.stdout.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  return { exited: once(p, 'exit') as Promise<[number | null, NodeJS.Signals | null]>, lines, kill: () => p.kill('SIGKILL') };
}

test('the head unit SIGKILLed with a backlog mid-upload, then restarted: every message arrives, duplicates carry the same id', async () => {
  const t = tempDir();
  const broker = await Mosquitto.start(t.dir);
  const obs = await Observer.connect(broker.url, { version: 5, filter: 'vehicles/killed/#' });
  const db = join(t.dir, 'killed.db');
  const N = 5000;
  try {
    const first = startChild([db, broker.url, String(N), 'fill']);
    await until(() => obs.mids.size > N / 3, 30_000, 'a third through');
    first.kill();
    const [, signal] = await first.exited;
    assert.is(signal, 'SIGKILL');
    const atKill = obs.mids.size;
    // The broker saw the connection die: the last will says offline (retained).
    await until(() => obs.on('killed/status').some((m) => m.body['online'] === false), 15_000, 'last will');
    const second = startChild([db, broker.url, '0', 'drain']);
    const [code] = await second.exited;
    assert.is(code, 0, second.lines.join('\n'));
    const backlog = Number(second.lines[0]!.split(' ')[1]);
    await until(() => obs.mids.size >= N, 10_000, `all ${N} received (now ${obs.mids.size})`);
    console.log(`  SIGKILL: accepted ${N}, received ${atKill} before the kill, backlog after restart ${backlog}, received ${obs.mids.size} unique, lost ${N - obs.mids.size}, duplicates ${obs.duplicates} (same id)`);
    assert.is(obs.mids.size, N);
    assert.ok(backlog > 0 && backlog <= N - atKill + 50, `backlog ${backlog}`);
    assert.ok(obs.duplicates <= 50, 'at most the window in flight at the kill is sent twice');
  } finally {
    await obs.close();
    await broker.kill();
    t.remove();
  }
});

test('a stalled network (proxy holds every byte past the keepalive, then resets) and a slow broker: nothing lost', async () => {
  const t = tempDir();
  const broker = await Mosquitto.start(t.dir);
  const proxy = await TcpProxy.start(broker.port);
  const car = await carWithCloud(t.dir, { url: proxy.url, telemetry: { policy: [] }, keepaliveS: 1, connectTimeoutMs: 1500 });
  const obs = await Observer.connect(broker.url, { version: 5, filter: 'vehicles/demo-ev-0001/events' });
  const { cloud } = car.rc;
  const N = 5000;
  const put = (from: number): void =>
    cloud.outbox.batch(() => {
      for (let i = from; i < from + N; i++) cloud.outbox.enqueue({ topic: 'vehicles/demo-ev-0001/events', body: { i }, kind: 'event', dataClass: 'diagnostics' });
    });
  try {
    await until(() => cloud.connection.connected, 15_000, 'connected');
    put(0);
    cloud.publisher.kick();
    await until(() => obs.mids.size > N / 4, 20_000, 'a quarter through');
    proxy.pause();
    await until(() => !cloud.connection.connected, 10_000, 'keepalive noticed the stall');
    proxy.reset();
    proxy.resume();
    await until(() => cloud.outbox.depth.messages === 0 && obs.mids.size >= N, 30_000, `all ${N} after the stall (now ${obs.mids.size})`);
    const stalled = { received: obs.mids.size, duplicates: obs.duplicates, reconnects: cloud.connection.counters.connects };
    console.log(`  stall: accepted ${N}, received ${stalled.received} unique, lost ${N - stalled.received}, duplicates ${stalled.duplicates} (same id), sessions ${stalled.reconnects}`);
    assert.is(stalled.received, N);
    assert.ok(stalled.reconnects >= 2);
    // A slow broker: every chunk towards the car (PUBACKs) 30 ms late.
    proxy.delayMs = 30;
    const t0 = performance.now();
    put(N);
    cloud.publisher.kick();
    await until(() => cloud.outbox.depth.messages === 0 && obs.mids.size >= 2 * N, 60_000, `all ${2 * N} through the slow broker (now ${obs.mids.size})`);
    const s = (performance.now() - t0) / 1000;
    console.log(`  slow broker (+30 ms per chunk): ${N} in ${s.toFixed(2)} s = ${Math.round(N / s)} msg/s, received ${obs.mids.size - stalled.received} unique, duplicates ${obs.duplicates - stalled.duplicates}`);
    assert.is(obs.mids.size, 2 * N);
  } finally {
    await obs.close();
    await car.close();
    await proxy.close();
    await broker.kill();
    t.remove();
  }
});

test.run();
