/** Time for the player, injected so tests run without real sleeps (cf. python-can MessageSync). */
export interface Clock {
  /** Monotonic milliseconds (fractions allowed). */
  now(): number;
  /** Resolves after about `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: `performance.now()`, timers for long waits, event-loop turns for the last millisecond. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => (ms > 1.5 ? setTimeout(resolve, ms - 1) : setImmediate(resolve))),
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
