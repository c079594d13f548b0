import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { LinkClosedError, TxDeniedError } from '../../src/errors.ts';
import { txKey, type CanLink, type LinkState, type OutgoingFrame } from '../../src/link.ts';

/** The transmit allow-list every harness must give its link. */
export const CONTRACT_TX_ALLOW: ReadonlySet<string> = new Set([txKey(0x123, false), txKey(0x18fef100, true)]);

/**
 * A link under test plus the other end of its bus: for SocketCAN a second socket on the same
 * vcan, for SLCAN the adapter emulator, for the UART bridge the MCU emulator.
 */
export interface LinkHarness {
  /** Created (not opened) with `txAllow: CONTRACT_TX_ALLOW`. */
  link: CanLink;
  /** Puts a frame on the bus as another node would. */
  peerSend(frame: OutgoingFrame): Promise<void>;
  /** Resolves with the first `count` frames the link transmitted, as the bus saw them. */
  peerReceived(count: number, timeoutMs?: number): Promise<OutgoingFrame[]>;
  supportsFd: boolean;
  dispose(): Promise<void>;
}

async function take(it: AsyncIterator<CanFrame>, n: number, timeoutMs = 10_000): Promise<CanFrame[]> {
  const out: CanFrame[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    const r = await Promise.race([it.next(), new Promise<null>((res) => setTimeout(() => res(null), Math.max(left, 0)))]);
    if (r === null) throw new Error(`received ${out.length} of ${n} frames before the timeout`);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

/**
 * The behaviour every `CanLink` must show. Each implementation's test file calls this with a
 * factory for its harness (cf. MQTT.js abstract_store, python-can ReaderWriterTest).
 */
export function canLinkContract(name: string, makeHarness: () => Promise<LinkHarness>): void {
  const t = suite(`CanLink contract: ${name}`);
  let h: LinkHarness;
  t.before.each(async () => {
    h = await makeHarness();
  });
  t.after.each(async () => {
    await h.link.close();
    await h.dispose();
  });

  t('open goes through opening to open, with state events', async () => {
    const states: LinkState[] = [];
    h.link.on('state', (s) => states.push(s));
    await h.link.open();
    assert.is(h.link.state, 'open');
    assert.equal(states, ['opening', 'open']);
  });

  t('receives frames in order with bus, timestamps, ids and data', async () => {
    await h.link.open();
    const it = h.link[Symbol.asyncIterator]();
    const sent: OutgoingFrame[] = [];
    for (let i = 0; i < 100; i++) {
      const ext = i % 3 === 0;
      sent.push({ id: ext ? 0x18da00f1 + i : 0x100 + i, extended: ext, data: Uint8Array.from({ length: i % 9 }, (_, k) => (i * 7 + k) & 0xff) });
    }
    for (const f of sent) await h.peerSend(f);
    const got = await take(it, sent.length);
    assert.equal(got.map((f) => [f.id, f.extended, hex(f.data)]), sent.map((f) => [f.id, f.extended, hex(f.data)]));
    assert.ok(got.every((f) => f.bus === h.link.bus && f.timestampUs > 0));
    assert.ok(got.every((f, i) => i === 0 || f.timestampUs >= got[i - 1]!.timestampUs), 'timestamps never go back');
    const mono = got.map((f) => f.monotonicUs ?? NaN);
    assert.ok(mono.every((t, i) => Number.isFinite(t) && (i === 0 || t >= mono[i - 1]!)), 'every frame has a monotonic time that never goes back');
    assert.ok(h.link.counters.rxFrames >= 100);
  });

  t('sends allowed frames; the bus sees exactly them', async () => {
    await h.link.open();
    await h.link.send({ id: 0x123, extended: false, data: Uint8Array.of(1, 2, 3) });
    await h.link.send({ id: 0x18fef100, extended: true, data: Uint8Array.of(0xff, 0, 0xaa, 0x55, 1, 2, 3, 4) });
    const seen = await h.peerReceived(2);
    assert.equal(seen.map((f) => [f.id, f.extended, hex(f.data)]), [[0x123, false, '010203'], [0x18fef100, true, 'ff00aa5501020304']]);
    assert.is(h.link.counters.txFrames, 2);
  });

  t('refuses ids that are not on the allow-list; nothing reaches the bus', async () => {
    await h.link.open();
    try {
      await h.link.send({ id: 0x124, extended: false, data: Uint8Array.of(1) });
      assert.unreachable('sent a denied id');
    } catch (err) {
      assert.instance(err, TxDeniedError);
    }
    await h.link.send({ id: 0x123, extended: false, data: Uint8Array.of(9) });
    const seen = await h.peerReceived(1);
    assert.equal(seen.map((f) => [f.id, hex(f.data)]), [[0x123, '09']]);
  });

  t('CAN FD frames of 64 bytes travel both ways where supported', async () => {
    if (!h.supportsFd) return;
    await h.link.open();
    const it = h.link[Symbol.asyncIterator]();
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    await h.peerSend({ id: 0x321, extended: false, data, fd: true, brs: true });
    const [f] = await take(it, 1);
    assert.equal([f!.fd, f!.data.length, hex(f!.data)], [true, 64, hex(data)]);
    await h.link.send({ id: 0x123, extended: false, data, fd: true });
    const [s] = await h.peerReceived(1);
    assert.is(hex(s!.data), hex(data));
  });

  t('close ends iteration; send after close is a typed error; close is idempotent', async () => {
    await h.link.open();
    const it = h.link[Symbol.asyncIterator]();
    const pending = it.next();
    await h.link.close();
    assert.is((await pending).done, true);
    assert.is(h.link.state, 'closed');
    try {
      await h.link.send({ id: 0x123, extended: false, data: Uint8Array.of(1) });
      assert.unreachable('sent on a closed link');
    } catch (err) {
      assert.instance(err, LinkClosedError);
    }
    await h.link.close();
  });

  t.run();
}
