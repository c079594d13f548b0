import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { parseLinkUrl, txKey } from '../../../firmware-bridge/index.ts';
import { FakeTimer, Status } from '../../../firmware-bridge/src/uart/protocol.ts';
import { UartBridgeLink } from '../../../firmware-bridge/src/uart/uart-bridge-link.ts';
import { parseCandumpLine } from '../readers/candump-line.ts';
import { McuAllowList } from './mcu-allowlist.ts';
import { McuBridgeEmulator } from './mcu-bridge.ts';
import { replayFrames, type ReplayTarget } from './mcu-replay.ts';
import { socatAvailable, startPtyPair } from './pty-pair.ts';

const SAMPLE = new URL('../../samples/moteclog-drive.log', import.meta.url);

function frame(id: number, timestampUs: number): CanFrame {
  return { timestampUs, bus: 'trace', id, extended: false, fd: false, brs: false, esi: false, rtr: false, error: false, data: Uint8Array.of(id & 0xff) };
}

test('MCU allow-list: ceiling, capacity, ALLOW_ALL only on bench builds, refusals leave the list empty', () => {
  const ceiling = new Set([txKey(0x123, false), txKey(0x18fef100, true)]);
  const gate = new McuAllowList({ ceiling, capacity: 2, benchBuild: false, channels: 1 });
  const s123 = { id: 0x123, extended: false };
  assert.equal(gate.check(0, 0x123, false), { status: Status.NOT_ALLOWED, detail: 0x123 }, 'nothing before ALLOWLIST');
  assert.equal(gate.apply({ channel: 0, flags: 0, entries: [s123] }), { status: Status.OK, detail: 0 });
  assert.equal(gate.check(0, 0x123, false).status, Status.OK);
  assert.equal(gate.check(0, 0x123, true), { status: Status.NOT_ALLOWED, detail: 0x80000123 }, '29-bit 0x123 is another id');
  assert.equal(gate.apply({ channel: 0, flags: 0, entries: [s123, { id: 0x7e0, extended: false }] }), { status: Status.NOT_PERMITTED, detail: 0x7e0 });
  assert.equal(gate.check(0, 0x123, false).status, Status.NOT_ALLOWED, 'a refused list is an empty list');
  assert.equal(gate.apply({ channel: 0, flags: 0, entries: [s123, s123, s123] }), { status: Status.LIST_TOO_LONG, detail: 2 });
  assert.equal(gate.apply({ channel: 0, flags: 1, entries: [] }), { status: Status.ALLOW_ALL_REFUSED, detail: 0 });
  assert.equal(gate.apply({ channel: 1, flags: 0, entries: [] }), { status: Status.MALFORMED, detail: 1 });
  const bench = new McuAllowList({ ceiling: null, capacity: 2, benchBuild: true, channels: 1 });
  assert.equal(bench.apply({ channel: 0, flags: 1, entries: [] }).status, Status.OK);
  assert.equal([bench.list(0), bench.check(0, 0x7df, false).status], ['all', Status.OK]);
  bench.clear();
  assert.equal(bench.check(0, 0x7df, false).status, Status.NOT_ALLOWED, 'HELLO or host loss clears it');
});

test("replay 'respect' paces frames by their timestamps on the injected timer; 'ignore' does not wait", async () => {
  const timer = new FakeTimer(0);
  const fed: string[] = [];
  const target: ReplayTarget = { feed: (f) => (fed.push(`${f.id}@${timer.nowMs()}`), true), flush: () => {}, backlogged: false, drained: async () => {} };
  const frames = [frame(1, 5_000_000), frame(2, 5_010_000), frame(3, 5_030_000)];
  const done = replayFrames(target, timer, frames, { timing: 'respect', speed: 2 });
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    timer.advance(5);
  }
  assert.is(await done, 3);
  assert.equal(fed, ['1@0', '2@5', '3@15']);
  fed.length = 0;
  assert.is(await replayFrames(target, timer, frames), 3);
  assert.equal(fed.length, 3);
});

test('a candump trace replayed through the emulator arrives at the link unchanged and in order', async () => {
  if (!socatAvailable()) return console.log('    SKIPPED: socat is not installed (apt-get install socat)');
  const lines = readFileSync(SAMPLE, 'utf8').split('\n').slice(0, 3000).filter(Boolean);
  const trace = lines.map((l) => parseCandumpLine(l) as CanFrame);
  async function* source(): AsyncGenerator<CanFrame> {
    yield* trace;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mcu-bridge-'));
  const pair = await startPtyPair(join(dir, 'host'), join(dir, 'mcu'));
  const emu = new McuBridgeEmulator({ path: pair.b });
  await emu.open();
  const link = new UartBridgeLink(parseLinkUrl(`bridge:${pair.a}`), {});
  try {
    await link.open();
    assert.is(await emu.replay(source(), { timing: 'ignore' }), trace.length);
    const it = link[Symbol.asyncIterator]();
    const got: CanFrame[] = [];
    while (got.length < trace.length) got.push((await it.next()).value as CanFrame);
    const show = (f: CanFrame): string => `${f.id.toString(16)}#${Buffer.from(f.data).toString('hex')}`;
    assert.equal(got.map(show), trace.map(show));
    assert.is(link.bridgeStats.framesLost, 0);
    assert.ok(got.every((f, i) => f.bus === link.bus && (i === 0 || f.timestampUs >= got[i - 1]!.timestampUs)));
  } finally {
    await link.close();
    await emu.close();
    await pair.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
