import { dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { SimError } from '../errors.ts';

/** A keyframe: time in seconds from the start, and the value from then on (numbers ramp linearly to the next keyframe; names, flags and enumerations hold). */
export type Keyframe = [number, number | string];

/**
 * A synthetic drive: values of DBC signals over time, encoded into frames at each message's
 * cycle time. File format (JSON):
 *
 * ```json
 * { "name": "EV commute", "dbc": "../../dbc/vehicles/demo-ev.dbc", "checksum": "toyota",
 *   "durationS": 600, "bus": "pt",
 *   "tracks": { "VCU_Drive.VehicleSpeed": [[0, 0], [30, 50], [300, 50]], "VCU_Drive.Gear": [[0, "P"], [5, "D"]] } }
 * ```
 * Signals without a track send their GenSigStartValue (or 0).
 */
export interface Scenario {
  file: string;
  name: string;
  description: string;
  dbcFile: string;
  checksum: string;
  bus: string;
  durationS: number;
  tracks: Map<string, Keyframe[]>;
}

function fail(file: string, path: string, reason: string): never {
  throw new SimError(`${file}: ${path}: ${reason}`, 'SCENARIO');
}

/** @throws SimError `SCENARIO` naming the file and the JSON path of the problem. */
export function loadScenario(file: string): Scenario {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    fail(file, '$', `cannot read scenario: ${(err as Error).message}`);
  }
  const str = (k: string, d?: string): string => {
    const v = doc[k] ?? d;
    if (typeof v !== 'string' || v === '') fail(file, `$.${k}`, 'expected a non-empty string');
    return v;
  };
  const durationS = doc['durationS'];
  if (typeof durationS !== 'number' || !(durationS > 0)) fail(file, '$.durationS', 'expected a positive number of seconds');
  const rawTracks = doc['tracks'];
  if (typeof rawTracks !== 'object' || rawTracks === null) fail(file, '$.tracks', 'expected an object of SIGNAL: [[t, value], ...]');
  const tracks = new Map<string, Keyframe[]>();
  for (const [k, v] of Object.entries(rawTracks)) {
    if (!Array.isArray(v) || v.length === 0) fail(file, `$.tracks["${k}"]`, 'expected a non-empty array of [seconds, value]');
    let last = -Infinity;
    const frames = v.map((kf: unknown, i: number): Keyframe => {
      if (!Array.isArray(kf) || kf.length !== 2 || typeof kf[0] !== 'number' || (typeof kf[1] !== 'number' && typeof kf[1] !== 'string')) {
        fail(file, `$.tracks["${k}"][${i}]`, 'expected [seconds, number or choice name]');
      }
      if (kf[0] < last) fail(file, `$.tracks["${k}"][${i}]`, 'keyframe times must not go back');
      last = kf[0];
      return [kf[0], kf[1]];
    });
    tracks.set(k, frames);
  }
  return {
    file,
    name: str('name'),
    description: typeof doc['description'] === 'string' ? doc['description'] : '',
    dbcFile: resolve(dirname(file), str('dbc')),
    checksum: str('checksum', 'none'),
    bus: str('bus', 'can0'),
    durationS,
    tracks,
  };
}

/**
 * The value of a track at time `t` seconds: linear between numeric keyframes, held otherwise
 * (and always held when `step`, as for flags and enumerations).
 */
export function valueAt(track: Keyframe[], t: number, step = false): number | string {
  let i = 0;
  while (i + 1 < track.length && track[i + 1]![0] <= t) i++;
  const [t0, v0] = track[i]!;
  const next = track[i + 1];
  if (step || !next || t < t0 || typeof v0 !== 'number' || typeof next[1] !== 'number') return v0;
  const [t1, v1] = next;
  return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}
