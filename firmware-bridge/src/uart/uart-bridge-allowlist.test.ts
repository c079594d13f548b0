import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { McuBridgeEmulator } from '../../../sim/src/emulators/mcu-bridge.ts';
import { socatAvailable, startPtyPair } from '../../../sim/src/emulators/pty-pair.ts';
import { TxFailedError } from '../errors.ts';
import { txKey } from '../link.ts';
import { PacketDecoder, PacketWriter } from './bridge-codec.ts';
import { BridgeNackError } from './bridge-errors.ts';
import { readResult, writeAllowList, writeHello, writeTxRequest, type ResultPayload } from './bridge-payloads.ts';
import { PacketType, Status } from './bridge-protocol.ts';
import { openError, rig, UncheckedLink, waitFor } from './bridge-test-rig.ts';
import { closeSerialPort, defaultBinding, openSerialPort } from './serial-port.ts';

// The MCU is the last line of defence (UART-BRIDGE-PROTOCOL.md §7): these tests speak to the
// emulated firmware as a careless or compromised host would.
if (!socatAvailable()) {
  test('UART bridge allow-list over PTYs: SKIPPED because socat is not installed (apt-get install socat)', () => {
    console.log('    SKIPPED: socat is not installed; the UART bridge PTY tests need it (apt-get install socat)');
  });
} else {
  test('allowAll=1: production firmware refuses ALLOW_ALL; bench firmware accepts and sends any id', async () => {
    const prod = await rig({ txAllow: 'all', query: '?allowAll=1' });
    try {
      const err = await openError(prod);
      assert.is(err.message, `${prod.link.url}: the MCU refused ALLOWLIST: ALLOW_ALL_REFUSED (production firmware never allows every id; use bench firmware)`);
    } finally {
      await prod.dispose();
    }
    const bench = await rig({ txAllow: 'all', query: '?allowAll=1', emulator: { benchBuild: true } });
    try {
      await bench.link.open();
      assert.is(bench.emu.allowList(), 'all');
      await bench.link.send({ id: 0x7e0, extended: false, data: Uint8Array.of(2, 0x10, 3) });
      assert.equal(bench.emu.accepted.map((f) => f.id), [0x7e0]);
    } finally {
      await bench.dispose();
    }
  });

  test('the firmware ceiling: an allow-list with an id outside it fails the open (NOT_PERMITTED, list left empty)', async () => {
    const r = await rig({ txAllow: new Set([txKey(0x123, false), txKey(0x7e0, false)]), emulator: { ceiling: new Set([txKey(0x123, false)]) } });
    try {
      const err = await openError(r);
      assert.is(err.message, `${r.link.url}: the MCU refused ALLOWLIST: NOT_PERMITTED (detail 0x7e0)`);
      assert.is((r.emu.allowList() as Set<string>).size, 0);
    } finally {
      await r.dispose();
    }
  });

  test('the MCU enforces the allow-list even when the host-side check is bypassed: NACK, nothing on the bus', async () => {
    const r = await rig({ LinkClass: UncheckedLink });
    try {
      await r.link.open();
      const err = await (r.link as UncheckedLink).transmitUnchecked({ id: 0x124, extended: false, data: Uint8Array.of(1) }).catch((e: unknown) => e);
      assert.instance(err, BridgeNackError);
      assert.instance(err, TxFailedError);
      assert.equal([(err as BridgeNackError).status, (err as Error).message], ['NOT_ALLOWED', `${r.link.url}: the MCU refused TX_REQUEST id 0x124: NOT_ALLOWED (detail 0x124)`]);
      assert.equal(r.emu.accepted, []);
      assert.equal(r.emu.refused, [{ channel: 0, id: 0x124, extended: false, status: 'NOT_ALLOWED' }]);
      assert.is(r.link.bridgeStats.txNacks, 1);
    } finally {
      await r.dispose();
    }
  });

  test('a rogue host speaking raw packets: no session, not allowed, replayed and outside-ceiling requests are all refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uart-bridge-'));
    const pair = await startPtyPair(join(dir, 'host'), join(dir, 'mcu'));
    const emu = new McuBridgeEmulator({ path: pair.b, ceiling: new Set([txKey(0x123, false), txKey(0x124, false)]) });
    await emu.open();
    const port = await openSerialPort('rogue', await defaultBinding(), pair.a, 921600);
    const results: ResultPayload[] = [];
    const decoder = new PacketDecoder((p) => {
      if (p.type === PacketType.RESULT) results.push(readResult(p.buf, p.payloadOffset, p.payloadLength) as ResultPayload);
    });
    port.on('data', (c: Buffer) => decoder.push(c));
    const w = new PacketWriter();
    const send = (bytes: Uint8Array): void => void port.write(Buffer.from(bytes));
    const answer = async (n: number): Promise<string> => {
      await waitFor(() => results.length >= n, `RESULT ${n}`);
      const r = results[n - 1]!;
      return `seq ${r.ackSeq} ${Object.entries(Status).find(([, v]) => v === r.status)![0]} 0x${r.detail.toString(16)}`;
    };
    try {
      send(writeTxRequest(w, 5, { id: 0x123, channel: 0, flags: 0, data: Uint8Array.of(1) }));
      assert.is(await answer(1), 'seq 5 NO_SESSION 0x0');
      send(writeHello(w, 0, { major: 1, minor: 0, channelMask: 1, heartbeatMs: 100, timeoutMs: 5000, nonce: 7 }));
      send(writeTxRequest(w, 1, { id: 0x123, channel: 0, flags: 0, data: Uint8Array.of(1) }));
      assert.is(await answer(2), 'seq 1 NOT_ALLOWED 0x123', 'nothing is allowed before ALLOWLIST');
      send(writeAllowList(w, 2, { channel: 0, flags: 0, entries: [{ id: 0x7df, extended: false }] }));
      assert.is(await answer(3), 'seq 2 NOT_PERMITTED 0x7df', 'outside the firmware ceiling');
      send(writeAllowList(w, 3, { channel: 0, flags: 0, entries: [{ id: 0x123, extended: false }] }));
      assert.is(await answer(4), 'seq 3 OK 0x0');
      send(writeTxRequest(w, 4, { id: 0x124, channel: 0, flags: 0, data: Uint8Array.of(1) }));
      assert.is(await answer(5), 'seq 4 NOT_ALLOWED 0x124', 'in the ceiling but not on the session list');
      const ok = writeTxRequest(w, 5, { id: 0x123, channel: 0, flags: 0, data: Uint8Array.of(0xaa) }).slice();
      send(ok);
      assert.is(await answer(6), 'seq 5 OK 0x0');
      send(ok);
      assert.is(await answer(7), 'seq 5 STALE_SEQ 0x0', 'a replayed request is not executed twice');
      assert.equal(emu.accepted.map((f) => [f.id, f.data[0]]), [[0x123, 0xaa]]);
      assert.equal(emu.refused.map((f) => [f.id, f.status]), [[0x123, 'NOT_ALLOWED'], [0x124, 'NOT_ALLOWED']]);
    } finally {
      await closeSerialPort(port);
      await emu.close();
      await pair.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

}

test.run();
