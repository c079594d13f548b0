import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../errors.ts';
import { DRIVING_LIMITS, limitStack, limitTemplate, RefreshLimiter } from './template-limits.ts';
import type { Template } from './template-types.ts';
import { validateTemplate } from './template-validate.ts';

const items = (n: number, detail?: string): { title: string; detail?: string }[] =>
  Array.from({ length: n }, (_, i) => ({ title: `Station ${i + 1}`, ...(detail !== undefined ? { detail } : {}) }));

function errorOf(value: unknown): string {
  try {
    validateTemplate('charging-finder', value);
  } catch (e) {
    assert.instance(e, TemplateError);
    return (e as Error).message;
  }
  return 'no error';
}

test('validation accepts every kind and returns a clean copy', () => {
  const all: Template[] = [
    { kind: 'list', title: 'Chargers', items: items(3, 'CCS 150 kW'), input: { id: 'q', placeholder: 'Search' } },
    { kind: 'grid', title: 'Apps', items: items(2) },
    { kind: 'pane', title: 'Trip', rows: [{ label: 'Distance', value: '9.4 km' }], actions: [{ id: 'reset', label: 'Reset' }] },
    { kind: 'alert', title: 'Battery low', body: 'Charge soon', level: 'critical' },
    { kind: 'tile', title: 'Weather', value: '11', unit: '°C' },
    { kind: 'control', title: 'A/C', control: { type: 'toggle', action: 'Vehicle.Cabin.HVAC.IsAirConditioningActive', value: true } },
    { kind: 'control', title: 'Fan', control: { type: 'slider', action: 'Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed', value: 40, min: 0, max: 100, step: 10 } },
    { kind: 'gauge', title: 'Charge', value: 14.9, min: 0, max: 100, unit: '%' },
    { kind: 'status', title: 'Car', items: [{ label: 'Doors', value: 'locked', level: 'info' }] },
  ];
  for (const t of all) assert.equal(validateTemplate('a', JSON.parse(JSON.stringify(t))), t);
});

test('a malformed template is a TemplateError naming the app and the JSON path', () => {
  assert.is(errorOf({ kind: 'carousel' }), 'app charging-finder: template $.kind: expected one of list, grid, pane, alert, tile, control, gauge, status');
  assert.is(errorOf({ kind: 'list', title: 'x', items: [{ title: 'a' }, { title: '' }] }), 'app charging-finder: template $.items[1].title: expected a non-empty string');
  assert.is(errorOf({ kind: 'list', title: 'x', items: [], script: 'alert(1)' }), 'app charging-finder: template $.script: unknown field (expected kind, title, items, input)');
  assert.is(errorOf({ kind: 'gauge', title: 'g', value: 1, min: 5, max: 5 }), 'app charging-finder: template $.max: must be above min');
  assert.is(errorOf({ kind: 'control', title: 'c', control: { type: 'slider', action: 'x', value: 120, min: 0, max: 100, step: 1 } }), 'app charging-finder: template $.control.value: 120 is outside [0, 100]');
  assert.is(errorOf({ kind: 'alert', title: 't', body: 'b', level: 'panic' }), 'app charging-finder: template $.level: expected info, warning or critical');
  assert.is(errorOf({ kind: 'list', title: 'x'.repeat(61), items: [] }), 'app charging-finder: template $.title: 61 characters; at most 60');
  assert.is(errorOf(null), 'app charging-finder: template $.kind: expected one of list, grid, pane, alert, tile, control, gauge, status');
});

test('parked, a template passes unchanged; driving, lists keep 6 items and the cut is reported', () => {
  const list = validateTemplate('finder', { kind: 'list', title: 'Chargers', items: items(11) });
  assert.equal(limitTemplate('finder', list, false), { value: list, cuts: [] });
  const r = limitTemplate('finder', list, true);
  assert.is(r.value.kind === 'list' && r.value.items.length, DRIVING_LIMITS.listItems);
  assert.equal(r.value.kind === 'list' && r.value.items.map((i) => i.title), items(6).map((i) => i.title));
  assert.equal(r.cuts, [{ appId: 'finder', rule: 'LIST_ITEMS', path: '$.items[6..10]', detail: '11 items; 6 shown while driving' }]);
  assert.equal(limitTemplate('finder', validateTemplate('finder', { kind: 'list', title: 'C', items: items(6) }), true).cuts, []);
});

test('driving, secondary text keeps 2 lines (by newline or by width), and text input is removed', () => {
  const long = 'x'.repeat(DRIVING_LIMITS.lineChars * 2 + 5);
  const list = validateTemplate('finder', {
    kind: 'list', title: 'C', input: { id: 'q' },
    items: [{ title: 'a', detail: 'one\ntwo\nthree' }, { title: 'b', detail: long }, { title: 'c', detail: 'one\ntwo' }],
  });
  const r = limitTemplate('finder', list, true);
  assert.ok(r.value.kind === 'list');
  if (r.value.kind !== 'list') return;
  assert.is(r.value.input, undefined);
  assert.equal(r.value.items.map((i) => i.detail), ['one\ntwo…', 'x'.repeat(DRIVING_LIMITS.lineChars * 2) + '…', 'one\ntwo']);
  assert.equal(r.cuts.map((c) => `${c.rule} ${c.path}`), ['SECONDARY_LINES $.items[0].detail', 'SECONDARY_LINES $.items[1].detail', 'TEXT_INPUT $.input']);
});

test('driving, panes and status keep 6 rows; grids 6 items; gauges, alerts and controls pass', () => {
  const pane = validateTemplate('trip', { kind: 'pane', title: 'T', rows: Array.from({ length: 9 }, (_, i) => ({ label: `r${i}`, value: 'v' })), input: { id: 'n' } });
  const r = limitTemplate('trip', pane, true);
  assert.is(r.value.kind === 'pane' && r.value.rows.length, 6);
  assert.equal(r.cuts.map((c) => c.rule), ['LIST_ITEMS', 'TEXT_INPUT']);
  const grid = limitTemplate('g', validateTemplate('g', { kind: 'grid', title: 'G', items: items(8) }), true);
  assert.is(grid.value.kind === 'grid' && grid.value.items.length, 6);
  const gauge = validateTemplate('g', { kind: 'gauge', title: 'G', value: 1, min: 0, max: 2 });
  assert.equal(limitTemplate('g', gauge, true), { value: gauge, cuts: [] });
});

test('driving, a task keeps at most 5 templates in its stack', () => {
  const stack = Array.from({ length: 7 }, (_, i) => validateTemplate('nav', { kind: 'list', title: `level ${i}`, items: items(8) }));
  const parked = limitStack('nav', stack, false);
  assert.is(parked.value.length, 7);
  assert.equal(parked.cuts, []);
  const r = limitStack('nav', stack, true);
  assert.equal(r.value.map((t) => t.title), ['level 0', 'level 1', 'level 2', 'level 3', 'level 4']);
  assert.equal(r.cuts[0], { appId: 'nav', rule: 'DEPTH', path: '$[5..6]', detail: '7 templates deep; 5 allowed while driving' });
  assert.equal(r.cuts.slice(1).map((c) => c.path), ['$[0].items[6..7]', '$[1].items[6..7]', '$[2].items[6..7]', '$[3].items[6..7]', '$[4].items[6..7]']);
});

test('driving, an app refreshes at most once a second: renders in between are held, the latest wins, the replaced ones are cut', () => {
  let now = 10_000;
  const lim = new RefreshLimiter<string>(() => now);
  assert.equal(lim.offer('clock', 'r1', true), { value: 'r1', cuts: [] });
  now += 300;
  assert.is(lim.offer('clock', 'r2', true), null);
  now += 300;
  assert.is(lim.offer('clock', 'r3', true), null);
  assert.is(lim.offer('other', 'o1', true)?.value, 'o1', 'the limit is per app');
  assert.is(lim.nextDueMs(), 11_000);
  now = 10_999;
  assert.equal(lim.due(), []);
  now = 11_000;
  const out = lim.due();
  assert.equal(out.map((o) => o.value), ['r3']);
  assert.is(out[0]!.cuts[0]!.rule, 'REFRESH');
  assert.match(out[0]!.cuts[0]!.detail, /^1 render\(s\) within 1 s replaced/);
  assert.is(lim.nextDueMs(), null);
  now += 10;
  assert.equal(lim.offer('clock', 'parked', false), { value: 'parked', cuts: [] }, 'parked, every render passes');
});

test.run();
