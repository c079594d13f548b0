/** Time for the player, injected so tests run without real sleeps (cf. python-can MessageSync). */
export interface Clock {
  /** Monotonic milliseconds (fractions allowed). */
  now(): number;
  /** Resolves after about `ms` milliseconds, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Timers can fire late by a few ms under load; they aim this much early and event-loop turns finish the wait. */
const TIMER_MARGIN_MS = 4;

/**
 * Waits `timerMs` on a timer (or one event-loop turn when it is <= 0), and resolves at once when
 * `signal` aborts; an aborted wait clears its timer, so a stopped replay does not hold the
 * process open.
 */
function timerWait(timerMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    if (timerMs <= 0) return void setImmediate(resolve);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, timerMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The real clock: `performance.now()`, a timer for most of a wait, event-loop turns for the end of it. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => timerWait(ms <= TIMER_MARGIN_MS + 1 ? 0 : ms - TIMER_MARGIN_MS, signal),
};

/**
 * A real clock that never spins: the whole wait is one timer (>= 1 ms granularity, late by what
 * the event loop adds). For feeds inside the runtime, where a core kept busy for sub-millisecond
 * pacing would cost the head unit more than the precision is worth.
 */
export const coarseClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => timerWait(ms, signal),
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
