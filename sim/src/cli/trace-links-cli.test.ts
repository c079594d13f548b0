// `headunit replay` and `headunit record` end to end over real PTY pairs (socat): the real
// executable on one end, the SLCAN adapter emulator and the MCU bridge emulator in this process
// on the other (issue #4). SocketCAN's end-to-end run needs vcan (the VM suite).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readAll } from '../../test/trace-fixtures.ts';
import { McuBridgeEmulator } from '../emulators/mcu-bridge.ts';
import { headunit, PtyPairs } from '../../test/cli-process.ts';
import { socatAvailable, type PtyPair } from '../emulators/pty-pair.ts';
import { SlcanAdapter } from '../emulators/slcan-adapter.ts';
import { openTraceReader } from '../trace-io.ts';

const pty = new PtyPairs('trace-links-cli-');
const dir = pty.dir;
const withPair = <T>(fn: (pair: PtyPair) => Promise<T>): Promise<T> => pty.with(fn);

const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex').toUpperCase();

/** A two-bus trace over 0.4 s: channel 1 (bus can0) classic, FD and remote frames, channel 2 (can1) a 29-bit frame. */
const TRACE = join(dir, 'drive.asc');
writeFileSync(
  TRACE,
  [
    'date Mon Jan 1 10:00:00.000 am 2024',
    'base hex  timestamps absolute',
    'Begin Triggerblock Mon Jan 1 10:00:00.000 am 2024',
    '   0.000000 1  123             Rx   d 4 DE AD BE EF',
    '   0.100000 2  18FEF100x       Rx   d 2 01 02',
    '   0.200000 CANFD   1 Rx        456                                   1 0 9 12 00 11 22 33 44 55 66 77 88 99 aa bb        0    0  1000        0        0        0        0        0',
    '   0.400000 1  7FF             Rx   r',
    'End TriggerBlock',
    '',
  ].join('\n'),
);

if (!socatAvailable()) {
  test('headunit replay/record over serial links: SKIPPED because socat is not installed (apt-get install socat)', () => {
    console.log('    SKIPPED: socat is not installed; these tests need PTY pairs (apt-get install socat)');
  });
} else {
  test('replay --map: can0 (ASC channel 1) to a CANable 2 over slcan, can1 to the MCU bridge (bench: allowAll), in real time with a timing report', async () => {
    await withPair((slcanPair) =>
      withPair(async (bridgePair) => {
        const adapter = await SlcanAdapter.start({ path: slcanPair.b, dialect: 'canable-fd' });
        const emu = new McuBridgeEmulator({ path: bridgePair.b, benchBuild: true });
        await emu.open();
        try {
          const r = await headunit(['replay', TRACE, '--map', `can0=slcan:${slcanPair.a}@500k?fd=2M`, '--map', `can1=bridge:${bridgePair.a}?allowAll=1`]).done;
          assert.is(r.code, 0, r.err);
          const got = await adapter.waitReceived(3);
          assert.equal(got.map((f) => [f.id, f.extended, f.fd, f.brs, f.rtr, hex(f.data)]), [
            [0x123, false, false, false, false, 'DEADBEEF'],
            [0x456, false, true, true, false, '00112233445566778899AABB'],
            [0x7ff, false, false, false, true, ''],
          ]);
          assert.equal(emu.accepted.map((t) => [t.id, t.extended, hex(t.data)]), [[0x18fef100, true, '0102']]);
          const m = /replayed 4 frames in (\d+\.\d+) s \(0 skipped/.exec(r.err);
          assert.ok(m && Number(m[1]) >= 0.39, r.err);
          assert.match(r.err, /timing vs trace timestamps at speed 1: late p50 \d+\.\d{3} ms, p99 \d+\.\d{3} ms, max \d+\.\d{3} ms/);
          assert.match(r.err, new RegExp(`link slcan:${slcanPair.a}@500k\\?fd=2M: tx 3, tx errors 0`));
          assert.match(r.err, new RegExp(`link bridge:${bridgePair.a}\\?allowAll=1: tx 1, tx errors 0`));
        } finally {
          await emu.close();
          await adapter.close();
        }
      }),
    );
  });

  test('record from slcan to BLF and from the MCU bridge to candump: every frame, read-only links', async () => {
    await withPair(async (pair) => {
      const adapter = await SlcanAdapter.start({ path: pair.b, dialect: 'lawicel' });
      try {
        const out = join(dir, 'slcan.blf');
        const rec = headunit(['record', `slcan:${pair.a}@500k?bus=pt`, '-o', out, '-n', '3', '-T', '30000'], /recording/);
        await rec.ready;
        await adapter.inject({ id: 0x123, extended: false, data: Uint8Array.of(0xde, 0xad) });
        await adapter.inject({ id: 0x18fef100, extended: true, data: Uint8Array.of(1, 2, 3) });
        await adapter.inject({ id: 0x7ff, extended: false, data: new Uint8Array(0), rtr: true });
        const r = await rec.done;
        assert.is(r.code, 0, r.err);
        assert.match(r.err, /recorded 3 frames to .*slcan\.blf \(blf\)/);
        const frames = await readAll(await openTraceReader(out));
        assert.equal(frames.map((f) => [f.id, f.extended, f.rtr, hex(f.data)]), [[0x123, false, false, 'DEAD'], [0x18fef100, true, false, '010203'], [0x7ff, false, true, '']]);
      } finally {
        await adapter.close();
      }
    });
    await withPair(async (pair) => {
      const emu = new McuBridgeEmulator({ path: pair.b });
      await emu.open();
      try {
        const out = join(dir, 'bridge.log');
        const rec = headunit(['record', `bridge:${pair.a}`, '-o', out, '-n', '2', '-T', '30000'], /recording/);
        await rec.ready;
        assert.equal(emu.allowList(0), new Set(), 'record opened the bridge read-only');
        emu.feed({ id: 0x321, extended: false, data: Uint8Array.of(1, 2, 3) });
        emu.feed({ id: 0x18daf110, extended: true, data: new Uint8Array(12).fill(0xab), fd: true, brs: true });
        emu.flush();
        const r = await rec.done;
        assert.is(r.code, 0, r.err);
        const frames = await readAll(await openTraceReader(out));
        assert.equal(frames.map((f) => [f.id, f.fd, f.brs, hex(f.data)]), [[0x321, false, false, '010203'], [0x18daf110, true, true, 'AB'.repeat(12)]]);
      } finally {
        await emu.close();
      }
    });
  });
}

test.after(() => pty.remove());
test.run();
