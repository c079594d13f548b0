import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { openCloudDb } from './cloud-db.ts';
import { OutboxFullError } from './errors.ts';
import { Outbox } from './outbox.ts';
import { tempDir } from './testing/temp-dir.ts';

const topic = 'vehicles/v1/telemetry';

test('orders by priority then arrival, survives reopening, removes only what was acknowledged', () => {
  const t = tempDir();
  const file = join(t.dir, 'cloud.db');
  let db = openCloudDb(file);
  let ob = new Outbox(db);
  const tel1 = ob.enqueue({ topic, body: { n: 1 }, kind: 'telemetry', dataClass: 'energy' });
  ob.enqueue({ topic, body: { n: 2 }, kind: 'event', dataClass: 'cabin' });
  ob.enqueue({ topic, body: { n: 3 }, kind: 'reply', dataClass: 'service' });
  ob.enqueue({ topic, body: { n: 4 }, kind: 'telemetry', dataClass: 'energy' });
  assert.equal(ob.next(10).map((m) => JSON.parse(m.payload.toString()).n), [3, 2, 1, 4]);
  assert.equal(JSON.parse(tel1.payload.toString()), { mid: tel1.mid, n: 1 });
  ob.ack([tel1.seq, 99999]);
  assert.equal(ob.depth.messages, 3);
  db.close();
  db = openCloudDb(file);
  ob = new Outbox(db);
  assert.equal(ob.depth.messages, 3);
  const after = ob.next(10);
  assert.equal(after.map((m) => JSON.parse(m.payload.toString()).n), [3, 2, 4]);
  assert.equal(ob.next(10, new Set([after[0]!.seq])).length, 2, 'in-flight messages are skipped');
  db.close();
  t.remove();
});

test('when full, drops the oldest telemetry first and counts it; never drops a reply for telemetry', () => {
  const db = openCloudDb(':memory:');
  const one = Buffer.byteLength(JSON.stringify({ mid: 'x'.repeat(22), n: 0, pad: 'p'.repeat(60) }));
  const ob = new Outbox(db, { maxBytes: one * 5 + 10 });
  const mids: string[] = [];
  for (let n = 0; n < 5; n++) mids.push(ob.enqueue({ topic, body: { n, pad: 'p'.repeat(60) }, kind: 'telemetry', dataClass: 'energy' }).mid);
  ob.enqueue({ topic, body: { n: 100, pad: 'p'.repeat(60) }, kind: 'reply', dataClass: 'service' });
  ob.enqueue({ topic, body: { n: 5, pad: 'p'.repeat(60) }, kind: 'telemetry', dataClass: 'energy' });
  const ns = ob.next(10).map((m) => JSON.parse(m.payload.toString()).n);
  assert.equal(ns, [100, 2, 3, 4, 5]);
  assert.equal(ob.counters.dropped, { telemetry: 2 });
  assert.ok(ob.depth.bytes <= ob.maxBytes);
  for (let n = 0; n < 4; n++) ob.enqueue({ topic, body: { n: 200 + n, pad: 'p'.repeat(60) }, kind: 'reply', dataClass: 'service' });
  try {
    ob.enqueue({ topic, body: { n: 6, pad: 'p'.repeat(60) }, kind: 'telemetry', dataClass: 'energy' });
    assert.unreachable('telemetry cannot push out replies');
  } catch (err) {
    assert.instance(err, OutboxFullError);
    assert.is((err as OutboxFullError).kind, 'telemetry');
  }
  assert.equal(ob.next(10).map((m) => JSON.parse(m.payload.toString()).n), [100, 200, 201, 202, 203]);
  assert.equal(ob.counters.dropped, { telemetry: 7 }, '2 + 4 pushed out by replies + 1 refused');
  db.close();
});

test('expired messages are removed unsent and counted; purge removes one data class', () => {
  let now = 1_000_000;
  const db = openCloudDb(':memory:');
  const ob = new Outbox(db, { clock: () => now });
  ob.enqueue({ topic, body: { n: 1 }, kind: 'reply', dataClass: 'service', ttlMs: 1000 });
  ob.enqueue({ topic, body: { n: 2 }, kind: 'telemetry', dataClass: 'location' });
  ob.enqueue({ topic, body: { n: 3 }, kind: 'telemetry', dataClass: 'energy' });
  ob.enqueue({ topic, body: { n: 4 }, kind: 'telemetry', dataClass: 'location' });
  now += 1001;
  assert.equal(ob.next(10).map((m) => JSON.parse(m.payload.toString()).n), [2, 3, 4]);
  assert.is(ob.counters.expired, 1);
  assert.is(ob.purge('location'), 2);
  assert.equal(ob.next(10).map((m) => m.dataClass), ['energy']);
  assert.equal(ob.depth.messages, 1);
  assert.is(ob.counters.purged, 2);
  db.close();
});

test.run();
