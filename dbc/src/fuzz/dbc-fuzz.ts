import { CompiledDbc, DECODE_OK, DECODE_TRUNCATED } from '../codec/compile.ts';
import { decodeToObject, encodeFromObject, type DecodedFrame } from '../codec/object-codec.ts';
import { DbcError } from '../errors.ts';
import { parseDbc } from '../formats/dbc/load.ts';
import type { Database } from '../model/database.ts';
import { loadDbcCorpus, pickWindow, type CorpusFile } from './dbc-corpus.ts';
import { classifyError, detailOf, FuzzInvariantError } from './fuzz-classify.ts';
import { createRng, inputSeed, type Rng } from './fuzz-rng.ts';
import { mutateBytes } from './mutate-bytes.ts';
import { mutateTokens } from './mutate-tokens.ts';
import { addResult, createReport, type FuzzBug, type FuzzPhase, type FuzzReport, type FuzzResult } from './fuzz-report.ts';

export * from './fuzz-report.ts';
export { classifyError, FuzzInvariantError, type NamedBytes } from './fuzz-classify.ts';
export { loadDbcCorpus, defaultCorpusDirs, type CorpusFile } from './dbc-corpus.ts';

/**
 * The DBC fuzzer's core (issue: "100k inputs give only typed errors or results, never a
 * crash, hang or exception of another kind"). Input `index` of a run seeded `seed` is always
 * the same bytes for the same corpus, so every finding can be replayed from (seed, index).
 *
 * Per input: cut a window out of a real DBC file, apply 1..8 byte- and token-level
 * mutations, then parse -> compile -> decode random frames (fast path and interpreter) ->
 * encode the decoded values. Hangs are not detected here: `scripts/fuzz-dbc.ts` runs this in
 * a worker under a watchdog.
 */

/** One mutated DBC, ready to parse. */
export interface FuzzInput {
  seed: number;
  index: number;
  /** Corpus file the input was cut from. */
  source: string;
  /** Name passed to `parseDbc` (and so expected in error messages): `<index>-<source>`. */
  name: string;
  bytes: Uint8Array;
}

/** Where an input is in its run; a target updates it so a bug can say which step failed. */
export interface FuzzProgress {
  phase: FuzzPhase;
}

/**
 * What is done with an input. Returns the typed error that a later step (encode) raised and
 * the target caught to go on with other frames, or null. Anything it throws is classified by
 * `classifyError`.
 */
export type FuzzTarget = (input: FuzzInput, rng: Rng, at: FuzzProgress) => DbcError | null;

/** Share of inputs that are a window with no mutation (they should mostly load). */
const UNMUTATED_SHARE = 0.05;
/** Share of mutations that are token-level (the rest are byte-level). */
const TOKEN_SHARE = 0.6;
/** Most mutations stacked on one input. */
const MAX_MUTATIONS = 8;
/** Messages decoded per input that loads, and frames per message. */
const MESSAGES_PER_INPUT = 4;
const FRAMES_PER_MESSAGE = 3;
/** Largest frame length tried (CAN FD payload). */
const MAX_FRAME_BYTES = 64;
/** Frames are placed at a random offset below this inside a larger buffer. */
const MAX_FRAME_OFFSET = 8;
/** Limits the model documents: start bit 0..511, length 1..64 bits, 11- and 29-bit ids. */
const MAX_START_BIT = 511;
const MAX_SIGNAL_BITS = 64;
const MAX_STANDARD_ID = 0x7ff;
const MAX_EXTENDED_ID = 0x1fffffff;
/** Salt of the exercise generator, so frames do not repeat the mutator's choices. */
const EXERCISE_SALT = 0x5eed;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Builds input `index` of the run seeded `seed` (deterministic for a given corpus). */
export function makeFuzzInput(corpus: readonly CorpusFile[], seed: number, index: number): FuzzInput {
  const rng = createRng(inputSeed(seed, index));
  const file = rng.pick(corpus);
  let bytes: Uint8Array = Buffer.from(pickWindow(file, rng), 'latin1');
  if (!rng.chance(UNMUTATED_SHARE)) {
    const count = rng.chance(0.7) ? rng.between(1, 2) : rng.between(3, MAX_MUTATIONS);
    for (let k = 0; k < count; k++) {
      bytes = rng.chance(TOKEN_SHARE) ? Buffer.from(mutateTokens(latin1(bytes), rng), 'latin1') : mutateBytes(bytes, rng);
    }
  }
  return { seed, index, source: file.name, name: `${index}-${file.name}`, bytes: new Uint8Array(bytes) };
}

function randomFrame(rng: Rng, length: number, offset: number): Uint8Array {
  const buf = new Uint8Array(offset + length);
  const fill = rng.int(4); // 0: zeros, 1: ones, else random bytes
  for (let i = offset; i < buf.length; i++) buf[i] = fill === 0 ? 0 : fill === 1 ? 0xff : rng.int(256);
  return buf;
}

/** What the model promises (see `Signal`, `Message`), checked on every database that loads. */
function checkModel(db: Database): void {
  for (const m of db.messages) {
    const idLimit = m.extended ? MAX_EXTENDED_ID : MAX_STANDARD_ID;
    if (!Number.isInteger(m.id) || m.id < 0 || m.id > idLimit) throw new FuzzInvariantError(`message ${m.name}: id ${m.id} out of range`);
    if (!Number.isInteger(m.length) || m.length < 0 || m.length > MAX_FRAME_BYTES) throw new FuzzInvariantError(`message ${m.name}: length ${m.length}`);
    for (const s of m.signals) {
      if (!Number.isInteger(s.startBit) || s.startBit < 0 || s.startBit > MAX_START_BIT) {
        throw new FuzzInvariantError(`signal ${m.name}.${s.name}: start bit ${s.startBit} outside 0..${MAX_START_BIT} was accepted`);
      }
      if (!Number.isInteger(s.length) || s.length < 1 || s.length > MAX_SIGNAL_BITS) throw new FuzzInvariantError(`signal ${m.name}.${s.name}: length ${s.length}`);
    }
  }
}

/** Decoded values are numbers or choice names, and agree with what the generated code wrote. */
function checkDecoded(c: CompiledDbc, mi: number, obj: DecodedFrame, slots: Float64Array): void {
  const m = c.messages[mi]!;
  for (const [name, v] of Object.entries(obj.signals)) {
    if (typeof v !== 'number' && typeof v !== 'string') throw new FuzzInvariantError(`${m.name}.${name} decoded to a ${typeof v}`);
  }
  m.signals.forEach((sig, i) => {
    const slot = slots[c.slotBase[mi]! + i]!;
    const v = Object.hasOwn(obj.signals, sig.name) ? obj.signals[sig.name] : undefined;
    const missing = obj.missing?.includes(sig.name) ?? false;
    if (v === undefined && !missing && !Number.isNaN(slot)) {
      throw new FuzzInvariantError(`${m.name}.${sig.name}: decodeInto wrote ${slot} but decodeToObject has no value for it`);
    }
    if (missing && !Number.isNaN(slot)) throw new FuzzInvariantError(`${m.name}.${sig.name}: missing from the frame but decodeInto wrote ${slot}`);
    if (typeof v === 'number' && slot !== v && !(Number.isNaN(slot) && Number.isNaN(v))) {
      throw new FuzzInvariantError(`${m.name}.${sig.name}: decodeInto gave ${slot}, decodeToObject ${v}`);
    }
  });
}

/** Decodes one random frame of message `mi` both ways, then encodes the decoded values. */
function exerciseFrame(c: CompiledDbc, mi: number, slots: Float64Array, rng: Rng, at: FuzzProgress): DbcError | null {
  const m = c.messages[mi]!;
  const length = rng.chance(0.4) ? m.length : rng.int(MAX_FRAME_BYTES + 1);
  const offset = rng.int(MAX_FRAME_OFFSET);
  const buf = randomFrame(rng, length, offset);
  at.phase = 'decode';
  slots.fill(NaN);
  const status = c.decodeInto(mi, buf, offset, length, slots);
  if (status !== DECODE_OK && status !== DECODE_TRUNCATED) throw new FuzzInvariantError(`decodeInto returned ${status}`);
  const obj = decodeToObject(c, mi, buf.subarray(offset), { choices: rng.chance(0.5) });
  checkDecoded(c, mi, obj, slots);
  at.phase = 'encode';
  try {
    const out = encodeFromObject(c, mi, obj.signals, { strict: false, fillMissing: true });
    if (!(out instanceof Uint8Array) || out.length !== m.length) throw new FuzzInvariantError(`encodeFromObject gave ${out?.length} bytes for ${m.name} (${m.length})`);
  } catch (err) {
    if (err instanceof DbcError) return err;
    throw err;
  }
  return null;
}

/**
 * The default target: parse, compile, then decode and encode a few random frames (lengths
 * 0..64, often shorter than the message) of a few random messages.
 */
export const exerciseDbc: FuzzTarget = (input, rng, at) => {
  at.phase = 'parse';
  const db = parseDbc(input.bytes, input.name);
  checkModel(db);
  at.phase = 'compile';
  const c = new CompiledDbc(db);
  const slots = c.createSlots();
  let typed: DbcError | null = null;
  for (let k = 0; k < MESSAGES_PER_INPUT && c.messages.length > 0; k++) {
    const mi = rng.int(c.messages.length);
    const m = c.messages[mi]!;
    at.phase = 'decode';
    const found = c.messageIndex(m.id, m.extended);
    if (found !== mi) {
      throw new FuzzInvariantError(`message ${m.name} (id 0x${m.id.toString(16)}${m.extended ? ' extended' : ''}) dispatches to index ${found}, not ${mi}`);
    }
    for (let f = 0; f < FRAMES_PER_MESSAGE; f++) typed ??= exerciseFrame(c, mi, slots, rng, at);
  }
  return typed;
};

/** Runs input `index` of the run seeded `seed` and classifies what happened. */
export function runFuzzInput(corpus: readonly CorpusFile[], seed: number, index: number, target: FuzzTarget = exerciseDbc): FuzzResult {
  const input = makeFuzzInput(corpus, seed, index);
  return runOnInput(input, target);
}

/** Classifies one run of `target` on `input` (exported so tests can inject targets). */
export function runOnInput(input: FuzzInput, target: FuzzTarget = exerciseDbc): FuzzResult {
  const at: FuzzProgress = { phase: 'unknown' };
  const rng = createRng(inputSeed(input.seed ^ EXERCISE_SALT, input.index));
  try {
    const typed = target(input, rng, at);
    return typed === null ? { index: input.index, outcome: 'ok', code: null } : { index: input.index, outcome: 'typed', code: typed.code, detail: detailOf(typed) };
  } catch (err) {
    const c = classifyError(err, input);
    if (c.outcome === 'typed') return { index: input.index, outcome: 'typed', code: c.code, detail: detailOf(err as DbcError) };
    const e = err instanceof Error ? err : null;
    const bug: FuzzBug = {
      kind: err instanceof FuzzInvariantError ? 'invariant' : 'bug',
      seed: input.seed,
      index: input.index,
      source: input.source,
      name: input.name,
      phase: at.phase,
      problem: c.problem ?? '',
      errorName: e?.name ?? typeof err,
      message: e?.message ?? String(err),
      stack: e?.stack ?? String(err),
      input: input.bytes,
    };
    return { index: input.index, outcome: 'bug', code: c.code, detail: c.code, bug };
  }
}

/** Options of `runDbcFuzz`. */
export interface FuzzRunOptions {
  seed: number;
  /** Inputs to run: indexes `start .. start+count-1`. */
  count: number;
  start?: number;
  /** Default: every real DBC file beside the repository (`loadDbcCorpus()`). */
  corpus?: readonly CorpusFile[];
  target?: FuzzTarget;
  /** Called after every `progressEvery` inputs (default 1,000) and at the end. */
  onProgress?: (done: number, report: FuzzReport) => void;
  progressEvery?: number;
}

/**
 * Runs `count` inputs in this thread and returns the counts per outcome, the error codes seen
 * and every bug with its input. A hanging input hangs this call: use the script for long runs.
 *
 * @throws DbcError `FUZZ_CORPUS` when the default corpus cannot be read.
 */
export function runDbcFuzz(opts: FuzzRunOptions): FuzzReport {
  const corpus = opts.corpus ?? loadDbcCorpus();
  const start = opts.start ?? 0;
  const every = opts.progressEvery ?? 1000;
  const report = createReport(opts.seed, start);
  const began = performance.now();
  for (let i = 0; i < opts.count; i++) {
    addResult(report, runFuzzInput(corpus, opts.seed, start + i, opts.target));
    report.elapsedMs = performance.now() - began;
    if (opts.onProgress && ((i + 1) % every === 0 || i + 1 === opts.count)) opts.onProgress(i + 1, report);
  }
  return report;
}
