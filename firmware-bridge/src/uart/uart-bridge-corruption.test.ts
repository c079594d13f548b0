import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { CorruptingRelay, type CorruptionPlan } from '../../../sim/src/emulators/corrupting-relay.ts';
import { McuBridgeEmulator } from '../../../sim/src/emulators/mcu-bridge.ts';
import { socatAvailable, startPtyPair } from '../../../sim/src/emulators/pty-pair.ts';
import { parseLinkUrl } from '../link-url.ts';
import { UartBridgeLink } from './uart-bridge-link.ts';

/** Frames sent through the damaged link. */
const FRAMES = 20_000;

/** A 32-bit mix of a frame's counter and id: what a damaged frame cannot keep consistent. */
function check32(counter: number, id: number): number {
  let h = Math.imul(counter ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(id, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Frame number `c` of the run: its id, format and every data byte follow from `c`. */
function expected(c: number): { id: number; extended: boolean; fd: boolean; data: Uint8Array } {
  const kind = c % 10;
  const extended = kind === 7 || kind === 8;
  const fd = kind === 9;
  const id = extended ? (0x18da0000 | (c & 0xffff)) >>> 0 : 0x100 + (c % 0x600);
  const data = new Uint8Array(fd ? 64 : 8);
  const v = new DataView(data.buffer);
  v.setUint32(0, c, true);
  v.setUint32(4, check32(c, id), true);
  for (let k = 8; k < data.length; k++) data[k] = (c * 131 + k * 7) & 0xff;
  return { id, extended, fd, data };
}

function* frames(): Generator<CanFrame> {
  for (let c = 0; c < FRAMES; c++) {
    const e = expected(c);
    yield { ...e, timestampUs: 0, bus: 'sim', brs: false, esi: false, rtr: false, error: false };
  }
}

async function waitFor(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const TO_HOST: CorruptionPlan = { flipPerByte: 1 / 20_000, dropPerByte: 1 / 20_000, swapPerSegment: 0.05, segmentBytes: [32, 2048], seed: 0xb1d6e };
const TO_MCU: CorruptionPlan = { flipPerByte: 1 / 2000, dropPerByte: 1 / 4000, swapPerSegment: 0, segmentBytes: [16, 64], seed: 0x5eed };

if (!socatAvailable()) {
  test('UART bridge corruption run: SKIPPED because socat is not installed (apt-get install socat)', () => {
    console.log('    SKIPPED: socat is not installed; the corruption run needs two PTY pairs (apt-get install socat)');
  });
} else {
  test(`corruption run: ${FRAMES} frames through flipped bits, dropped bytes and reordering; nothing bad delivered, every frame accounted for`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uart-bridge-relay-'));
    const mcuPair = await startPtyPair(join(dir, 'relay-m'), join(dir, 'mcu'));
    const hostPair = await startPtyPair(join(dir, 'host'), join(dir, 'relay-h'));
    const emu = new McuBridgeEmulator({ path: mcuPair.b, batchFrames: 16, heartbeatMs: 50 });
    await emu.open();
    const relay = await CorruptingRelay.start({ mcuSide: mcuPair.a, hostSide: hostPair.b, toHost: TO_HOST, toMcu: TO_MCU });
    // A long loss timeout: this run is about damaged packets, not about losing the link.
    const link = new UartBridgeLink(parseLinkUrl(`bridge:${hostPair.a}?heartbeat=50&timeout=3000`), {});
    try {
      await link.open();
      relay.toHost.enabled = true;
      relay.toMcu.enabled = true;
      const t0 = Date.now();
      assert.is(await emu.replay(frames(), { timing: 'ignore' }), FRAMES);
      const stats = () => link.bridgeStats;
      await waitFor(() => link.counters.rxFrames + stats().framesLost >= FRAMES, 'every frame delivered or counted lost', 20_000);
      const it = link[Symbol.asyncIterator]();
      let previous = -1;
      const bad: string[] = [];
      for (let n = 0; n < link.counters.rxFrames; n++) {
        const f = (await it.next()).value as CanFrame;
        const c = new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength).getUint32(0, true);
        const e = c < FRAMES ? expected(c) : null;
        const same = e && e.id === f.id && e.extended === f.extended && e.fd === f.fd && Buffer.from(e.data).equals(Buffer.from(f.data));
        if (!same) bad.push(`delivered frame ${f.id.toString(16)}#${Buffer.from(f.data).toString('hex')} was never sent`);
        else if (c <= previous) bad.push(`frame ${c} delivered after ${previous}`);
        previous = c;
      }
      const s = stats();
      const d = s.decoder;
      const discarded = d.cobsErrors + d.overlongErrors + d.shortErrors + d.crcErrors + d.lengthErrors + d.versionErrors + s.malformedPackets;
      console.log(
        `    ${FRAMES} frames in ${Date.now() - t0} ms: delivered ${link.counters.rxFrames}, lost ${s.framesLost} ` +
          `(relay: ${relay.toHost.counts.flips} flips, ${relay.toHost.counts.drops} drops, ${relay.toHost.counts.swaps} swaps; ` +
          `host discarded ${discarded}: crc ${d.crcErrors} cobs ${d.cobsErrors} length ${d.lengthErrors} short ${d.shortErrors} overlong ${d.overlongErrors} malformed ${s.malformedPackets}; ` +
          `packets lost ${s.packetsLost}, stale ${s.stalePackets})`,
      );
      assert.equal(bad.slice(0, 5), [], 'no damaged, invented or repeated frame is delivered');
      assert.is(link.counters.rxFrames + s.framesLost, FRAMES, 'delivered + counted lost = sent, exactly');
      assert.is(link.counters.rxErrors, discarded, 'rxErrors counts every discarded frame');
      assert.ok(relay.toHost.counts.flips > 0 && relay.toHost.counts.drops > 0 && relay.toHost.counts.swaps > 0, 'the relay did damage');
      assert.ok(d.crcErrors > 0 && s.packetsLost > 0 && s.framesLost > 0 && s.stalePackets > 0, 'and the host saw it, reordering included');
      assert.ok(link.counters.rxFrames > FRAMES * 0.5, 'most frames still arrive');
      assert.equal([link.state, link.counters.reconnects], ['open', 0]);
    } finally {
      await link.close();
      await relay.close();
      await emu.close();
      await hostPair.kill();
      await mcuPair.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
