/**
 * `node --import tsx scripts/fuzz-traces.ts` — mutates the real trace samples (candump, ASC,
 * TRC, BLF) and traces our writers made (CSV, compressed BLF), and reads each input with every
 * reader: every input must give frames or typed `TraceFormatError`s. Never a crash, a hang or
 * unbounded memory (issue #4).
 *
 * Inputs run in worker threads; the watchdog here names an input that runs longer than the
 * timeout (or whose worker dies, e.g. at the heap limit), terminates that worker and goes on
 * from the next input in a new one. Exit code 1 on any bug, hang or crash.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SAMPLES, tally, type TraceFuzzResult, type TraceFuzzSummary } from '../sim/src/readers/trace-fuzz.ts';
import type { TraceFuzzJob, TraceFuzzMessage } from '../sim/src/readers/trace-fuzz-worker.ts';
import { intOption, UsageError } from './script-args.ts';

/** The --help text. */
const USAGE = `Usage: node --import tsx scripts/fuzz-traces.ts [options]

Mutates real trace samples and reads every input with the trace readers.

Options:
  --count N          inputs to run (default 100000)
  --seed N           run seed; input i of a seed is always the same bytes (default 1)
  --start N          first input index (default 0), to resume or shard a run
  --workers N        worker threads (default: one per CPU; the main thread only watches)
  --timeout S        seconds one input may take before it counts as a hang (default 5)
  --samples DIR      trace samples (default ../shared/data/traces)
  --inject-hang N    harness self-test: input N spins forever (must be reported as a hang)
  --inject-bug N     harness self-test: input N throws a TypeError (must be reported as a crash)
  -h, --help         show this help

Exit code: 0 when every input gave frames or typed errors, 1 on any bug, hang or crash, 2 on bad usage.`;

/** Time a worker may take to load tsx and the seeds. */
const STARTUP_TIMEOUT_MS = 60_000;
/** How often the watchdog looks. */
const TICK_MS = 250;
/** Heap cap of a worker: an input that allocates without bound kills its worker, not the run. */
const WORKER_HEAP_MB = 512;
/** Progress lines on stderr: one per this share of the run. */
const PROGRESS_STEP = 0.05;

interface Options {
  count: number;
  seed: number;
  start: number;
  workers: number;
  timeoutMs: number;
  samples: string;
  injectHangAt: number | null;
  injectBugAt: number | null;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' }, seed: { type: 'string' }, start: { type: 'string' }, workers: { type: 'string' },
      timeout: { type: 'string' }, samples: { type: 'string' }, 'inject-hang': { type: 'string' }, 'inject-bug': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const workers = intOption(values.workers, 'workers', Math.max(1, availableParallelism()))!;
  if (workers < 1 || values.count === '0') throw new UsageError('--count and --workers must be at least 1');
  return {
    count: intOption(values.count, 'count', 100_000)!,
    seed: intOption(values.seed, 'seed', 1)!,
    start: intOption(values.start, 'start', 0)!,
    workers,
    timeoutMs: intOption(values.timeout, 'timeout', 5)! * 1000,
    samples: values.samples ?? DEFAULT_SAMPLES,
    injectHangAt: intOption(values['inject-hang'], 'inject-hang', null),
    injectBugAt: intOption(values['inject-bug'], 'inject-bug', null),
  };
}

/** Starts a worker through a bootstrap that registers tsx (Node 20 ignores `--import` for worker entries). */
function startWorker(job: TraceFuzzJob): Worker {
  const entry = new URL('../sim/src/readers/trace-fuzz-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, execArgv: [], workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
}

/** A hang or crash at `index`, as a result the summary counts as a bug. */
function lost(index: number, detail: string): TraceFuzzResult {
  return { index, seed: '?', format: 'candump', mode: 'worker', outcome: 'bug', detail };
}

/**
 * Runs inputs `from .. end-1` in one worker. Resolves with the index to go on from: `end` when
 * the worker finished, else the input after the one that hung or killed it.
 */
function runWorker(o: Options, from: number, end: number, summary: TraceFuzzSummary): Promise<number> {
  return new Promise((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), 'headunit-fuzz-traces-'));
    const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
    const worker = startWorker({ seed: o.seed, start: from, end, samplesDir: o.samples, dir, injectHangAt: o.injectHangAt, injectBugAt: o.injectBugAt });
    let ready = false;
    let running = from;
    let lastSeen = Date.now();
    let settled = false;
    let workerError: Error | null = null;
    const finish = (resumeAt: number, failure?: TraceFuzzResult): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      if (failure) tally(summary, failure);
      void worker.terminate().then(() => {
        cleanUp();
        resolve(resumeAt);
      });
    };
    const timer = setInterval(() => {
      const idle = Date.now() - lastSeen;
      if (!ready && idle > STARTUP_TIMEOUT_MS) {
        settled = true;
        clearInterval(timer);
        void worker.terminate().then(cleanUp);
        reject(new Error(`a fuzz worker did not start within ${STARTUP_TIMEOUT_MS / 1000} s`));
      } else if (ready && idle > o.timeoutMs) finish(running + 1, lost(running, `hang: input ${running} ran more than ${o.timeoutMs / 1000} s`));
    }, TICK_MS);
    worker.on('message', (m: TraceFuzzMessage) => {
      lastSeen = Date.now();
      if (m.type === 'ready') ready = true;
      else if (m.type === 'begin') running = m.index;
      else if (m.type === 'result') tally(summary, m.result);
      else finish(end);
    });
    worker.on('error', (err) => (workerError = err));
    worker.on('exit', (code) => {
      if (settled) return;
      if (!ready) {
        settled = true;
        clearInterval(timer);
        cleanUp();
        reject(new Error(`a fuzz worker exited (code ${code}) before it started${workerError ? `: ${workerError.stack}` : ''}`));
        return;
      }
      // Exit code 0 without "done": the event loop ran dry, a promise never settled.
      const why = workerError ? `${workerError.name}: ${workerError.message}` : code === 0 ? 'a promise that never settles (hang)' : `exit code ${code}`;
      finish(running + 1, lost(running, `the worker died on input ${running}: ${why}`));
    });
  });
}

async function main(): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fuzz-traces: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (o === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = o;
  const summary: TraceFuzzSummary = { inputs: 0, ok: 0, typed: 0, bugs: [], byFormat: {} };
  const began = Date.now();
  let nextStep = PROGRESS_STEP;
  const progress = setInterval(() => {
    const share = summary.inputs / options.count;
    if (share < nextStep) return;
    while (share >= nextStep) nextStep += PROGRESS_STEP;
    const rate = summary.inputs / ((Date.now() - began) / 1000);
    process.stderr.write(`fuzz-traces: ${summary.inputs}/${options.count} inputs, ${rate.toFixed(0)}/s, ok ${summary.ok} typed ${summary.typed} bugs ${summary.bugs.length}\n`);
  }, TICK_MS);
  // Shards of consecutive inputs, one chain of workers each.
  const end = options.start + options.count;
  const per = Math.ceil(options.count / options.workers);
  const shards = Array.from({ length: options.workers }, (_, k) => [options.start + k * per, Math.min(end, options.start + (k + 1) * per)] as const).filter(([a, b]) => a < b);
  try {
    await Promise.all(shards.map(async ([from, to]) => {
      for (let next = from; next < to; ) next = await runWorker(options, next, to, summary);
    }));
  } catch (err) {
    process.stderr.write(`fuzz-traces: ${(err as Error).message}\n`);
    return 2;
  } finally {
    clearInterval(progress);
  }
  const seconds = (Date.now() - began) / 1000;
  const formats = Object.entries(summary.byFormat).map(([f, n]) => `${f} ${n}`).join(', ');
  process.stdout.write(
    `fuzz-traces: ${summary.inputs} inputs (seed ${options.seed}, ${options.start}..${end - 1}) in ${seconds.toFixed(1)} s (${(summary.inputs / seconds).toFixed(0)}/s, workers: ${options.workers})\n` +
      `  by seed format: ${formats}\n` +
      `  frames only: ${summary.ok}, with typed TraceFormatErrors: ${summary.typed}, bugs (crash, hang, untyped error, bad frame): ${summary.bugs.length}\n`,
  );
  for (const bug of summary.bugs.slice(0, 20)) {
    process.stdout.write(`  BUG input ${bug.index} (seed ${options.seed}, ${bug.seed}, ${bug.mode}): ${bug.detail.split('\n').slice(0, 6).join('\n    ')}\n`);
  }
  return summary.bugs.length > 0 ? 1 : 0;
}

process.exitCode = await main();
