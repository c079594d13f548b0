import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { McuBridgeEmulator } from '../../../sim/src/emulators/mcu-bridge.ts';
import { socatAvailable, startPtyPair } from '../../../sim/src/emulators/pty-pair.ts';
import { canLinkContract, CONTRACT_TX_ALLOW } from '../../test/contracts/can-link-contract.ts';
import type { LinkOpenError } from '../errors.ts';
import type { LinkState } from '../link.ts';
import { parseLinkUrl } from '../link-url.ts';
import { BridgeNackError } from './bridge-errors.ts';
import { openError, rig, waitFor } from './bridge-test-rig.ts';
import { FakeTimer } from './bridge-timer.ts';
import { UartBridgeLink } from './uart-bridge-link.ts';

if (!socatAvailable()) {
  test('UART bridge over PTYs: SKIPPED because socat is not installed (apt-get install socat)', () => {
    console.log('    SKIPPED: socat is not installed; the UART bridge PTY tests need it (apt-get install socat)');
  });
} else {
  canLinkContract('uart-bridge', async () => {
    const r = await rig();
    return {
      link: r.link,
      supportsFd: true,
      peerSend: async (f) => void r.emu.feed({ ...f, data: f.data }),
      peerReceived: async (n, timeoutMs = 3000) => {
        await waitFor(() => r.emu.accepted.length >= n, `${n} frames on the MCU's bus`, timeoutMs);
        return r.emu.accepted.slice(0, n);
      },
      dispose: r.dispose,
    };
  });

  test('handshake: firmware and capabilities reported, the MCU holds exactly the link allow-list; faults are reported', async () => {
    const r = await rig();
    const warnings: string[] = [];
    r.link.on('warning', (e) => warnings.push(`${e.name}: ${e.message}`));
    try {
      await r.link.open();
      const s = r.link.bridgeStats;
      assert.equal([s.firmware, s.hello?.channels, s.hello?.caps, s.handshakes], ['1.4.2', 1, 0x07, 1]);
      assert.equal([...(r.emu.allowList() as Set<string>)].sort(), [...CONTRACT_TX_ALLOW].sort());
      assert.is(r.emu.state, 'running');
      r.emu.setBusOff(true);
      const err = await r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(1) }).then(() => null, (e: unknown) => e);
      assert.instance(err, BridgeNackError);
      assert.is((err as BridgeNackError).status, 'BUS_OFF');
      assert.equal(warnings, [`McuFaultError: ${r.link.url}: the MCU reports BUS_OFF on channel 0`]);
      assert.equal([r.link.counters.txErrors, r.link.counters.txFrames], [1, 0]);
    } finally {
      await r.dispose();
    }
  });

  test('version mismatch: HANDSHAKE_FAILED naming both versions and the firmware; the link is failed', async () => {
    const r = await rig({ emulator: { protocol: { major: 2, minor: 1 }, firmware: [2, 0, 0] } });
    try {
      const err = await openError(r);
      assert.is(err.code, 'HANDSHAKE_FAILED');
      assert.is(err.message, `${r.link.url}: protocol version mismatch: the MCU (firmware 2.0.0) speaks 2.1, this host 1.0`);
      assert.is(r.link.state, 'failed');
      assert.is(r.emu.state, 'awaiting-hello');
    } finally {
      await r.dispose();
    }
  });

  test('a silent MCU: HANDSHAKE_FAILED after the timeout, HELLO repeated every 250 ms (fake clock)', async () => {
    const timer = new FakeTimer();
    const r = await rig({ timer });
    r.emu.goSilent();
    try {
      const err = await openError(r, timer);
      assert.is(err.code, 'HANDSHAKE_FAILED');
      assert.is(err.message, `${r.link.url}: no HELLO_ACK from the MCU within 1000 ms (4 HELLO sent)`);
    } finally {
      await r.dispose();
    }
  });

  test('open errors: no such device; txAllow "all" refused without allowAll=1', async () => {
    const missing = new UartBridgeLink(parseLinkUrl('bridge:/dev/no-such-uart'), {});
    const e1 = (await missing.open().then(() => null, (err: unknown) => err)) as LinkOpenError;
    assert.equal([e1.code, e1.message], ['NO_SUCH_DEVICE', 'bridge:/dev/no-such-uart: no serial device at /dev/no-such-uart']);
    const r = await rig({ txAllow: 'all' });
    try {
      const e2 = await openError(r);
      assert.is(e2.code, 'OPEN_FAILED');
      assert.match(e2.message, "txAllow 'all' is refused on an MCU bridge");
    } finally {
      await r.dispose();
    }
  });

  test('the serial device disappears and comes back: reconnecting, then open again with a new handshake', async () => {
    const r = await rig({ query: '?handshake=300' });
    let again: { emu: McuBridgeEmulator; kill: () => Promise<void> } | null = null;
    const states: string[] = [];
    r.link.on('state', (s: LinkState, why) => states.push(why ? `${s}: ${why}` : s));
    try {
      await r.link.open();
      await r.emu.close();
      await r.pair.kill(); // the USB-UART is unplugged: the PTY ends go away
      await waitFor(() => r.link.state === 'reconnecting', 'the loss of the device');
      assert.match(states.at(-1)!, /^reconnecting: (serial device .* went away|no packet from the MCU)/);
      const pair = await startPtyPair(r.pair.a, r.pair.b); // plugged in again, same paths
      const emu = new McuBridgeEmulator({ path: pair.b });
      await emu.open();
      again = { emu, kill: () => pair.kill() };
      await waitFor(() => r.link.state === 'open', 'the link to come back', 10_000);
      assert.equal([r.link.counters.reconnects, emu.state], [1, 'running']);
      emu.feed({ id: 0x321, extended: false, data: Uint8Array.of(7) });
      const f = await r.link[Symbol.asyncIterator]().next();
      assert.equal([f.value?.id, f.value?.data[0]], [0x321, 7]);
    } finally {
      await r.dispose();
      await again?.emu.close();
      await again?.kill();
    }
  });

  test('heartbeats, link loss, re-handshake, MCU reboot, send timeout and host loss (fake clock)', async () => {
    const timer = new FakeTimer();
    const r = await rig({ timer });
    const states: string[] = [];
    r.link.on('state', (s: LinkState, why) => states.push(why ? `${s}: ${why}` : s));
    // Advance the clock, then let every packet the MCU wrote arrive before time moves on.
    const step = async (ms: number): Promise<void> => {
      timer.advance(ms);
      await waitFor(() => r.link.bridgeStats.decoder.packets >= r.emu.packetsSent, 'the MCU packets');
    };
    try {
      await r.link.open();
      await step(100);
      await step(100);
      assert.ok(r.link.bridgeStats.packetsSent >= 4, 'HELLO, ALLOWLIST and heartbeats went out');
      r.emu.goSilent();
      for (let i = 0; i < 6; i++) await step(100);
      assert.is(r.link.state, 'reconnecting');
      assert.is(states.at(-1), 'reconnecting: no packet from the MCU for 600 ms');
      const lost = (await r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(1) }).then(() => null, (e: unknown) => e)) as Error;
      assert.is(lost.message, `${r.link.url}: the bridge is reconnecting; nothing was sent`);
      r.emu.comeBack();
      timer.advance(0); // the reconnect attempt: a new HELLO goes out at once
      await waitFor(() => r.link.state === 'open', 'the re-handshake');
      assert.equal([r.link.counters.reconnects, r.link.bridgeStats.handshakes], [1, 2]);
      r.emu.comeBack({ reboot: true });
      await step(100);
      await waitFor(() => r.link.state === 'reconnecting', 'the reboot to be noticed');
      assert.is(states.at(-1), 'reconnecting: the MCU has no session (it restarted or timed the host out)');
      timer.advance(0);
      await waitFor(() => r.link.state === 'open', 'the second re-handshake');
      assert.is(r.link.counters.reconnects, 2);
      r.emu.goSilent();
      const pending = r.link.send({ id: 0x123, extended: false, data: Uint8Array.of(2) }).then(() => null, (e: unknown) => e as Error);
      timer.advance(260);
      assert.is((await pending)?.message, `${r.link.url}: no RESULT from the MCU for TX_REQUEST id 0x123 within 250 ms`);
      assert.is(r.link.bridgeStats.txTimeouts, 1);
      r.emu.comeBack();
      await r.link.close();
      timer.advance(600);
      assert.is(r.emu.state, 'awaiting-hello', 'the MCU dropped the silent host');
      assert.is((r.emu.allowList() as Set<string>).size, 0, 'and its permissions with it');
    } finally {
      await r.dispose();
    }
  });
}

test.run();
