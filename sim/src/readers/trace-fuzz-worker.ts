/**
 * Worker side of `scripts/fuzz-traces.ts`: runs inputs `start .. end-1` of a fuzz run and posts
 * a message before and after each, so the watchdog in the main thread knows which input is
 * running when the worker goes silent (a hang) or dies (a crash, or the heap limit: unbounded
 * memory).
 *
 * Started through an eval'd bootstrap that registers tsx first: on Node 20 `--import tsx` in
 * `execArgv` does not apply to a worker's entry file (nodejs/node#47747).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTraceSeeds, runTraceFuzzInput, type TraceFuzzResult } from './trace-fuzz.ts';

/** What the main thread asks a worker to do. */
export interface TraceFuzzJob {
  seed: number;
  /** First input index to run. */
  start: number;
  /** One past the last input index. */
  end: number;
  samplesDir: string;
  /** Where inputs are written; made and removed by the main thread (a killed worker cannot clean up). */
  dir: string;
  /** Harness self-test: this input never finishes (null: none). */
  injectHangAt: number | null;
  /** Harness self-test: this input throws a TypeError (null: none). */
  injectBugAt: number | null;
}

/** Messages of a worker, in order: `ready`, per input `begin` then `result`, then `done`. */
export type TraceFuzzMessage =
  | { type: 'ready' }
  | { type: 'begin'; index: number }
  | { type: 'result'; result: TraceFuzzResult }
  | { type: 'done' };

function post(message: TraceFuzzMessage): void {
  parentPort!.postMessage(message);
}

async function main(): Promise<void> {
  const job = workerData as TraceFuzzJob;
  const seeds = await loadTraceSeeds(job.samplesDir);
  post({ type: 'ready' });
  for (let i = job.start; i < job.end; i++) {
    post({ type: 'begin', index: i });
    if (i === job.injectHangAt) spinForever();
    if (i === job.injectBugAt) throw new TypeError('injected by --inject-bug');
    post({ type: 'result', result: await runTraceFuzzInput(seeds, job.seed, i, job.dir) });
  }
  post({ type: 'done' });
}

/** The injected hang: a thread that never yields, as an endless parser loop would be. */
function spinForever(): void {
  for (;;) {
    // Busy on purpose: the watchdog must catch it.
  }
}

// An exception escaping main() kills the worker: the main thread reports the input it was on.
if (parentPort) void main();
