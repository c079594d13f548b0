import { randomBytes } from 'node:crypto';
import type { VssValue } from '../mapping/mapping.ts';

/** One telemetry sample: a VSS value at a time (ms since the epoch). */
export interface Sample {
  path: string;
  value: VssValue;
  timeMs: number;
}

/**
 * A telemetry batch on `vehicles/{id}/telemetry`, grouped by path, times relative to `t0`:
 *
 * ```json
 * {"mid":"lq2x0c-9f3a1b","cat":"energy","t0":1764619200000,
 *  "s":{"Vehicle.Powertrain.TractionBattery.StateOfCharge.Current":[0,14.2,1000,14.1],
 *       "Vehicle.Powertrain.Range":[40,61]}}
 * ```
 *
 * `s[path]` is a flat list of (ms after t0, value) pairs. Each path is written once per batch
 * and times are small integers, so a sample costs its value plus a few bytes; see
 * `scripts/bench-cloud.ts` for the figures against the alternatives (README "Cloud sync").
 */
export interface TelemetryBatch {
  mid: string;
  cat: string;
  t0: number;
  s: Record<string, (number | VssValue)[]>;
}

/** Builds the compact batch payload; samples may come in any order of paths, times ascending per path. */
export function telemetryBatch(mid: string, category: string, samples: readonly Sample[]): TelemetryBatch {
  let t0 = Infinity;
  for (const s of samples) t0 = Math.min(t0, Math.floor(s.timeMs));
  const out: TelemetryBatch = { mid, cat: category, t0: Number.isFinite(t0) ? t0 : 0, s: {} };
  for (const s of samples) {
    const list = (out.s[s.path] ??= []);
    list.push(Math.round(s.timeMs - out.t0), s.value);
  }
  return out;
}

/** Decodes a batch back into samples (the cloud side; tests and the CLI use it). */
export function samplesOf(batch: TelemetryBatch): Sample[] {
  const out: Sample[] = [];
  for (const [path, flat] of Object.entries(batch.s)) {
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ path, timeMs: batch.t0 + Number(flat[i]), value: flat[i + 1] as VssValue });
  }
  return out;
}

let midCounter = 0;
let midBoot: string | null = null;

/**
 * A message id unique across restarts: time in base 36, this process's random tag and a
 * counter. It is assigned once when a message enters the outbox, so every retransmission
 * carries the same id and the cloud can deduplicate.
 */
export function newMessageId(nowMs = Date.now()): string {
  midBoot ??= randomBytes(4).toString('hex');
  midCounter = (midCounter + 1) % 0x100000000;
  return `${nowMs.toString(36)}-${midBoot}-${midCounter.toString(36)}`;
}
