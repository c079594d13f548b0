/**
 * Host packets waiting for the MCU's RESULT (ALLOWLIST, TX_REQUEST), keyed by their sequence
 * number (UART-BRIDGE-PROTOCOL.md §4.6). Each resolves on ACK, rejects with BridgeNackError on a
 * NACK, and with TxFailedError when no RESULT comes in time. A late RESULT is ignored.
 */
import { TxFailedError } from '../errors.ts';
import { BridgeNackError } from './bridge-errors.ts';
import type { ResultPayload } from './bridge-payloads.ts';
import { Status } from './bridge-protocol.ts';
import type { BridgeTimer, TimerHandle } from './bridge-timer.ts';

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
  what: string;
}

export class PendingRequests {
  /** NACKs received. */
  nacks = 0;
  /** Requests that got no RESULT in time. */
  timeouts = 0;
  private readonly waiting = new Map<number, Pending>();

  constructor(
    private readonly link: string,
    private readonly timer: BridgeTimer,
  ) {}

  /**
   * Waits for the RESULT answering the packet with sequence number `seq` (send it after calling).
   * @param what names the request in errors, e.g. `TX_REQUEST id 0x123`.
   * @throws BridgeNackError on a NACK; TxFailedError after `timeoutMs` ms without an answer.
   */
  wait(seq: number, what: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.timer.setTimeout(() => {
        this.waiting.delete(seq);
        this.timeouts++;
        reject(new TxFailedError(this.link, `no RESULT from the MCU for ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(seq, { resolve, reject, timer, what });
    });
  }

  /** Settles the request a RESULT answers; false when none is waiting (late or unknown). */
  settle(r: ResultPayload): boolean {
    const p = this.waiting.get(r.ackSeq);
    if (!p) return false;
    this.waiting.delete(r.ackSeq);
    this.timer.clearTimeout(p.timer);
    if (r.status === Status.OK) {
      p.resolve();
    } else {
      this.nacks++;
      p.reject(new BridgeNackError(this.link, r.status, p.what, r.detail));
    }
    return true;
  }

  /** Rejects every waiting request with `err` (link lost or closed). */
  failAll(err: Error): void {
    for (const [seq, p] of this.waiting) {
      this.timer.clearTimeout(p.timer);
      this.waiting.delete(seq);
      p.reject(err);
    }
  }
}
