/**
 * The HMI in a real Chromium (Debian's /usr/bin/chromium via playwright-core) against runtimes
 * started in-process on port 0, each replaying a window of the shipped EV commute scenario:
 * parked at the start of the drive, then minute 5 onwards at 30x while driving, when the charge
 * crosses 15 %. Screenshots of each screen go to .hmi-screenshots/ for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium, SCENARIOS, scenarioWindow, startHead, tempDir, type RunningHead } from './browser-harness.ts';
import { buildHmiBundle, type HmiBundle } from './hmi-bundle.ts';

const SHOTS = fileURLToPath(new URL('../../../.hmi-screenshots/', import.meta.url));
const COMMUTE = join(SCENARIOS, 'ev-commute-low-charge.json');
const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';

let bundle: HmiBundle;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let tmp: ReturnType<typeof tempDir>;
const figures: Record<string, string> = {};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from our own API
const api = async (head: RunningHead, path: string): Promise<any> => (await fetch(head.base + path)).json();
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`) });
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

test('parked: home shows the decoded speed within 1 s of opening; the trunk toggle is allowed; signals view, search and plots', async () => {
  const head = await startHead(scenarioWindow(COMMUTE, tmp.dir, 0, 8, 1), true, bundle);
  const page = await chromium.context.newPage();
  try {
    const t0 = Date.now();
    await page.goto(head.base + '/');
    await page.waitForFunction(() => document.querySelector('[data-testid=speed]')?.textContent !== '—');
    const shownMs = Date.now() - t0;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    figures['first contentful paint'] = `${fcp.toFixed(0)} ms`;
    figures['speed shown after goto'] = `${shownMs} ms`;
    assert.ok(fcp > 0 && fcp < 1000, `first paint ${fcp} ms`);
    assert.ok(shownMs < 1000, `speed shown after ${shownMs} ms`);
    const signals = await api(head, '/api/signals');
    assert.is(await text(page, 'speed'), String(Math.round(signals['Vehicle.Speed'].value)));
    assert.is(await text(page, 'gear'), 'P');
    assert.match(await text(page, 'drive-state'), /^Parked$/);
    assert.equal(await smallTargets(page), []);
    await shot(page, '01-home-parked-day');

    await page.getByTestId('tile-trunk-toggle').click();
    const decision = page.getByTestId('tile-trunk-decision');
    await decision.and(page.locator('[data-allowed]')).waitFor();
    assert.is(await decision.getAttribute('data-allowed'), 'true');
    assert.match(await decision.innerText(), /^Sent true → sent on pt$/);
    assert.is(head.rt.buses[0]!.link.counters.txFrames, 1);
    await shot(page, '02-home-trunk-allowed');

    // Keyboard: focus the rail and press Enter, no pointer.
    await page.getByTestId('nav-engineer').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('signal-search').waitFor();
    const total = head.rt.store.paths.length;
    assert.is(await page.getByTestId('signal-row').count(), total);
    await page.getByTestId('signal-search').fill('battery');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=signal-row]').length < n, total);
    const rows = await page.getByTestId('signal-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!));
    assert.ok(rows.length > 3 && rows.every((p) => /battery/i.test(p)), rows.join());
    await page.getByRole('button', { name: `plot ${SOC}` }).click();
    await page.getByRole('button', { name: 'plot Vehicle.Powertrain.TractionBattery.CurrentVoltage' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=plot] polyline').length === 2);
    assert.equal(await smallTargets(page), []);
    await shot(page, '03-signals-parked');

    await page.getByTestId('nav-settings').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('developer-section').waitFor();
    await page.getByTestId('pref-theme-night').click();
    assert.is(await page.evaluate(() => document.documentElement.dataset['theme']), 'night');
    await page.getByTestId('pref-speedUnit-mph').click();
    await shot(page, '04-settings-night');
    await page.getByTestId('nav-home').click();
    const kmh = (await api(head, '/api/signals'))['Vehicle.Speed'].value as number;
    assert.is(await text(page, 'speed'), String(Math.round(kmh / 1.609344)));
    await shot(page, '05-home-parked-night-mph');
  } finally {
    await page.close();
    await head.stop();
  }
});

test.run();
