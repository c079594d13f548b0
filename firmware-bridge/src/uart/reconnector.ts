/**
 * Brings a lost link back (UART-BRIDGE-PROTOCOL.md §9): runs `attempt` after a delay and, while it
 * fails for a reason that may pass (no answer, device gone), again with a doubling backoff.
 * A permanent failure (e.g. the MCU speaks another protocol version) ends the retries.
 */
import type { BridgeTimer, TimerHandle } from './bridge-timer.ts';

/** Backoff bounds between attempts, ms. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;

export interface ReconnectHooks {
  /** Re-establishes the link; throws when it could not. */
  attempt(): Promise<void>;
  /** True when retrying cannot help. */
  isPermanent(err: Error): boolean;
  succeeded(): void;
  /** A failed attempt; `permanent` means no more attempts follow. */
  failed(err: Error, permanent: boolean): void | Promise<void>;
}

export class Reconnector {
  private handle: TimerHandle | null = null;
  private backoffMs = BACKOFF_MIN_MS;
  private running = false;

  constructor(
    private readonly timer: BridgeTimer,
    private readonly hooks: ReconnectHooks,
  ) {}

  /** Starts attempting after `delayMs` (0: on the next timer turn). */
  start(delayMs = 0): void {
    this.running = true;
    this.schedule(delayMs);
  }

  /** No further attempts; an attempt in flight is ignored when it ends. */
  stop(): void {
    this.running = false;
    if (this.handle !== null) this.timer.clearTimeout(this.handle);
    this.handle = null;
  }

  private schedule(delayMs: number): void {
    this.handle = this.timer.setTimeout(() => {
      this.handle = null;
      void this.run();
    }, delayMs);
  }

  private async run(): Promise<void> {
    try {
      await this.hooks.attempt();
    } catch (err) {
      if (!this.running) return;
      const permanent = this.hooks.isPermanent(err as Error);
      if (permanent) this.running = false;
      else {
        this.schedule(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      }
      return this.hooks.failed(err as Error, permanent);
    }
    if (!this.running) return;
    this.running = false;
    this.backoffMs = BACKOFF_MIN_MS;
    this.hooks.succeeded();
  }
}
