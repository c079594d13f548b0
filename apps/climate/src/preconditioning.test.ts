import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHARGE_FLOOR_PCT, parseRequest, refusal } from './preconditioning.ts';

test('arguments: defaults, bounds and what is wrong', () => {
  assert.equal(parseRequest({ on: true }), { on: true, targetC: 21, minutes: 15 });
  assert.equal(parseRequest({ on: false }), { on: false, targetC: 21, minutes: 15 });
  assert.is(parseRequest({}), 'precondition needs {"on": true|false}');
  assert.is(parseRequest({ on: true, targetC: 15.9 }), 'targetC must be 16..28 °C');
  assert.is(parseRequest({ on: true, targetC: 'warm' }), 'targetC must be 16..28 °C');
  assert.is(parseRequest({ on: true, minutes: 0 }), 'minutes must be more than 0 and at most 30');
  assert.is(parseRequest({ on: true, minutes: 31 }), 'minutes must be more than 0 and at most 30');
});

test('only parked (or off, or charging) and at or above the charge floor', () => {
  assert.is(refusal('parked', 80, CHARGE_FLOOR_PCT), null);
  assert.is(refusal('off', CHARGE_FLOOR_PCT, CHARGE_FLOOR_PCT), null);
  assert.is(refusal('charging', 50, CHARGE_FLOOR_PCT), null);
  assert.is(refusal('driving', 80, CHARGE_FLOOR_PCT)?.reason, 'NOT_PARKED');
  assert.is(refusal('unknown', 80, CHARGE_FLOOR_PCT)?.reason, 'NOT_PARKED');
  assert.is(refusal(null, 80, CHARGE_FLOOR_PCT)?.reason, 'NOT_PARKED');
  assert.is(refusal('parked', null, CHARGE_FLOOR_PCT)?.reason, 'CHARGE_UNKNOWN');
  assert.equal(refusal('parked', 19.9, CHARGE_FLOOR_PCT), { reason: 'BELOW_CHARGE_FLOOR', detail: 'charge 19.9 % is below the floor of 20 %' });
});

test.run();
