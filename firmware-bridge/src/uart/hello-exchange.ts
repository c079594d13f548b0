/**
 * The host's half of the HELLO exchange (UART-BRIDGE-PROTOCOL.md §6): send HELLO, repeat it
 * every HELLO_RETRY_MS in case noise ate it, and accept only the HELLO_ACK that echoes this
 * exchange's nonce (an answer to an earlier HELLO, still in the pipe, is ignored).
 */
import { LinkOpenError } from '../errors.ts';
import type { HelloAck } from './bridge-payloads.ts';
import { HelloResult, PROTOCOL_MAJOR, PROTOCOL_MINOR } from './bridge-protocol.ts';
import type { BridgeTimer, TimerHandle } from './bridge-timer.ts';

/** HELLO is repeated this often until HELLO_ACK arrives, ms. */
export const HELLO_RETRY_MS = 250;

interface Waiter {
  nonce: number;
  resolve: (ack: HelloAck) => void;
  reject: (err: Error) => void;
  retry: TimerHandle | null;
}

export class HelloExchange {
  private waiter: Waiter | null = null;

  constructor(
    private readonly link: string,
    private readonly timer: BridgeTimer,
  ) {}

  /**
   * Calls `send()` now and every HELLO_RETRY_MS until the answer arrives through `accept()`.
   * @throws LinkOpenError HANDSHAKE_FAILED when no answer comes within `timeoutMs` ms; the
   *   error given to `cancel()` when cancelled.
   */
  run(nonce: number, timeoutMs: number, send: () => void): Promise<HelloAck> {
    this.cancel(new LinkOpenError(this.link, 'HANDSHAKE_FAILED', 'superseded by a new HELLO'));
    const deadline = this.timer.nowMs() + timeoutMs;
    let sent = 0;
    return new Promise<HelloAck>((resolve, reject) => {
      const waiter: Waiter = { nonce, resolve, reject, retry: null };
      const attempt = (): void => {
        const left = deadline - this.timer.nowMs();
        if (left <= 0) {
          this.waiter = null;
          reject(new LinkOpenError(this.link, 'HANDSHAKE_FAILED', `no HELLO_ACK from the MCU within ${timeoutMs} ms (${sent} HELLO sent)`));
          return;
        }
        send();
        sent++;
        waiter.retry = this.timer.setTimeout(attempt, Math.min(HELLO_RETRY_MS, left));
      };
      this.waiter = waiter;
      attempt();
    });
  }

  /** Offers a received HELLO_ACK. @returns true when it answered the HELLO in flight. */
  accept(ack: HelloAck): boolean {
    const w = this.waiter;
    if (!w || ack.nonce !== w.nonce) return false;
    this.waiter = null;
    this.timer.clearTimeout(w.retry);
    w.resolve(ack);
    return true;
  }

  /** Ends a running exchange with `err` (link closed). No-op when none runs. */
  cancel(err: Error): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    this.timer.clearTimeout(w.retry);
    w.reject(err);
  }
}

/** Why a HELLO_ACK ends the handshake for a link on MCU channel `channel`, or null when it does not. */
export function helloAckProblem(ack: HelloAck, channel: number): string | null {
  if (ack.result !== HelloResult.OK || ack.major !== PROTOCOL_MAJOR) {
    return `protocol version mismatch: the MCU (firmware ${ack.firmware.join('.')}) speaks ${ack.major}.${ack.minor}, this host ${PROTOCOL_MAJOR}.${PROTOCOL_MINOR}`;
  }
  if (channel >= ack.channels) return `the MCU has ${ack.channels} CAN channel(s); channel ${channel} does not exist`;
  return null;
}
