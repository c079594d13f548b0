import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAppState, type AppState } from '../app-state.ts';
import { PackageError } from '../errors.ts';
import { packHua, readHua } from './hua.ts';
import { generateSigningKey, loadPrivateKey, trustPublisher } from './signing.ts';

const dir = mkdtempSync(join(tmpdir(), 'hua-'));
let state: AppState;
test.before(() => {
  state = openAppState(join(dir, 'data'));
});
test.after(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

const manifest = (version = '1.0.0', perms: object = { actuators: ['Vehicle.Body.Trunk.Rear.IsOpen'], signals: ['Vehicle.Speed'], ui: ['tile'] }): Buffer =>
  Buffer.from(JSON.stringify({ id: 'com.example.trunk', name: 'Trunk', version, publisher: 'Example', entry: 'src/main.ts', permissions: perms }));
const key = (name: string): ReturnType<typeof loadPrivateKey> => {
  generateSigningKey(join(dir, name));
  return loadPrivateKey(join(dir, name));
};
const k1 = key('k1.key');
const k2 = key('k2.key');
const pack = (k = k1, version = '1.0.0', bundle = 'headunit.app.id;'): Buffer =>
  packHua('com.example.trunk', version, new Map([['app.json', manifest(version)], ['app.js', Buffer.from(bundle)], ['assets/icon.svg', Buffer.from('<svg/>')]]), k);
const write = (name: string, b: Buffer): string => {
  writeFileSync(join(dir, name), b);
  return join(dir, name);
};
const packageError = (fn: () => unknown): PackageError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PackageError) return err;
    throw err;
  }
  throw new Error('expected a PackageError');
};

test('pack and read round-trip every file; the signer is fingerprinted', () => {
  const a = readHua(pack(), 'x.hua');
  assert.equal([...a.files.keys()], ['app.json', 'app.js', 'assets/icon.svg']);
  assert.is(a.files.get('app.js')!.toString(), 'headunit.app.id;');
  assert.is(a.fingerprint.length, 32);
});

test('a changed byte in a file, the index, the magic, or a truncation is found, with its offset', () => {
  const good = pack();
  const body = Buffer.from(good);
  const at = body.indexOf('headunit.app.id');
  body[at] = 'H'.charCodeAt(0);
  const e = packageError(() => readHua(body, 't.hua'));
  assert.is(e.reason, 'HASH_MISMATCH');
  assert.is(e.offset, at);
  assert.is(e.message, `t.hua @${at}: app.js does not match its SHA-256 in the signed index`);
  const idx = Buffer.from(good);
  idx[idx.indexOf('"1.0.0"') + 1] = '2'.charCodeAt(0);
  assert.is(packageError(() => readHua(idx, 't.hua')).reason, 'BAD_SIGNATURE');
  assert.is(packageError(() => readHua(good.subarray(0, good.length - 3), 't.hua')).reason, 'TRUNCATED');
  assert.is(packageError(() => readHua(Buffer.concat([good, Buffer.from('x')]), 't.hua')).reason, 'TRUNCATED');
  assert.is(packageError(() => readHua(Buffer.from('PK\u0003\u0004 not a hua at all'), 't.hua')).reason, 'BAD_MAGIC');
});

test('install: untrusted refused without --dev; --dev installs with privileged blocked; trusted grants privileged', () => {
  const f = write('a.hua', pack());
  assert.is(packageError(() => state.store.install(f)).reason, 'UNTRUSTED_PUBLISHER');
  const dev = state.store.install(f, { dev: true });
  assert.match(dev.warnings[0]!, /DEVELOPER MODE/);
  assert.equal(Object.fromEntries(dev.permissions.map((p) => [p.id, p.state])), { 'signal:Vehicle.Speed': 'ask', 'actuator:Vehicle.Body.Trunk.Rear.IsOpen': 'blocked', ui: 'granted' });
  state.grants.set('com.example.trunk', 'signal:Vehicle.Speed', 'granted');
  trustPublisher(join(dir, 'data'), join(dir, 'k1.key.pub'));
  const up = state.store.install(write('b.hua', pack(k1, '1.1.0')));
  assert.ok(up.updated);
  assert.equal(Object.fromEntries(up.permissions.map((p) => [p.id, p.state])), { 'signal:Vehicle.Speed': 'granted', 'actuator:Vehicle.Body.Trunk.Rear.IsOpen': 'granted', ui: 'granted' });
  assert.equal(state.ledger.query({ appId: 'com.example.trunk' }).map((r) => r.kind), ['install', 'grant', 'update', 'grant']);
});

test('an update signed by another key is refused; remove drops the app and its grants', () => {
  const e = packageError(() => state.store.install(write('c.hua', pack(k2, '1.2.0')), { dev: true }));
  assert.is(e.reason, 'KEY_MISMATCH');
  assert.is(state.store.get('com.example.trunk')!.info.version, '1.1.0');
  state.store.remove('com.example.trunk');
  assert.is(state.store.get('com.example.trunk'), null);
  assert.equal(state.grants.all('com.example.trunk'), {});
});

test('an archive whose index and app.json disagree is refused', () => {
  const b = packHua('com.example.other', '1.0.0', new Map([['app.json', manifest()], ['app.js', Buffer.from('1')]]), k1);
  assert.is(packageError(() => state.store.install(write('d.hua', b), { dev: true })).reason, 'BAD_INDEX');
});

test.run();
