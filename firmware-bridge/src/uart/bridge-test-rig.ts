/**
 * Test support for the UART bridge link tests: a socat PTY pair with the MCU emulator on one
 * end and a link (not opened) on the other, and small waiting helpers. Not used by product code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { McuBridgeEmulator, type McuBridgeOptions } from '../../../sim/src/emulators/mcu-bridge.ts';
import { startPtyPair, type PtyPair } from '../../../sim/src/emulators/pty-pair.ts';
import { CONTRACT_TX_ALLOW } from '../../test/contracts/can-link-contract.ts';
import { LinkOpenError } from '../errors.ts';
import type { OutgoingFrame, TxAllowList } from '../link.ts';
import { parseLinkUrl } from '../link-url.ts';
import type { BridgeTimer, FakeTimer } from './bridge-timer.ts';
import { UartBridgeLink } from './uart-bridge-link.ts';

/** Polls `cond` on real time (PTY bytes take real time to travel), failing after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface Rig {
  pair: PtyPair;
  emu: McuBridgeEmulator;
  link: UartBridgeLink;
  /** The temporary directory holding the PTY symlinks. */
  dir: string;
  dispose(): Promise<void>;
}

/** A socat PTY pair with the MCU emulator on one end and a (not yet opened) link on the other. */
export async function rig(opts: { emulator?: Partial<McuBridgeOptions>; query?: string; txAllow?: TxAllowList; timer?: BridgeTimer; LinkClass?: typeof UartBridgeLink } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'uart-bridge-'));
  const pair = await startPtyPair(join(dir, 'host'), join(dir, 'mcu'));
  const emu = new McuBridgeEmulator({ path: pair.b, ...(opts.timer ? { timer: opts.timer } : {}), ...opts.emulator });
  await emu.open();
  const Link = opts.LinkClass ?? UartBridgeLink;
  const link = new Link(parseLinkUrl(`bridge:${pair.a}${opts.query ?? ''}`), { txAllow: opts.txAllow ?? CONTRACT_TX_ALLOW }, { timer: opts.timer });
  return {
    pair,
    emu,
    link,
    dir,
    dispose: async () => {
      await link.close();
      await emu.close();
      await pair.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the rig's link expecting a LinkOpenError; with a FakeTimer, moves it past the handshake timeout. */
export async function openError(r: Rig, advance?: FakeTimer): Promise<LinkOpenError> {
  const opening = r.link.open().then(
    () => null,
    (err: unknown) => err,
  );
  if (advance) {
    await waitFor(() => r.link.bridgeStats.packetsSent > 0, 'the first HELLO');
    advance.advance(1000);
  }
  const err = await opening;
  assert.instance(err, LinkOpenError);
  return err as LinkOpenError;
}

/** The link's `transmit` without the host-side allow-list check: what a compromised host could send. */
export class UncheckedLink extends UartBridgeLink {
  transmitUnchecked(f: OutgoingFrame): Promise<void> {
    return this.transmit(f);
  }
}
