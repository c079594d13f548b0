import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAppServer, until, type AppServer } from './test/app-server.ts';
import type { AppHost } from './app-host.ts';

const HVAC = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature';
const dir = mkdtempSync(join(tmpdir(), 'app-host-'));

function app(name: string, manifest: object, code: string): void {
  mkdirSync(join(dir, 'apps', name, 'src'), { recursive: true });
  writeFileSync(join(dir, 'apps', name, 'app.json'), JSON.stringify({ id: `com.test.${name}`, name, version: '1.0.0', publisher: 'Test', entry: 'src/main.ts', ...manifest }));
  writeFileSync(join(dir, 'apps', name, 'src', 'main.ts'), code);
}

app('speedo', { permissions: { signals: [{ path: 'Vehicle.Speed', maxRateHz: 10 }], ui: ['gauge'] } }, `
import { vehicle, ui, errors } from '@headunit/sdk';
vehicle.subscribe('Vehicle.Speed', (v) => ui.render({ kind: 'gauge', title: 'Speed', value: Number(v), min: 0, max: 250, unit: 'km/h' }));
setInterval(() => { try { vehicle.get('Vehicle.Speed'); console.log('speed read'); } catch (e) { console.log('speed ' + e.name + ' ' + (e instanceof errors().PermissionDenied)); } }, 50);
`);
app('climate', { permissions: { actuators: [HVAC] } }, `
import { vehicle } from '@headunit/sdk';
vehicle.set('${HVAC}', 99).catch((e) => console.log('hot ' + e.name + ' ' + e.reason));
setTimeout(() => vehicle.set('${HVAC}', 21.5).then(() => console.log('ok set'), (e) => console.log('set ' + e.name + ' ' + e.reason)), 600);
`);
app('spinner', {}, `setInterval(() => { for (;;) {} }, 30);`);

let server: AppServer;
let host: AppHost;
let base = '';
test.before(async () => {
  server = await startAppServer(dir, { appsDir: join(dir, 'apps'), limits: { backoffBaseMs: 100 } });
  ({ host, base } = server);
});
test.after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from our own API, checked field by field
const json = async (path: string, init?: RequestInit): Promise<any> => (await fetch(base + path, init)).json();
const logged = (id: string, text: string): boolean => host.logs(id, 1000).some((l) => l.message.startsWith(text));

test('apps from the configuration folder run; /api/apps lists them with permissions', async () => {
  const apps = await json('/api/apps');
  assert.equal(apps.map((a: { id: string }) => a.id).sort(), ['com.test.climate', 'com.test.speedo', 'com.test.spinner']);
  const speedo = apps.find((a: { id: string }) => a.id === 'com.test.speedo');
  assert.equal(speedo.permissions.map((p: { id: string; tier: string; state: string }) => [p.id, p.tier, p.state]), [['signal:Vehicle.Speed', 'dangerous', 'ask'], ['ui', 'normal', 'granted']]);
  assert.is(speedo.source, 'system');
});

test('a dangerous signal waits for consent; a grant over HTTP starts values and the template; a revoke stops them at once', async () => {
  await until(() => logged('com.test.speedo', 'speed PermissionDenied true'));
  assert.ok(host.ledger('com.test.speedo').some((r) => r.kind === 'consent-request' && r.detail['permission'] === 'signal:Vehicle.Speed'));
  const g = await json('/api/apps/com.test.speedo/permissions', { method: 'POST', body: JSON.stringify({ permission: 'signal:Vehicle.Speed', granted: true }) });
  assert.is(g.state, 'granted');
  await until(() => logged('com.test.speedo', 'speed read'));
  const ui = await until(() => host.templates.get('com.test.speedo'));
  assert.is(ui.template.kind, 'gauge');
  const viaHttp = await json('/api/apps/com.test.speedo/ui');
  assert.equal(viaHttp.template.title, 'Speed');
  await json('/api/apps/com.test.speedo/permissions', { method: 'POST', body: JSON.stringify({ permission: 'signal:Vehicle.Speed', granted: false }) });
  const at = Date.now();
  await until(() => host.logs('com.test.speedo', 1000).some((l) => l.timeMs >= at && l.message === 'speed PermissionDenied true'));
  const kinds = host.ledger('com.test.speedo').map((r) => r.kind);
  assert.ok(kinds.includes('grant') && kinds.includes('revoke'));
});

test('actuator requests of a system app go through the action policy; decisions are in the ledger', async () => {
  await until(() => logged('com.test.climate', 'hot Refused OUT_OF_RANGE'));
  await until(() => logged('com.test.climate', 'ok set') || logged('com.test.climate', 'set Refused'));
  const actions = host.ledger('com.test.climate').filter((r) => r.kind === 'action');
  assert.equal(actions[0]!.detail, { path: HVAC, value: 99, allowed: false, reason: 'OUT_OF_RANGE', detail: actions[0]!.detail['detail'] });
  assert.is(actions[1]!.detail['value'], 21.5);
});

test('a runaway app is struck and quarantined while the others keep running; /metrics has per-app lines', async () => {
  await until(() => host.ledger('com.test.spinner').find((r) => r.kind === 'quarantine'));
  const before = host.logs('com.test.speedo', 1000).length;
  await until(() => host.logs('com.test.speedo', 1000).length > before + 2);
  await until(() => host.metrics()['com.test.speedo'] && host.metrics()['com.test.spinner']);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /headunit_app_cpu_seconds_total\{app="com\.test\.speedo"\} \d/);
  assert.match(metrics, /headunit_app_running\{app="com\.test\.spinner",state="(quarantined|running|loading)"\}/);
  const refused = await fetch(`${base}/api/apps/com.test.climate/permissions`, { method: 'POST', body: JSON.stringify({ permission: 'signal:Vehicle.Speed', granted: true }) });
  assert.is(refused.status, 403);
});

test('apps share one store subscription per rate: each gets every value its rate allows, and a revoke stops only its own', async () => {
  const { rt } = server;
  const SPEED = rt.store.index('Vehicle.Speed');
  // Keeps what it receives from this test (values from 1000 up: the demo car never drives that fast) and reports on a tap.
  const code = `const got = [];
    headunit.vehicle.subscribe('Vehicle.Speed', (v, m) => { if (v >= 1000) got.push([v, m.timeMs]); });
    headunit.ui.onAction(() => console.log('got ' + JSON.stringify({ n: got.length, last: got.slice(-40) })));`;
  const subsBefore = rt.store.subscriptionCount;
  const ids = ['fast1', 'fast2', 'slow'].map((n) => `com.test.share.${n}`);
  for (const id of ids) {
    const m = { id, name: id, version: '1.0.0', publisher: 'Test', description: '', entry: 'src/main.ts', icon: null, permissions: { signals: [{ path: 'Vehicle.Speed', maxRateHz: id.endsWith('slow') ? 2 : 50 }], actuators: [], notifications: false, ui: [], cloud: [], network: [], storageKb: 0, background: false } };
    host.state.store.settle(m, true);
    host.state.grants.set(id, 'signal:Vehicle.Speed', 'granted');
    host.load(m, code, 'system', true);
  }
  await until(() => ids.every((id) => host.metrics()[id]?.state === 'running'));
  assert.is(rt.store.subscriptionCount - subsBefore, 2, 'one subscription per rate, not one per app');
  const write = async (from: number, n: number): Promise<void> => {
    for (let k = 0; k < n; k++) {
      rt.store.write(SPEED, from + k, Date.now(), 1);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** How many values the app got from this test, and the last 40 ([value, timeMs]). */
  const report = async (id: string): Promise<{ n: number; last: [number, number][] }> => {
    const at = Date.now();
    host.uiAction(id, 'report');
    const line = await until(() => host.logs(id, 1000).find((l) => l.timeMs >= at && l.message.startsWith('got ')), 5000);
    return JSON.parse(line.message.slice(4)) as { n: number; last: [number, number][] };
  };
  await write(1000, 150);
  await new Promise((r) => setTimeout(r, 300));
  const [fast1, fast2, slow] = [await report(ids[0]!), await report(ids[1]!), await report(ids[2]!)];
  assert.ok(fast1.n >= 40, `the 50 Hz apps got ${fast1.n} of 150 changes in 1.5 s`);
  assert.equal(fast2, fast1, 'two apps at the same rate get the same values');
  const gaps = slow.last.slice(1).map((s, k) => s[1] - slow.last[k]![1]);
  assert.ok(slow.n >= 2 && slow.n <= 5 && gaps.every((g) => g >= 400), `the 2 Hz app: ${slow.n} values, gaps ${gaps.join(', ')} ms`);
  host.setGrant(ids[1]!, 'signal:Vehicle.Speed', false);
  await write(2000, 50);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await report(ids[0]!)).last.some(([v]) => v >= 2000), 'the other app at that rate keeps its values');
  assert.not.ok((await report(ids[1]!)).last.some(([v]) => v >= 2000), 'the revoked app gets none');
  for (const id of ids) host.unload(id);
  assert.is(rt.store.subscriptionCount, subsBefore);
});

test('while the app thread is behind, values wait in the host, the newest per path, and flow again when it catches up', async () => {
  const { rt } = server;
  const SPEED = rt.store.index('Vehicle.Speed');
  const id = 'com.test.behind';
  const m = { id, name: id, version: '1.0.0', publisher: 'Test', description: '', entry: 'src/main.ts', icon: null, permissions: { signals: [{ path: 'Vehicle.Speed', maxRateHz: 50 }], actuators: [], notifications: false, ui: [], cloud: [], network: [], storageKb: 0, background: false } };
  host.state.store.settle(m, true);
  host.state.grants.set(id, 'signal:Vehicle.Speed', 'granted');
  host.load(m, `const got = []; headunit.vehicle.subscribe('Vehicle.Speed', (v) => { if (v >= 3000) got.push(v); });
    headunit.ui.onAction(() => console.log('got ' + JSON.stringify(got)));`, 'system', true);
  await until(() => host.metrics()[id]?.state === 'running');
  const write = async (from: number, n: number): Promise<void> => {
    for (let k = 0; k < n; k++) {
      rt.store.write(SPEED, from + k, Date.now(), 1);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  // The app thread's own report is the only input changed: it says it is 100 ticks behind.
  Object.defineProperty(host.sandbox, 'tickBacklog', { get: () => 100, configurable: true });
  try {
    await write(3000, 60);
    const waiting = (host.apps.get(id) as unknown as { pending: [string, unknown][] }).pending;
    // 60 changes written: what waits is the newest of each path plus what came since the last tick.
    const speeds = waiting.filter((t) => t[0] === 'Vehicle.Speed').length;
    assert.ok(speeds >= 1 && speeds <= 8, `${speeds} speed values wait`);
  } finally {
    delete (host.sandbox as unknown as Record<string, unknown>)['tickBacklog'];
  }
  await new Promise((r) => setTimeout(r, 300));
  const at = Date.now();
  host.uiAction(id, 'report');
  const line = await until(() => host.logs(id, 1000).find((l) => l.timeMs >= at && l.message.startsWith('got ')), 5000);
  const got = JSON.parse(line.message.slice(4)) as number[];
  // The newest value from the held time plus what came after the host's last tick: a few, not the 60 written.
  assert.ok(got.length >= 1 && got.length <= 8, `after catching up the app got the newest values, not the backlog: ${JSON.stringify(got)}`);
  host.unload(id);
});

test('apps.db: the decode thread does not checkpoint while the app thread does, and takes it over when that thread ends', async () => {
  const auto = (): number => host.state.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  assert.is(auto(), 0);
  await host.sandbox.close();
  await until(() => auto() === 1000);
});

test.run();
