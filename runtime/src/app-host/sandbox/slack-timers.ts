/** The most an app's timer may fire late to share a wake-up of the app thread (ms): one delivery tick. */
export const MAX_TIMER_SLACK_MS = 100;

/** How late a timer of `delayMs` may fire: a tenth of its delay, at most MAX_TIMER_SLACK_MS. */
export function timerSlackMs(delayMs: number): number {
  return Math.min(MAX_TIMER_SLACK_MS, Math.floor(delayMs / 10));
}

/** One app timer: due at `dueMs` (performance.now() time), fired by `runDue` or at `dueMs + slack` at the latest. */
/** The clock and timers a SlackTimers runs on (tests give their own). */
export interface TimerClock {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const NODE_CLOCK: TimerClock = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SlackTimer {
  readonly delayMs: number;
  /** How late it may fire (ms). */
  readonly slackMs: number;
  readonly repeat: boolean;
  dueMs: number;
  /** Set once a one-shot timer fired or the timer was cancelled. */
  done: boolean;
  hard: unknown;
  readonly fire: () => void;
}

/**
 * The apps' timers, with slack: a timer of d ms fires no earlier than d and no later than
 * d + min(d/10, 100) ms. Waking a sleeping thread costs more than the little an app's timer
 * callback does (~250 us of CPU on the machines measured, against ~100 us for the callback), so
 * the app thread fires every timer already due whenever it is awake anyway — each delivery
 * tick (`runDue`) and each timer's own latest moment — and ten apps with one-second timers
 * wake it once per tick instead of ten more times a second. Linux's timer slack and browsers'
 * timer alignment make the same trade. Shorter timers have little slack: a 20 ms timer fires
 * within 2 ms of its time.
 */
export class SlackTimers {
  private readonly live = new Set<SlackTimer>();

  constructor(private readonly clock: TimerClock = NODE_CLOCK) {}

  get size(): number {
    return this.live.size;
  }

  /** Starts a timer; `fire` runs on each expiry (for a one-shot, once). `slackMs` 0: exactly on time. */
  add(delayMs: number, repeat: boolean, fire: () => void, slackMs = timerSlackMs(delayMs)): SlackTimer {
    const now = this.clock.now();
    const t: SlackTimer = { delayMs, slackMs, repeat, dueMs: now + delayMs, done: false, hard: null, fire };
    this.live.add(t);
    this.arm(t, now);
    return t;
  }

  cancel(t: SlackTimer | undefined): void {
    if (!t || t.done) return;
    t.done = true;
    if (t.hard !== null) this.clock.clear(t.hard);
    t.hard = null;
    this.live.delete(t);
  }

  /** Fires every timer that is due now (and `also`), in the order they fell due. */
  runDue(also?: SlackTimer): void {
    const now = this.clock.now();
    let due: SlackTimer[] | null = null;
    for (const t of this.live) if (t.dueMs <= now || t === also) (due ??= []).push(t);
    if (!due) return;
    due.sort((a, b) => a.dueMs - b.dueMs);
    for (const t of due) {
      if (t.done) continue;
      if (t.repeat) {
        // Keeps its cadence; after a stall it starts over from now instead of firing a burst.
        t.dueMs = t.dueMs + t.delayMs > now ? t.dueMs + t.delayMs : now + t.delayMs;
        this.arm(t, now);
      } else {
        this.cancel(t);
      }
      t.fire();
    }
  }

  /** The latest moment: a Node timer at due + slack that fires it (and whatever else is due) if nothing woke the thread before. */
  private arm(t: SlackTimer, now: number): void {
    if (t.hard !== null) this.clock.clear(t.hard);
    t.hard = this.clock.set(() => {
      t.hard = null;
      // Node's clock may run a fraction of a millisecond behind performance.now(): it is due.
      this.runDue(t);
    }, Math.max(0, t.dueMs + t.slackMs - now));
  }
}

/** The app thread's timers: every app's, so that one wake-up fires all that are due. */
export const appTimers = new SlackTimers();
