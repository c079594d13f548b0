import { EventEmitter } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../log.ts';
import { NotificationCenter } from './hmi-alerts.ts';
import { HmiApps, type AppSurface, type AppSurfaceSource } from './hmi-apps.ts';

function setup(driving: boolean) {
  const source = Object.assign(new EventEmitter(), { templates: new Map([['early', { template: { kind: 'gauge', title: 'SoC', value: 40, min: 0, max: 100 }, timeMs: 1 }]]) }) as AppSurfaceSource;
  const center = new NotificationCenter(() => 5);
  const log = memoryLogger();
  const state = { driving, now: 1000 };
  const apps = new HmiApps(source, center, () => state.driving, log, () => state.now, (app, perm) => app === 'climate' && perm === 'actuator:Vehicle.Cabin.HVAC.IsAirConditioningActive');
  const surfaces: AppSurface[] = [];
  apps.on('surface', (s: AppSurface) => surfaces.push(s));
  return { source, center, log, state, apps, surfaces };
}

const list = (n: number) => ({ kind: 'list', title: 'Chargers', items: Array.from({ length: n }, (_, i) => ({ title: `c${i}` })) });

test('templates already rendered show at once; a list over the limit is cut while driving and the cut is logged', () => {
  const { source, log, apps, surfaces } = setup(true);
  assert.equal(apps.surfaces.map((s) => [s.appId, s.stack[0]!.kind]), [['early', 'gauge']]);
  source.emit('ui', 'finder', list(9));
  assert.is(surfaces.length, 1);
  const s = surfaces[0]!;
  assert.is(s.stack[0]!.kind === 'list' && s.stack[0]!.items.length, 6);
  assert.equal(s.cuts.map((c) => c.rule), ['LIST_ITEMS']);
  assert.equal(log.lines.filter((l) => l['msg'] === 'template cut while driving').map((l) => [l['app'], l['rule'], l['path']]), [['finder', 'LIST_ITEMS', '$[0].items[6..8]']]);
  apps.close();
});

test('a malformed template is refused with app and JSON path; the last good one stays', () => {
  const { source, log, apps } = setup(false);
  source.emit('ui', 'finder', list(2));
  source.emit('ui', 'finder', { kind: 'list', title: 'x', items: [{ title: 7 }] });
  assert.is(apps.surfaces.find((s) => s.appId === 'finder')!.stack[0]!.kind === 'list' && (apps.surfaces.find((s) => s.appId === 'finder')!.stack[0] as { items: unknown[] }).items.length, 2);
  const refused = log.lines.find((l) => l['msg'] === 'app template refused')!;
  assert.equal([refused['app'], refused['path'], refused['reason']], ['finder', '$.items[0].title', 'expected a non-empty string']);
  apps.close();
});

test('driving, a second render within 1 s is held; parking shows the full template again', () => {
  const { source, state, apps, surfaces } = setup(true);
  source.emit('ui', 'finder', list(9));
  state.now += 200;
  source.emit('ui', 'finder', list(10));
  assert.is(surfaces.length, 1, 'the second render waits for its second');
  state.driving = false;
  apps.restrictionChanged();
  const last = surfaces.at(-1)!;
  assert.is(last.stack[0]!.kind === 'list' && last.stack[0]!.items.length, 10, 'parked: the latest valid render, whole');
  assert.equal(last.cuts, []);
  apps.close();
});

test('a task stack from the app host: driving shows 5 deep (DEPTH cut logged); a bad template in it is refused at its index', () => {
  const { source, log, apps, surfaces } = setup(true);
  const stack = Array.from({ length: 7 }, (_, i) => ({ kind: 'tile', title: `Level ${i + 1}` }));
  source.emit('ui', 'deep', stack[6], stack);
  const s = surfaces.at(-1)!;
  assert.equal(s.stack.map((t) => t.title), ['Level 1', 'Level 2', 'Level 3', 'Level 4', 'Level 5']);
  assert.equal(s.cuts.map((c) => [c.rule, c.path]), [['DEPTH', '$[5..6]']]);
  assert.ok(log.lines.some((l) => l['msg'] === 'template cut while driving' && l['rule'] === 'DEPTH' && l['app'] === 'deep'));
  source.emit('ui', 'bad', { kind: 'tile', title: 'b' }, [{ kind: 'tile', title: 'a' }, { kind: 'tile', title: '' }]);
  const refused = log.lines.find((l) => l['msg'] === 'app template refused' && l['app'] === 'bad')!;
  assert.equal([refused['path'], refused['reason']], ['$[1].title', 'expected a non-empty string']);
  assert.not.ok(apps.surfaces.some((x) => x.appId === 'bad'));
  apps.close();
});

test('a control is shown only when bound to an action granted to the app', () => {
  const { source, log, apps } = setup(false);
  const control = (action: string) => ({ kind: 'control', title: 'A/C', control: { type: 'toggle', action, value: true } });
  source.emit('ui', 'climate', control('Vehicle.Cabin.HVAC.IsAirConditioningActive'));
  source.emit('ui', 'climate', control('Vehicle.Body.Trunk.Rear.IsOpen'));
  source.emit('ui', 'other', control('Vehicle.Cabin.HVAC.IsAirConditioningActive'));
  assert.equal(apps.surfaces.filter((s) => s.stack[0]!.kind === 'control').map((s) => s.appId), ['climate']);
  assert.equal(log.lines.filter((l) => l['msg'] === 'app template refused').map((l) => `${l['app']} ${l['path']}: ${l['reason']}`), [
    'climate $.control.action: Vehicle.Body.Trunk.Rear.IsOpen is not an action granted to the app',
    'other $.control.action: Vehicle.Cabin.HVAC.IsAirConditioningActive is not an action granted to the app',
  ]);
  apps.close();
});

test('app notifications go to the notification centre with their level', () => {
  const { source, center, apps } = setup(false);
  source.emit('notification', 'org.x', { title: 'Charge low', body: 'Battery at 14.9 %', level: 'warning' });
  source.emit('notification', 'org.y', { title: 'Hello' });
  assert.equal(center.history.map((n) => [n.source, n.severity, n.title, n.body]), [['org.x', 'warning', 'Charge low', 'Battery at 14.9 %'], ['org.y', 'info', 'Hello', '']]);
  apps.close();
  source.emit('notification', 'org.z', { title: 'after close' });
  assert.is(center.history.length, 2);
});

test.run();
