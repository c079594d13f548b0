import type { Place } from './geo.ts';

/** What the driver and the owner's phone can change; kept in the app's storage. */
export interface Settings {
  /** Alert when the state of charge falls below this (%). */
  thresholdPct: number;
  /** Share alerts with family through the cloud (explicit opt-in; off by default). */
  shareWithFamily: boolean;
  /** Where "the way home" ends. */
  home: Place;
  /** Chargers to suggest (a configured list; the owner's phone may send another). */
  chargers: Place[];
}

/** Threshold steps and bounds the tile's buttons move within (%). */
export const THRESHOLD_STEP_PCT = 5;
export const THRESHOLD_MIN_PCT = 5;
export const THRESHOLD_MAX_PCT = 50;

/**
 * Road distance is longer than the straight line: the way home needs the straight distance
 * times this, plus a reserve (m) so the car does not arrive empty.
 */
export const ROAD_FACTOR = 1.3;
export const RESERVE_M = 5_000;

/** The defaults: 15 %, no sharing, the demo car's home in Munich and public chargers near it. */
export const DEFAULTS: Settings = {
  thresholdPct: 15,
  shareWithFamily: false,
  home: { name: 'Home', lat: 48.1771, lon: 11.5562 },
  chargers: [
    { name: 'SWM Marienplatz', lat: 48.1372, lon: 11.5756 },
    { name: 'Ionity Fröttmaning', lat: 48.2125, lon: 11.6142 },
    { name: 'EnBW Schwabing Nord', lat: 48.1732, lon: 11.5855 },
    { name: 'Allego Olympiapark', lat: 48.1755, lon: 11.5518 },
    { name: 'Tesla Supercharger Munich Moosach', lat: 48.1806, lon: 11.5113 },
  ],
};

const isPlace = (p: unknown): p is Place => {
  const o = p as Place | null;
  return typeof o === 'object' && o !== null && typeof o.name === 'string' && Number.isFinite(o.lat) && Number.isFinite(o.lon) && Math.abs(o.lat) <= 90 && Math.abs(o.lon) <= 180;
};

/**
 * Applies a configuration message from the owner's phone (`{home?, chargers?, thresholdPct?}`)
 * to `s`. Returns the new settings, or a string saying what is wrong (nothing is applied then).
 */
export function applyConfig(s: Settings, msg: unknown): Settings | string {
  if (typeof msg !== 'object' || msg === null) return 'config must be a JSON object';
  const m = msg as Partial<Settings>;
  if (m.home !== undefined && !isPlace(m.home)) return 'home must be {name, lat, lon}';
  if (m.chargers !== undefined && (!Array.isArray(m.chargers) || m.chargers.length === 0 || !m.chargers.every(isPlace))) return 'chargers must be a non-empty list of {name, lat, lon}';
  if (m.thresholdPct !== undefined && !(Number.isFinite(m.thresholdPct) && m.thresholdPct >= THRESHOLD_MIN_PCT && m.thresholdPct <= THRESHOLD_MAX_PCT)) return `thresholdPct must be ${THRESHOLD_MIN_PCT}..${THRESHOLD_MAX_PCT}`;
  return { ...s, ...(m.home ? { home: m.home } : {}), ...(m.chargers ? { chargers: m.chargers } : {}), ...(m.thresholdPct !== undefined ? { thresholdPct: m.thresholdPct } : {}) };
}
