/**
 * `node --import tsx scripts/bench-traces.ts` — read throughput of every trace reader (issue #4).
 * Writes a trace of N frames (default 1 M) per format into a temporary directory with our own
 * writers, then reads each several times, both frame by frame (`for await`, the `TraceReader`
 * contract) and a batch at a time (`batches()`), and prints frames/s and MB/s. Targets: BLF
 * read >= 2 M frames/s; the candump reader must stay well above the 3 M frames/s that the
 * end-to-end read + decode is held to (the decode half is wired and measured elsewhere).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CanFrame } from '../dbc/index.ts';
import type { TraceFormat } from '../sim/src/trace.ts';
import { createTraceWriter, openTraceReader, TRACE_EXTENSIONS } from '../sim/src/trace-io.ts';

/** The --help text. */
const USAGE = `Usage: node --import tsx scripts/bench-traces.ts [options]

Writes N frames in each trace format to a temporary directory, reads them back and prints
read throughput (median of the runs; for-await and batches()).

Options:
  --frames N        frames per file (default 1000000)
  --runs N          timed reads per format and style (default 5, after one warm-up)
  --formats LIST    comma-separated subset of candump,asc,trc,blf,csv (default all)
  --keep            keep the generated files (their directory is printed)
  -h, --help        show this help

Exit code: 1 when a target is missed (BLF for-await < 2 M frames/s, candump for-await < 3 M frames/s).`;

/** Read targets in M frames/s, judged on the for-await figure. */
const TARGETS: Partial<Record<TraceFormat, number>> = { blf: 2, candump: 3 };
/** Buses the generated traffic is spread over. */
const BUSES = ['can0', 'can1', 'can2'];
/** Wall-clock start of the generated traces. */
const START_US = 1_700_000_000_000_000;

/** Realistic traffic: 11-bit ids of a few hundred messages, 8 bytes each, 100 µs apart, one in 16 extended. */
function makeFrame(i: number): CanFrame {
  const data = new Uint8Array(8);
  for (let k = 0; k < 8; k++) data[k] = (i * 31 + k * 17) & 0xff;
  const extended = (i & 15) === 0;
  return {
    timestampUs: START_US + i * 100,
    bus: BUSES[i % BUSES.length]!,
    id: extended ? 0x18fe0000 + (i % 512) : (i * 7) % 0x7ff,
    extended,
    fd: false,
    brs: false,
    esi: false,
    rtr: false,
    error: false,
    data,
  };
}

async function generate(path: string, format: TraceFormat, frames: number): Promise<number> {
  const began = performance.now();
  const writer = createTraceWriter(path, format);
  for (let i = 0; i < frames; i++) await writer.write(makeFrame(i));
  await writer.close();
  return performance.now() - began;
}

/** One timed read; returns frames/s. */
async function timedRead(path: string, batched: boolean, expected: number): Promise<number> {
  const reader = await openTraceReader(path);
  const began = performance.now();
  let n = 0;
  if (batched) for await (const batch of reader.batches()) n += batch.length;
  else for await (const f of reader) n += f.id >= 0 ? 1 : 0;
  const seconds = (performance.now() - began) / 1000;
  if (n !== expected || reader.stats.malformed !== 0) throw new Error(`${path}: read ${n} frames (${reader.stats.malformed} malformed), expected ${expected}`);
  return n / seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mega = (x: number): string => (x / 1e6).toFixed(2);

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { frames: { type: 'string' }, runs: { type: 'string' }, formats: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const frames = Number(values.frames ?? 1_000_000);
  const runs = Number(values.runs ?? 5);
  const formats = (values.formats?.split(',') ?? Object.keys(TRACE_EXTENSIONS)) as TraceFormat[];
  if (!(frames > 0) || !(runs > 0) || formats.some((f) => !(f in TRACE_EXTENSIONS))) {
    process.stderr.write(`bench-traces: bad arguments\n\n${USAGE}\n`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'headunit-bench-traces-'));
  let missed = 0;
  try {
    for (const format of formats) {
      const path = join(dir, `bench${TRACE_EXTENSIONS[format]}`);
      const writeMs = await generate(path, format, frames);
      const bytes = statSync(path).size;
      const figures: Record<'frame' | 'batch', number[]> = { frame: [], batch: [] };
      for (const style of ['frame', 'batch'] as const) {
        await timedRead(path, style === 'batch', frames);
        for (let r = 0; r < runs; r++) figures[style].push(await timedRead(path, style === 'batch', frames));
      }
      const [perFrame, perBatch] = [median(figures.frame), median(figures.batch)];
      const mbps = (rate: number): string => ((rate * bytes) / frames / 1e6).toFixed(0);
      process.stdout.write(
        `${format.padEnd(8)} ${frames} frames, ${(bytes / 1e6).toFixed(1)} MB (written in ${(writeMs / 1000).toFixed(1)} s): ` +
          `for-await ${mega(perFrame)} M frames/s (${mbps(perFrame)} MB/s), batches() ${mega(perBatch)} M frames/s (${mbps(perBatch)} MB/s)\n`,
      );
      const target = TARGETS[format];
      if (target !== undefined) {
        const met = perFrame >= target * 1e6;
        if (!met) missed++;
        process.stdout.write(`         target >= ${target} M frames/s: ${met ? 'met' : 'NOT met'} (${(perFrame / 1e6 / target).toFixed(2)}x)\n`);
      }
    }
  } finally {
    if (values.keep) process.stdout.write(`files kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, one thread (BLF inflate is zlib's, synchronous)\n`);
  return missed > 0 ? 1 : 0;
}

process.exitCode = await main();
