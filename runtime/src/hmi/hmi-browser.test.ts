/**
 * The HMI in a real Chromium (Debian's /usr/bin/chromium via playwright-core) against runtimes
 * started in-process on port 0, each replaying a window of the shipped EV commute scenario:
 * parked at the start of the drive, then minute 5 onwards at 30x while driving, when the charge
 * crosses 15 %. Screenshots of each screen go to .hmi-screenshots/ for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, WebSocket } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packHua } from '../app-host/package/hua.ts';
import { generateSigningKey, loadPrivateKey } from '../app-host/package/signing.ts';
import { launchChromium, SCENARIOS, scenarioWindow, startHead, tempDir, type RunningHead } from './browser-harness.ts';
import { buildHmiBundle, type HmiBundle } from './hmi-bundle.ts';

const SHOTS = fileURLToPath(new URL('../../../.hmi-screenshots/', import.meta.url));
const COMMUTE = join(SCENARIOS, 'ev-commute-low-charge.json');
const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';
const STATIONS = 'org.headunit.test.stations';
const ALERT_APP = 'org.headunit.ev-charge-alert';
const DEEP = 'org.headunit.test.deep';

let bundle: HmiBundle;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let tmp: ReturnType<typeof tempDir>;
const figures: Record<string, string> = {};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from our own API
const api = async (head: RunningHead, path: string): Promise<any> => (await fetch(head.base + path)).json();
/** A screenshot for review, once the colour transitions of a tap (parked only) have finished. */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => Promise.allSettled(document.getAnimations().map((a) => a.finished)));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}
/** Polls an async condition every 100 ms. */
async function until(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const text = (page: Page, testId: string): Promise<string> => page.getByTestId(testId).innerText();

/** Every visible button, switch and text field on the page is at least 48 x 48 CSS px. */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, input, [role=switch]')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0 && (r.width < 48 || r.height < 48))
      .map(({ el, r }) => `${el.outerHTML.slice(0, 60)} ${r.width}x${r.height}`),
  );
}

/**
 * Contrast ratio (WCAG) of the page's text colour on its background. A string, not a function:
 * tsx would wrap a function's inner helpers in `__name`, which the page does not have.
 */
const contrast = (page: Page): Promise<number> =>
  page.evaluate(`(() => {
    const lum = (c) => {
      const [r, g, b] = (c.match(/[0-9.]+/g) || []).slice(0, 3).map((v) => Number(v) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const st = getComputedStyle(document.body);
    const a = lum(st.color), b = lum(st.backgroundColor);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  })()`);

/** The current screen shows whole, without scrolling. */
const fits = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const main = document.querySelector('main')!;
    return main.scrollHeight <= main.clientHeight && main.scrollWidth <= main.clientWidth && document.documentElement.scrollWidth <= innerWidth;
  });

/**
 * Settings, parked: a self-signed .hua picked with developer mode off is refused (UNTRUSTED_PUBLISHER);
 * with the switch on it installs, warns, shows its permissions and runs.
 */
async function sideloadStep(page: Page, head: RunningHead): Promise<void> {
  generateSigningKey(join(tmp.dir, 'sideload.key'));
  const manifest = { id: 'com.test.sideloaded', name: 'Sideloaded', version: '1.0.0', publisher: 'Test', entry: 'src/main.ts', permissions: { ui: ['tile'] } };
  const hua = packHua(manifest.id, manifest.version, new Map([['app.json', Buffer.from(JSON.stringify(manifest))], ['app.js', Buffer.from("console.log('sideloaded running');")]]), loadPrivateKey(join(tmp.dir, 'sideload.key')));
  const file = { name: 'sideloaded.hua', mimeType: 'application/octet-stream', buffer: hua };
  await page.getByTestId('sideload-file').setInputFiles(file);
  assert.match(await text(page, 'sideload-error'), /^UNTRUSTED_PUBLISHER: /);
  await page.getByTestId('developer-mode').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=developer-mode]')!.getAttribute('aria-checked') === 'true');
  await page.getByTestId('sideload-file').setInputFiles(file);
  await page.getByTestId('sideload-result').waitFor();
  assert.is(await page.getByTestId('sideload-result').getAttribute('data-app-id'), manifest.id);
  assert.match(await text(page, 'sideload-warning'), /DEVELOPER MODE/);
  assert.is(await page.getByTestId('sideload-error').count(), 0);
  assert.ok((await api(head, '/api/apps')).some((a: { id: string }) => a.id === manifest.id));
  await until(async () => head.apps!.logs(manifest.id, 50).some((l) => l.message === 'sideloaded running'), 5000, 'the sideloaded app runs');
  await shot(page, '04a-settings-sideloaded');
}

/** Waits until the screen is unrestricted (parked, or off, or charging). */
const parked = (page: Page): Promise<unknown> => page.waitForFunction(() => document.documentElement.dataset['ux'] === 'none');

/** The transition duration of the first button: motion is off while driving. */
const buttonTransition = (page: Page): Promise<string> => page.evaluate(() => getComputedStyle(document.querySelector('.rail-button')!).transitionDuration);

test.before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  tmp = tempDir('hmi-browser-');
  bundle = await buildHmiBundle({ cacheDir: join(tmp.dir, 'cache') });
  figures['bundle'] = `${(bundle.js.length / 1024).toFixed(1)} KiB js + ${(bundle.css.length / 1024).toFixed(1)} KiB css, built in ${bundle.buildMs.toFixed(0)} ms`;
  chromium = await launchChromium();
});

test.after(async () => {
  await chromium?.close();
  tmp?.remove();
  console.log('hmi figures:', JSON.stringify(figures));
});

test('parked: home shows the decoded speed; the trunk toggle is allowed; signals view, search and plots', async () => {
  const head = await startHead(scenarioWindow(COMMUTE, tmp.dir, 0, 8, 1), { loop: true, bundle, dataDir: join(tmp.dir, 'parked-data'), apps: ['ev-charge-alert', 'stations'] });
  const page = await chromium.context.newPage();
  try {
    const t0 = Date.now();
    await page.goto(head.base + '/');
    await page.waitForFunction(() => document.querySelector('[data-testid=speed]')?.textContent !== '—');
    const shownMs = Date.now() - t0;
    // The paint entry can be posted a little after the paint itself on a loaded machine.
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 5000 }).catch(() => undefined);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    figures['first contentful paint'] = `${fcp.toFixed(0)} ms`;
    figures['speed shown after goto'] = `${shownMs} ms`;
    assert.ok(fcp > 0, 'a first contentful paint was recorded');
    const signals = await api(head, '/api/signals');
    assert.is(await text(page, 'speed'), String(Math.round(signals['Vehicle.Speed'].value)));
    assert.is(await text(page, 'gear'), 'P');
    // The state is `unknown` (restricted) until the runtime has seen speed and gear: then parked.
    await page.waitForFunction(() => document.querySelector('[data-testid=drive-state]')?.textContent === 'Parked');
    assert.equal(await smallTargets(page), []);
    await shot(page, '01-home-parked-auto-headlights-on');

    // On a loaded machine the runtime can see the speed message time out for a moment (state
    // `unknown`, refused like driving): ask again then, and count how often that happened.
    const decision = page.getByTestId('tile-trunk-decision');
    let unknownRefusals = 0;
    for (;;) {
      await parked(page);
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/actuators/Vehicle.Body.Trunk.Rear.IsOpen')), page.getByTestId('tile-trunk-toggle').click()]);
      const d = (await res.json()) as { allowed: boolean; detail: string };
      if (d.allowed) break;
      assert.match(d.detail, /\(vehicle is unknown\)$/);
      assert.ok(++unknownRefusals < 5, 'refused 5 times');
    }
    await page.waitForFunction(() => document.querySelector('[data-testid=tile-trunk-decision]')?.getAttribute('data-allowed') === 'true');
    assert.match(await decision.innerText(), /^Sent true → sent on pt$/);
    assert.is(head.rt.buses[0]!.link.counters.txFrames, 1);
    figures['trunk requests refused as unknown before parked allowed it'] = String(unknownRefusals);
    // Without a mouse: Space on a focused switch asks the policy too.
    await page.getByTestId('tile-lowbeam-toggle').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid=tile-lowbeam-decision]')?.getAttribute('data-allowed') === 'true');
    assert.match(await text(page, 'tile-lowbeam-decision'), /^Sent false → sent on pt$/);
    await shot(page, '02-home-trunk-allowed');

    // Keyboard: focus the rail and press Enter, no pointer.
    await page.getByTestId('nav-engineer').focus();
    await page.keyboard.press('Enter');
    await parked(page);
    await page.getByTestId('signal-search').waitFor();
    const total = head.rt.store.paths.length;
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=signal-row]').length === n, total);
    await page.getByTestId('signal-search').fill('battery');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=signal-row]').length < n, total);
    const rows = await page.getByTestId('signal-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!));
    assert.ok(rows.length > 3 && rows.every((p) => /battery/i.test(p)), rows.join());
    await page.getByRole('button', { name: `plot ${SOC}` }).click();
    await page.getByRole('button', { name: 'plot Vehicle.Powertrain.TractionBattery.CurrentCurrent' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=plot] polyline').length === 2);
    assert.equal(await smallTargets(page), []);
    await shot(page, '03-signals-parked');

    await page.getByTestId('nav-settings').focus();
    await page.keyboard.press('Enter');
    await parked(page);
    await page.getByTestId('developer-section').waitFor();
    await sideloadStep(page, head);
    await page.getByTestId('pref-theme-night').click();
    assert.is(await page.evaluate(() => document.documentElement.dataset['theme']), 'night');
    const night = await contrast(page);
    await page.getByTestId('pref-theme-day').click();
    const day = await contrast(page);
    figures['contrast day/night'] = `${day.toFixed(1)}:1 / ${night.toFixed(1)}:1`;
    assert.ok(day >= 7 && night >= 7, `contrast ${day} ${night}`);
    const parkedTransition = await page.waitForFunction(() => document.documentElement.dataset['ux'] === 'none' && getComputedStyle(document.querySelector('.rail-button')!).transitionDuration);
    assert.is(await parkedTransition.jsonValue(), '0.12s, 0.12s', 'parked, buttons may fade');
    await shot(page, '04-settings-day');
    await page.getByTestId('pref-theme-night').click();
    await page.getByTestId('pref-speedUnit-mph').click();
    await page.getByTestId('pref-temperatureUnit-fahrenheit').click();
    await shot(page, '05-settings-night');
    await page.getByTestId('nav-home').click();
    const kmh = (await api(head, '/api/signals'))['Vehicle.Speed'].value as number;
    assert.is(await text(page, 'speed'), String(Math.round(kmh / 1.609344)));
    const outside = (await api(head, '/api/signals'))['Vehicle.Exterior.AirTemperature'].value as number;
    assert.is(await text(page, 'outside'), `${(outside * 1.8 + 32).toFixed(0)} °F`);
    await shot(page, '06-home-parked-night-mph-fahrenheit');

    // Apps: the launcher, a list app's full surface parked, a tile whose action goes to its app.
    await page.getByTestId('nav-apps').click();
    await page.getByTestId(`app-${STATIONS}`).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tpl-item]').length === 10);
    assert.is(await page.getByTestId('cut-note').count(), 0);
    assert.match(await page.getByTestId('tpl-item').nth(9).innerText(), /^Charger 10\n+CCS 150 kW\nfree now\nrender \d+$/);
    await shot(page, '07-app-list-parked');
    assert.equal(await smallTargets(page), [], 'app surface: targets of at least 48 px');
    await page.getByTestId('app-back').click();
    await shot(page, '08-launcher');
    assert.equal(await smallTargets(page), [], 'launcher: targets of at least 48 px');
    await page.getByTestId(`app-${ALERT_APP}`).click();
    await page.getByTestId('tpl-tile-value').waitFor();
    // The 8 s window starts at 17.5 % and falls: the tile shows 18 % or 17 % by when it renders.
    assert.match(await page.getByTestId('tpl-tile-value').innerText(), /^1[78]\s*%$/);
    assert.match(await page.locator('[data-testid=tpl] h3').innerText(), /alert below 15 %/i);
    await page.getByTestId('tpl-action-lower').click();
    await page.waitForFunction(() => /alert below 10 %/i.test(document.querySelector('[data-testid=tpl] h3')?.textContent ?? ''));
    await shot(page, '09-app-tile-action');

    // Settings › apps: a dangerous permission the driver grants, and the app's audit record.
    await page.getByTestId('nav-settings').click();
    const perm = page.locator(`[data-testid="perms-${ALERT_APP}"] [data-permission="signal:Vehicle.CurrentLocation.Latitude"]`);
    assert.is(await perm.getAttribute('data-state'), 'ask');
    await perm.getByRole('button').click();
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'granted', `[data-testid="perms-${ALERT_APP}"] [data-permission="signal:Vehicle.CurrentLocation.Latitude"]`);
    assert.is(head.apps!.list().find((a) => a.id === ALERT_APP)!.permissions.find((p) => p.id === 'signal:Vehicle.CurrentLocation.Latitude')!.state, 'granted');
    await page.getByTestId(`audit-${ALERT_APP}`).click();
    await page.getByTestId('audit-list').waitFor();
    assert.match(await page.getByTestId('audit-list').innerText(), /grant/);
    await page.getByTestId(`perms-${ALERT_APP}`).scrollIntoViewIfNeeded();
    await shot(page, '09b-app-permissions');
    assert.equal(await smallTargets(page), [], 'settings: targets of at least 48 px');
    figures['vehicle state changes while parked'] = head.log.lines.filter((l) => l['msg'] === 'vehicle state').map((l) => `${l['from']}→${l['drive']}`).join(' ');
  } finally {
    await page.close();
    await head.stop();
  }
});

test('driving: the decoded speed moves live (<= 10 redraws/s), the trunk is refused visibly, parked-only screens hide, the low-battery alert appears when the charge crosses 15 %', async () => {
  // Minute 3:40 to the end of the commute at 30x: driving at ~77 km/h, charge 16.0 % falling through 15 % after ~5 s.
  const head = await startHead(scenarioWindow(COMMUTE, tmp.dir, 220, 600, 30), { loop: false, bundle, dataDir: join(tmp.dir, 'driving-data'), apps: ['ev-charge-alert', 'stations'] });
  const page = await chromium.context.newPage();
  const sockets: WebSocket[] = [];
  page.on('websocket', (ws) => sockets.push(ws));
  try {
    let socAtAlert: number | null = null;
    head.hmi.notifications.on('notify', () => (socAtAlert = head.rt.store.values[head.rt.store.index(SOC)]!));
    await page.goto(head.base + '/');
    await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-testid=speed]')?.textContent ?? ''));
    const socAtStart = (await api(head, '/api/signals'))[SOC].value as number;
    assert.ok(socAtStart > 15, `charge ${socAtStart} at start`);
    assert.is(await page.getByTestId('heads-up').count(), 0, 'no alert above 15 %');
    const shown = Number(await text(page, 'speed'));
    const decoded = (await api(head, '/api/signals'))['Vehicle.Speed'].value as number;
    assert.ok(decoded > 30 && Math.abs(shown - decoded) <= 3, `shown ${shown}, decoded ${decoded}`);
    assert.is(await text(page, 'gear'), 'D');
    assert.match(await text(page, 'drive-state'), /^(Driving|State unknown) · restricted$/);
    assert.is(await buttonTransition(page), '0s', 'no motion while driving');

    // Signal batches the screen receives, and redraws of the speed widget, over 2 s.
    let batches = 0;
    assert.is(head.hmi.sessionCount, 1);
    const counting = (frame: { payload: string | Buffer }): void => void (String(frame.payload).startsWith('{"t":"sig"') && batches++);
    const socket = sockets[0]!;
    socket.on('framereceived', counting);
    const redraws = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid=speed]')!;
      let n = 0;
      const mo = new MutationObserver((records) => (n += records.length > 0 ? 1 : 0));
      mo.observe(el, { childList: true, characterData: true, subtree: true });
      await new Promise((r) => setTimeout(r, 2000));
      mo.disconnect();
      return n;
    });
    socket.off('framereceived', counting);
    figures['speed widget redraws/s while driving'] = (redraws / 2).toFixed(1);
    figures['signal batches/s to the screen while driving'] = (batches / 2).toFixed(1);
    assert.ok(batches >= 10 && batches <= 21, `${batches} batches in 2 s`);
    assert.ok(redraws >= 4 && redraws <= 21, `${redraws} redraws in 2 s`);

    await page.getByTestId('tile-trunk-toggle').click();
    const decision = page.getByTestId('tile-trunk-decision');
    await decision.and(page.locator('[data-allowed]')).waitFor();
    assert.is(await decision.getAttribute('data-allowed'), 'false');
    // Under heavy machine load the speed message can time out for a moment: the state is then
    // `unknown`, which restricts exactly like `driving`.
    assert.match(await decision.innerText(), /^Refused the trunk opens only while the car is parked \(vehicle is (driving|unknown)\)$/);
    assert.is(head.rt.buses[0]!.link.counters.txFrames, 0, 'nothing reached the bus');
    assert.ok(await fits(page), 'home fits 1280x720 without scrolling, refusal shown');
    await shot(page, '10-home-driving-trunk-refused');

    // An app's list while driving: 6 items, 2 lines of detail, at most 1 refresh/s; the cuts are logged.
    await page.getByTestId('nav-apps').click();
    await page.getByTestId(`app-${STATIONS}`).click();
    await page.getByTestId('cut-note').waitFor();
    assert.is(await page.getByTestId('tpl-item').count(), 6);
    assert.match(await page.getByTestId('tpl-item').nth(5).innerText(), /^Charger 6\n+CCS 150 kW\nfree now…$/);
    let renders = 0;
    const countRenders = (frame: { payload: string | Buffer }): void => void (String(frame.payload).startsWith(`{"t":"app-ui","s":{"appId":"${STATIONS}"`) && renders++);
    socket.on('framereceived', countRenders);
    await new Promise((r) => setTimeout(r, 2000));
    socket.off('framereceived', countRenders);
    figures['list app renders/s while driving (app renders 4/s)'] = (renders / 2).toFixed(1);
    assert.ok(renders >= 1 && renders <= 3, `${renders} renders in 2 s`);
    const cuts = head.log.lines.filter((l) => l['msg'] === 'template cut while driving' && l['app'] === STATIONS).map((l) => l['rule']);
    assert.ok(['LIST_ITEMS', 'SECONDARY_LINES', 'REFRESH'].every((r) => cuts.includes(r)), cuts.join());
    await shot(page, '10b-app-list-driving');

    await page.getByTestId('nav-engineer').click();
    await page.getByTestId('engineer-locked').waitFor();
    assert.is(await page.getByTestId('signal-search').count(), 0, 'no text input while driving');
    assert.is(await page.getByTestId('signal-row').count(), 0);
    await shot(page, '11-signals-locked-driving');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('developer-locked').waitFor();
    assert.is(await page.getByTestId('developer-section').count(), 0);

    // The EV charge alert app owns the low-battery alert: its notification is the heads-up, and
    // the HMI's own one stays silent.
    await page.getByTestId('heads-up').waitFor({ timeout: 10_000 });
    assert.ok(socAtAlert !== null && socAtAlert < 15 && socAtAlert > 14, `charge ${socAtAlert} when the alert was raised`);
    const alert = await page.locator('[data-testid=heads-up] .heads-up-text').innerText();
    assert.match(alert, /^Charge low\n+Battery at 14\.\d %, below your 15 %\.$/);
    assert.equal(head.hmi.notifications.history.map((n) => [n.source, n.severity, n.title]), [[ALERT_APP, 'warning', 'Charge low']]);
    await shot(page, '12-low-battery-heads-up');
    await page.getByTestId('nav-notifications').click();
    assert.is(await page.getByTestId('notification').count(), 1);
    assert.match(await page.getByTestId('notification').innerText(), /Charge low/);
    await page.getByTestId('dismiss').click();
    assert.is(await page.getByTestId('heads-up').count(), 0);
    await shot(page, '13-notifications-driving');
    assert.equal(await smallTargets(page), [], 'notifications: targets of at least 48 px');

    await page.setViewportSize({ width: 1920, height: 720 });
    await page.getByTestId('nav-home').click();
    assert.equal(await smallTargets(page), []);
    assert.ok(await fits(page), 'home fits 1920x720 without scrolling');
    await shot(page, '14-home-driving-1920x720');
  } finally {
    await page.close();
    await head.stop();
  }
});

test('driving: an app pushes 7 templates; the HMI shows at most 5 deep (cut logged), with a back control that pops', async () => {
  const started = Date.now();
  const head = await startHead(scenarioWindow(COMMUTE, tmp.dir, 220, 300, 30), { loop: false, bundle, dataDir: join(tmp.dir, 'deep-data'), apps: ['deep'] });
  const page = await chromium.context.newPage();
  try {
    await page.goto(head.base + '/');
    await page.waitForFunction(() => document.documentElement.dataset['ux'] === 'driving');
    await page.getByTestId('nav-apps').click();
    await page.getByTestId(`app-${DEEP}`).click();
    const surface = page.getByTestId('app-surface');
    await page.waitForFunction(() => document.querySelector('[data-testid=tpl] h3')?.textContent === 'Level 5');
    assert.is(head.apps!.templates.get(DEEP)!.stack.length, 7);
    assert.is(await surface.getAttribute('data-depth'), '5');
    const cut = head.log.lines.find((l) => l['msg'] === 'template cut while driving' && l['app'] === DEEP && l['rule'] === 'DEPTH');
    assert.is(cut?.['path'], '$[5..6]');
    assert.equal(await smallTargets(page), [], 'the back control is at least 48 px');
    await shot(page, '14b-app-depth-driving');
    await page.getByTestId('tpl-back').click();
    await until(async () => head.apps!.templates.get(DEEP)!.stack.length === 6, 5000, 'back pops the task stack');
    assert.is(await surface.getAttribute('data-depth'), '5');
    assert.is(await page.locator('[data-testid=tpl] h3').textContent(), 'Level 5');
  } finally {
    await page.close();
    await head.stop();
    figures['task depth test'] = `${Date.now() - started} ms`;
  }
});

test('privacy: consent switched off on the screen stops that telemetry; switched on starts it; the ledger shows what left', async () => {
  // Minute 2:50 onwards at 10x: driving, speed and battery values changing every second.
  const data = join(tmp.dir, 'cloud-data');
  const head = await startHead(scenarioWindow(COMMUTE, tmp.dir, 170, 600, 10), { loop: false, bundle, dataDir: data, cloud: true });
  const page = await chromium.context.newPage();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the cloud's API
  const sentAfter = async (cls: string, ms: number): Promise<number> => ((await api(head, `/api/cloud/ledger?limit=1000&category=${cls}`)).entries as any[]).filter((e) => e.sentMs > ms).length;
  try {
    await page.goto(head.base + '/');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('consent-energy').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=cloud-state]')?.textContent === 'Cloud', undefined, { timeout: 10_000 });
    assert.is(await page.getByTestId('consent-energy').getAttribute('aria-checked'), 'true');
    assert.is(await page.getByTestId('consent-driving').getAttribute('aria-checked'), 'false', 'driving data stays in the car by default');
    const t0 = Date.now();
    await until(async () => (await sentAfter('energy', 0)) > 0, 8000, 'energy telemetry before');
    assert.is(await sentAfter('driving', 0), 0);

    await page.getByTestId('consent-driving').click();
    await page.getByTestId('consent-energy').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=consent-energy]')?.getAttribute('aria-checked') === 'false');
    assert.is(await page.getByTestId('consent-driving').getAttribute('aria-checked'), 'true');
    const switched = Date.now();
    const state = await api(head, '/api/cloud/consent');
    assert.equal([state.categories.energy.granted, state.categories.driving.granted], [false, true]);
    // What was in flight may still be acknowledged; nothing enqueued after the switch may leave.
    await until(async () => Date.now() > switched + 2500 && (await sentAfter('driving', switched + 1000)) > 0, 8000, 'driving telemetry after consent');
    assert.is(await sentAfter('energy', switched + 1000), 0, 'no energy telemetry after consent was switched off');
    await page.locator('[data-testid=ledger-totals] tr[data-class=driving]').waitFor();
    figures['consent round trip'] = `energy sent before the switch: ${await sentAfter('energy', t0 - 60_000)}, after: ${await sentAfter('energy', switched + 1000)}`;
    await shot(page, '20-privacy-consent');
    await page.getByTestId('ledger-entries').scrollIntoViewIfNeeded();
    await shot(page, '21-privacy-ledger');
  } finally {
    await page.close();
    await head.stop();
  }
});

test.run();
