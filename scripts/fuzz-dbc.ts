/**
 * `npm run fuzz:dbc` — mutates the real DBC files (bytes and tokens) and checks that every
 * input gives a result or a typed `DbcError`: never a crash, a hang, or another exception.
 *
 * Inputs run in a worker thread; a watchdog here names an input that runs longer than the
 * timeout, terminates the worker and goes on from the next input in a new one. Bugs and hangs
 * are written to --out with their reproduction; the exit code is 1 when there is any.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  addResult,
  createReport,
  defaultCorpusDirs,
  loadDbcCorpus,
  makeFuzzInput,
  runFuzzInput,
  topEntries,
  type FuzzBug,
  type FuzzReport,
} from '../dbc/src/fuzz/dbc-fuzz.ts';
import type { FuzzWorkerJob, FuzzWorkerMessage } from './fuzz-dbc-worker.ts';
import { intOption, UsageError } from './script-args.ts';

const USAGE = `Usage: node --import tsx scripts/fuzz-dbc.ts [options]

Mutates the real DBC files and runs parse -> compile -> decode -> encode on each input.

Options:
  --count N          inputs to run (default 100000)
  --seed N           run seed; input i of a seed is always the same bytes (default 1)
  --start N          first input index (default 0), to resume or shard a run
  --out DIR          where bug and hang inputs are written (default .fuzz-out/)
  --timeout S        seconds one input may take before it counts as a hang (default 5)
  --corpus DIR       corpus directory, repeatable (default ../shared/data/dbc/{opendbc,cantools})
  --replay N         run only input N in this process, print its outcome and write it to --out
  --inject-hang N    harness self-test: input N loops forever (the watchdog must report it)
  --inject-bug N     harness self-test: input N throws a TypeError (must be reported as a bug)
  -h, --help         show this help

Exit code: 0 when every input gave a result or a typed error, 1 on any bug or hang, 2 on bad usage.`;

/** Inputs one worker may take to start (load tsx and the corpus) before we give up. */
const STARTUP_TIMEOUT_MS = 60_000;
/** How often the watchdog and the TTY progress line look at the run. */
const TICK_MS = 250;
/** Heap cap of a worker, so one input that allocates without bound crashes it, not us. */
const WORKER_HEAP_MB = 2048;
/** Progress lines when stderr is not a TTY: one per this share of the run. */
const PROGRESS_STEP = 0.1;

interface Options {
  count: number;
  seed: number;
  start: number;
  out: string;
  timeoutMs: number;
  corpusDirs: string[];
  replay: number | null;
  injectHangAt: number | null;
  injectBugAt: number | null;
}

/** The worker could not be started at all (tsx or the corpus failed to load); exit code 2. */
class WorkerStartError extends Error {
  override name = 'WorkerStartError';
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' }, seed: { type: 'string' }, start: { type: 'string' }, out: { type: 'string' },
      timeout: { type: 'string' }, corpus: { type: 'string', multiple: true }, replay: { type: 'string' },
      'inject-hang': { type: 'string' }, 'inject-bug': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  if (values.count === '0') throw new UsageError('--count must be at least 1');
  return {
    count: intOption(values.count, 'count', 100_000)!,
    seed: intOption(values.seed, 'seed', 1)!,
    start: intOption(values.start, 'start', 0)!,
    out: values.out ?? '.fuzz-out',
    timeoutMs: intOption(values.timeout, 'timeout', 5)! * 1000,
    corpusDirs: values.corpus ?? defaultCorpusDirs(),
    replay: intOption(values.replay, 'replay', null),
    injectHangAt: intOption(values['inject-hang'], 'inject-hang', null),
    injectBugAt: intOption(values['inject-bug'], 'inject-bug', null),
  };
}

/** Starts a worker through a bootstrap that registers tsx (Node 20 ignores `--import` for worker entries). */
function startWorker(job: FuzzWorkerJob): Worker {
  const entry = new URL('./fuzz-dbc-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, execArgv: [], workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
}

/** A hang or crash at `index`, with the input rebuilt here from (seed, index). */
function lostInput(o: Options, index: number, kind: 'hang' | 'crash', problem: string): FuzzBug {
  const input = makeFuzzInput(loadDbcCorpus(o.corpusDirs), o.seed, index);
  return { kind, seed: o.seed, index, source: input.source, name: input.name, phase: 'unknown', problem, errorName: kind, message: problem, stack: '', input: input.bytes };
}

/**
 * Runs inputs `from .. end-1` in one worker. Resolves with the index to go on from: `end`
 * when the worker finished, else the input after the one that hung or crashed it.
 */
function runWorker(o: Options, from: number, end: number, report: FuzzReport, onTick: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = startWorker({ seed: o.seed, start: from, end, corpusDirs: o.corpusDirs, injectHangAt: o.injectHangAt, injectBugAt: o.injectBugAt });
    let ready = false;
    let next = from; // the input running now: one past the last result
    let lastSeen = Date.now();
    let settled = false;
    let workerError: Error | null = null;
    const finish = (resumeAt: number, failure?: FuzzBug): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      if (failure) addResult(report, { index: failure.index, outcome: 'bug', code: `BUG:${failure.kind.toUpperCase()}`, detail: failure.problem, bug: failure });
      void worker.terminate().then(() => resolve(resumeAt));
    };
    const timer = setInterval(() => {
      onTick();
      const idle = Date.now() - lastSeen;
      if (!ready && idle > STARTUP_TIMEOUT_MS) {
        settled = true;
        clearInterval(timer);
        void worker.terminate();
        reject(new WorkerStartError(`the fuzz worker did not start within ${STARTUP_TIMEOUT_MS / 1000} s`));
      } else if (ready && idle > o.timeoutMs) {
        finish(next + 1, lostInput(o, next, 'hang', `input ${next} ran more than ${o.timeoutMs / 1000} s`));
      }
    }, TICK_MS);
    worker.on('message', (m: FuzzWorkerMessage) => {
      lastSeen = Date.now();
      if (m.type === 'ready') ready = true;
      else if (m.type === 'result') {
        addResult(report, m.result);
        next = m.result.index + 1;
      } else finish(end);
    });
    worker.on('error', (err) => (workerError = err));
    worker.on('exit', (code) => {
      if (settled) return;
      if (!ready) {
        settled = true;
        clearInterval(timer);
        reject(new WorkerStartError(`the fuzz worker exited with code ${code} before it started${workerError ? `: ${workerError.stack}` : ''}`));
        return;
      }
      const why = workerError ? `${workerError.name}: ${workerError.message}` : `exit code ${code}`;
      finish(next + 1, lostInput(o, next, 'crash', `the worker died on input ${next} (${why})`));
    });
  });
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Progress on stderr: a live line on a TTY, else one line per 10% of the run. */
function progressReporter(o: Options, report: FuzzReport, began: number): (final?: boolean) => void {
  let nextStep = PROGRESS_STEP;
  return (final = false) => {
    const done = report.inputs;
    const elapsed = Date.now() - began;
    const rate = done / Math.max(elapsed / 1000, 1e-3);
    const eta = rate > 0 ? ((o.count - done) / rate) * 1000 : 0;
    const line = `fuzz-dbc: ${done}/${o.count} (${((done / o.count) * 100).toFixed(1)}%) ${rate.toFixed(0)}/s ETA ${duration(eta)}  ok ${report.ok} typed ${report.typed} bugs ${report.bugs.length - report.hangs} hangs ${report.hangs}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else if (done / o.count >= nextStep || final) {
      process.stderr.write(`${line}\n`);
      while (done / o.count >= nextStep) nextStep += PROGRESS_STEP;
    }
  };
}

/** Writes each bug's input (`.dbc`) and its story (`.txt`); returns the paths by bug. */
function writeFindings(o: Options, bugs: readonly FuzzBug[]): Map<FuzzBug, string> {
  const paths = new Map<FuzzBug, string>();
  if (bugs.length > 0) mkdirSync(o.out, { recursive: true });
  for (const b of bugs) {
    const base = join(o.out, `${b.kind}-seed${b.seed}-${b.index}`);
    writeFileSync(`${base}.dbc`, b.input);
    const replay = `node --import tsx scripts/fuzz-dbc.ts --seed ${b.seed} --replay ${b.index}`;
    writeFileSync(`${base}.txt`, `${b.kind} at input ${b.index} (seed ${b.seed}), cut from ${b.source}, phase ${b.phase}\n${b.problem}\n\nreplay: ${replay}\n\n${b.stack || b.message}\n`);
    paths.set(b, `${base}.dbc`);
  }
  return paths;
}

/** ` (invariant 3, bug 1)` for the bugs that are not hangs, or ''. */
function kindBreakdown(bugs: readonly FuzzBug[]): string {
  const kinds = new Map<string, number>();
  for (const b of bugs) if (b.kind !== 'hang') kinds.set(b.kind, (kinds.get(b.kind) ?? 0) + 1);
  return kinds.size === 0 ? '' : ` (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`;
}

function printSummary(o: Options, report: FuzzReport): void {
  const paths = writeFindings(o, report.bugs);
  const secs = report.elapsedMs / 1000;
  const out: string[] = [
    `fuzz-dbc: seed ${o.seed}, inputs ${o.start}..${o.start + o.count - 1}`,
    `  inputs   ${report.inputs}`,
    `  ok       ${report.ok}`,
    `  typed    ${report.typed}`,
    `  bugs     ${report.bugs.length - report.hangs}${kindBreakdown(report.bugs)}`,
    `  hangs    ${report.hangs}`,
    `  rate     ${(report.inputs / Math.max(secs, 1e-3)).toFixed(0)} inputs/s (${secs.toFixed(1)} s)`,
    `  error codes (${report.distinctCodes} distinct):`,
    ...topEntries(report.codes, 10).map(([k, n]) => `    ${k.padEnd(24)} ${n}`),
    '  top reasons:',
    ...topEntries(report.details, 10).map(([k, n]) => `    ${String(n).padStart(6)}  ${k}`),
  ];
  for (const b of report.bugs) out.push(`  ${b.kind} #${b.index} (${b.source}, ${b.phase}): ${b.problem}\n    -> ${paths.get(b)}`);
  console.log(out.join('\n'));
}

function replay(o: Options, index: number): number {
  const r = runFuzzInput(loadDbcCorpus(o.corpusDirs), o.seed, index);
  console.log(`input ${index} (seed ${o.seed}): ${r.outcome}${r.detail ? ` (${r.detail})` : ''}`);
  const paths = writeFindings(o, r.bug ? [r.bug] : []);
  if (r.bug) console.log(`${r.bug.problem}\n${r.bug.stack}\n-> ${paths.get(r.bug)}`);
  return r.outcome === 'bug' ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(argv);
  } catch (err) {
    console.error(`fuzz-dbc: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === null) {
    console.log(USAGE);
    return 0;
  }
  if (o.replay !== null) return replay(o, o.replay);
  const report = createReport(o.seed, o.start);
  const began = Date.now();
  const progress = progressReporter(o, report, began);
  const end = o.start + o.count;
  try {
    for (let next = o.start; next < end; ) next = await runWorker(o, next, end, report, () => progress());
  } catch (err) {
    console.error(`fuzz-dbc: ${(err as Error).message}`);
    return 2;
  }
  report.elapsedMs = Date.now() - began;
  progress(true);
  printSummary(o, report);
  return report.bugs.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
