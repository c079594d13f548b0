import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClimateTwin, DEFAULT_CLIMATE_TARGET_C } from './climate-twin.ts';

test('a desired climate target becomes the setting; the same value again changes nothing', () => {
  const twin = new ClimateTwin();
  assert.is(twin.targetC, DEFAULT_CLIMATE_TARGET_C);
  assert.equal(twin.applyDesired({ climate: { targetC: 23.5 } }), { changed: true });
  assert.equal(twin.reported, { targetC: 23.5 });
  assert.equal(twin.applyDesired({ climate: { targetC: 23.5 } }), { changed: false });
  assert.equal(twin.applyDesired({ seats: { heat: 2 } }), { changed: false }, 'other sections are not the climate twin');
});

test('bad desired documents are refused with a reason and keep the setting', () => {
  const twin = new ClimateTwin();
  assert.equal(twin.applyDesired({ climate: { targetC: 45 } }), { changed: false, refused: 'climate.targetC must be a number from 16 to 30 °C, not 45' });
  assert.equal(twin.applyDesired({ climate: { targetC: '22' } }), { changed: false, refused: 'climate.targetC must be a number from 16 to 30 °C, not "22"' });
  assert.equal(twin.applyDesired({ climate: { fan: 100 } }), { changed: false, refused: 'climate has no setting "fan" (only targetC)' });
  assert.equal(twin.applyDesired({ climate: [] }), { changed: false, refused: 'climate must be an object such as {"targetC": 22}' });
  assert.is(twin.targetC, DEFAULT_CLIMATE_TARGET_C);
});

test.run();
