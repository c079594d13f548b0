import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../cli/main.ts';
import { carWithCloud } from './testing/harness.ts';
import { until } from './testing/observer.ts';
import { tempDir } from './testing/temp-dir.ts';

function io(): { io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (c: Buffer) => (out += c.toString()));
  const stderr = new PassThrough().on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => out, err: () => err };
}

test('headunit cloud keygen + command: a key made while the car runs is trusted; replies say done or refused', async () => {
  const t = tempDir();
  const car = await carWithCloud(t.dir);
  try {
    await until(() => car.rc.cloud.connection.connected, 15_000, 'connected');
    // Without --data, $HEADUNIT_DATA names the folder, as for every other command.
    const k = io();
    process.env['HEADUNIT_DATA'] = t.dir;
    try {
      assert.is(await main(['cloud', 'keygen', '--kid', 'phone'], k.io), 0, k.err());
    } finally {
      delete process.env['HEADUNIT_DATA'];
    }
    assert.match(k.out(), /trusted as phone \(owner\)/);
    assert.ok(k.out().includes(join(t.dir, 'cloud', 'phone.key')), k.out());
    const lock = io();
    assert.is(await main(['cloud', 'command', 'lock', '--key', join(t.dir, 'cloud', 'phone.key'), '--args', '{"locked":true}', '--data', t.dir], lock.io), 0, lock.out() + lock.err());
    assert.equal(JSON.parse(lock.out()).status, 'done');
    const bad = io();
    assert.is(await main(['cloud', 'command', 'lock', '--key', join(t.dir, 'cloud', 'phone.key'), '--args', '{"locked":"maybe"}', '--url', car.rc.url], bad.io), 1);
    assert.equal(JSON.parse(bad.out()).reason, 'BAD_ARGS');
    const usage = io();
    assert.is(await main(['cloud', 'command', 'lock', '--args', '{}'], usage.io), 2);
    assert.match(usage.err(), /--key FILE is required/);
  } finally {
    await car.close();
    t.remove();
  }
});

test.run();
