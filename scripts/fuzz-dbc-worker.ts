/**
 * Worker side of `scripts/fuzz-dbc.ts`: runs inputs `start .. end-1` of a fuzz run and posts
 * one message per input, so the watchdog in the main thread always knows which input is
 * running (the one after the last result) and can name it when it hangs.
 *
 * Started through an eval'd bootstrap that registers tsx first (see `startWorker` in
 * fuzz-dbc.ts): on Node 20, `execArgv: ['--import', 'tsx']` does not apply the loader to a
 * worker's entry file (nodejs/node#47747, fixed in Node 22.2).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { exerciseDbc, loadDbcCorpus, runFuzzInput, type FuzzResult, type FuzzTarget } from '../dbc/src/fuzz/dbc-fuzz.ts';

/** What the main thread asks a worker to do. */
export interface FuzzWorkerJob {
  seed: number;
  /** First input index to run. */
  start: number;
  /** One past the last input index. */
  end: number;
  /** Corpus directories (the same in every worker, so indexes mean the same inputs). */
  corpusDirs: string[];
  /** Self-test of the harness: make this input loop forever (null: none). */
  injectHangAt: number | null;
  /** Self-test of the harness: make this input throw a TypeError (null: none). */
  injectBugAt: number | null;
}

/** Messages from a worker, in order: `ready`, one `result` per input, `done`. */
export type FuzzWorkerMessage = { type: 'ready' } | { type: 'result'; result: FuzzResult } | { type: 'done' };

/** Longest an injected hang spins; far beyond any watchdog timeout. */
const INJECTED_HANG_MS = 3_600_000;

function targetFor(job: FuzzWorkerJob, index: number): FuzzTarget {
  if (index === job.injectHangAt) {
    return () => {
      const until = Date.now() + INJECTED_HANG_MS;
      while (Date.now() < until) {
        // Busy loop on purpose: the watchdog must catch a thread that never yields.
      }
      return null;
    };
  }
  if (index === job.injectBugAt) {
    return () => {
      throw new TypeError('injected by --inject-bug');
    };
  }
  return exerciseDbc;
}

function post(message: FuzzWorkerMessage): void {
  parentPort!.postMessage(message);
}

function main(): void {
  const job = workerData as FuzzWorkerJob;
  const corpus = loadDbcCorpus(job.corpusDirs);
  post({ type: 'ready' });
  for (let i = job.start; i < job.end; i++) {
    post({ type: 'result', result: runFuzzInput(corpus, job.seed, i, targetFor(job, i)) });
  }
  post({ type: 'done' });
}

if (parentPort) main();
