import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CONFIG, loadCarConfig } from './config/car-config.ts';
import { ConfigError } from './errors.ts';
import { createHttpServer } from './http/http-server.ts';
import { memoryLogger } from './log.ts';
import { Runtime } from './runtime.ts';

const BIN = fileURLToPath(new URL('../bin/headunit.mjs', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from our own API, checked field by field below
const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the demo car runs: signals become valid, HTTP answers health, metrics, signals and actuator requests', async () => {
  const log = memoryLogger();
  const rt = await Runtime.create(loadCarConfig(DEFAULT_CONFIG), log);
  await rt.start();
  const server = createHttpServer(rt).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await until(() => rt.store.quality[rt.store.index('Vehicle.Powertrain.TractionBattery.StateOfCharge.Current')] === 1);
    assert.ok(rt.firstSignalAtMs! - rt.startedAtMs < 500, `first signal after ${rt.firstSignalAtMs! - rt.startedAtMs} ms`);
    const health = await getJson(`${base}/health`);
    assert.equal([health.status, health.links.pt], ['ok', 'open']);
    const signals = await getJson(`${base}/api/signals`);
    assert.equal([signals['Vehicle.LowVoltageSystemState'].value, signals['Vehicle.LowVoltageSystemState'].quality], ['ON', 'valid']);
    assert.ok(signals['Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'].value > 15);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^headunit_frames_total\{bus="pt"\} [1-9]\d*$/m);
    assert.match(metrics, /^# TYPE headunit_event_loop_lag_seconds gauge$/m);
    // At the start of the commute the car stands in park: the trunk may open.
    const ok = await fetch(`${base}/api/actuators/Vehicle.Body.Trunk.Rear.IsOpen`, { method: 'POST', body: '{"value":true}' });
    assert.is(ok.status, 200);
    assert.is(rt.buses[0]!.link.counters.txFrames, 1);
    const bad = await fetch(`${base}/api/actuators/Vehicle.Speed`, { method: 'POST', body: '{"value":3}' });
    assert.equal([bad.status, ((await bad.json()) as { reason: string }).reason], [403, 'NOT_ACTUATOR']);
  } finally {
    server.close();
    await rt.stop();
  }
  assert.is(rt.buses[0]!.link.state, 'closed');
});

test('a configuration error names the file and the JSON path', async () => {
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'car-'));
  try {
    const file = join(dir, 'car.json');
    const bus = { name: 'pt', link: 'socketcan:can0', mapping: 'm.json', checksum: 'crc99' };
    const message = (doc: unknown): string => {
      writeFileSync(file, JSON.stringify(doc));
      try {
        loadCarConfig(file);
      } catch (e) {
        assert.instance(e, ConfigError);
        return (e as Error).message;
      }
      return 'no error';
    };
    assert.is(message({ vehicleId: 'x', buses: [bus] }), `${file}: $.buses[0].checksum: expected one of toyota, honda, vw_mqb, vw_pq, hyundai_canfd, subaru, tesla, chrysler, none`);
    assert.is(message({ vehicleId: 'x', buses: [{ ...bus, checksum: 'none' }] }), `${file}: $.buses[0].mapping: ${join(dir, 'm.json')}: $: cannot read: ENOENT: no such file or directory, open '${join(dir, 'm.json')}'`);
    assert.is(message({ vehicleId: 'x', buses: [{ ...bus, link: 'can0' }] }), `${file}: $.buses[0].link: link URL "can0" at column 1: expected a scheme: socketcan:, slcan:, bridge:, fake:`);
    writeFileSync(file, '{"vehicleId": "x",\n  "buses": [}');
    assert.throws(() => loadCarConfig(file), (e: Error) => e instanceof ConfigError && e.message === `${file}:2:13: $: invalid JSON: Unexpected token '}'`);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('headunit start prints what it started (its data where $HEADUNIT_DATA says, as app install), and Ctrl-C stops it cleanly with exit 0', async () => {
  const data = mkdtempSync(join(tmpdir(), 'headunit-start-'));
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEADUNIT_DATA: data } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await until(() => out.includes('Ctrl-C to stop.'), 15000);
  assert.match(out, /bus pt: fake:pt .*demo-ev\.dbc/);
  assert.match(out, /43 VSS signals, 9 actuators/);
  assert.ok(out.includes(`data in ${data}\n`), out);
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  rmSync(data, { recursive: true, force: true });
  assert.is(code, 0);
  assert.match(out, /headunit stopped/);
});

test.run();
