import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from '../../../dbc/index.ts';
import { parseBitrate } from '../../../firmware-bridge/index.ts';
import { summarizeTrace, type TraceSummary } from '../trace-summary.ts';
import { FORMAT_NAMES, formatOption, openTraceArg, trackProgress } from './trace-args.ts';

/** Names of the formats as engineers know them. */
const FORMAT_TITLES: Record<TraceSummary['format'], string> = { candump: 'candump -l log', asc: 'Vector ASC', trc: 'PEAK TRC', blf: 'Vector BLF', csv: 'CSV' };
/** Timestamps above this (µs) are wall-clock times (after 2001), shown as dates. */
const EPOCH_US = 1e15;

function when(us: number): string {
  return us >= EPOCH_US ? new Date(us / 1000).toISOString() : `${(us / 1e6).toFixed(6)} s`;
}

function hexId(id: number, extended: boolean): string {
  return `0x${id.toString(16).toUpperCase().padStart(extended ? 8 : 3, '0')}`;
}

/** The human-readable summary. */
export function formatTraceInfo(s: TraceSummary, bitrate: number, detected = true): string {
  const seconds = s.firstUs === null ? 0 : (s.lastUs! - s.firstUs) / 1e6;
  const rate = (n: number): string => (seconds > 0 ? (n / seconds).toFixed(1) : '-');
  const out = [
    `${s.file}: ${FORMAT_TITLES[s.format]} (${s.format}${detected ? ', detected from content' : ', as told by --format'})`,
    `frames:    ${s.frames}  (${s.errorFrames} error, ${s.remoteFrames} remote, ${s.fdFrames} CAN FD)` +
      `${s.malformed > 0 ? `; ${s.malformed} malformed records skipped` : ''}${s.ignored > 0 ? `; ${s.ignored} other records` : ''}`,
    `duration:  ${seconds.toFixed(3)} s` + (s.firstUs === null ? '' : `  (${when(s.firstUs)} .. ${when(s.lastUs!)})`),
    `buses:     ${s.buses.length}  (load estimated at ${bitrate / 1000} kbit/s nominal, worst-case bit stuffing)`,
    ...s.buses.map((b) => `  ${b.bus.padEnd(10)} ${String(b.frames).padStart(10)} frames  ${rate(b.frames).padStart(9)} frames/s  load ${seconds > 0 ? `~${((b.busySeconds / seconds) * 100).toFixed(1)} %` : '-'}`),
    `ids:       ${s.ids.length}`,
    `  ${'bus'.padEnd(10)} ${'id'.padEnd(10)} ${'frames'.padStart(10)} ${'rate/s'.padStart(9)} ${'period ms'.padStart(10)}  bytes`,
    ...s.ids.map((i) => {
      const period = i.frames > 1 && i.lastUs > i.firstUs ? ((i.lastUs - i.firstUs) / 1000 / (i.frames - 1)).toFixed(2) : '-';
      const bytes = i.minLength === i.maxLength ? String(i.minLength) : `${i.minLength}-${i.maxLength}`;
      return `  ${i.bus.padEnd(10)} ${hexId(i.id, i.extended).padEnd(10)} ${String(i.frames).padStart(10)} ${rate(i.frames).padStart(9)} ${period.padStart(10)}  ${bytes}${i.fd ? ' FD' : ''}`;
    }),
  ];
  return out.join('\n') + '\n';
}

export const traceInfoCommand: CliCommand = {
  name: 'trace info',
  summary: 'summarise a trace: format, frames, duration, ids with rates, bus load',
  help: `Usage: headunit trace info FILE [--skip-bad] [--bitrate N] [--data-bitrate N] [--json]

Reads FILE once (streaming; any size) and prints its format (told from the content, not the
extension), frame counts, time span, each bus with its frame rate and an estimate of its load,
and each id with its count, rate, mean period and payload length.

FILE is any trace the player reads: ${FORMAT_NAMES}.

Options:
  --skip-bad          skip malformed records (each is printed to stderr and counted) instead
                      of stopping at the first with its file:line (file@offset for BLF)
  --bitrate N         nominal bit rate for the load estimate (default 500k; 250k, 1M...)
  --data-bitrate N    CAN FD data-phase bit rate for frames with BRS (default 2M)
  --format F          read as F (${FORMAT_NAMES}) instead of detecting
  --json              print the summary as JSON
  -h, --help          show this help

The bus load is an estimate: frame bits at the given rates with worst-case bit stuffing,
over the trace's duration. A progress line is shown on a terminal.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'skip-bad': { type: 'boolean' }, bitrate: { type: 'string' }, 'data-bitrate': { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one trace FILE');
    const bitrate = rateOption('--bitrate', values.bitrate, 500_000);
    const dataBitrate = rateOption('--data-bitrate', values['data-bitrate'], 2_000_000);
    const trace = await openTraceArg(positionals[0]!, io, { skipBad: values['skip-bad'], format: formatOption(values.format), command: 'trace info' });
    const endProgress = trackProgress(io, trace.reader, trace.bytes);
    let summary: TraceSummary;
    try {
      summary = await summarizeTrace(trace.reader, { bitrate, dataBitrate });
    } finally {
      endProgress();
    }
    io.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : formatTraceInfo(summary, bitrate, values.format === undefined));
    const note = trace.skippedNote();
    if (note) io.stderr.write(`headunit trace info: ${note}\n`);
    return 0;
  },
};

function rateOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const rate = parseBitrate(text);
  if (rate === null) throw new UsageError(`${name} must be a bit rate such as 500000, 500k or 1M, not '${text}'`);
  return rate;
}
