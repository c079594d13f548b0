import type { VssValue } from '../mapping/mapping.ts';
import { QUALITY_VALID, type SignalStore, type SignalUpdate } from '../signal-store/signal-store.ts';
import type { Category } from './categories.ts';
import type { ConsentStore } from './consent.ts';
import type { Sample } from './payload.ts';
import { DEFAULT_TELEMETRY_POLICY, ruleFor, type TelemetryRule, type TelemetryRuleEntry } from './telemetry-policy.ts';

export interface TelemetryOptions {
  store: SignalStore;
  /** Store number → VSS value for a path (enums to strings, booleans), or null when the path has no mapping. */
  toVss: (path: string) => ((n: number) => VssValue) | null;
  consent: ConsentStore;
  /** Receives one batch per category per window. */
  emit: (category: Category, samples: Sample[]) => void;
  policy?: readonly TelemetryRuleEntry[];
  /** Batching window (ms, default 1000). */
  batchMs?: number;
  /** A batch is sent early when it holds this many samples (default 500). */
  maxBatchSamples?: number;
}

/**
 * Turns signal-store updates into telemetry batches by the per-path policy: on-change
 * signals through store subscriptions grouped by (deadband, min interval) — the store keeps a
 * rate-limited value pending, so the last value is never lost — and interval signals sampled
 * by a timer. Only valid values of consented categories are taken; the rest is counted.
 */
export class TelemetryCollector {
  readonly counters = { samples: 0, withheld: 0, batches: 0 };
  private readonly rules: (TelemetryRule | null)[];
  private readonly convert: (((n: number) => VssValue) | null)[];
  private readonly buffers = new Map<Category, Sample[]>();
  private readonly stops: (() => void)[] = [];

  constructor(private readonly o: TelemetryOptions) {
    this.rules = o.store.paths.map((p) => ruleFor(p, o.policy ?? DEFAULT_TELEMETRY_POLICY));
    this.convert = o.store.paths.map((p) => o.toVss(p));
  }

  start(): void {
    const groups = new Map<string, number[]>();
    const periodic = new Map<number, number[]>();
    this.rules.forEach((r, i) => {
      if (!r || !this.convert[i]) return;
      if (r.onChange) {
        const key = `${r.deadband}|${r.minIntervalMs}`;
        groups.set(key, [...(groups.get(key) ?? []), i]);
      }
      if (r.intervalMs > 0) periodic.set(r.intervalMs, [...(periodic.get(r.intervalMs) ?? []), i]);
    });
    for (const [key, indices] of groups) {
      const [deadband, minIntervalMs] = key.split('|').map(Number) as [number, number];
      this.stops.push(this.o.store.subscribe(indices, { threshold: deadband, ...(minIntervalMs > 0 ? { maxRateHz: 1000 / minIntervalMs } : {}) }, (u) => this.onUpdates(u)));
    }
    for (const [every, indices] of periodic) {
      const t = setInterval(() => this.sample(indices), every);
      this.stops.push(() => clearInterval(t));
    }
    const flush = setInterval(() => this.flush(), this.o.batchMs ?? 1000);
    this.stops.push(() => clearInterval(flush));
  }

  /** Stops sampling and sends what is buffered. */
  stop(): void {
    for (const s of this.stops.splice(0)) s();
    this.flush();
  }

  private onUpdates(updates: SignalUpdate[]): void {
    for (const u of updates) if (u.quality === QUALITY_VALID) this.take(u.index, u.value, u.timeMs);
  }

  private sample(indices: number[]): void {
    const s = this.o.store;
    for (const i of indices) if (s.quality[i] === QUALITY_VALID) this.take(i, s.values[i]!, s.times[i]!);
  }

  private take(i: number, value: number, timeMs: number): void {
    const category = this.rules[i]!.category;
    if (!this.o.consent.allows(category)) {
      this.counters.withheld++;
      return;
    }
    let buf = this.buffers.get(category);
    if (!buf) this.buffers.set(category, (buf = []));
    buf.push({ path: this.o.store.paths[i]!, value: this.convert[i]!(value), timeMs });
    this.counters.samples++;
    if (buf.length >= (this.o.maxBatchSamples ?? 500)) this.flushCategory(category);
  }

  /** Sends every non-empty buffer as one batch per category. */
  flush(): void {
    for (const c of [...this.buffers.keys()]) this.flushCategory(c);
  }

  private flushCategory(c: Category): void {
    const buf = this.buffers.get(c);
    if (!buf || buf.length === 0) return;
    this.buffers.delete(c);
    this.counters.batches++;
    this.o.emit(c, buf);
  }

  /** Forgets buffered samples of categories whose consent was revoked; returns how many. */
  discard(categories: readonly Category[]): number {
    let n = 0;
    for (const c of categories) {
      n += this.buffers.get(c)?.length ?? 0;
      this.buffers.delete(c);
    }
    return n;
  }
}
