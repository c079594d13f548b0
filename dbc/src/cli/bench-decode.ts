import { parseArgs } from 'node:util';
import { randomFrameStream, FRAME_STRIDE, type FrameStream } from '../bench/frame-stream.ts';
import { CompiledDbc } from '../codec/compile.ts';
import { loadDbcFile } from '../formats/dbc/load.ts';
import { UsageError, type CliCommand } from './command.ts';

/**
 * Reference figures measured on this 2-core machine on the same streams (issue #2), in M
 * frames/s: what others reach, so our number has a scale.
 */
const ANCHORS = [
  { name: 'cantools (Python)', lo: 0.26, hi: 0.44 },
  { name: 'naive JS decoder', lo: 0.4, hi: 1.0 },
  { name: 'cantools C, gcc -O3, table dispatch', lo: 55, hi: 85 },
];

/** The loop being measured: dispatch by id, then decode into slots. Returns unknown-id count. */
function pass(c: CompiledDbc, st: FrameStream, slots: Float64Array): number {
  const { ids, extended, lengths, data, count } = st;
  let unknown = 0;
  for (let k = 0; k < count; k++) {
    const mi = c.messageIndex(ids[k]!, extended[k] === 1);
    if (mi < 0) unknown++;
    else c.decodeInto(mi, data, k * FRAME_STRIDE, lengths[k]!, slots);
  }
  return unknown;
}

export interface BenchResult {
  dbc: string;
  messages: number;
  signals: number;
  frames: number;
  /** M frames/s of each measured round. */
  rounds: number[];
  median: number;
  min: number;
  max: number;
}

/** Measures decode throughput: warm-up, then `rounds` rounds of about `roundMs` each. */
export function benchDecode(file: string, opts: { frames: number; rounds: number; roundMs: number; seed: number }): BenchResult {
  const db = loadDbcFile(file);
  const c = new CompiledDbc(db);
  const st = randomFrameStream(db, opts.frames, opts.seed);
  const slots = c.createSlots();
  const warmUntil = performance.now() + 1000;
  let passes = 0;
  while (performance.now() < warmUntil) {
    pass(c, st, slots);
    passes++;
  }
  const perRound = Math.max(1, Math.round((passes * opts.roundMs) / 1000));
  const rounds: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < perRound; p++) pass(c, st, slots);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rounds.push((perRound * st.count) / seconds / 1e6);
  }
  const sorted = [...rounds].sort((a, b) => a - b);
  return {
    dbc: file,
    messages: db.messages.length,
    signals: c.slotCount,
    frames: st.count,
    rounds,
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

export function formatBench(r: BenchResult): string {
  const f = (x: number): string => x.toFixed(1);
  const spread = ((r.max - r.min) / r.median) * 100;
  const lines = [
    `${r.dbc}: ${r.messages} messages, ${r.signals} signals; stream of ${r.frames} frames in random id order, random payloads`,
    `  decode into slots: median ${f(r.median)} M frames/s (min ${f(r.min)}, max ${f(r.max)}, spread ${spread.toFixed(0)}% over ${r.rounds.length} rounds)`,
    `  rounds: ${r.rounds.map(f).join(' ')}`,
  ];
  for (const a of ANCHORS) {
    const ratio = r.median / ((a.lo + a.hi) / 2);
    lines.push(`  vs ${a.name} (${a.lo}-${a.hi} M/s): ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}x`);
  }
  return lines.join('\n') + '\n';
}

export const benchDecodeCommand: CliCommand = {
  name: 'bench decode',
  summary: 'measure decode frames/s on a reproducible frame stream',
  help: `Usage: headunit bench decode --dbc FILE [--frames N] [--rounds N] [--round-ms MS] [--seed N] [--json]

Builds a reproducible stream of frames (random message order, random payloads over the
DBC's messages, seeded), warms up for 1 s, then measures rounds of decoding every frame
(id dispatch + generated decoder into preallocated slots) on this thread. Prints the
median, min, max and each round in M frames/s, and the ratio to reference decoders.

Options:
  --dbc FILE       DBC file to compile (required)
  --frames N       frames in the stream (default 65536)
  --rounds N       measured rounds (default 9)
  --round-ms MS    approximate duration of one round (default 300)
  --seed N         stream seed (default 42)
  --json           print the result as JSON
  -h, --help       show this help`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        dbc: { type: 'string' },
        frames: { type: 'string', default: '65536' },
        rounds: { type: 'string', default: '9' },
        'round-ms': { type: 'string', default: '300' },
        seed: { type: 'string', default: '42' },
        json: { type: 'boolean' },
      },
    });
    if (!values.dbc) throw new UsageError('--dbc FILE is required');
    const num = (name: string, v: string, min: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, not '${v}'`);
      return n;
    };
    const result = benchDecode(values.dbc, {
      frames: num('frames', values.frames, 1),
      rounds: num('rounds', values.rounds, 1),
      roundMs: num('round-ms', values['round-ms'], 10),
      seed: num('seed', values.seed, 0),
    });
    io.stdout.write(values.json ? JSON.stringify(result) + '\n' : formatBench(result));
    return 0;
  },
};
