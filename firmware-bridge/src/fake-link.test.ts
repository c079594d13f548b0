import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canLinkContract, CONTRACT_TX_ALLOW } from '../test/contracts/can-link-contract.ts';
import { FAKE_SENT_LIMIT, FakeLink } from './fake-link.ts';
import { FrameQueue } from './frame-queue.ts';
import { parseLinkUrl } from './link-url.ts';
import { LinkUrlError } from './errors.ts';
import { createLink } from './registry.ts';

canLinkContract('fake', async () => {
  const link = new FakeLink('fake:bus0', { txAllow: CONTRACT_TX_ALLOW });
  return {
    link,
    supportsFd: true,
    peerSend: async (f) => link.inject(f),
    peerReceived: async (n) => link.sent.slice(0, n),
    dispose: async () => {},
  };
});

test('a full receive queue drops the oldest frames and counts them', async () => {
  const link = new FakeLink('fake:x', { rxQueueFrames: 4 });
  await link.open();
  for (let i = 0; i < 10; i++) link.inject({ id: i, extended: false, data: new Uint8Array(0) });
  assert.equal([link.counters.rxFrames, link.counters.rxOverflows], [4, 6]);
  const it = link[Symbol.asyncIterator]();
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await it.next()).value.id);
  assert.equal(ids, [6, 7, 8, 9]);
});

test('FrameQueue refuses a second waiting consumer', async () => {
  const q = new FrameQueue(2);
  void q.next();
  try {
    await q.next();
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, 'only one consumer');
  }
});

test('a fake keeps only the newest sent frames, and counts them all', async () => {
  const link = new FakeLink('fake:long', { txAllow: 'all' });
  await link.open();
  const total = FAKE_SENT_LIMIT * 2 + 5;
  for (let i = 0; i < total; i++) await link.send({ id: 0x100, extended: false, data: Uint8Array.of(i & 0xff, i >> 8) });
  assert.is(link.sentTotal, total);
  assert.ok(link.sent.length >= FAKE_SENT_LIMIT && link.sent.length < 2 * FAKE_SENT_LIMIT, `kept ${link.sent.length}`);
  const last = link.sent[link.sent.length - 1]!;
  assert.equal([...last.data], [(total - 1) & 0xff, (total - 1) >> 8]);
  await link.close();
});

test('link URLs: the grammar and located errors', async () => {
  const u = parseLinkUrl('slcan:/dev/ttyACM0@500k?baud=115200&bus=pt');
  assert.equal([u.scheme, u.target, u.bitrate, u.params.get('baud'), u.params.get('bus')], ['slcan', '/dev/ttyACM0', 500000, '115200', 'pt']);
  assert.equal(parseLinkUrl('socketcan:vcan0').target, 'vcan0');
  const bad = (url: string): string => {
    try {
      parseLinkUrl(url);
    } catch (err) {
      assert.instance(err, LinkUrlError);
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.is(bad('can:vcan0'), 'link URL "can:vcan0" at column 1: expected a scheme: socketcan:, slcan:, bridge:, fake:');
  assert.is(bad('slcan:/dev/ttyUSB0@fast'), 'link URL "slcan:/dev/ttyUSB0@fast" at column 20: expected a bit rate such as 500000, 500k or 1M after @');
  assert.is(bad('slcan:'), 'link URL "slcan:" at column 7: expected a serial device path');
  assert.is(bad('bridge:/dev/ttyS1?baud'), 'link URL "bridge:/dev/ttyS1?baud" at column 19: expected key=value after ? or &');
  const link = await createLink('fake:bench?bus=body');
  assert.is(link.bus, 'body');
});

test.run();
