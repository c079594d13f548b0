import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAppServer, until, type AppServer } from './test/app-server.ts';
import type { AppHost } from './app-host.ts';

// A real sandboxed app rendering every kind the HMI draws besides tile/list/gauge/alert, through
// the shared validator (runtime/src/ui-templates), as a task stack.
const HVAC = 'Vehicle.Cabin.HVAC.IsAirConditioningActive';
const dir = mkdtempSync(join(tmpdir(), 'app-templates-'));
mkdirSync(join(dir, 'apps', 'panel', 'src'), { recursive: true });
writeFileSync(join(dir, 'apps', 'panel', 'app.json'), JSON.stringify({
  id: 'com.test.panel', name: 'Panel', version: '1.0.0', publisher: 'Test', entry: 'src/main.ts',
  permissions: { actuators: [HVAC], ui: ['grid', 'pane', 'status', 'control'] },
}));
writeFileSync(join(dir, 'apps', 'panel', 'src', 'main.ts'), `
import { ui } from '@headunit/sdk';
const tryUi = (f: () => void): void => { try { f(); } catch (e) { console.log('refused ' + (e as Error).message); } };
ui.onAction((a) => console.log('action ' + a.id));
ui.render({ kind: 'grid', title: 'Places', items: [{ title: 'Home', action: 'home' }, { title: 'Work', detail: 'Office' }] });
ui.push({ kind: 'pane', title: 'Home', rows: [{ label: 'Distance', value: '12 km' }], actions: [{ id: 'go', label: 'Go' }] });
ui.push({ kind: 'status', title: 'Car', items: [{ label: 'Doors', value: 'locked', level: 'info' }] });
ui.push({ kind: 'control', title: 'A/C', control: { type: 'toggle', action: '${HVAC}', value: false } });
tryUi(() => ui.push({ kind: 'grid', title: 'Bad', items: [{ title: 'ok' }, { title: 7 }] } as never));
tryUi(() => ui.push({ kind: 'list', title: 'Undeclared', items: [] }));
tryUi(() => ui.push({ kind: 'control', title: 'Trunk', control: { type: 'toggle', action: 'Vehicle.Body.Trunk.Rear.IsOpen', value: false } }));
console.log('done');
`);

let server: AppServer;
let host: AppHost;
let base = '';
test.before(async () => {
  server = await startAppServer(dir, { appsDir: join(dir, 'apps') });
  ({ host, base } = server);
});
test.after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const messages = (): string[] => host.logs('com.test.panel', 1000).map((l) => l.message);

test('a sandboxed app renders and pushes grid, pane, status and control; invalid ones are refused with the app id and JSON path', async () => {
  await until(() => messages().includes('done'));
  const t = host.templates.get('com.test.panel')!;
  assert.equal(t.stack.map((x) => x.kind), ['grid', 'pane', 'status', 'control']);
  assert.equal(t.template, { kind: 'control', title: 'A/C', control: { type: 'toggle', action: HVAC, value: false } });
  assert.equal(messages().filter((m) => m.startsWith('refused ')), [
    'refused ui.push: app com.test.panel: template $.items[1].title: expected a non-empty string',
    'refused ui.push: app com.test.panel: template $.kind: the app did not declare the list template in app.json permissions.ui',
    'refused ui.push: app com.test.panel: template $.control.action: Vehicle.Body.Trunk.Rear.IsOpen is not an actuator the app declared',
  ]);
});

test('a change on the control is asked of the action policy as the app, and recorded in its ledger', async () => {
  const post = async (body: object): Promise<{ status: number; d: Record<string, unknown> }> => {
    const res = await fetch(`${base}/api/apps/com.test.panel/ui-control`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, d: (await res.json()) as Record<string, unknown> };
  };
  const { status, d } = await post({ action: HVAC, value: true });
  assert.is(d['caller'], 'com.test.panel');
  assert.is(status, d['allowed'] ? 200 : 403);
  const rec = host.ledger('com.test.panel').filter((r) => r.kind === 'action').at(-1)!;
  assert.equal(rec.detail, { path: HVAC, value: true, allowed: d['allowed'], reason: d['reason'], detail: d['detail'] });
  const trunk = await post({ action: 'Vehicle.Body.Trunk.Rear.IsOpen', value: true });
  assert.equal([trunk.status, trunk.d['allowed'], trunk.d['reason']], [403, false, 'NO_CONTROL']);
  assert.is((await post({ action: HVAC })).status, 400);
});

test('the back control pops the task stack (never the bottom template) and tells the app', async () => {
  const pop = async (): Promise<{ status: number; depth: number }> => {
    const res = await fetch(`${base}/api/apps/com.test.panel/ui-pop`, { method: 'POST', body: '{}' });
    return { status: res.status, depth: ((await res.json()) as { depth: number }).depth };
  };
  assert.equal(await pop(), { status: 200, depth: 3 });
  assert.is(host.templates.get('com.test.panel')!.template.kind, 'status');
  await until(() => messages().includes('action $back'));
  assert.equal([await pop(), await pop()], [{ status: 200, depth: 2 }, { status: 200, depth: 1 }]);
  assert.equal(await pop(), { status: 409, depth: 1 });
  assert.is(host.templates.get('com.test.panel')!.template.kind, 'grid');
});

test.run();
