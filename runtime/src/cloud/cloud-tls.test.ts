import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log.ts';
import { CloudConnection } from './connection.ts';
import { CloudUrlError } from './errors.ts';
import { makeTestCerts } from './testing/certs.ts';
import { Mosquitto } from './testing/mosquitto.ts';
import { until } from './testing/observer.ts';
import { tempDir } from './testing/temp-dir.ts';

test('TLS with a client certificate: mosquitto requiring certificates lets the car in with its own, not without', async () => {
  const t = tempDir();
  const c = makeTestCerts(t.dir, 'demo-ev-0001');
  const broker = await Mosquitto.start(t.dir, '', [`cafile ${c.ca}`, `certfile ${c.serverCert}`, `keyfile ${c.serverKey}`, 'require_certificate true', 'use_identity_as_username true'].join('\n'));
  const log = memoryLogger();
  const withCert = new CloudConnection({ url: broker.url, vehicleId: 'demo-ev-0001', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey }, log });
  const without = new CloudConnection({ url: broker.url, vehicleId: 'intruder', tls: { ca: c.ca }, log, backoff: { initialMs: 200, maxMs: 200 } });
  try {
    assert.match(broker.url, /^mqtts:/);
    withCert.start();
    without.start();
    await until(() => withCert.connected, 10_000, 'connected over TLS');
    assert.is(withCert.protocolVersion, 5);
    await withCert.publish('vehicles/demo-ev-0001/events', '{"mid":"tls-1"}');
    await until(() => without.counters.attempts >= 2, 10_000, 'refused attempts');
    assert.is(without.counters.connects, 0);
    assert.throws(() => new CloudConnection({ url: broker.url, vehicleId: 'x', tls: { cert: c.clientCert }, log }), (e: unknown) => e instanceof CloudUrlError && /needs both cert and key/.test(e.message));
    assert.throws(() => new CloudConnection({ url: broker.url, vehicleId: 'x', tls: { ca: '/nonexistent/ca.pem' }, log }), /cannot read the TLS CA \/nonexistent\/ca.pem/);
  } finally {
    await withCert.stop();
    await without.stop();
    await broker.kill();
    t.remove();
  }
});

test.run();
