/**
 * Test support for the HMI's browser tests: a runtime started in-process on port 0 replaying a
 * window of a shipped scenario (optionally faster than real time), with the HMI mounted, and a
 * headless Debian Chromium driven by playwright-core. Not used by the runtime itself.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { cloudRoutes } from '../cloud/cloud-http.ts';
import { attachCloud, type RuntimeCloud } from '../cloud/runtime-cloud.ts';
import { DEFAULT_TELEMETRY_POLICY } from '../cloud/telemetry-policy.ts';
import type { HmiBundle } from './hmi-bundle.ts';
import { HmiServer } from './hmi-server.ts';

/** The repository's scenarios folder. */
export const SCENARIOS = fileURLToPath(new URL('../../../sim/scenarios/', import.meta.url));
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
  hmi: HmiServer;
  server: Server;
  base: string;
  stop(): Promise<void>;
}

/**
 * Starts the demo car's runtime on a scenario file, the HMI on it, and HTTP on 127.0.0.1:0;
 * with `cloudDir`, also cloud sync on an embedded broker (data in that folder, telemetry
 * batched every 100 ms) and its `/api/cloud`.
 */
export async function startHead(scenario: string, loop: boolean, bundle: HmiBundle, cloudDir?: string): Promise<RunningHead> {
  const cfg = loadCarConfig(DEFAULT_CONFIG);
  const car = { ...cfg, buses: cfg.buses.map((b) => ({ ...b, feed: { scenario, loop } })) };
  const log = memoryLogger();
  const rt = await Runtime.create(car, log);
  await rt.start();
  const cloud = cloudDir ? await attachCloud(rt, { dataDir: cloudDir, log: log.child('cloud'), telemetry: { batchMs: 100, policy: DEFAULT_TELEMETRY_POLICY } }) : null;
  const hmi = await HmiServer.create(rt, { log: log.child('hmi'), bundle });
  const server = createHttpServer(rt, [hmi.routes, ...(cloud ? [cloudRoutes(cloud.cloud)] : [])]);
  hmi.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    rt,
    cloud,
    hmi,
    server,
    base,
    async stop() {
      await hmi.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
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
