import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CanFrame } from '../../../dbc/index.ts';
import { TraceFormatError } from '../errors.ts';
import { openTraceReader, TRACE_EXTENSIONS } from '../trace-io.ts';
import type { TraceFormat, TraceWriter } from '../trace.ts';
import { createAscWriter, openAscReader } from './asc.ts';
import { openBlfReader } from './blf-reader.ts';
import { createBlfWriter } from './blf-writer.ts';
import { createCandumpWriter, openCandumpReader } from './candump.ts';
import { createCsvWriter, openCsvReader } from './csv.ts';
import type { ChunkedReadOptions } from './file-chunks.ts';
import type { BatchTraceReader } from './reader-base.ts';
import { createRng, inputSeed, mutateBlf, mutateBytes, mutateLines, type Rng } from './trace-mutate.ts';
import { createTrcWriter, openTrcReader } from './trc.ts';

/**
 * The trace fuzzer: real samples (and traces our writers made, to reach compressed BLF
 * containers and every row type) are mutated and read by every reader, strict and lenient,
 * by name and by detection. Each input must give frames or typed `TraceFormatError`s: any
 * other exception, a malformed frame object, or a `TraceFormatError` thrown despite
 * `skipMalformed` is a bug. Hangs and unbounded memory are caught by the script's watchdog
 * and heap limit (`scripts/fuzz-traces.ts`).
 */

/** One starting point of mutation. */
export interface TraceSeed {
  format: TraceFormat;
  name: string;
  bytes: Uint8Array;
}

/** How an input ended. */
export type TraceFuzzOutcome = 'ok' | 'typed' | 'bug';

/** What one input did, with what is needed to rebuild it (run seed + index). */
export interface TraceFuzzResult {
  index: number;
  seed: string;
  format: TraceFormat;
  mode: string;
  outcome: TraceFuzzOutcome;
  /** The error for typed and bug outcomes (stack for bugs). */
  detail: string;
}

/** The real samples and the format of each (the MoTeC log is cut to its first lines: inputs stay fast). */
const SAMPLE_SEEDS: readonly [string, TraceFormat][] = [
  ['moteclog_can_sample_head20000.log', 'candump'],
  ['pythoncan_logfile.asc', 'asc'],
  ['pythoncan_issue_1256.asc', 'asc'],
  ['pythoncan_test_CanFdMessage64.asc', 'asc'],
  ['pythoncan_test_CanMessage_V1_1.trc', 'trc'],
  ['pythoncan_test_CanMessage_V2_1.trc', 'trc'],
  ['pythoncan_test_CanMessage.blf', 'blf'],
  ['pythoncan_test_CanFdMessage64.blf', 'blf'],
];
/** Lines kept of a long text sample. */
const SEED_LINES = 200;
/** The default sample directory (`../shared/data/traces` beside the repository). */
export const DEFAULT_SAMPLES = fileURLToPath(new URL('../../../../shared/data/traces/', import.meta.url));

const READERS: Readonly<Record<TraceFormat, (path: string, options: ChunkedReadOptions) => BatchTraceReader>> = {
  candump: openCandumpReader, asc: openAscReader, trc: openTrcReader, blf: openBlfReader, csv: openCsvReader,
};

/** Frames of every kind, for the synthetic seeds. */
function seedFrames(): CanFrame[] {
  const f = (timestampUs: number, id: number, fields: Partial<CanFrame>): CanFrame => ({
    timestampUs, bus: 'can0', id, extended: false, fd: false, brs: false, esi: false, rtr: false, error: false, data: new Uint8Array(0), ...fields,
  });
  const n = (k: number): Uint8Array => Uint8Array.from({ length: k }, (_, i) => i * 7);
  return [
    f(1_700_000_000_000_000, 0x123, { data: n(8) }),
    f(1_700_000_000_000_100, 0x18fef100, { bus: 'can1', extended: true, data: n(3) }),
    f(1_700_000_000_000_200, 0x7ff, { rtr: true }),
    f(1_700_000_000_000_300, 0x456, { fd: true, brs: true, data: n(12) }),
    f(1_700_000_000_000_400, 0x1fffffff, { bus: 'can2', extended: true, fd: true, esi: true, data: n(64) }),
    f(1_700_000_000_000_500, 0x80, { error: true, data: n(8) }),
    f(1_700_000_000_010_000, 0x001, { data: n(1) }),
  ];
}

async function writeSeed(writer: TraceWriter, frames: readonly CanFrame[]): Promise<void> {
  for (const frame of frames) await writer.write(frame);
  await writer.close();
}

/**
 * The seeds: the real samples in `samplesDir`, plus one trace per format from our writers
 * (BLF twice: zlib containers cut every 200 bytes, and uncompressed). Deterministic, so that
 * every worker of a run sees the same seeds.
 */
export async function loadTraceSeeds(samplesDir = DEFAULT_SAMPLES): Promise<TraceSeed[]> {
  const seeds: TraceSeed[] = SAMPLE_SEEDS.map(([name, format]) => {
    let bytes: Uint8Array = readFileSync(join(samplesDir, name));
    if (format !== 'blf') bytes = Buffer.from(Buffer.from(bytes).toString('latin1').split('\n').slice(0, SEED_LINES).join('\n'), 'latin1');
    // Plain copies, frozen in spirit: a mutator must never change a seed.
    return { format, name, bytes: new Uint8Array(bytes) };
  });
  const dir = mkdtempSync(join(tmpdir(), 'headunit-fuzz-seeds-'));
  try {
    const frames = seedFrames();
    const writers: [string, TraceFormat, (path: string) => TraceWriter][] = [
      ['written.log', 'candump', createCandumpWriter], ['written.asc', 'asc', createAscWriter], ['written.trc', 'trc', createTrcWriter],
      ['written.csv', 'csv', createCsvWriter], ['written-zlib.blf', 'blf', (p) => createBlfWriter(p, { containerBytes: 200 })],
      ['written-raw.blf', 'blf', (p) => createBlfWriter(p, { compressionLevel: null })],
    ];
    for (const [name, format, create] of writers) {
      await writeSeed(create(join(dir, name)), frames);
      seeds.push({ format, name, bytes: new Uint8Array(readFileSync(join(dir, name))) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return seeds;
}

/** Input `index` of run `runSeed`: a seed, mutated one to four times, and how to read it. */
export function makeTraceFuzzInput(seeds: readonly TraceSeed[], runSeed: number, index: number): { seed: TraceSeed; bytes: Uint8Array; rng: Rng } {
  const rng = createRng(inputSeed(runSeed, index));
  const seed = rng.pick(seeds);
  let bytes = seed.bytes;
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const r = rng.int(10);
    if (seed.format === 'blf' && r < 6) bytes = mutateBlf(bytes, rng);
    else if (seed.format !== 'blf' && r < 5) bytes = mutateLines(bytes, rng);
    else if (r === 9) {
      // Splice in part of another seed of the same format.
      const other = rng.pick(seeds.filter((s) => s.format === seed.format)).bytes;
      const at = rng.int(bytes.length);
      bytes = Buffer.concat([bytes.subarray(0, at), other.subarray(rng.int(other.length))]);
    } else bytes = mutateBytes(bytes, rng);
  }
  return { seed, bytes, rng };
}

/** Why a yielded frame is not a well-formed `CanFrame` object, or null. */
function badFrame(f: CanFrame): string | null {
  if (typeof f.timestampUs !== 'number' || !Number.isFinite(f.timestampUs)) return `timestamp ${f.timestampUs}`;
  if (!Number.isInteger(f.id) || f.id < 0 || f.id > 0x1fffffff) return `id ${f.id}`;
  if (!(f.data instanceof Uint8Array) || f.data.length > 64) return 'data';
  if (typeof f.bus !== 'string' || f.bus.length === 0) return `bus ${JSON.stringify(f.bus)}`;
  const flags = [f.extended, f.fd, f.brs, f.esi, f.rtr, f.error];
  return flags.every((b) => typeof b === 'boolean') ? null : 'flags';
}

/**
 * Runs input `index` of run `runSeed` through a reader, reading the bytes from a file in
 * `dir`. Never throws: the outcome says what happened.
 */
export async function runTraceFuzzInput(seeds: readonly TraceSeed[], runSeed: number, index: number, dir: string): Promise<TraceFuzzResult> {
  const { seed, bytes, rng } = makeTraceFuzzInput(seeds, runSeed, index);
  const skipMalformed = rng.chance(0.5);
  const detect = rng.chance(0.25);
  const chunkBytes = rng.chance(0.3) ? 64 + rng.int(4096) : undefined;
  const mode = `${detect ? 'detect' : seed.format}${skipMalformed ? '+skip' : ''}${chunkBytes ? `+chunk${chunkBytes}` : ''}`;
  const result = { index, seed: seed.name, format: seed.format, mode };
  const path = join(dir, `input-${index % 16}${TRACE_EXTENSIONS[seed.format]}`);
  writeFileSync(path, bytes);
  let malformedSeen = 0;
  const options: ChunkedReadOptions = { skipMalformed, chunkBytes, onMalformed: () => malformedSeen++ };
  try {
    const reader = detect ? await openTraceReader(path, options) : READERS[seed.format](path, options);
    for await (const batch of reader.batches()) {
      for (const f of batch) {
        const bad = badFrame(f);
        if (bad !== null) return { ...result, outcome: 'bug', detail: `a malformed frame object (${bad}): ${JSON.stringify(f)}` };
      }
    }
    if (reader.stats.malformed !== malformedSeen) return { ...result, outcome: 'bug', detail: `stats.malformed ${reader.stats.malformed}, onMalformed ${malformedSeen}` };
    return { ...result, outcome: malformedSeen > 0 ? 'typed' : 'ok', detail: '' };
  } catch (err) {
    if (err instanceof TraceFormatError && (!skipMalformed || detect)) return { ...result, outcome: 'typed', detail: err.message };
    const e = err as Error;
    const why = err instanceof TraceFormatError ? 'TraceFormatError thrown despite skipMalformed' : 'untyped exception';
    return { ...result, outcome: 'bug', detail: `${why}: ${e?.stack ?? String(err)}` };
  }
}

/** Tally of a run. */
export interface TraceFuzzSummary {
  inputs: number;
  ok: number;
  typed: number;
  bugs: TraceFuzzResult[];
  byFormat: Record<string, number>;
}

/** Adds one result to a tally. */
export function tally(summary: TraceFuzzSummary, r: TraceFuzzResult): void {
  summary.inputs++;
  summary.byFormat[r.format] = (summary.byFormat[r.format] ?? 0) + 1;
  if (r.outcome === 'ok') summary.ok++;
  else if (r.outcome === 'typed') summary.typed++;
  else summary.bugs.push(r);
}

/** Runs inputs `from .. from+count-1` in this thread (the tests' short run; no hang watchdog). */
export async function runTraceFuzz(seeds: readonly TraceSeed[], runSeed: number, from: number, count: number): Promise<TraceFuzzSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'headunit-fuzz-'));
  const summary: TraceFuzzSummary = { inputs: 0, ok: 0, typed: 0, bugs: [], byFormat: {} };
  try {
    for (let i = from; i < from + count; i++) tally(summary, await runTraceFuzzInput(seeds, runSeed, i, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return summary;
}
