import type { Category } from './categories.ts';

/**
 * How one VSS signal goes to the cloud. A signal is sent on change (beyond `deadband`, at most
 * every `minIntervalMs`), or sampled every `intervalMs` whether it changed or not, or both.
 */
export interface TelemetryRule {
  category: Category;
  /** Send when the value changes by more than `deadband` (default true). */
  onChange: boolean;
  /** Smallest change worth sending (numbers; in the signal's VSS unit). */
  deadband: number;
  /** At most one change every this many ms (0 = every change). */
  minIntervalMs: number;
  /** Also sample the current value every this many ms (0 = never). */
  intervalMs: number;
}

/** A rule for every path under `prefix` (the longest matching prefix wins). */
export interface TelemetryRuleEntry extends Partial<Omit<TelemetryRule, 'category'>> {
  prefix: string;
  category: Category;
}

/**
 * The default policy for the demo car's signals. Chosen so that a parked car sends almost
 * nothing and a driving one about one sample per signal per second: location every 5 s
 * (~10 m at 10 km/h below the deadband), speed at most 1 Hz beyond 1 km/h, energy changes
 * beyond 0.1 % / 1 km, cabin and body changes as they happen.
 */
export const DEFAULT_TELEMETRY_POLICY: TelemetryRuleEntry[] = [
  { prefix: 'Vehicle.CurrentLocation', category: 'location', onChange: false, intervalMs: 5000 },
  { prefix: 'Vehicle.Speed', category: 'driving', deadband: 1, minIntervalMs: 1000 },
  { prefix: 'Vehicle.Chassis', category: 'driving', deadband: 5, minIntervalMs: 1000 },
  { prefix: 'Vehicle.Powertrain.Transmission', category: 'driving' },
  { prefix: 'Vehicle.TraveledDistanceSinceStart', category: 'driving', deadband: 0.5, minIntervalMs: 10000 },
  { prefix: 'Vehicle.Powertrain', category: 'energy', deadband: 0.1, minIntervalMs: 1000 },
  { prefix: 'Vehicle.Powertrain.Range', category: 'energy', deadband: 1, minIntervalMs: 5000 },
  { prefix: 'Vehicle.Powertrain.TractionBattery.CurrentCurrent', category: 'energy', deadband: 2, minIntervalMs: 5000 },
  { prefix: 'Vehicle.Powertrain.TractionBattery.CurrentVoltage', category: 'energy', deadband: 2, minIntervalMs: 5000 },
  { prefix: 'Vehicle.Cabin', category: 'cabin', deadband: 0.5, minIntervalMs: 1000 },
  { prefix: 'Vehicle.Body', category: 'cabin' },
  { prefix: 'Vehicle.Exterior', category: 'diagnostics', deadband: 0.5, minIntervalMs: 60000 },
  { prefix: 'Vehicle.LowVoltageSystemState', category: 'diagnostics' },
  { prefix: 'Vehicle.TraveledDistance', category: 'diagnostics', deadband: 1, minIntervalMs: 60000 },
  { prefix: 'Vehicle', category: 'diagnostics', deadband: 0, minIntervalMs: 5000 },
];

/** The rule for one path: the entry with the longest matching prefix, defaults filled in. */
export function ruleFor(path: string, policy: readonly TelemetryRuleEntry[] = DEFAULT_TELEMETRY_POLICY): TelemetryRule | null {
  let best: TelemetryRuleEntry | null = null;
  for (const e of policy) {
    const match = path === e.prefix || path.startsWith(e.prefix + '.');
    if (match && (!best || e.prefix.length > best.prefix.length)) best = e;
  }
  if (!best) return null;
  return {
    category: best.category,
    onChange: best.onChange ?? true,
    deadband: best.deadband ?? 0,
    minIntervalMs: best.minIntervalMs ?? 0,
    intervalMs: best.intervalMs ?? 0,
  };
}
