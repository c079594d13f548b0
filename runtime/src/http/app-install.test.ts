import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAppServer, until, type AppServer } from '../app-host/test/app-server.ts';
import type { AppHost } from '../app-host/app-host.ts';
import { packHua } from '../app-host/package/hua.ts';
import { generateSigningKey, loadPrivateKey } from '../app-host/package/signing.ts';
import { buildApp, packageFiles } from '../app-host/toolchain/build.ts';
import { Runtime } from '../runtime.ts';
import { QUALITY_VALID } from '../signal-store/signal-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'app-install-'));
const TRUNK = 'Vehicle.Body.Trunk.Rear.IsOpen';
let server: AppServer;
let rt: Runtime;
let host: AppHost;
let base = '';
let hua: Buffer;

async function packed(): Promise<Buffer> {
  const src = join(dir, 'hello');
  mkdirSync(join(src, 'src'), { recursive: true });
  writeFileSync(join(src, 'app.json'), JSON.stringify({ id: 'com.test.hello', name: 'Hello', version: '1.0.0', publisher: 'Test', entry: 'src/main.ts', permissions: { actuators: [TRUNK], ui: ['tile'] } }));
  writeFileSync(join(src, 'src', 'main.ts'), `setInterval(() => console.log('hello running'), 50);`);
  const b = await buildApp(src, { vss: rt.vss, write: false });
  generateSigningKey(join(dir, 'dev.key'));
  return packHua(b.manifest.id, b.manifest.version, packageFiles(src, b.manifest, b.bundle), loadPrivateKey(join(dir, 'dev.key')));
}

/** Speed 0 in park (parked) or 80 km/h (driving), as the buses would write it. */
function drive(kmh: number): void {
  const now = Date.now();
  rt.store.write(rt.store.index('Vehicle.Speed'), kmh, now, QUALITY_VALID);
  rt.store.write(rt.store.index('Vehicle.Powertrain.Transmission.SelectedGear'), 126, now, QUALITY_VALID);
  rt.vehicle.update();
}

test.before(async () => {
  server = await startAppServer(dir, {});
  ({ rt, host, base } = server);
  hua = await packed();
});
test.after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from our own API, checked field by field
const call = async (path: string, init?: RequestInit): Promise<{ status: number; body: any }> => {
  const r = await fetch(base + path, init);
  return { status: r.status, body: await r.json() };
};
const upload = (b: Buffer): ReturnType<typeof call> => call('/api/apps/install', { method: 'POST', body: new Uint8Array(b), headers: { 'content-type': 'application/octet-stream', 'x-file-name': 'hello.hua' } });
const devMode = (enabled: boolean): ReturnType<typeof call> => call('/api/apps/developer-mode', { method: 'PUT', body: JSON.stringify({ enabled }) });

test('while driving: sideload and developer mode are refused with 409 DRIVING', async () => {
  drive(80);
  assert.equal(await upload(hua), { status: 409, body: { error: 'apps cannot be installed while driving', reason: 'DRIVING', appId: null } });
  assert.is((await devMode(true)).status, 409);
  assert.equal((await call('/api/apps/developer-mode')).body, { enabled: false });
});

test('parked, developer mode off: a self-signed package is refused 403 UNTRUSTED_PUBLISHER, nothing installed', async () => {
  drive(0);
  const r = await upload(hua);
  assert.is(r.status, 403);
  assert.is(r.body.reason, 'UNTRUSTED_PUBLISHER');
  assert.is(r.body.appId, 'com.test.hello');
  assert.not.ok(host.apps.has('com.test.hello'));
  assert.is(host.state.store.get('com.test.hello'), null);
});

test('developer mode on (persisted): installed, warned, privileged blocked, listed and running at once', async () => {
  assert.equal(await devMode(true), { status: 200, body: { enabled: true } });
  assert.equal((await call('/api/apps/developer-mode')).body, { enabled: true });
  const r = await upload(hua);
  assert.is(r.status, 201);
  assert.is(r.body.appId, 'com.test.hello');
  assert.is(r.body.trusted, false);
  assert.match(r.body.warnings[0], /DEVELOPER MODE/);
  assert.equal(r.body.permissions.map((p: { id: string; state: string }) => [p.id, p.state]), [[`actuator:${TRUNK}`, 'blocked'], ['ui', 'granted']]);
  const listed = (await call('/api/apps')).body.find((a: { id: string }) => a.id === 'com.test.hello');
  assert.is(listed.source, 'installed');
  await until(() => host.logs('com.test.hello', 100).some((l) => l.message === 'hello running'));
});

test('a tampered package is refused 400 with the verifier reason, the installed app untouched', async () => {
  const bad = Buffer.from(hua);
  const at = bad.indexOf('hello running');
  bad[at] = 'H'.charCodeAt(0);
  const r = await upload(bad);
  assert.is(r.status, 400);
  assert.is(r.body.reason, 'HASH_MISMATCH');
  assert.match(r.body.error, /^hello\.hua @\d+: app\.js does not match its SHA-256/);
  assert.match(host.state.store.bundle('com.test.hello'), /hello running/);
});

test('a body above the .hua cap is refused 413 TOO_LARGE', async () => {
  const r = await upload(Buffer.alloc(16 * 1024 * 1024 + 1));
  assert.equal([r.status, r.body.reason], [413, 'TOO_LARGE']);
});

test.run();
