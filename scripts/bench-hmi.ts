#!/usr/bin/env -S node --import tsx
/**
 * Issue #8 numbers: how fast the in-dash UI is there. Builds the bundle cold (empty cache) and
 * warm (cached), starts the demo car's runtime with the HMI on a free port, then opens the page
 * N times in Debian's headless Chromium (fresh profile) and reports first contentful paint and
 * the time until the decoded speed is on screen: the first open (nothing cached) and the median
 * and worst of the rest (bundle revalidated, 304).
 * Usage: node --import tsx scripts/bench-hmi.ts [--runs N]
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, loadCarConfig } from '../runtime/src/config/car-config.ts';
import { buildHmiBundle } from '../runtime/src/hmi/hmi-bundle.ts';
import { launchChromium } from '../runtime/src/hmi/browser-harness.ts';
import { HmiServer } from '../runtime/src/hmi/hmi-server.ts';
import { createHttpServer } from '../runtime/src/http/http-server.ts';
import { createLogger } from '../runtime/src/log.ts';
import { Runtime } from '../runtime/src/runtime.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: node --import tsx scripts/bench-hmi.ts [--runs N]\n\nPrints the HMI figures of issue #8: bundle build, first paint, speed on screen.');
  process.exit(0);
}
const RUNS = Math.max(2, Number(values.runs));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cache = mkdtempSync(join(tmpdir(), 'bench-hmi-'));
const cold = await buildHmiBundle({ cacheDir: cache });
const warm = await buildHmiBundle({ cacheDir: cache });
console.log(`bundle: ${(cold.js.length / 1024).toFixed(1)} KiB js + ${(cold.css.length / 1024).toFixed(1)} KiB css; build cold ${cold.buildMs.toFixed(0)} ms, from cache ${warm.buildMs.toFixed(0)} ms`);

const rt = await Runtime.create(loadCarConfig(DEFAULT_CONFIG), createLogger({ write: () => true }));
await rt.start();
const hmi = await HmiServer.create(rt, { log: createLogger({ write: () => true }), bundle: warm });
const server = createHttpServer(rt, [hmi.routes]);
hmi.attach(server);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const chromium = await launchChromium();
const fcp: number[] = [];
const speed: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await chromium.context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => (document.querySelector('[data-testid=speed]')?.textContent ?? '—') !== '—');
    const shown = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]!.startTime));
    speed.push(shown);
    await page.close();
    process.stderr.write(`\rrun ${i + 1}/${RUNS}`);
  }
  process.stderr.write('\n');
} finally {
  await chromium.close();
  await hmi.close();
  server.close();
  await rt.stop();
  rmSync(cache, { recursive: true, force: true });
}
const rest = (xs: number[]): string => `median ${median(xs.slice(1)).toFixed(0)} ms, worst ${Math.max(...xs.slice(1)).toFixed(0)} ms`;
console.log(`first contentful paint: first open ${fcp[0]!.toFixed(0)} ms; then ${rest(fcp)} (${RUNS - 1} opens)`);
console.log(`decoded speed on screen: first open ${speed[0]!.toFixed(0)} ms; then ${rest(speed)} (from navigation start; target < 1000 ms)`);
