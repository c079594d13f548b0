/**
 * Test support for the HMI's browser tests: a runtime started in-process on port 0 replaying a
 * window of a shipped scenario (optionally faster than real time), with the HMI mounted, and a
 * headless Debian Chromium driven by playwright-core. Not used by the runtime itself.
 */
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { loadDbcFile } from '../../../dbc/index.ts';
import { loadScenario, valueAt } from '../../../sim/index.ts';
import { DEFAULT_CONFIG, loadCarConfig } from '../config/car-config.ts';
import { createHttpServer } from '../http/http-server.ts';
import { memoryLogger } from '../log.ts';
import { Runtime } from '../runtime.ts';
import { attachApps, type AppHost } from '../app-host/index.ts';
import { appRoutes } from '../http/app-routes.ts';
import { cloudRoutes } from '../cloud/cloud-http.ts';
import { attachCloud, type RuntimeCloud } from '../cloud/runtime-cloud.ts';
import { DEFAULT_TELEMETRY_POLICY } from '../cloud/telemetry-policy.ts';
import type { HmiBundle } from './hmi-bundle.ts';
import { HmiServer } from './hmi-server.ts';

/** The repository's scenarios folder. */
export const SCENARIOS = fileURLToPath(new URL('../../../sim/scenarios/', import.meta.url));
/** The repository's sample apps. */
export const SAMPLE_APPS = fileURLToPath(new URL('../../../apps/', import.meta.url));
/** Debian's Chromium; never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Writes a scenario holding `[fromS, toS]` of `file`, played `speed` times faster: every
 * track's keyframes inside the window plus its values at both edges (names and flags hold,
 * numbers interpolate exactly as the scenario would). Returns the new file's path.
 */
export function scenarioWindow(file: string, dir: string, fromS: number, toS: number, speed: number): string {
  const sc = loadScenario(file);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // Flags and enumerations hold between keyframes, as the synthetic vehicle plays them.
  const held = new Set(loadDbcFile(sc.dbcFile).messages.flatMap((m) => m.signals.filter((s) => s.length === 1 || s.choices !== null).map((s) => `${m.name}.${s.name}`)));
  const tracks: Record<string, [number, number | string][]> = {};
  for (const [name, frames] of sc.tracks) {
    const inside = frames.filter(([t]) => t > fromS && t < toS);
    const edge = (t: number): [number, number | string] => [t, valueAt(frames, t, held.has(name))];
    tracks[name] = [edge(fromS), ...inside, edge(toS)].map(([t, v]) => [(t - fromS) / speed, v]);
  }
  const out = join(dir, `window-${fromS}-${toS}-x${speed}.json`);
  writeFileSync(out, JSON.stringify({ ...raw, dbc: sc.dbcFile, durationS: (toS - fromS) / speed, tracks }));
  return out;
}

export interface RunningHead {
  rt: Runtime;
  /** Cloud sync with an embedded broker, when asked for. */
  cloud: RuntimeCloud | null;
  /** The app host, when apps were asked for. */
  apps: AppHost | null;
  hmi: HmiServer;
  server: Server;
  base: string;
  /** Every log line of the runtime, HMI, apps and cloud. */
  log: ReturnType<typeof memoryLogger>;
  stop(): Promise<void>;
}

export interface HeadOptions {
  bundle: HmiBundle;
  loop: boolean;
  /** The runtime's data folder (cloud database, app state); required with `cloud` or `apps`. */
  dataDir?: string;
  /** Cloud sync on an embedded broker, telemetry batched every 100 ms, and `/api/cloud`. */
  cloud?: boolean;
  /** App folders to load as system apps (`headunit start`'s apps folder), and `/api/apps`. */
  apps?: string[];
}

/** A test app: a list of ten chargers with three-line details, rendered again every 250 ms. */
export function writeStationsApp(appsDir: string): void {
  const dir = join(appsDir, 'stations');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'app.json'), JSON.stringify({
    id: 'org.headunit.test.stations', name: 'Stations', version: '1.0.0', publisher: 'headunit tests',
    description: 'Ten chargers, re-rendered every 250 ms (HMI driving limits test).', entry: 'src/main.ts',
    permissions: { signals: [], ui: ['list'] },
  }));
  writeFileSync(join(dir, 'src', 'main.ts'), `import { app, ui } from '@headunit/sdk';
let n = 0;
function render(): void {
  n++;
  const items = Array.from({ length: 10 }, (_, i) => ({ title: 'Charger ' + (i + 1), detail: 'CCS 150 kW\\nfree now\\nrender ' + n, action: 'pick-' + i }));
  ui.render({ kind: 'list', title: 'Nearby chargers', items });
}
app.onStart(() => {
  render();
  setInterval(render, 250);
});
`);
}

/** A test app that opens a task 7 templates deep (one of each kind but control), bottom first `Level 1`..`Level 7`. */
export function writeDeepApp(appsDir: string): void {
  const dir = join(appsDir, 'deep');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'app.json'), JSON.stringify({
    id: 'org.headunit.test.deep', name: 'Deep', version: '1.0.0', publisher: 'headunit tests',
    description: 'Pushes 7 templates (HMI driving depth test).', entry: 'src/main.ts',
    permissions: { ui: ['list', 'grid', 'pane', 'status', 'tile', 'gauge', 'alert'] },
  }));
  writeFileSync(join(dir, 'src', 'main.ts'), `import { app, ui } from '@headunit/sdk';
app.onStart(() => {
  ui.render({ kind: 'list', title: 'Level 1', items: [{ title: 'Open', action: 'open' }] });
  ui.push({ kind: 'grid', title: 'Level 2', items: [{ title: 'A' }, { title: 'B' }] });
  ui.push({ kind: 'pane', title: 'Level 3', rows: [{ label: 'Row', value: 'one' }] });
  ui.push({ kind: 'status', title: 'Level 4', items: [{ label: 'Doors', value: 'locked' }] });
  ui.push({ kind: 'tile', title: 'Level 5', value: '5' });
  ui.push({ kind: 'gauge', title: 'Level 6', value: 6, min: 0, max: 10 });
  ui.push({ kind: 'alert', title: 'Level 7', body: 'Too deep to show while driving', level: 'info' });
});
`);
}

/** Starts the demo car's runtime on a scenario file, with the HMI and the asked-for cloud and apps, HTTP on 127.0.0.1:0. */
export async function startHead(scenario: string, o: HeadOptions): Promise<RunningHead> {
  const cfg = loadCarConfig(DEFAULT_CONFIG);
  const appsDir = o.apps && o.dataDir ? join(o.dataDir, 'apps') : null;
  for (const a of o.apps ?? []) {
    if (a === 'stations') writeStationsApp(appsDir!);
    else if (a === 'deep') writeDeepApp(appsDir!);
    else cpSync(join(SAMPLE_APPS, a), join(appsDir!, a), { recursive: true, filter: (p) => !p.includes('/dist') && !p.endsWith('.test.ts') });
  }
  const car = { ...cfg, ...(o.dataDir ? { dataDir: o.dataDir } : {}), appsDir, buses: cfg.buses.map((b) => ({ ...b, feed: { scenario, loop: o.loop } })) };
  const log = memoryLogger();
  const rt = await Runtime.create(car, log);
  const cloud = o.cloud ? await attachCloud(rt, { dataDir: o.dataDir!, log: log.child('cloud'), telemetry: { batchMs: 100, policy: DEFAULT_TELEMETRY_POLICY } }) : null;
  const apps = o.apps ? await attachApps(rt, { dataDir: o.dataDir!, log: log.child('apps') }) : null;
  // The driver already let the charge alert read the battery (dangerous tier: asked at first use);
  // its location permissions stay asked, for the settings screen to grant.
  for (const a of apps?.list() ?? []) {
    for (const p of a.permissions) if (p.state === 'ask' && p.id.startsWith('signal:Vehicle.Powertrain')) apps!.setGrant(a.id, p.id, true);
  }
  await rt.start();
  const hmi = await HmiServer.create(rt, { log: log.child('hmi'), bundle: o.bundle, ...(apps ? { apps } : {}) });
  const server = createHttpServer(rt, [hmi.routes, ...(apps ? [appRoutes(apps)] : []), ...(cloud ? [cloudRoutes(cloud.cloud)] : [])]);
  hmi.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    rt,
    cloud,
    apps,
    hmi,
    server,
    base,
    log,
    async stop() {
      await hmi.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await apps?.stop();
      await cloud?.close();
      await rt.stop();
    },
  };
}

/** Launches headless Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'hmi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 720 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A fresh temp folder and its removal. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
