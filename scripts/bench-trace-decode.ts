/**
 * `npm run bench:trace-decode` — the end-to-end figure of issue #4: read a 1 M-frame candump
 * `-l` log from disk and decode every frame into DBC signals, on one thread. The log is written
 * first (our writer, can-utils' format) from a reproducible stream of a real DBC's messages,
 * spread over four buses at the rate of a busy car (about 20 800 frames/s in all). Prints
 * frames/s and signals/s (median of the runs) for the batch path and the frame-by-frame path,
 * and how long an hour of such a car takes. Target: >= 3 M frames/s (an hour in < 25 s).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompiledDbc, loadDbcFile, randomFrameStream, FRAME_STRIDE, type CanFrame } from '../dbc/index.ts';
import { createTraceWriter, openTraceReader } from '../sim/index.ts';

const USAGE = `Usage: npm run bench:trace-decode -- [options]

Writes a candump -l log of N frames of a DBC's messages on four buses, then reads it back
and decodes every frame into signals; prints the median throughput.

Options:
  --frames N     frames in the log (default 1000000)
  --runs N       timed passes per path, after one warm-up (default 7)
  --dbc FILE     DBC whose messages fill the log (default dbc/vehicles/toyota_nodsu_pt_generated.dbc)
  -h, --help     show this help

Exit code: 1 when the batch path is below 3 M frames/s.`;

/** Target of issue #4, frames/s end to end. */
const TARGET = 3e6;
/** Frames per second of the whole car: four buses, an hour of which is 75 M frames. */
const CAR_FRAMES_PER_S = 75e6 / 3600;
const START_US = 1_700_000_000_000_000;

async function writeLog(path: string, dbcFile: string, frames: number): Promise<void> {
  const db = loadDbcFile(dbcFile);
  const s = randomFrameStream(db, frames, 7);
  const writer = createTraceWriter(path, 'candump');
  const gapUs = 1e6 / CAR_FRAMES_PER_S;
  for (let k = 0; k < frames; k++) {
    const at = k * FRAME_STRIDE;
    const frame: CanFrame = {
      timestampUs: START_US + Math.round(k * gapUs),
      bus: `can${k & 3}`,
      id: s.ids[k]!,
      extended: s.extended[k] === 1,
      fd: false,
      brs: false,
      esi: false,
      rtr: false,
      error: false,
      data: s.data.subarray(at, at + s.lengths[k]!),
    };
    await writer.write(frame);
  }
  await writer.close();
}

interface PassResult {
  frames: number;
  decoded: number;
  /** Signals of the decoded messages (for multiplexed messages, all branches: an upper bound). */
  signals: number;
  seconds: number;
}

/** One pass: read the log and decode each frame into `slots`. */
async function pass(path: string, c: CompiledDbc, slots: Float64Array, batched: boolean): Promise<PassResult> {
  const began = performance.now();
  const reader = await openTraceReader(path);
  let frames = 0;
  let decoded = 0;
  let signals = 0;
  const counts = c.messages.map((m) => m.signals.length);
  const decode = (f: CanFrame): void => {
    const mi = c.messageIndex(f.id, f.extended);
    if (mi >= 0) {
      c.decodeInto(mi, f.data, 0, f.data.length, slots);
      decoded++;
      signals += counts[mi]!;
    }
  };
  if (batched) {
    for await (const batch of reader.batches()) {
      for (let i = 0; i < batch.length; i++) decode(batch[i]!);
      frames += batch.length;
    }
  } else {
    for await (const f of reader) {
      decode(f);
      frames++;
    }
  }
  return { frames, decoded, signals, seconds: (performance.now() - began) / 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { frames: { type: 'string' }, runs: { type: 'string' }, dbc: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const frames = Number(values.frames ?? 1_000_000);
  const runs = Number(values.runs ?? 7);
  const dbcFile = values.dbc ?? fileURLToPath(new URL('../dbc/vehicles/toyota_nodsu_pt_generated.dbc', import.meta.url));
  if (!(frames > 0) || !(runs > 0)) {
    process.stderr.write(`bench-trace-decode: bad arguments\n\n${USAGE}\n`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'headunit-bench-trace-decode-'));
  try {
    const path = join(dir, 'car.log');
    await writeLog(path, dbcFile, frames);
    const c = new CompiledDbc(loadDbcFile(dbcFile));
    const slots = c.createSlots();
    process.stdout.write(`${frames} frames (${(statSync(path).size / 1e6).toFixed(1)} MB candump -l, 4 buses) of ${dbcFile.replace(/^.*\//, '')} (${c.messages.length} messages)\n`);
    let batchRate = 0;
    for (const batched of [true, false]) {
      const rates: number[] = [];
      let last: PassResult | null = null;
      await pass(path, c, slots, batched);
      for (let r = 0; r < runs; r++) {
        last = await pass(path, c, slots, batched);
        if (last.frames !== frames || last.decoded !== frames) throw new Error(`read ${last.frames} frames, decoded ${last.decoded}; expected ${frames}`);
        rates.push(last.frames / last.seconds);
      }
      const rate = median(rates);
      const signalsPerFrame = last!.signals / last!.frames;
      if (batched) batchRate = rate;
      process.stdout.write(
        `  read + decode, ${batched ? 'batches() ' : 'for await '}: median ${(rate / 1e6).toFixed(2)} M frames/s, best ${(Math.max(...rates) / 1e6).toFixed(2)}` +
          ` (~${((rate * signalsPerFrame) / 1e6).toFixed(0)} M signals/s); an hour of a 4-bus car (75 M frames) in ${(75e6 / rate).toFixed(1)} s\n`,
      );
    }
    const met = batchRate >= TARGET;
    process.stdout.write(`  target >= 3 M frames/s end to end (batches()): ${met ? 'met' : 'NOT met'} (${(batchRate / TARGET).toFixed(2)}x)\n`);
    process.stdout.write(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, one thread; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    return met ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
