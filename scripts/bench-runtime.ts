#!/usr/bin/env -S node --import tsx
/**
 * Issue #5 numbers: 4 buses fed at 4,000 frames/s each with demo-car frames, 10 subscribers at
 * 50 Hz; reports CPU share of one core, RSS, frame-to-subscriber latency p50/p99, event-loop
 * lag p99, and cold start to the first decoded signal. Usage: node --import tsx scripts/bench-runtime.ts [--seconds N]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CanFrame } from '../dbc/index.ts';
import type { FakeLink } from '../firmware-bridge/index.ts';
import { loadCarConfig, DEFAULT_CONFIG } from '../runtime/src/config/car-config.ts';
import { createLogger } from '../runtime/src/log.ts';
import { Runtime } from '../runtime/src/runtime.ts';
import { loadScenario, SyntheticVehicle } from '../sim/index.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: node --import tsx scripts/bench-runtime.ts [--seconds N]\n\n4 buses x 4,000 frames/s of demo-car frames, 10 subscribers at 50 Hz; prints CPU, RSS, latency, loop lag, cold start.');
  process.exit(0);
}
const SECONDS = Number(values.seconds);
const BUSES = 4;
const RATE = 4000;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const quietLog = createLogger({ write: () => true });

async function coldStart(): Promise<number> {
  const t0 = performance.now();
  const rt = await Runtime.create(loadCarConfig(DEFAULT_CONFIG), quietLog);
  await rt.start();
  while (rt.firstSignalAtMs === null) await new Promise((r) => setTimeout(r, 1));
  const ms = performance.now() - t0;
  await rt.stop();
  return ms;
}

/** Four buses with the demo DBC; the 43 mapped signals split across them (a VSS path lives on one bus). */
function fourBusConfig(dir: string): string {
  const mapping = JSON.parse(readFileSync(join(ROOT, 'dbc/vehicles/demo-ev.vss.json'), 'utf8')) as { signals: Record<string, unknown> };
  const entries = Object.entries(mapping.signals);
  const buses = [];
  for (let b = 0; b < BUSES; b++) {
    const part = Object.fromEntries(entries.filter((_, i) => i % BUSES === b));
    writeFileSync(join(dir, `map${b}.json`), JSON.stringify({ dbc: join(ROOT, 'dbc/vehicles/demo-ev.dbc'), signals: part }));
    buses.push({ name: `bus${b}`, link: `fake:bus${b}`, mapping: `map${b}.json`, checksum: 'toyota' });
  }
  const file = join(dir, 'car.json');
  writeFileSync(file, JSON.stringify({ vehicleId: 'bench', buses, http: { port: 0 } }));
  return file;
}

const pct = (xs: number[], p: number): number => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

const cold = [] as number[];
for (let i = 0; i < 5; i++) cold.push(await coldStart());
const dir = mkdtempSync(join(tmpdir(), 'bench-runtime-'));
const rt = await Runtime.create(loadCarConfig(fourBusConfig(dir)), quietLog);
await rt.start();
const vehicle = new SyntheticVehicle(loadScenario(join(ROOT, 'sim/scenarios/ev-commute-low-charge.json')));
const template: CanFrame[] = [...vehicle.frames(0, 60_000, 0)];
const latencies: number[] = [];
/** Latency not counting the wait a subscriber's own 50 Hz limit imposes on a value that came too soon. */
const ownLatencies: number[] = [];
let updates = 0;
const RATE_MS = 1000 / 50;
for (let s = 0; s < 10; s++) {
  const paths = rt.store.paths.filter((_, i) => i % 10 === s);
  const lastSent = new Map<number, number>();
  rt.store.subscribe(paths.map((p) => rt.store.index(p)), { maxRateHz: 50 }, (batch) => {
    const now = Date.now();
    for (const u of batch) {
      latencies.push(now - u.timeMs);
      ownLatencies.push(now - Math.max(u.timeMs, (lastSent.get(u.index) ?? -Infinity) + RATE_MS));
      lastSent.set(u.index, now);
    }
    updates += batch.length;
  });
}
// Feed: every 5 ms each bus gets RATE/200 frames, stamped when injected (the link's receive time).
let k = 0;
const perTick = RATE / 200;
const feeder = setInterval(() => {
  for (const bus of rt.buses) {
    const link = bus.link as FakeLink;
    for (let i = 0; i < perTick; i++) {
      const f = template[k++ % template.length]!;
      link.inject({ id: f.id, extended: f.extended, data: f.data }, Date.now() * 1000);
    }
  }
}, 5);
await new Promise((r) => setTimeout(r, 1000)); // warm-up
latencies.length = 0;
ownLatencies.length = 0;
updates = 0;
rt.loopDelay.reset();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const frames0 = rt.buses.reduce((n, b) => n + b.pipeline.counters.frames, 0);
let rssMax = 0;
const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const frames = rt.buses.reduce((n, b) => n + b.pipeline.counters.frames, 0) - frames0;
clearInterval(feeder);
clearInterval(rssTimer);
const lagP99 = rt.loopLagSeconds(99) * 1000;
await rt.stop();
rmSync(dir, { recursive: true });

// The feeder itself runs in this process: measure what it costs alone to say what the runtime costs.
const sinkCpu0 = process.cpuUsage();
const sinkT0 = performance.now();
let sink = 0;
await new Promise<void>((resolve) => {
  const t = setInterval(() => {
    for (let b = 0; b < BUSES; b++) for (let i = 0; i < perTick; i++) sink += template[k++ % template.length]!.data.length;
  }, 5);
  setTimeout(() => (clearInterval(t), resolve()), SECONDS * 1000); // as long as the measured run: a short one is noisy
});
const sinkCpu = process.cpuUsage(sinkCpu0);
const feederShare = (sinkCpu.user + sinkCpu.system) / 1e6 / ((performance.now() - sinkT0) / 1000);
const share = (cpu.user + cpu.system) / 1e6 / wall;
console.log(`runtime bench: ${BUSES} buses x ${RATE} frames/s (demo-ev DBC), 10 subscribers at 50 Hz, ${SECONDS} s measured (sink ${sink > 0 ? 'ok' : '-'})`);
console.log(`  frames decoded     ${frames} (${Math.round(frames / wall)} frames/s)`);
console.log(`  CPU                ${(share * 100).toFixed(1)}% of one core in all; feeder alone ~${(feederShare * 100).toFixed(1)}% -> runtime ~${((share - feederShare) * 100).toFixed(1)}%   (target < 5%)`);
console.log(`  RSS max            ${(rssMax / 1e6).toFixed(0)} MB   (target < 150 MB)`);
console.log(`  frame->subscriber  p50 ${pct(ownLatencies, 50)} ms, p99 ${pct(ownLatencies, 99)} ms over ${updates} updates   (target p99 < 10 ms)`);
console.log(`    incl. the wait of the subscriber's own 50 Hz limit: p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms (values change at up to ~360 Hz here)`);
console.log(`  event-loop lag     p99 ${lagP99.toFixed(2)} ms   (target < 5 ms)`);
console.log(`  cold start         ${cold.map((c) => c.toFixed(0)).join(', ')} ms to the first decoded signal   (target < 500 ms)`);
