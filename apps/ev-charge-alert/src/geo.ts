/** A place on the map (degrees, WGS84). */
export interface Place {
  name: string;
  lat: number;
  lon: number;
}

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

/** The `count` places nearest to (lat, lon), nearest first, each with its distance (m). */
export function nearest(places: readonly Place[], lat: number, lon: number, count: number): (Place & { distanceM: number })[] {
  return places
    .map((p) => ({ ...p, distanceM: distanceM(lat, lon, p.lat, p.lon) }))
    .sort((a, b) => a.distanceM - b.distanceM)
    .slice(0, count);
}
