// The 100k-frames run over a real PTY (socat), with every kind of frame SLCAN carries
// (11/29-bit, remote, CAN FD with and without BRS): each frame the adapter emulator writes
// arrives once, in order, byte for byte, with nothing counted as an error or an overflow. How
// fast is measured by scripts/bench-slcan.ts (`npm run bench:links`), not here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { socatAvailable, startPtyPair } from '../../../sim/src/emulators/pty-pair.ts';
import { SlcanAdapter } from '../../../sim/src/emulators/slcan-adapter.ts';
import { parseLinkUrl } from '../link-url.ts';
import type { OutgoingFrame } from '../link.ts';
import { SlcanLink } from './slcan-link.ts';

const FRAMES = 100_000;
/** CAN FD payload sizes the run cycles through (every length code 9-F once). */
const FD_LENGTHS = [12, 16, 20, 24, 32, 48, 64];

/** Frame k: classic 11/29-bit of every length, remote frames, CAN FD with and without BRS. */
function frameAt(k: number): OutgoingFrame {
  const kind = k % 16;
  const extended = kind % 4 === 1;
  const id = extended ? (0x18da0000 + (k & 0xffff)) >>> 0 : k & 0x7ff;
  if (kind === 15) return { id, extended, data: new Uint8Array(k % 9), rtr: true };
  const fd = kind >= 12;
  const length = fd ? FD_LENGTHS[k % FD_LENGTHS.length]! : k % 9;
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (k * 31 + i * 7) & 0xff;
  return { id, extended, data, fd, brs: fd && kind % 2 === 0 };
}

if (!socatAvailable()) {
  test('SLCAN 100k-frame PTY run: SKIPPED because socat is not installed (apt-get install socat)', () => {
    console.log('    SKIPPED: socat is not installed; the 100k-frame run needs a PTY pair (apt-get install socat)');
  });
} else {
  test(`${FRAMES} frames from a CANable 2 emulator over a PTY: all delivered, in order, exact; no errors, no overflow`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slcan-100k-'));
    const pair = await startPtyPair(join(dir, 'host'), join(dir, 'adapter'));
    const adapter = await SlcanAdapter.start({ path: pair.b, dialect: 'canable-fd' });
    const link = new SlcanLink(parseLinkUrl(`slcan:${pair.a}@500k?fd=2M`), {});
    try {
      await link.open();
      const sending = adapter.blast(FRAMES, frameAt);
      const wrong: string[] = [];
      let n = 0;
      for await (const f of link) {
        const want = frameAt(n);
        const same =
          f.id === want.id && f.extended === want.extended && f.fd === (want.fd ?? false) && f.brs === (want.brs ?? false) && f.rtr === (want.rtr ?? false) &&
          // A remote frame carries no data; the CanFrame model has no field for the DLC it asks for.
          (want.rtr ? f.data.length === 0 : Buffer.from(f.data).equals(Buffer.from(want.data)));
        if (!same && wrong.length < 5) wrong.push(`frame ${n}: got ${f.id.toString(16)}#${Buffer.from(f.data).toString('hex')}`);
        if (++n === FRAMES) break;
      }
      await sending;
      assert.equal(wrong, [], 'every frame exact and in order');
      assert.equal([n, link.counters.rxFrames, link.counters.rxErrors, link.counters.rxOverflows], [FRAMES, FRAMES, 0, 0]);
    } finally {
      await link.close();
      await adapter.close();
      await pair.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
