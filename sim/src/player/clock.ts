/** Time for the player, injected so tests run without real sleeps (cf. python-can MessageSync). */
export interface Clock {
  /** Monotonic milliseconds (fractions allowed). */
  now(): number;
  /** Resolves after about `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** Timers can fire late by a few ms under load; they aim this much early and event-loop turns finish the wait. */
const TIMER_MARGIN_MS = 4;

/** The real clock: `performance.now()`, a timer for most of a wait, event-loop turns for the end of it. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => (ms > TIMER_MARGIN_MS + 1 ? setTimeout(resolve, ms - TIMER_MARGIN_MS) : setImmediate(resolve))),
};

/** A clock that only moves when slept on: instant, deterministic tests. */
export class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
  }
}
