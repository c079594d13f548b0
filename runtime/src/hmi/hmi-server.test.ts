import { once } from 'node:events';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { HmiBuildError } from '../errors.ts';
import { QUALITY_STALE, QUALITY_VALID, SignalStore } from '../signal-store/signal-store.ts';
import { SCENARIOS, scenarioWindow, startHead, tempDir } from './browser-harness.ts';
import { LOW_BATTERY_PERCENT, NotificationCenter, watchLowBattery } from './hmi-alerts.ts';
import { buildHmiBundle, HMI_SOURCE_DIR } from './hmi-bundle.ts';
import type { ServerMessage } from './protocol.ts';

const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';

/** Polls a condition every 10 ms (a loaded machine delivers late, never early). */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('low battery: one critical alert when the valid charge falls below 15 %, again only after it was back above 16 %', () => {
  const store = new SignalStore([SOC, 'Vehicle.Powertrain.Range']);
  const center = new NotificationCenter(() => 1234);
  const raised: string[] = [];
  center.on('notify', (n) => raised.push(`${n.severity} ${n.title}: ${n.body}`));
  const stop = watchLowBattery(store, center);
  const soc = (v: number, q = QUALITY_VALID): void => {
    store.write(0, v, 0, q);
    store.flush(0);
  };
  store.write(1, 52_400, 0, QUALITY_VALID);
  for (const v of [17, 15.5, 15]) soc(v);
  assert.equal(raised, []);
  soc(14.9, QUALITY_STALE);
  assert.equal(raised, [], 'a stale reading does not alert');
  soc(14.9);
  assert.equal(raised, ['critical Battery low: Charge is 14.9 %. About 52 km left. Plan a charging stop.']);
  for (const v of [14.8, 15.2, 14.7, 16]) soc(v);
  assert.is(raised.length, 1, 'noise around 15 % alerts once');
  soc(16.5);
  soc(LOW_BATTERY_PERCENT - 0.5);
  assert.is(raised.length, 2, 're-armed above 16 %');
  assert.equal(center.history.map((n) => [n.id, n.timeMs]), [['hmi-1', 1234], ['hmi-2', 1234]]);
  stop();
});

test('low battery: silent when an app owns the alert (it reads the charge and may notify)', () => {
  const store = new SignalStore([SOC]);
  const center = new NotificationCenter();
  let owner: string | null = 'org.headunit.ev-charge-alert';
  const stop = watchLowBattery(store, center, () => owner);
  const soc = (v: number): void => {
    store.write(0, v, 0, QUALITY_VALID);
    store.flush(0);
  };
  soc(15.5);
  soc(14.9);
  assert.is(center.history.length, 0);
  owner = null;
  soc(17);
  soc(14.5);
  assert.equal(center.history.map((n) => n.title), ['Battery low'], 'with no such app the head unit warns itself');
  stop();
});

test('the bundle is cached by source hash: same sources load from the cache, a changed source rebuilds, a syntax error names file:line:col', async () => {
  const t = tempDir('hmi-bundle-');
  try {
    const src = join(t.dir, 'src');
    cpSync(HMI_SOURCE_DIR, src, { recursive: true, filter: (f) => !f.endsWith('.test.ts') });
    const cache = join(t.dir, 'cache');
    const first = await buildHmiBundle({ sourceDir: src, cacheDir: cache });
    assert.is(first.cached, false);
    assert.ok(first.js.length > 10_000 && first.css.length > 1000);
    assert.match(first.js.toString(), /hmi\/ws/);
    const again = await buildHmiBundle({ sourceDir: src, cacheDir: cache });
    assert.equal([again.cached, again.hash, again.js.equals(first.js)], [true, first.hash, true]);
    writeFileSync(join(src, 'ui', 'styles.css'), '\n.extra { color: red; }', { flag: 'a' });
    const changed = await buildHmiBundle({ sourceDir: src, cacheDir: cache });
    assert.equal([changed.cached, changed.hash === first.hash], [false, false]);
    assert.equal(readdirSync(cache).sort(), [`${changed.hash}.css`, `${changed.hash}.js`, `${first.hash}.css`, `${first.hash}.js`].sort());
    mkdirSync(join(src, 'ui'), { recursive: true });
    writeFileSync(join(src, 'ui', 'main.tsx'), "import './styles.css';\nconst x = ;\n");
    const err = await buildHmiBundle({ sourceDir: src, cacheDir: cache }).catch((e: unknown) => e);
    assert.instance(err, HmiBuildError);
    assert.equal([(err as HmiBuildError).line, (err as HmiBuildError).column], [2, 11]);
    assert.match((err as Error).message, /main\.tsx:2:11: Unexpected ";"$/);
  } finally {
    t.remove();
  }
});

test('serving: page and bundle over HTTP; a screen gets hello, its signals at <= 10 batches/s, and the policy decisions', async () => {
  const t = tempDir('hmi-server-');
  const bundle = await buildHmiBundle({ cacheDir: join(t.dir, 'cache') });
  // Minute 4:10 of the commute at 30x: every drive signal changes far more often than 10/s.
  const head = await startHead(scenarioWindow(join(SCENARIOS, 'ev-commute-low-charge.json'), t.dir, 250, 600, 30), { loop: false, bundle });
  const ws = new WebSocket(`${head.base.replace('http', 'ws')}/hmi/ws`);
  const opened = once(ws, 'open');
  const got: { at: number; msg: ServerMessage }[] = [];
  ws.on('message', (d) => got.push({ at: Date.now(), msg: JSON.parse(String(d)) as ServerMessage }));
  try {
    const page = await fetch(head.base + '/');
    assert.is(page.status, 200);
    assert.match(await page.text(), new RegExp(`<script type="module" src="/hmi/app.js\\?v=${bundle.hash}">`));
    const js = await fetch(head.base + '/hmi/app.js');
    assert.equal([js.status, js.headers.get('content-type'), js.headers.get('etag')], [200, 'text/javascript; charset=utf-8', `"${bundle.hash}"`]);
    assert.is((await js.arrayBuffer()).byteLength, bundle.js.length);
    assert.is((await fetch(head.base + '/hmi/app.js', { headers: { 'if-none-match': `"${bundle.hash}"` } })).status, 304);
    assert.is((await fetch(head.base + '/nothing')).status, 404);
    const stray = new WebSocket(`${head.base.replace('http', 'ws')}/elsewhere`);
    const [strayErr] = (await once(stray, 'error')) as [Error];
    assert.match(strayErr.message, /socket hang up/);

    await opened;
    await until(() => got.length > 0);
    const hello = got[0]!.msg;
    assert.ok(hello.t === 'hello' && hello.catalogue.length === head.rt.store.paths.length && hello.maxRateHz === 10);
    ws.send(JSON.stringify({ t: 'sub', paths: head.rt.store.paths }));
    ws.send('not json');
    await new Promise((r) => setTimeout(r, 2100));
    const sigs = got.filter((g) => g.msg.t === 'sig');
    // The first batch answers the subscription with every current value; then changes only.
    assert.is(sigs[0]!.msg.t === 'sig' && sigs[0]!.msg.u.length, head.rt.store.paths.length);
    const live = sigs.slice(1);
    assert.ok(live.length >= 10 && live.length <= 21, `${live.length} batches in 2 s`);
    const speeds = live.flatMap((g) => (g.msg.t === 'sig' ? g.msg.u.filter((u) => u[0] === 'Vehicle.Speed') : []));
    assert.ok(speeds.length >= 10 && speeds.every((u) => typeof u[1] === 'number' && u[2] === 'valid'), `${speeds.length} speed updates`);
    assert.ok(got.some((g) => g.msg.t === 'error' && g.msg.message === 'not JSON: not json'));

    const res = await fetch(head.base + '/api/actuators/Vehicle.Body.Trunk.Rear.IsOpen', { method: 'POST', body: '{"value":true}' });
    assert.is(res.status, 403);
    await until(() => got.some((g) => g.msg.t === 'decision'));
    const d = got.find((g) => g.msg.t === 'decision')?.msg;
    assert.ok(d?.t === 'decision' && d.d.caller === 'hmi' && d.d.allowed === false && d.d.reason === 'VEHICLE_STATE');
  } finally {
    ws.close();
    await head.stop();
    t.remove();
  }
  assert.is(head.hmi.sessionCount, 0);
});

test.run();
