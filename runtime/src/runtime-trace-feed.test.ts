import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTraceWriter, loadScenario, SyntheticVehicle, TraceFeed } from '../../sim/index.ts';
import { DEFAULT_CONFIG, loadCarConfig, type CarConfig } from './config/car-config.ts';
import { memoryLogger } from './log.ts';
import { Runtime } from './runtime.ts';

const BIN = fileURLToPath(new URL('../bin/headunit.mjs', import.meta.url));
const SCENARIO = fileURLToPath(new URL('../../sim/scenarios/ev-commute-low-charge.json', import.meta.url));
const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * 0.8 s of the commute from 300 s in (charge about 15.45 %, where the default feed starts at
 * 17.5 %), as a trace in `file`'s format.
 */
async function writeCommuteTrace(file: string): Promise<void> {
  const vehicle = new SyntheticVehicle(loadScenario(SCENARIO));
  const writer = createTraceWriter(file);
  for (const f of vehicle.frames(300_000, 300_800, 1_700_000_000_000_000)) await writer.write(f);
  await writer.close();
}

function withTrace(trace: string, loop = true): CarConfig {
  const cfg = loadCarConfig(DEFAULT_CONFIG);
  return { ...cfg, buses: cfg.buses.map((b) => ({ ...b, feed: { trace, loop } })) };
}

test('a trace feed plays the demo bus, looped, and the runtime decodes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headunit-trace-feed-'));
  const file = join(dir, 'commute.blf');
  await writeCommuteTrace(file);
  const rt = await Runtime.create(withTrace(file), memoryLogger());
  await rt.start();
  try {
    const feed = rt.buses[0]!.feed as TraceFeed;
    assert.instance(feed, TraceFeed);
    await until(() => rt.store.quality[rt.store.index(SOC)] === 1);
    const soc = rt.store.values[rt.store.index(SOC)]!;
    assert.ok(Math.abs(soc - 15.45) < 0.1, `state of charge ${soc} is the trace's, not the default scenario's`);
    await until(() => feed.loops >= 1, 3000);
    assert.ok(rt.buses[0]!.pipeline.counters.frames > feed.frames / 2);
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true });
  }
});

test('a malformed trace line stops the feed with file:line in the log; a missing trace fails at create', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headunit-trace-feed-'));
  try {
    const file = join(dir, 'bad.log');
    await writeCommuteTrace(file);
    appendFileSync(file, '(1700000000.900000) pt 12G#00\n');
    const log = memoryLogger();
    const rt = await Runtime.create(withTrace(file, false), log);
    await rt.start();
    await until(() => log.lines.some((l) => l['msg'] === 'trace feed stopped'), 4000);
    await rt.stop();
    const line = log.lines.find((l) => l['msg'] === 'trace feed stopped')!;
    assert.match(String(line['error']), new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}:\\d+: `));
    try {
      await Runtime.create(withTrace(join(dir, 'missing.log')), memoryLogger());
      assert.unreachable('a missing trace must fail');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'TRACE_UNREADABLE');
      assert.is((err as Error).message, `${join(dir, 'missing.log')}: cannot open the trace: no such file`);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('headunit start --trace FILE serves the trace\'s signals', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headunit-trace-feed-'));
  const file = join(dir, 'commute.log');
  await writeCommuteTrace(file);
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--trace', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    await until(() => out.includes('Ctrl-C to stop.'), 15000);
    assert.match(out, /bus pt: fake:pt .*\(fed by a looped trace .*commute\.log\)/);
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
    let soc: { value?: number; quality?: string } = {};
    for (let i = 0; i < 50 && soc.quality !== 'valid'; i++) {
      const signals = (await (await fetch(`http://127.0.0.1:${port}/api/signals`)).json()) as Record<string, typeof soc>;
      soc = signals[SOC] ?? {};
      if (soc.quality !== 'valid') await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(soc.quality, 'valid');
    assert.ok(Math.abs(soc.value! - 15.45) < 0.1, `state of charge ${soc.value}`);
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
    rmSync(dir, { recursive: true });
  }
});

test.run();
