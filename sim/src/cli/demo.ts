import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompiledDbc, loadDbcFile, type CliCommand } from '../../../dbc/index.ts';
import { TraceFormatError } from '../errors.ts';
import { parseCandumpLine } from '../readers/candump-line.ts';

const SAMPLE_DBC = fileURLToPath(new URL('../../samples/moteclog.dbc', import.meta.url));
const SAMPLE_LOG = fileURLToPath(new URL('../../samples/moteclog-drive.log', import.meta.url));
/** Eight block heights for terminal sparklines. */
const BARS = '▁▂▃▄▅▆▇█';
/** Time buckets per sparkline. */
const BUCKETS = 48;

interface SignalTrack {
  name: string;
  unit: string;
  count: number;
  min: number;
  max: number;
  last: number;
  /** Mean value per time bucket (NaN where the signal was not seen). */
  sums: Float64Array;
  counts: Uint32Array;
}

function sparkline(t: SignalTrack): string {
  const span = t.max - t.min;
  let s = '';
  for (let b = 0; b < BUCKETS; b++) {
    if (t.counts[b] === 0) s += ' ';
    else s += BARS[span === 0 ? 0 : Math.min(7, Math.floor(((t.sums[b]! / t.counts[b]! - t.min) / span) * 8))];
  }
  return s;
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'decode the bundled sample drive and print a per-signal summary',
  help: `Usage: headunit demo [--dbc FILE --trace FILE]

Decodes a candump -l log (default: the bundled sample drive in sim/samples/, recorded with
MotecLogGenerator) through its DBC on the hot path (generated decoders into slots), then
prints frames, duration, decode rate, and for each signal its range, last value and a
sparkline of its mean over time.

Options:
  --dbc FILE     DBC file (default: sim/samples/moteclog.dbc)
  --trace FILE   candump -l log (default: sim/samples/moteclog-drive.log)
  -h, --help     show this help`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { dbc: { type: 'string' }, trace: { type: 'string' } } });
    const dbcFile = values.dbc ?? SAMPLE_DBC;
    const traceFile = values.trace ?? SAMPLE_LOG;
    const c = new CompiledDbc(loadDbcFile(dbcFile));
    const lines = readFileSync(traceFile, 'utf8').split('\n');
    const frames = [];
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() === '') continue;
      const f = parseCandumpLine(lines[i]!);
      if (typeof f === 'string') throw new TraceFormatError(traceFile, i + 1, null, f, lines[i]!);
      frames.push(f);
    }
    if (frames.length === 0) throw new TraceFormatError(traceFile, 1, null, 'no frames in the trace', '');
    const t0 = frames[0]!.timestampUs;
    const duration = frames[frames.length - 1]!.timestampUs - t0;
    const tracks = c.messages.flatMap((m) => m.signals.map((s) => ({ name: `${m.name}.${s.name}`, unit: s.unit, count: 0, min: Infinity, max: -Infinity, last: NaN, sums: new Float64Array(BUCKETS), counts: new Uint32Array(BUCKETS) })));
    const slots = c.createSlots();
    let unknown = 0;
    const start = process.hrtime.bigint();
    for (const f of frames) {
      const mi = c.messageIndex(f.id, f.extended);
      if (mi < 0) {
        unknown++;
        continue;
      }
      slots.fill(NaN, c.slotBase[mi]!, c.slotBase[mi]! + c.messages[mi]!.signals.length);
      c.decodeInto(mi, f.data, 0, f.data.length, slots);
      const bucket = Math.min(BUCKETS - 1, Math.floor(((f.timestampUs - t0) / Math.max(duration, 1)) * BUCKETS));
      for (let i = c.slotBase[mi]!; i < c.slotBase[mi]! + c.messages[mi]!.signals.length; i++) {
        const v = slots[i]!;
        if (Number.isNaN(v)) continue;
        const t = tracks[i]!;
        t.count++;
        t.min = Math.min(t.min, v);
        t.max = Math.max(t.max, v);
        t.last = v;
        t.sums[bucket]! += v;
        t.counts[bucket]!++;
      }
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    io.stdout.write(`${traceFile}\n  ${frames.length} frames over ${(duration / 1e6).toFixed(1)} s; ${frames.length - unknown} decoded through ${dbcFile}, ${unknown} with ids the DBC does not define\n`);
    io.stdout.write(`  decode: ${((frames.length / seconds) / 1e6).toFixed(2)} M frames/s (cold, includes JIT warm-up)\n\n`);
    const width = Math.max(...tracks.map((t) => t.name.length));
    for (const t of tracks.filter((x) => x.count > 0)) {
      const range = `${fmt(t.min)}..${fmt(t.max)} ${t.unit}`.trim();
      io.stdout.write(`  ${t.name.padEnd(width)}  ${sparkline(t)}  ${range.padEnd(22)} last ${fmt(t.last)}\n`);
    }
    return 0;
  },
};
