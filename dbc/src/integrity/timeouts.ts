import { DbcError } from '../errors.ts';
import type { Message } from '../model/message.ts';
import { assertMessageIndex } from './integrity-plan.ts';

/** Default staleness threshold, in periods without a frame. */
export const DEFAULT_TIMEOUT_FACTOR = 2.5;
/** Default number of inter-arrival intervals averaged before a learned period is reported. */
export const DEFAULT_LEARN_INTERVALS = 4;
/** Default weight of each new interval in the learned period once it is reported (EMA). */
export const DEFAULT_SMOOTHING = 0.1;
/**
 * Default period assumed (ms) while a message has neither a stated nor a learned period.
 * opendbc's CANParser likewise assumes 1 Hz until it has learned a message's rate.
 */
export const DEFAULT_FALLBACK_PERIOD_MS = 1000;

/** Options of `MessageTimeouts`; every field is optional. */
export interface MessageTimeoutsOptions {
  /** Stale after more than `factor` periods without a frame. > 0, default 2.5. */
  factor?: number;
  /** Intervals averaged (plain mean) before a learned period is reported. Integer >= 1, default 4. */
  learnIntervals?: number;
  /** Weight 0 < w <= 1 of each further interval in the learned period (exponential mean). Default 0.1. */
  smoothing?: number;
  /** Period (ms) assumed while none is stated or learned yet; > 0, default 1000. */
  fallbackPeriodMs?: number;
  /**
   * Never stale sooner than this many ms after the last frame, whatever the period (>= 0,
   * default 0). A consumer whose own event loop can stall for tens of ms (a head unit's UI
   * process) sets a floor so a 20 ms message does not go stale because the reader was late.
   */
  minTimeoutMs?: number;
}

function badOption(name: string, value: unknown, rule: string): DbcError {
  return new DbcError(`MessageTimeouts: option ${name} = ${String(value)} must be ${rule}`, 'BAD_OPTION');
}

/**
 * Tracks when each message last arrived and says which ones have gone quiet.
 *
 * A message's period is its `cycleTimeMs` (GenMsgCycleTime) when the DBC states one (> 0);
 * otherwise it is learned from the frames seen: the plain mean of the first `learnIntervals`
 * inter-arrival times, then an exponential mean. An interval longer than `factor` periods is a
 * dropout, not a sample of the period, and is left out. Time is whatever the caller passes in
 * (`nowMs`, any monotonic millisecond clock); nothing here reads a real clock.
 *
 * ```
 *   frames:   |    |    |    |                       now
 *   time  ----+----+----+----+-----------------------^----
 *                        last  <-- factor x period -->|  stale once now - last > factor x period
 * ```
 */
export class MessageTimeouts {
  readonly #factor: number;
  readonly #learnIntervals: number;
  readonly #smoothing: number;
  readonly #fallbackPeriodMs: number;
  readonly #minTimeoutMs: number;
  /** Stated period in ms, 0 when not stated. */
  readonly #stated: Float64Array;
  /** Learned period in ms (meaningful once `#intervals` > 0). */
  readonly #learned: Float64Array;
  readonly #intervals: Uint32Array;
  /** Last arrival in ms, NaN when never seen. */
  readonly #lastSeen: Float64Array;

  /**
   * @throws DbcError `BAD_OPTION` when an option is outside its range (see `MessageTimeoutsOptions`).
   */
  constructor(messages: readonly Message[], options: MessageTimeoutsOptions = {}) {
    const { factor = DEFAULT_TIMEOUT_FACTOR, learnIntervals = DEFAULT_LEARN_INTERVALS } = options;
    const { smoothing = DEFAULT_SMOOTHING, fallbackPeriodMs = DEFAULT_FALLBACK_PERIOD_MS, minTimeoutMs = 0 } = options;
    if (!(Number.isFinite(factor) && factor > 0)) throw badOption('factor', factor, 'a finite number > 0');
    if (!(Number.isInteger(learnIntervals) && learnIntervals >= 1)) throw badOption('learnIntervals', learnIntervals, 'an integer >= 1');
    if (!(smoothing > 0 && smoothing <= 1)) throw badOption('smoothing', smoothing, 'in (0, 1]');
    if (!(Number.isFinite(fallbackPeriodMs) && fallbackPeriodMs > 0)) {
      throw badOption('fallbackPeriodMs', fallbackPeriodMs, 'a finite number > 0');
    }
    this.#factor = factor;
    this.#learnIntervals = learnIntervals;
    this.#smoothing = smoothing;
    this.#fallbackPeriodMs = fallbackPeriodMs;
    if (!(Number.isFinite(minTimeoutMs) && minTimeoutMs >= 0)) throw badOption('minTimeoutMs', minTimeoutMs, 'a finite number >= 0');
    this.#minTimeoutMs = minTimeoutMs;
    const n = messages.length;
    this.#stated = new Float64Array(n);
    messages.forEach((m, i) => {
      if (m.cycleTimeMs !== null && m.cycleTimeMs > 0) this.#stated[i] = m.cycleTimeMs;
    });
    this.#learned = new Float64Array(n);
    this.#intervals = new Uint32Array(n);
    this.#lastSeen = new Float64Array(n).fill(NaN);
  }

  /** Number of messages tracked. */
  get size(): number {
    return this.#lastSeen.length;
  }

  /**
   * Records that a frame of message `messageIndex` arrived at `nowMs`. Allocates nothing.
   * A time earlier than the last recorded one (reordered input) is ignored.
   * @throws DbcError `BAD_MESSAGE_INDEX` for an unknown index; `BAD_TIME` when `nowMs` is not finite.
   */
  seen(messageIndex: number, nowMs: number): void {
    assertMessageIndex(messageIndex, this.#lastSeen.length);
    if (!Number.isFinite(nowMs)) throw new DbcError(`MessageTimeouts.seen: time ${nowMs} is not a finite number`, 'BAD_TIME');
    const last = this.#lastSeen[messageIndex]!;
    if (nowMs < last) return;
    this.#lastSeen[messageIndex] = nowMs;
    if (Number.isNaN(last) || this.#stated[messageIndex]! > 0) return;
    this.#learn(messageIndex, nowMs - last);
  }

  #learn(i: number, intervalMs: number): void {
    if (intervalMs <= 0) return; // same timestamp: a batch, not a period
    const count = this.#intervals[i]!;
    const mean = this.#learned[i]!;
    if (count >= this.#learnIntervals && intervalMs > this.#factor * mean) return; // a dropout
    if (count < this.#learnIntervals) {
      this.#learned[i] = mean + (intervalMs - mean) / (count + 1);
      this.#intervals[i] = count + 1;
    } else {
      this.#learned[i] = mean + this.#smoothing * (intervalMs - mean);
    }
  }

  /**
   * The stated period (GenMsgCycleTime) in ms, else the learned one once `learnIntervals`
   * intervals have been seen, else null.
   * @throws DbcError `BAD_MESSAGE_INDEX` for an unknown index.
   */
  periodMs(messageIndex: number): number | null {
    assertMessageIndex(messageIndex, this.#lastSeen.length);
    const stated = this.#stated[messageIndex]!;
    if (stated > 0) return stated;
    return this.#intervals[messageIndex]! >= this.#learnIntervals ? this.#learned[messageIndex]! : null;
  }

  /**
   * True when message `messageIndex` never arrived, or when more than `factor` periods (and
   * at least `minTimeoutMs`) have passed since its last frame (using `fallbackPeriodMs` while
   * the period is unknown).
   * Allocates nothing.
   * @throws DbcError `BAD_MESSAGE_INDEX` for an unknown index.
   */
  isStale(messageIndex: number, nowMs: number): boolean {
    const period = this.periodMs(messageIndex) ?? this.#fallbackPeriodMs;
    const last = this.#lastSeen[messageIndex]!;
    return Number.isNaN(last) || nowMs - last > Math.max(this.#factor * period, this.#minTimeoutMs);
  }

  /** Indices of every stale message at `nowMs`, ascending (for tools; allocates). */
  staleMessages(nowMs: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.#lastSeen.length; i++) if (this.isStale(i, nowMs)) out.push(i);
    return out;
  }

  /** Forgets all arrivals (e.g. after link loss); learned periods are kept. */
  reset(): void {
    this.#lastSeen.fill(NaN);
  }
}
