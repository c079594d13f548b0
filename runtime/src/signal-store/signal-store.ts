/**
 * The runtime's signal store: one slot per VSS leaf holding its latest value, timestamp and
 * quality in typed arrays (the decode loop writes numbers, never objects), a short history
 * ring per signal for plots, and subscriptions delivered in batches per tick.
 *
 * ```
 *   values[i]   Float64  latest value (booleans 0/1, strings as enum index; see the mapping)
 *   times[i]    Float64  when it was written (ms, wall clock)
 *   quality[i]  Uint8    QUALITY_*
 *   history     Float64  ring of (time, value) pairs per signal, `historyLength` deep
 * ```
 */

/** Never received since start. */
export const QUALITY_NONE = 0;
/** Received, in range, frame passed its checks. */
export const QUALITY_VALID = 1;
/** Its message stopped arriving (timeout from GenMsgCycleTime or learned rate). */
export const QUALITY_STALE = 2;
/** Its last frame failed checksum/counter checks, or the value had no mapping. */
export const QUALITY_INVALID = 3;
/** Outside the VSS range or the datatype's range. The value is kept but must not be trusted. */
export const QUALITY_OUT_OF_RANGE = 4;

export const QUALITY_NAMES = ['none', 'valid', 'stale', 'invalid', 'out_of_range'] as const;
export type QualityName = (typeof QUALITY_NAMES)[number];

/** One change delivered to a subscriber. */
export interface SignalUpdate {
  index: number;
  path: string;
  value: number;
  timeMs: number;
  quality: number;
}

export interface SubscribeOptions {
  /** Deliver a signal at most this often per second (default: every tick it changed). */
  maxRateHz?: number;
  /** Deliver a numeric change only when it moved by more than this since the last delivery. */
  threshold?: number;
}

interface Subscription {
  id: number;
  indices: Int32Array;
  minIntervalMs: number;
  threshold: number;
  lastSentMs: Float64Array;
  lastSentValue: Float64Array;
  lastSentQuality: Uint8Array;
  callback: (updates: SignalUpdate[]) => void;
}

export class SignalStore {
  readonly values: Float64Array;
  readonly times: Float64Array;
  readonly quality: Uint8Array;
  private readonly history: Float64Array;
  private readonly historyHead: Int32Array;
  private readonly historyCount: Int32Array;
  private readonly dirty: Uint8Array;
  private readonly dirtyList: Int32Array;
  private dirtyCount = 0;
  private readonly byPath = new Map<string, number>();
  private readonly subs = new Map<number, Subscription>();
  private readonly subsBySignal: Subscription[][];
  private nextSubId = 1;
  /** Earliest time (ms) a value held back by a rate limit may go out; Infinity when none is held. */
  nextDueMs = Infinity;

  constructor(
    readonly paths: readonly string[],
    readonly historyLength = 600,
  ) {
    const n = paths.length;
    this.values = new Float64Array(n).fill(NaN);
    this.times = new Float64Array(n);
    this.quality = new Uint8Array(n);
    this.history = new Float64Array(n * historyLength * 2);
    this.historyHead = new Int32Array(n);
    this.historyCount = new Int32Array(n);
    this.dirty = new Uint8Array(n);
    this.dirtyList = new Int32Array(n);
    this.subsBySignal = paths.map(() => []);
    paths.forEach((p, i) => this.byPath.set(p, i));
  }

  /** Slot of a VSS path, or -1. */
  index(path: string): number {
    return this.byPath.get(path) ?? -1;
  }

  /** Writes a value (hot path: no allocation). */
  write(i: number, value: number, timeMs: number, quality: number): void {
    this.values[i] = value;
    this.times[i] = timeMs;
    this.quality[i] = quality;
    const h = this.historyHead[i]!;
    const base = (i * this.historyLength + h) * 2;
    this.history[base] = timeMs;
    this.history[base + 1] = value;
    this.historyHead[i] = (h + 1) % this.historyLength;
    if (this.historyCount[i]! < this.historyLength) this.historyCount[i]!++;
    this.markDirty(i);
  }

  /** Changes only the quality (stale, invalid), keeping the value. */
  setQuality(i: number, quality: number): void {
    if (this.quality[i] === quality) return;
    this.quality[i] = quality;
    this.markDirty(i);
  }

  private markDirty(i: number): void {
    if (this.dirty[i] === 0 && this.subsBySignal[i]!.length > 0) {
      this.dirty[i] = 1;
      this.dirtyList[this.dirtyCount++] = i;
    }
  }

  /** History of one signal, oldest first, as [timeMs, value] pairs (allocates: for plots and APIs). */
  historyOf(i: number): [number, number][] {
    const out: [number, number][] = [];
    const count = this.historyCount[i]!;
    const start = (this.historyHead[i]! - count + this.historyLength) % this.historyLength;
    for (let k = 0; k < count; k++) {
      const base = (i * this.historyLength + ((start + k) % this.historyLength)) * 2;
      out.push([this.history[base]!, this.history[base + 1]!]);
    }
    return out;
  }

  /**
   * Subscribes to signals by slot. Updates arrive in one batch per `flush()` (per tick), limited
   * per signal by `maxRateHz` and `threshold`; a quality change is always delivered.
   * Returns the unsubscribe function.
   */
  subscribe(indices: readonly number[], opts: SubscribeOptions, callback: (updates: SignalUpdate[]) => void): () => void {
    const s = this.subscribeSlots(opts, callback);
    s.set(indices);
    return s.off;
  }

  /**
   * A subscription whose slots can change later: `set` replaces them, and a slot it keeps keeps
   * its rate and threshold state (a subscriber that gains a slot does not get the others early).
   */
  subscribeSlots(opts: SubscribeOptions, callback: (updates: SignalUpdate[]) => void): { set(indices: readonly number[]): void; off(): void } {
    const sub: Subscription = {
      id: this.nextSubId++,
      indices: new Int32Array(0),
      minIntervalMs: opts.maxRateHz ? 1000 / opts.maxRateHz : 0,
      threshold: opts.threshold ?? 0,
      lastSentMs: new Float64Array(0),
      lastSentValue: new Float64Array(0),
      lastSentQuality: new Uint8Array(0),
      callback,
    };
    this.subs.set(sub.id, sub);
    return {
      set: (indices) => this.retarget(sub, indices),
      off: () => {
        if (!this.subs.delete(sub.id)) return;
        this.retarget(sub, []);
      },
    };
  }

  private retarget(sub: Subscription, indices: readonly number[]): void {
    const old = new Map<number, number>();
    sub.indices.forEach((i, k) => old.set(i, k));
    const next = new Set(indices);
    const slots = [...next];
    const n = slots.length;
    const lastSentMs = new Float64Array(n).fill(-Infinity);
    const lastSentValue = new Float64Array(n).fill(NaN);
    const lastSentQuality = new Uint8Array(n);
    slots.forEach((i, k) => {
      const o = old.get(i);
      if (o === undefined) return;
      lastSentMs[k] = sub.lastSentMs[o]!;
      lastSentValue[k] = sub.lastSentValue[o]!;
      lastSentQuality[k] = sub.lastSentQuality[o]!;
    });
    for (const i of old.keys()) {
      if (next.has(i)) continue;
      const list = this.subsBySignal[i]!;
      list.splice(list.indexOf(sub), 1);
    }
    for (const i of next) if (!old.has(i)) this.subsBySignal[i]!.push(sub);
    sub.indices = Int32Array.from(slots);
    sub.lastSentMs = lastSentMs;
    sub.lastSentValue = lastSentValue;
    sub.lastSentQuality = lastSentQuality;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /**
   * Delivers pending changes to subscribers, one batch each. A signal held back by a rate limit
   * stays pending and goes out at a later flush, so the last value is never lost.
   */
  flush(nowMs: number): void {
    if (this.dirtyCount === 0) return;
    const batches = new Map<Subscription, SignalUpdate[]>();
    let keep = 0;
    this.nextDueMs = Infinity;
    for (let k = 0; k < this.dirtyCount; k++) {
      const i = this.dirtyList[k]!;
      let held = false;
      for (const sub of this.subsBySignal[i]!) {
        const at = sub.indices.indexOf(i);
        const value = this.values[i]!;
        const q = this.quality[i]!;
        const qualityChanged = q !== sub.lastSentQuality[at];
        if (!qualityChanged && Math.abs(value - sub.lastSentValue[at]!) <= sub.threshold) continue;
        if (!qualityChanged && nowMs - sub.lastSentMs[at]! < sub.minIntervalMs) {
          held = true;
          this.nextDueMs = Math.min(this.nextDueMs, sub.lastSentMs[at]! + sub.minIntervalMs);
          continue;
        }
        sub.lastSentMs[at] = nowMs;
        sub.lastSentValue[at] = value;
        sub.lastSentQuality[at] = q;
        let batch = batches.get(sub);
        if (!batch) batches.set(sub, (batch = []));
        batch.push({ index: i, path: this.paths[i]!, value, timeMs: this.times[i]!, quality: q });
      }
      if (held) this.dirtyList[keep++] = i;
      else this.dirty[i] = 0;
    }
    this.dirtyCount = keep;
    for (const [sub, batch] of batches) sub.callback(batch);
  }
}
