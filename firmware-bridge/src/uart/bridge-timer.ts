/**
 * Time as the UART bridge sees it, injected so tests drive heartbeats, timeouts and link-loss
 * detection with a fake clock instead of sleeping. `systemTimer` is the real one.
 */

/** A handle returned by `setTimeout`, only ever passed back to `clearTimeout`. */
export type TimerHandle = unknown;

export interface BridgeTimer {
  /** Monotonic time in ms (never goes back; origin unspecified). */
  nowMs(): number;
  /** Wall-clock time in µs since the Unix epoch (for received frames' timestamps). */
  wallUs(): number;
  /** Runs `fn` once after `ms` milliseconds. Timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or already-run handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers and clocks. */
export const systemTimer: BridgeTimer = {
  nowMs: () => performance.now(),
  wallUs: () => (performance.timeOrigin + performance.now()) * 1000,
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface FakeEntry {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A timer that moves only when told: `advance(ms)` runs every timer due up to the new time, in
 * order of due time (then of creation), including timers those callbacks create.
 */
export class FakeTimer implements BridgeTimer {
  private now = 0;
  private order = 0;
  private readonly entries = new Map<number, FakeEntry>();

  constructor(private readonly wallStartUs = 1_700_000_000_000_000) {}

  nowMs(): number {
    return this.now;
  }

  wallUs(): number {
    return this.wallStartUs + this.now * 1000;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.order;
    this.entries.set(id, { at: this.now + Math.max(0, ms), order: id, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.entries.delete(handle as number);
  }

  /** Number of timers waiting to run. */
  get pending(): number {
    return this.entries.size;
  }

  /** Moves time forward by `ms`, running due timers synchronously. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, FakeEntry] | null = null;
      for (const e of this.entries) if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].order < next[1].order))) next = e;
      if (!next) break;
      this.entries.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      next[1].fn();
    }
    this.now = end;
  }
}
