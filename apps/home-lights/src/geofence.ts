/** Mean Earth radius (m). */
const EARTH_RADIUS_M = 6_371_000;
const RAD = Math.PI / 180;

/** Great-circle distance between two points (m), haversine formula. */
export function distanceM(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const dLat = (bLat - aLat) * RAD;
  const dLon = (bLon - aLon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * RAD) * Math.cos(bLat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A circle around home: inside within `radiusM`, outside beyond `radiusM + hysteresisM`. */
export interface Fence {
  lat: number;
  lon: number;
  radiusM: number;
  /** The band between inside and outside where nothing changes (GNSS jitter must not flicker the lights). */
  hysteresisM: number;
}

/** Where the car is with respect to the fence; `unknown` before the first fix. */
export type Presence = 'inside' | 'outside' | 'unknown';

/**
 * Tracks the car against a geofence. `update` returns `arrived` or `left` on a crossing, null
 * otherwise. The first fix only sets where the car is: starting the car at home is not arriving.
 */
export class Geofence {
  presence: Presence = 'unknown';

  constructor(public fence: Fence) {}

  update(lat: number, lon: number): 'arrived' | 'left' | null {
    const d = distanceM(lat, lon, this.fence.lat, this.fence.lon);
    const now: Presence | null = d <= this.fence.radiusM ? 'inside' : d > this.fence.radiusM + this.fence.hysteresisM ? 'outside' : null;
    if (now === null || now === this.presence) return null;
    const before = this.presence;
    this.presence = now;
    if (before === 'unknown') return null;
    return now === 'inside' ? 'arrived' : 'left';
  }
}
