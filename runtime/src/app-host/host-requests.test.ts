import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import type { ActionPolicy } from '../action-policy/action-policy.ts';
import { answer, MAX_FETCH_RESPONSE_BYTES, type AppCloudLink, type RequestContext } from './host-requests.ts';
import { Ledger } from './ledger/ledger.ts';
import type { GuestErrorInfo } from './sandbox/protocol.ts';

const db = new Database(':memory:');
db.exec('CREATE TABLE ledger (seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER, app_id TEXT, kind TEXT, detail TEXT)');
const ledger = new Ledger(db);
const published: { topic: string; data: unknown; o: unknown }[] = [];
const cloud: AppCloudLink = {
  appChannel: () => ({
    publish: (topic, data, o) => {
      published.push({ topic, data, o });
      return topic === 'blocked' ? { queued: false, reason: 'NO_CONSENT', detail: 'the owner has not allowed app data to leave the car' } : { queued: true };
    },
    subscribe: () => () => undefined,
  }),
};
const policy = { request: async (r: { path: string; value: unknown }) => ({ ...r, allowed: r.value !== 99, reason: r.value === 99 ? 'OUT_OF_RANGE' : 'OK', detail: r.value === 99 ? '99 is outside [15, 30]' : 'sent on pt', timeMs: 0 }) } as unknown as ActionPolicy;
const ctx: RequestContext = { policy, ledger, cloud: () => cloud, permits: (_a, p) => p !== 'Vehicle.Body.Lights.Beam.High.IsOn', deliverCloud: () => undefined, onUnsubscribe: () => undefined };
const rejection = async (p: Promise<unknown>): Promise<GuestErrorInfo> => {
  try {
    await p;
  } catch (e) {
    return e as GuestErrorInfo;
  }
  throw new Error('expected a rejection');
};

const server = createServer((req, res) => {
  if (req.url === '/big') {
    res.end(Buffer.alloc(MAX_FETCH_RESPONSE_BYTES + 10, 120));
    return;
  }
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => res.writeHead(201, { 'x-echo': req.method ?? '' }).end(`got ${body}`));
});
let base = '';
test.before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => {
  server.close();
});

test('actuator requests: the policy decides, the ledger records, a refusal is Refused(reason)', async () => {
  assert.equal(await answer(ctx, 'a.b.c', 'set', { path: 'Vehicle.X', value: 21 }), { allowed: true, reason: 'OK', detail: 'sent on pt' });
  assert.equal(await rejection(answer(ctx, 'a.b.c', 'set', { path: 'Vehicle.X', value: 99 })), { name: 'Refused', message: '99 is outside [15, 30]', reason: 'OUT_OF_RANGE' });
  assert.is((await rejection(answer(ctx, 'a.b.c', 'set', { path: 'Vehicle.Body.Lights.Beam.High.IsOn', value: true }))).name, 'PermissionDenied');
  assert.equal(ledger.query({ appId: 'a.b.c', kind: 'action' }).map((r) => [r.detail['value'], r.detail['allowed'], r.detail['reason']]), [[21, true, 'OK'], [99, false, 'OUT_OF_RANGE'], [true, false, 'NO_PERMISSION']]);
});

test('an actuator request the app thread marked as made for a remote command is asked and recorded as remote', async () => {
  const asked: unknown[] = [];
  const remotePolicy = { request: async (r: { path: string; value: unknown; via?: string }) => (asked.push(r), { ...r, allowed: r.via !== 'remote', reason: r.via === 'remote' ? 'VEHICLE_STATE' : 'OK', detail: r.via === 'remote' ? 'remote commands act only while the car stands still (vehicle is driving)' : 'sent on pt', timeMs: 0 }) } as unknown as ActionPolicy;
  const c = { ...ctx, policy: remotePolicy };
  const refused = await rejection(answer(c, 'r.e.m', 'set', { path: 'Vehicle.X', value: 22, via: 'remote', command: 'nonce-0001' }));
  assert.equal(refused, { name: 'Refused', message: 'remote commands act only while the car stands still (vehicle is driving)', reason: 'VEHICLE_STATE' });
  assert.equal(await answer(c, 'r.e.m', 'set', { path: 'Vehicle.X', value: 22 }), { allowed: true, reason: 'OK', detail: 'sent on pt' });
  assert.equal(asked, [{ caller: 'r.e.m', path: 'Vehicle.X', value: 22, via: 'remote', command: 'nonce-0001' }, { caller: 'r.e.m', path: 'Vehicle.X', value: 22 }]);
  assert.equal(ledger.query({ appId: 'r.e.m', kind: 'action' }).map((r) => [r.detail['via'], r.detail['command'], r.detail['reason']]), [['remote', 'nonce-0001', 'VEHICLE_STATE'], [undefined, undefined, 'OK']]);
});

test('cloud publish goes through the channel with its options; withheld ones are Refused; bytes are ledgered', async () => {
  await answer(ctx, 'a.b.c', 'publish', { topic: 'state', payload: '{"on":true}', options: { retain: true } });
  assert.equal(published[0], { topic: 'state', data: { on: true }, o: { retain: true } });
  assert.is((await rejection(answer(ctx, 'a.b.c', 'publish', { topic: 'blocked', payload: 'x' }))).reason, 'NO_CONSENT');
  assert.equal(ledger.query({ appId: 'a.b.c', kind: 'egress' }).map((r) => r.detail), [{ channel: 'cloud', topic: 'state', bytes: 11 }]);
  const noCloud = { ...ctx, cloud: () => null };
  assert.is((await rejection(answer(noCloud, 'a.b.c', 'publish', { topic: 'state', payload: '1' }))).name, 'Unavailable');
});

test('net.fetch: answers with status, headers and body; a response over the limit is a NetworkError; bytes out are ledgered', async () => {
  const r = (await answer(ctx, 'n.e.t', 'fetch', { url: `${base}/echo`, init: { method: 'POST', body: 'hello' } })) as { status: number; headers: Record<string, string>; body: string };
  assert.equal([r.status, r.headers['x-echo'], r.body], [201, 'POST', 'got hello']);
  const big = await rejection(answer(ctx, 'n.e.t', 'fetch', { url: `${base}/big`, init: {} }));
  assert.equal([big.name, big.message], ['NetworkError', `net.fetch(${base}/big): response over ${MAX_FETCH_RESPONSE_BYTES} bytes`]);
  assert.is((await rejection(answer(ctx, 'n.e.t', 'fetch', { url: `${base}/x`, init: { method: 'PATCH' } }))).name, 'InvalidArgument');
  const out = ledger.query({ appId: 'n.e.t', kind: 'egress' });
  assert.is(out.length, 2);
  assert.equal([out[0]!.detail['channel'], out[0]!.detail['host'], out[0]!.detail['method']], ['net', '127.0.0.1', 'POST']);
});

test.run();
