import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { distanceM, Geofence } from './geofence.ts';

const HOME = { lat: 48.1771, lon: 11.5562 };
/** A point `m` metres north of home (1° of latitude is ~111.2 km). */
const north = (m: number): [number, number] => [HOME.lat + m / 111_195, HOME.lon];

test('distance: 1 km north is 1 km', () => {
  assert.ok(Math.abs(distanceM(HOME.lat, HOME.lon, ...north(1000)) - 1000) < 1);
});

test('the first fix only says where the car is; crossings beyond the hysteresis band are reported once', () => {
  const g = new Geofence({ ...HOME, radiusM: 150, hysteresisM: 100 });
  assert.is(g.update(...north(20)), null);
  assert.is(g.presence, 'inside');
  assert.is(g.update(...north(200)), null); // in the band: still inside
  assert.is(g.update(...north(140)), null);
  assert.is(g.update(...north(260)), 'left');
  assert.is(g.update(...north(400)), null);
  assert.is(g.update(...north(200)), null); // in the band: still outside
  assert.is(g.update(...north(149)), 'arrived');
  assert.is(g.update(...north(10)), null);
});

test('a first fix in the band decides nothing until the car is clearly in or out', () => {
  const g = new Geofence({ ...HOME, radiusM: 150, hysteresisM: 100 });
  assert.is(g.update(...north(200)), null);
  assert.is(g.presence, 'unknown');
  assert.is(g.update(...north(100)), null);
  assert.is(g.presence, 'inside');
});

test.run();
