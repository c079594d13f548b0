import type { BindingInterface } from '@serialport/bindings-cpp';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { socatAvailable, startPtyPair, type PtyPair } from '../../../sim/src/emulators/pty-pair.ts';
import { SlcanAdapter, type SlcanAdapterOptions } from '../../../sim/src/emulators/slcan-adapter.ts';
import { CONTRACT_TX_ALLOW, canLinkContract } from '../../test/contracts/can-link-contract.ts';
import { LinkOpenError, ProtocolError, TxFailedError } from '../errors.ts';
import { parseLinkUrl } from '../link-url.ts';
import type { LinkOptions, LinkState } from '../link.ts';
import { SlcanLink, type SlcanDeps } from './slcan-link.ts';
import { FakeSerialBinding, SteppedTimer } from './slcan-test-doubles.ts';

const SOCAT = socatAvailable();
const dir = mkdtempSync(join(tmpdir(), 'slcan-link-'));
let rigs = 0;

interface Rig {
  pair: PtyPair;
  adapter: SlcanAdapter;
  link: SlcanLink;
  warnings: Error[];
  dispose(): Promise<void>;
}

/** A socat PTY pair with the adapter emulator on one end and an SlcanLink (not opened) on the other. */
async function rig(o: { query?: string; adapter?: Partial<SlcanAdapterOptions>; deps?: SlcanDeps; options?: LinkOptions } = {}): Promise<Rig> {
  const n = rigs++;
  const pair = await startPtyPair(join(dir, `host${n}`), join(dir, `adapter${n}`));
  const adapter = await SlcanAdapter.start({ path: pair.b, ...o.adapter });
  const link = new SlcanLink(parseLinkUrl(`slcan:${pair.a}@500k${o.query ?? ''}`), { txAllow: CONTRACT_TX_ALLOW, ...o.options }, o.deps);
  const warnings: Error[] = [];
  link.on('warning', (err) => warnings.push(err));
  const r: Rig = { pair, adapter, link, warnings, dispose };
  // Reads the fields when called: the reconnect test swaps in a new pair and adapter.
  async function dispose(): Promise<void> {
    await r.link.close();
    await r.adapter.close();
    await r.pair.kill();
  }
  return r;
}

async function take(it: AsyncIterator<CanFrame>, n: number, timeoutMs = 5000): Promise<CanFrame[]> {
  const out: CanFrame[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const r = await Promise.race([it.next(), new Promise<null>((res) => setTimeout(() => res(null), Math.max(deadline - Date.now(), 0)))]);
    if (r === null) throw new Error(`received ${out.length} of ${n} frames before the timeout`);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Polls a condition (the PTY is real I/O): resolves when it holds, fails after `timeoutMs`. */
async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const show = (f: CanFrame): string => `${f.extended ? 'X' : 'S'}${f.id.toString(16)} ${Buffer.from(f.data).toString('hex')}`;

if (SOCAT) {
  canLinkContract('slcan, CANable 2 emulator over a PTY (CAN FD)', async () => {
    const r = await rig({ query: '?fd=2M', adapter: { dialect: 'canable-fd' } });
    return { link: r.link, supportsFd: true, peerSend: (f) => r.adapter.inject(f), peerReceived: (n, t) => r.adapter.waitReceived(n, t), dispose: r.dispose };
  });
  canLinkContract('slcan, USBtin emulator over a PTY (z/Z acks)', async () => {
    const r = await rig({ adapter: { dialect: 'usbtin' } });
    return { link: r.link, supportsFd: false, peerSend: (f) => r.adapter.inject(f), peerReceived: (n, t) => r.adapter.waitReceived(n, t), dispose: r.dispose };
  });
} else {
  console.log('  slcan-link: socat is not installed, so the PTY tests are skipped (apt-get install socat)');
}
const pty = SOCAT ? test : test.skip;

pty('garbage bytes and half lines split across reads: counted with offsets, frames intact', async () => {
  const r = await rig({ adapter: { dialect: 'lawicel' } });
  try {
    await r.link.open();
    const it = r.link[Symbol.asyncIterator]();
    // Offsets count from the port's opening: the handshake answers are 5 bytes (BEL BEL for the
    // clearing CRs, BEL for C, CR for S6 and O), so the garbage starts at 5 and "zz" at 45.
    await r.adapter.writeRaw('\x00\xffgarbage\rT18FEF1');
    await until(() => r.warnings.length === 1, 'the garbage warning (proof that the half line was read)');
    await r.adapter.writeRaw('004DEADBEEF\rt1232');
    const [first] = await take(it, 1);
    await r.adapter.writeRaw('AABB\r\x07zz\r');
    await r.adapter.inject({ id: 0x7ff, extended: false, data: Uint8Array.of(1) });
    const rest = await take(it, 2);
    assert.equal([first!, ...rest].map(show), ['X18fef100 deadbeef', 'S123 aabb', 'S7ff 01']);
    assert.equal(r.warnings.map((w) => [w instanceof ProtocolError, (w as ProtocolError).offset, w.message.replace(r.link.url, 'URL')]), [
      [true, 5, 'URL@5: unprintable byte 0x00 at column 1 (00ff67617262616765)'],
      [true, 45, 'URL@45: unexpected line from the adapter: "zz" (7a7a)'],
    ]);
    assert.equal([r.link.counters.rxFrames, r.link.counters.rxErrors], [3, 2]);
  } finally {
    await r.dispose();
  }
});

pty('a frame the adapter refuses (BEL) fails with TxFailedError; the next one goes', async () => {
  const r = await rig({ adapter: { dialect: 'lawicel', refuseTx: (f) => f.data[0] === 0xee } });
  try {
    await r.link.open();
    const err = await rejection(r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(0xee) }));
    assert.instance(err, TxFailedError);
    assert.is(err.message, `${r.link.url}: the adapter refused "t1231EE" (BEL: transmit buffer full, bus off, or no CAN FD support)`);
    await r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(0x01) });
    assert.equal((await r.adapter.waitReceived(1)).map((f) => Buffer.from(f.data).toString('hex')), ['01']);
    assert.equal([r.link.counters.txFrames, r.link.counters.txErrors], [1, 1]);
  } finally {
    await r.dispose();
  }
});

pty('open errors say why: no device, permission, silent adapter, refused data bit rate, bad URL', async () => {
  const openCode = async (link: SlcanLink): Promise<string> => {
    const err = await rejection(link.open());
    assert.instance(err, LinkOpenError);
    assert.is(link.state, 'failed');
    return `${(err as LinkOpenError).code}: ${err.message}`;
  };
  const missing = join(dir, 'no-such-tty');
  assert.is(await openCode(new SlcanLink(parseLinkUrl(`slcan:${missing}`), {})), `NO_SUCH_DEVICE: slcan:${missing}: no serial device at ${missing} (is the adapter plugged in? see ls /dev/serial/by-id)`);
  const denied = new FakeSerialBinding({ openError: 'Error: Permission denied, cannot open /dev/ttyACM0' });
  assert.is(await openCode(new SlcanLink(parseLinkUrl('slcan:/dev/ttyACM0'), {}, { binding: denied as unknown as BindingInterface })), 'PERMISSION: slcan:/dev/ttyACM0: no permission to open /dev/ttyACM0 (add the user to the dialout group)');
  const silent = await rig({ adapter: { silent: true } });
  try {
    assert.match(await openCode(silent.link), /^ADAPTER_SILENT: .*did not answer C or V within 1000 ms \(is it an SLCAN adapter, at baud 115200\?\)$/);
  } finally {
    await silent.dispose();
  }
  const classic = await rig({ query: '?fd=2M', adapter: { dialect: 'lawicel' } });
  try {
    assert.is(await openCode(classic.link), `OPEN_FAILED: ${classic.link.url}: the adapter refused CAN FD data bit rate 2M (Y2); is it a CAN FD adapter?`);
  } finally {
    await classic.dispose();
  }
  const bad = (url: string): string => {
    try {
      new SlcanLink(parseLinkUrl(url), {});
    } catch (err) {
      assert.instance(err, LinkOpenError);
      return (err as Error).message;
    }
    return 'created';
  };
  assert.is(bad('slcan:/dev/x@83333'), 'slcan:/dev/x@83333: no SLCAN bit rate command for 83333 bit/s (S0-S8: 10k 20k 50k 100k 125k 250k 500k 800k 1M)');
  assert.is(bad('slcan:/dev/x?window=0'), 'slcan:/dev/x?window=0: window=0 is not a whole number from 1 to 64');
});

pty('version and serial queries: Lawicel, USBtin and CANable answer differently', async () => {
  for (const [dialect, want] of [
    ['lawicel', { version: '1013', serial: 'A123' }],
    ['usbtin', { version: '0107', serial: '5A3F' }],
    ['canable', { version: 'a1b2c3d https://github.com/normaldotcom/canable-fw.git', serial: null }],
  ] as const) {
    const r = await rig({ adapter: { dialect } });
    try {
      await r.link.open();
      assert.equal(await r.link.identify(), want, dialect);
      await r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(7) });
      assert.is((await r.adapter.waitReceived(1)).length, 1, `${dialect}: a frame after the queries is acknowledged normally`);
    } finally {
      await r.dispose();
    }
  }
});

pty('an adapter that acknowledges nothing (older CANable 2) is detected by V and driven without acks', async () => {
  const r = await rig({ adapter: { dialect: 'ackless' } });
  try {
    await r.link.open();
    assert.match(r.warnings[0]?.message ?? '', /acknowledges no commands/);
    assert.equal(await r.link.identify(), { version: 'a1b2c3d https://github.com/normaldotcom/canable2-fw.git', serial: null });
    assert.equal(r.adapter.commands.slice(2), ['C', 'V', 'C', 'S6', 'O', 'V'], 'C asked twice; no N: it would only time out');
    await r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(1, 2) });
    await r.link.send({ id: 0x18fef100, extended: true, data: new Uint8Array(20), fd: true, brs: true });
    assert.equal((await r.adapter.waitReceived(2)).map((f) => [f.fd, f.brs, f.data.length]), [[false, false, 2], [true, true, 20]]);
  } finally {
    await r.dispose();
  }
});

pty('Z timestamps: frames that arrive in one read keep the spacing the adapter measured', async () => {
  let nowUs = 1_700_000_000_000_000;
  const r = await rig({ query: '?timestamps=1', adapter: { dialect: 'lawicel' }, deps: { nowUs: () => nowUs } });
  try {
    await r.link.open();
    assert.is(r.adapter.timestamps, true, 'Z1 was sent before O');
    const it = r.link[Symbol.asyncIterator]();
    await r.adapter.inject({ id: 0x100, extended: false, data: new Uint8Array(1) }, 5000);
    const [a] = await take(it, 1);
    nowUs += 60_000; // the next three arrive together, 60 ms later
    const frames = [10, 20, 30].map((d) => r.adapter.frameLine({ id: 0x100 + d, extended: false, data: new Uint8Array(1) }, 5000 + d));
    await r.adapter.writeRaw(frames.join(''));
    const later = await take(it, 3);
    assert.equal([a!, ...later].map((f) => Math.round((f.timestampUs - a!.timestampUs) / 1000)), [0, 10, 20, 30]);
    assert.ok(later.every((f) => f.timestampUs <= nowUs), 'never after receipt');
  } finally {
    await r.dispose();
  }
});

pty('the adapter disappears and comes back: reconnecting, reopened with the open sequence, counted', async () => {
  const r = await rig({ adapter: { dialect: 'lawicel' } });
  const states: [LinkState, string | null][] = [];
  r.link.on('state', (s, why) => states.push([s, why]));
  try {
    await r.link.open();
    const it = r.link[Symbol.asyncIterator]();
    await r.adapter.inject({ id: 0x001, extended: false, data: Uint8Array.of(1) });
    await take(it, 1);
    await r.adapter.close();
    await r.pair.kill(); // the host end hangs up, like an unplugged USB adapter
    await until(() => r.link.state === 'reconnecting', 'state reconnecting');
    assert.match((await rejection(r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(1) }))).message, /is not available \(reconnecting\)$/);
    await until(() => r.warnings.some((w) => (w as LinkOpenError).code === 'NO_SUCH_DEVICE'), 'a failed reconnect attempt');
    r.pair = await startPtyPair(r.pair.a, r.pair.b);
    r.adapter = await SlcanAdapter.start({ path: r.pair.b, dialect: 'lawicel' });
    await until(() => r.link.state === 'open', 'state open again');
    // The link may have found the new PTY before the emulator listened on it: what counts is how the sequence ended.
    assert.equal(r.adapter.commands.slice(-3), ['C', 'S6', 'O'], 'the open sequence ran again');
    assert.is(r.warnings.some((w) => (w as LinkOpenError).code === 'SLCAN_NO_ACKS'), false, 'not mistaken for an ack-less adapter');
    assert.is(r.link.counters.reconnects, 1);
    assert.equal(states.map(([s]) => s), ['opening', 'open', 'reconnecting', 'open']);
    assert.match(states[2]![1] ?? '', /went away/);
    await r.adapter.inject({ id: 0x002, extended: false, data: Uint8Array.of(2) });
    assert.equal((await take(it, 1)).map(show), ['S2 02'], 'the same iterator goes on');
    await r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(3) });
    assert.is((await r.adapter.waitReceived(1)).length, 1);
  } finally {
    await r.dispose();
  }
});

test('reconnect backoff doubles from 100 ms to 5 s with jitter (fake binding, stepped timer)', async () => {
  const timer = new SteppedTimer();
  const binding = new FakeSerialBinding({});
  const link = new SlcanLink(parseLinkUrl('slcan:/dev/ttyFAKE@500k'), {}, { binding: binding as unknown as BindingInterface, timer, random: () => 0 });
  const opening = link.open();
  await timer.runUntil(() => link.state === 'open', 'open');
  await opening;
  binding.failOpens = 7;
  timer.log.length = 0;
  binding.port!.vanish();
  await timer.runUntil(() => link.state === 'open' && link.counters.reconnects === 1, 'reconnected');
  // random() = 0: each wait is half the backoff; 7 failed attempts (the open sequence's settle
  // timer is cleared: the fake adapter answers the clearing CRs at once).
  assert.equal(timer.log.filter((t) => !t.cleared).map((t) => t.ms), [50, 100, 200, 400, 800, 1600, 2500, 2500]);
  assert.is(binding.opens, 9);
  await link.close();
});

test('late answers to the clearing CRs are waited for, not taken as the answers to C, S6 and O', async () => {
  const timer = new SteppedTimer();
  const binding = new FakeSerialBinding({ hold: true });
  const link = new SlcanLink(parseLinkUrl('slcan:/dev/ttyFAKE@500k'), {}, { binding: binding as unknown as BindingInterface, timer });
  const opening = link.open();
  await timer.advance(100); // the answers are 100 ms late (a busy host, a slow adapter)
  assert.is(binding.port!.written, '\r\r', 'nothing sent before the clearing CRs are answered');
  binding.port!.release();
  await timer.runUntil(() => link.state === 'open', 'open');
  await opening;
  assert.is(binding.port!.written, '\r\rC\rS6\rO\r');
  assert.is(link.counters.rxErrors, 0);
  await link.close();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
