import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log.ts';
import { openCloudDb } from './cloud-db.ts';
import { CloudConnection } from './connection.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import { Ledger } from './ledger.ts';
import { Outbox } from './outbox.ts';
import { OutboxPublisher } from './publisher.ts';
import { until } from './testing/observer.ts';

test('a reply enqueued while a telemetry backlog drains overtakes the rest of it; the ledger records each acknowledged message', async () => {
  const broker = await startEmbeddedBroker();
  const arrived: string[] = [];
  broker.broker.on('publish', (packet, client) => {
    const n = client?.id === 'car-p' ? (JSON.parse(packet.payload.toString()) as { n?: string }).n : undefined;
    if (n !== undefined) arrived.push(n);
  });
  const db = openCloudDb(':memory:');
  const outbox = new Outbox(db);
  const ledger = new Ledger(db);
  const log = memoryLogger();
  const conn = new CloudConnection({ url: broker.url, vehicleId: 'car-p', log });
  const pub = new OutboxPublisher(outbox, conn, ledger, log, { window: 10 });
  try {
    outbox.batch(() => {
      for (let i = 0; i < 2000; i++) outbox.enqueue({ topic: 'vehicles/car-p/telemetry', body: { n: `t${i}` }, kind: 'telemetry', dataClass: 'energy' });
    });
    pub.start();
    conn.start();
    await until(() => arrived.length > 200, 10_000, 'draining');
    // Where the backlog stands when the reply is queued (how far past 200 depends on the machine's load).
    const queuedAt = arrived.length;
    outbox.enqueue({ topic: 'vehicles/car-p/commands/x/reply', body: { n: 'reply' }, kind: 'reply', dataClass: 'service' });
    pub.kick();
    await until(() => outbox.depth.messages === 0, 20_000, 'drained');
    const at = arrived.indexOf('reply');
    // It overtakes what is still queued: at most the in-flight window (10) and one batch behind.
    assert.ok(at >= queuedAt && at < queuedAt + 100 && at < 1500, `reply arrived at position ${at} of ${arrived.length}, queued when ${queuedAt} had arrived`);
    const telemetry = arrived.filter((n) => n !== 'reply');
    assert.equal(new Set(telemetry).size, 2000, `${telemetry.length} arrived, ${new Set(telemetry).size} unique`);
    assert.ok(telemetry.every((n, k) => k === 0 || Number(n.slice(1)) > Number(telemetry[k - 1]!.slice(1))), 'telemetry in order');
    await until(() => ledger.totals()['energy']?.messages === 2000, 10_000, 'ledger');
    assert.is(ledger.totals()['service']!.messages, 1);
  } finally {
    pub.stop();
    await conn.stop();
    db.close();
    await broker.close();
  }
});

test.run();
