// `headunit candump` and `headunit cansend` end to end over real PTY pairs (socat): the real
// executable in its own process on one end, the SLCAN adapter emulator or the MCU bridge
// emulator in this process on the other (issue #3). SocketCAN's end-to-end run is in the vcan VM.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { McuBridgeEmulator } from '../emulators/mcu-bridge.ts';
import { headunit, PtyPairs } from '../../test/cli-process.ts';
import { socatAvailable, type PtyPair } from '../emulators/pty-pair.ts';
import { SlcanAdapter, type SlcanDialect } from '../emulators/slcan-adapter.ts';

const pty = new PtyPairs('serial-links-cli-');
const dir = pty.dir;
const withPair = <T>(fn: (pair: PtyPair) => Promise<T>): Promise<T> => pty.with(fn);

async function withAdapter(dialect: SlcanDialect, fn: (pair: PtyPair, adapter: SlcanAdapter) => Promise<void>): Promise<void> {
  await withPair(async (pair) => {
    const adapter = await SlcanAdapter.start({ path: pair.b, dialect });
    try {
      await fn(pair, adapter);
    } finally {
      await adapter.close();
    }
  });
}

const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex').toUpperCase();

if (!socatAvailable()) {
  test('headunit candump/cansend over serial links: SKIPPED because socat is not installed (apt-get install socat)', () => {
    console.log('    SKIPPED: socat is not installed; these tests need PTY pairs (apt-get install socat)');
  });
} else {
  test('candump -l over slcan: the emulated adapter\'s frames in can-utils log format, counters on stderr', async () => {
    await withAdapter('lawicel', async (pair, adapter) => {
      const dump = headunit(['candump', `slcan:${pair.a}@500k?bus=pt`, '-l', '-n', '3', '-T', '30000'], /listening on/);
      await dump.ready;
      assert.equal(adapter.commands.slice(-4), ['S6', 'O', 'V', 'N'], 'candump ran the open sequence at 500 kbit/s, then asked who the adapter is');
      await adapter.inject({ id: 0x123, extended: false, data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) });
      await adapter.writeRaw('\x00garbage\r'); // counted as an rx error, never a frame
      await adapter.inject({ id: 0x18fef100, extended: true, data: Uint8Array.of(1, 2, 3) });
      await adapter.inject({ id: 0x7ff, extended: false, data: new Uint8Array(0), rtr: true });
      const r = await dump.done;
      assert.is(r.code, 0, r.err);
      const lines = r.out.trimEnd().split('\n');
      assert.equal(lines.map((l) => l.replace(/^\(\d+\.\d{6}\) /, '')), ['pt 123#DEADBEEF', 'pt 18FEF100#010203', 'pt 7FF#R']);
      assert.ok(lines.every((l) => /^\(\d{10}\.\d{6}\) /.test(l)), 'wall-clock timestamps in seconds.microseconds');
      assert.match(r.err, /^listening on slcan:.*@500k\?bus=pt \(adapter version 1013, serial A123\)\n/, r.err);
      assert.match(r.err, /unprintable byte 0x00/, r.err);
      assert.match(r.err, /3 frames; link counters: rx 3, overflows 0, rx errors 1, bus errors 0, reconnects 0/, r.err);
      assert.is(adapter.commands.at(-1), 'C', 'the channel was closed on exit');
    });
  });

  test('cansend over slcan: classic, 29-bit and CAN FD with BRS reach a CANable 2, bytes exact', async () => {
    await withAdapter('canable-fd', async (pair, adapter) => {
      const url = `slcan:${pair.a}@500k?fd=2M`;
      for (const frame of ['123#DEADBEEF', '18FEF100#0102', '456##1' + '00112233445566778899AABB']) {
        const r = await headunit(['cansend', url, frame]).done;
        assert.is(r.code, 0, r.err);
        assert.is(r.err, `sent ${frame} on ${url}\n`);
      }
      const got = await adapter.waitReceived(3);
      assert.equal(
        got.map((f) => [f.id, f.extended, f.fd, f.brs, hex(f.data)]),
        [
          [0x123, false, false, false, 'DEADBEEF'],
          [0x18fef100, true, false, false, '0102'],
          [0x456, false, true, true, '00112233445566778899AABB'],
        ],
      );
      assert.ok(adapter.commands.includes('Y2'), 'the CAN FD data bit rate was set');
    });
  });

  test('cansend over slcan: a frame the adapter refuses (BEL) exits 1 saying so', async () => {
    await withPair(async (pair) => {
      const adapter = await SlcanAdapter.start({ path: pair.b, dialect: 'usbtin', refuseTx: () => true });
      try {
        const r = await headunit(['cansend', `slcan:${pair.a}`, '123#01']).done;
        assert.is(r.code, 1, r.err);
        assert.match(r.err, /^headunit cansend: slcan:.*: the adapter refused "t123101" \(BEL: transmit buffer full, bus off, or no CAN FD support\)\n$/, r.err);
      } finally {
        await adapter.close();
      }
    });
  });

  test('candump and cansend over the MCU bridge: frames from the MCU; only the frame\'s own id is allowed, and the firmware enforces it', async () => {
    await withPair(async (pair) => {
      // Production firmware provisioned for 0x123 and 0x18DAF110 only.
      const emu = new McuBridgeEmulator({ path: pair.b, ceiling: new Set(['s123', 'x18DAF110']) });
      await emu.open();
      try {
        const dump = headunit(['candump', `bridge:${pair.a}`, '-n', '2', '-T', '30000'], /listening on/);
        await dump.ready;
        assert.equal(emu.allowList(0), new Set(), 'candump opened the bridge read-only: an empty allow-list');
        emu.feed({ id: 0x321, extended: false, data: Uint8Array.of(1, 2, 3) });
        emu.feed({ id: 0x18daf110, extended: true, data: new Uint8Array(12).fill(0xab), fd: true, brs: true });
        emu.flush();
        const r = await dump.done;
        assert.is(r.code, 0, r.err);
        const host = pair.a.replace(/^.*\//, '');
        assert.equal(r.out.trimEnd().split('\n'), [`  ${host}  321${' '.repeat(8)}[3]  01 02 03`, `  ${host}  18DAF110  [12]  ${'AB '.repeat(12).trim()}`]);
        assert.match(r.err, /^listening on bridge:\S+ \(MCU firmware 1\.4\.2, protocol 1\.0\)\n/, r.err);
        assert.match(r.err, /2 frames; link counters: rx 2, overflows 0, rx errors 0/, r.err);

        const sent = await headunit(['cansend', `bridge:${pair.a}`, '123#CAFE']).done;
        assert.is(sent.code, 0, sent.err);
        const fd = await headunit(['cansend', `bridge:${pair.a}`, '18DAF110##0' + '01'.repeat(16)]).done;
        assert.is(fd.code, 0, fd.err);
        assert.equal(emu.accepted.map((t) => [t.id, t.extended, t.fd, hex(t.data)]), [[0x123, false, false, 'CAFE'], [0x18daf110, true, true, '01'.repeat(16)]]);
        const refused = await headunit(['cansend', `bridge:${pair.a}`, '124#00']).done;
        assert.is(refused.code, 1, refused.err);
        assert.match(refused.err, /^headunit cansend: bridge:.*: the MCU refused ALLOWLIST: NOT_PERMITTED \(detail 0x124\)\n$/, refused.err);
        assert.is(emu.accepted.length, 2, 'nothing reached the bus for 0x124');
      } finally {
        await emu.close();
      }
    });
  });

  test('LINK errors: a malformed URL is bad usage (2) with the column; no device and unknown parameters exit 1/2 saying why', async () => {
    const bad = await headunit(['candump', 'slcan:/dev/ttyX@fast']).done;
    assert.is(bad.code, 2, bad.err);
    assert.match(bad.err, /^headunit candump: link URL "slcan:\/dev\/ttyX@fast" at column 17: expected a bit rate such as 500000, 500k or 1M after @\n/, bad.err);
    const typo = await headunit(['cansend', 'slcan:/dev/ttyX?baudrate=9600', '123#00']).done;
    assert.is(typo.code, 2, typo.err);
    assert.match(typo.err, /at column 17: expected an slcan parameter: baud, fd, timestamps, window, bus/, typo.err);
    const missing = join(dir, 'unplugged');
    for (const url of [`slcan:${missing}`, `bridge:${missing}`]) {
      const r = await headunit(['candump', url]).done;
      assert.is(r.code, 1, url);
      assert.match(r.err, new RegExp(`^headunit candump: ${url}: no serial device at ${missing}`));
    }
  });
}

test.after(() => pty.remove());

test.run();
