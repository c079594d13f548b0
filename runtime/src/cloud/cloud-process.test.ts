import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Mosquitto } from './testing/mosquitto.ts';
import { Observer, until } from './testing/observer.ts';
import { tempDir } from './testing/temp-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/headunit.mjs', import.meta.url));

function headunit(dir: string, url: string): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--data', dir, '--cloud', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return { child, out: () => out, err: () => err };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from our own API
const cloudStats = async (out: string): Promise<any> => (await fetch(`${/http:\/\/127\.0\.0\.1:\d+/.exec(out)![0]}/api/cloud`)).json();

test('headunit start SIGKILLed with a telemetry backlog (broker down), restarted: the backlog arrives, nothing lost', async () => {
  const t = tempDir();
  const broker = await Mosquitto.start(t.dir);
  const obs = await Observer.connect(broker.url, { version: 5, filter: 'vehicles/+/telemetry' });
  await broker.stop();
  let run = headunit(t.dir, broker.url);
  try {
    // Starting builds the sample apps: slow on a loaded machine.
    await until(() => run.out().includes('Ctrl-C to stop.'), 90_000, 'started');
    const end = Date.now() + 60_000;
    while (Date.now() < end && (await cloudStats(run.out())).telemetry.batches < 5) await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGKILL');
    await once(run.child, 'exit');
    const db = new Database(join(t.dir, 'cloud', 'cloud.db'), { readonly: true });
    const backlog = (db.prepare("SELECT mid FROM outbox WHERE kind = 'telemetry'").all() as { mid: string }[]).map((r) => r.mid);
    db.close();
    assert.ok(backlog.length >= 5, `backlog ${backlog.length}`);
    await broker.restart();
    run = headunit(t.dir, broker.url);
    await until(() => backlog.every((m) => obs.mids.has(m)), 90_000, `the ${backlog.length} queued batches`);
    console.log(`  headunit SIGKILL: backlog ${backlog.length} telemetry batches, received ${backlog.filter((m) => obs.mids.has(m)).length}, lost 0, duplicates ${obs.duplicates}`);
    await until(() => run.out().includes('Ctrl-C to stop.'), 90_000, 'restarted');
    run.child.kill('SIGINT');
    const [code, signal] = await once(run.child, 'exit');
    assert.is(code, 0, `exit ${code} signal ${signal}; stdout ${run.out()}; stderr ${run.err().split('\n').filter((l) => !l.includes('"level":"info"')).join('\n')}`);
  } finally {
    run.child.kill('SIGKILL');
    await obs.close();
    await broker.kill();
    t.remove();
  }
});

test.run();
