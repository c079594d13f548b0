// Fuzzes the UART bridge receive path (issue #3) with seeded random, COBS-random,
// random-payload, valid and damaged byte streams; see firmware-bridge/src/uart/bridge-fuzz.ts for
// what is checked. Inputs run in a worker thread so that a watchdog here can name an input that
// hangs. Exit code 1 on any finding.
//
//   node --import tsx scripts/fuzz-bridge.ts [--count 100000] [--seed 1] [--replay N]
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { makeBridgeFuzzInput, runBridgeFuzz, runBridgeFuzzInput, type BridgeFuzzFinding, type BridgeFuzzReport } from '../firmware-bridge/src/uart/bridge-fuzz.ts';

const HELP = `Usage: node --import tsx scripts/fuzz-bridge.ts [options]

Feeds the UART bridge's receive path (COBS/CRC decoder, payload readers, CAN_BATCH checks, frame
accounting) seeded inputs: random bytes, random COBS frames, random payloads under a correct CRC,
valid MCU streams, and valid streams with damage (bit flips, replaced/inserted/deleted bytes,
stray 0x00, deleted/duplicated/swapped runs, truncation, garbage), each whole and in random
chunks. Findings: an exception, a hang (watchdog), a packet accepted that the spec rejects, a
delivered frame that was not in the stream (and not from a damaged packet that passed CRC-16 by
chance), a frame delivered twice, an undamaged stream not delivered exactly, chunking dependence.

Options:
  --count N          inputs (default 100000)
  --seed S           seed (default 1); the same seed gives the same inputs on every machine
  --start N          first input index (default 0), to resume or shard a run
  --timeout S        seconds one input may run before it counts as a hang (default 5)
  --strict           count CRC-16 escapes (damaged packets that pass by chance) as findings too
  --replay N         run only input N, print it as hex with its outcome, and exit
  --inject-hang N    harness self-test: input N loops forever (the watchdog must report it)
  -h, --help         this text

Progress goes to stderr, the summary to stdout. Exit code 1 when there is a finding, 2 for bad usage.`;

interface Job {
  seed: number;
  start: number;
  count: number;
  /** Inputs not to run (they hung in an earlier worker). */
  skip: number[];
  injectHang: number;
  cell: SharedArrayBuffer;
}

/** `progress` carries the report so far, so a hang loses at most PROGRESS_EVERY inputs of work. */
type WorkerMessage = { type: 'progress' | 'done'; done: number; report: BridgeFuzzReport };

const PROGRESS_EVERY = 5000;

function emptyReport(): BridgeFuzzReport {
  return { inputs: 0, bytes: 0, framesEncoded: 0, framesDelivered: 0, packetsDiscarded: 0, packetsAccepted: 0, crcEscapes: 0, framesFromEscapes: 0, findings: [], ms: 0 };
}

function workerMain(job: Job): void {
  const cell = new Int32Array(job.cell);
  const total = emptyReport();
  const end = job.start + job.count;
  let from = job.start;
  for (const stop of [...job.skip.filter((i) => i >= from && i < end).sort((a, b) => a - b), end]) {
    const done = total.inputs;
    const part = runBridgeFuzz({
      seed: job.seed,
      start: from,
      count: stop - from,
      progressEvery: PROGRESS_EVERY,
      onProgress: (n, r) => parentPort!.postMessage({ type: 'progress', done: done + n, report: withPart(total, r) } satisfies WorkerMessage),
      onInput: (i) => {
        Atomics.store(cell, 0, i);
        if (i === job.injectHang) for (;;);
      },
    });
    merge(total, part);
    from = stop + 1;
  }
  parentPort!.postMessage({ type: 'done', done: total.inputs, report: total } satisfies WorkerMessage);
}

function withPart(total: BridgeFuzzReport, part: BridgeFuzzReport): BridgeFuzzReport {
  const r = emptyReport();
  merge(r, total);
  merge(r, part);
  return r;
}

/** Runs inputs [start, start + count) in a worker; resolves with its report, or where it hung and the report until then. */
function runWorker(job: Omit<Job, 'cell'>, timeoutMs: number, onProgress: (done: number, findings: number) => void): Promise<{ report: BridgeFuzzReport; hangAt: number | null }> {
  const cell = new SharedArrayBuffer(4);
  const current = new Int32Array(cell);
  Atomics.store(current, 0, -1); // -1 until the worker has loaded and starts its first input
  // On Node 20 `execArgv: ['--import', 'tsx']` does not reach a worker's entry file
  // (nodejs/node#47747), so the worker registers tsx itself before importing this file.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, { eval: true, execArgv: [], workerData: { ...job, cell } satisfies Job });
  return new Promise((resolve, reject) => {
    let last = -1;
    let since = Date.now();
    let snapshot = emptyReport();
    const watchdog = setInterval(() => {
      const now = Atomics.load(current, 0);
      if (now !== last || now === -1) [last, since] = [now, Date.now()];
      else if (Date.now() - since > timeoutMs) {
        clearInterval(watchdog);
        void worker.terminate();
        resolve({ report: snapshot, hangAt: now });
      }
    }, 100);
    worker.on('message', (m: WorkerMessage) => {
      snapshot = m.report;
      if (m.type === 'progress') return onProgress(m.done, m.report.findings.length);
      clearInterval(watchdog);
      void worker.terminate();
      resolve({ report: m.report, hangAt: null });
    });
    worker.on('error', (err) => {
      clearInterval(watchdog);
      reject(err);
    });
  });
}

/** The first input after `done` inputs run from `from`, stepping over skipped ones. */
function resumePoint(from: number, done: number, skip: number[]): number {
  let next = from;
  for (let left = done; left > 0 || skip.includes(next); next++) if (!skip.includes(next)) left--;
  return next;
}

function merge(into: BridgeFuzzReport, r: BridgeFuzzReport): void {
  for (const k of ['inputs', 'bytes', 'framesEncoded', 'framesDelivered', 'packetsDiscarded', 'packetsAccepted', 'crcEscapes', 'framesFromEscapes', 'ms'] as const) into[k] += r[k];
  into.findings.push(...r.findings);
}

function summary(r: BridgeFuzzReport, seed: number, wallMs: number): string {
  return [
    `uart bridge fuzz, seed ${seed}: ${r.inputs} inputs, ${(r.bytes / 1e6).toFixed(1)} MB in ${(wallMs / 1000).toFixed(1)} s`,
    `  frames encoded: ${r.framesEncoded}; delivered: ${r.framesDelivered}`,
    `  packets accepted: ${r.packetsAccepted}; discarded (bad COBS/size/CRC/length/version, malformed payload): ${r.packetsDiscarded}`,
    `  CRC-16 escapes (damaged packets valid by chance, ~1 in 65536): ${r.crcEscapes}, carrying ${r.framesFromEscapes} frames`,
    `  findings: ${r.findings.length}`,
  ].join('\n');
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        count: { type: 'string', default: '100000' },
        seed: { type: 'string', default: '1' },
        start: { type: 'string', default: '0' },
        timeout: { type: 'string', default: '5' },
        strict: { type: 'boolean', default: false },
        replay: { type: 'string' },
        'inject-hang': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`fuzz-bridge: ${(err as Error).message}; see --help`);
    return 2;
  }
  if (values.help) return (console.log(HELP), 0);
  const [count, seed, start, timeoutS] = [values.count, values.seed, values.start, values.timeout].map(Number) as [number, number, number, number];
  const injectHang = values['inject-hang'] === undefined ? -1 : Number(values['inject-hang']);
  if (![count, seed, start, injectHang].every(Number.isInteger) || count < 1 || start < 0 || !(timeoutS > 0)) {
    console.error(`fuzz-bridge: --count, --seed, --start must be whole numbers and --timeout positive; see --help`);
    return 2;
  }
  if (values.replay !== undefined) return replay(seed, Number(values.replay));
  const total = emptyReport();
  const hangs: BridgeFuzzFinding[] = [];
  const t0 = Date.now();
  let from = start;
  for (;;) {
    const skip = hangs.map((h) => h.input);
    const before = total.inputs;
    const { report, hangAt } = await runWorker({ seed, start: from, count: start + count - from, skip, injectHang }, timeoutS * 1000, (done, findings) =>
      process.stderr.write(`  ${before + done + hangs.length} / ${count} inputs, ${total.findings.length + findings + hangs.length} findings, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`),
    );
    merge(total, report);
    if (hangAt === null) break;
    const input = makeBridgeFuzzInput(seed, hangAt);
    hangs.push({ input: hangAt, mode: input.mode, kind: 'hang', detail: `still running after ${timeoutS} s`, bytesHex: Buffer.from(input.bytes).toString('hex') });
    from = resumePoint(from, report.inputs, [...skip, hangAt]);
    process.stderr.write(`  input ${hangAt} hangs; going on from input ${from} in a new worker\n`);
  }
  total.findings.unshift(...hangs);
  if (values.strict && total.crcEscapes > 0) total.findings.push({ input: -1, mode: 'damaged', kind: 'invented-frame', detail: `${total.crcEscapes} CRC-16 escapes (--strict)`, bytesHex: '' });
  console.log(summary(total, seed, Date.now() - t0));
  for (const f of total.findings.slice(0, 10)) console.log(describe(f, seed));
  return total.findings.length > 0 ? 1 : 0;
}

function describe(f: BridgeFuzzFinding, seed: number): string {
  return `  ${f.kind} in input ${f.input} (${f.mode}): ${f.detail.split('\n')[0]}\n    replay: node --import tsx scripts/fuzz-bridge.ts --seed ${seed} --replay ${f.input}`;
}

function replay(seed: number, index: number): number {
  const input = makeBridgeFuzzInput(seed, index);
  console.log(`input ${index} of seed ${seed}: ${input.mode}${input.mutations.length ? `, damage: ${input.mutations.join(' ')}` : ''}`);
  console.log(Buffer.from(input.bytes).toString('hex'));
  const report = emptyReport();
  runBridgeFuzzInput(input, report, index * 2654435761);
  console.log(`frames encoded ${report.framesEncoded}, delivered ${report.framesDelivered}, discarded ${report.packetsDiscarded}, CRC escapes ${report.crcEscapes}`);
  for (const f of report.findings) console.log(`${f.kind}: ${f.detail}`);
  return report.findings.length > 0 ? 1 : 0;
}

if (isMainThread) process.exitCode = await main();
else workerMain(workerData as Job);
