import { parseArgs } from 'node:util';
import { UsageError, type CanFrame, type CliCommand } from '../../../dbc/index.ts';
import { createLink, LinkUrlError, type CanLink, type LinkOptions } from '../../../firmware-bridge/index.ts';
import { Progress } from '../progress.ts';
import { createTraceWriter } from '../trace-io.ts';
import type { TraceWriter } from '../trace.ts';
import { FORMAT_NAMES, formatOption } from './trace-args.ts';

/** What `record` is handed, so tests can give it a link they hold. */
export interface RecordDeps {
  createLink: (url: string, options: LinkOptions) => Promise<CanLink>;
}

interface Limits {
  count: number;
  idleMs: number;
  durationMs: number;
}

const HELP = `Usage: headunit record LINK -o FILE [--format F] [-n COUNT] [-T MS] [-d SECONDS]

Opens LINK read-only and writes every frame it receives to FILE, streaming, until Ctrl-C
(SIGINT/SIGTERM) or a limit below. LINK is socketcan:IFNAME, slcan:DEVICE[@BITRATE],
bridge:DEVICE or fake:NAME (see 'headunit candump --help').

Options:
  -o, --output FILE     the trace to write (created or truncated)
  --format F            ${FORMAT_NAMES} (default: from FILE's extension:
                        .log candump -l, .asc, .trc, .blf, .csv)
  -n, --count N         stop after N frames
  -T, --timeout MS      stop after MS milliseconds without a frame (as candump -T)
  -d, --duration S      stop after S seconds
  -h, --help            show this help

On exit prints the frames written and the link's counters (overflows = frames the link
dropped because the disk or this process was slower than the bus).`;

function positive(name: string, text: string | undefined, scale = 1): number {
  if (text === undefined) return Infinity;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${name} must be a positive number, not '${text}'`);
  return n * scale;
}

/** Reads frames into the writer until a limit or the link closes; resolves with why it stopped. */
async function capture(link: CanLink, writer: TraceWriter, limits: Limits, progress: Progress): Promise<{ frames: number; why: string }> {
  const it = link[Symbol.asyncIterator]();
  const endAt = performance.now() + limits.durationMs;
  let frames = 0;
  while (frames < limits.count) {
    const waitMs = Math.min(limits.idleMs, endAt - performance.now());
    if (waitMs <= 0) return { frames, why: 'duration reached' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((res) => (timer = waitMs === Infinity ? undefined : setTimeout(() => res('timeout'), waitMs)));
    const r: IteratorResult<CanFrame> | 'timeout' = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') return { frames, why: waitMs === limits.idleMs ? `no frame for ${limits.idleMs} ms` : 'duration reached' };
    if (r.done) return { frames, why: 'link closed' };
    await writer.write(r.value);
    progress.update(++frames);
  }
  return { frames, why: `${limits.count} frames` };
}

/** Ctrl-C (SIGINT) and SIGTERM close the link, which ends the recording cleanly. */
function closeOnSignals(link: CanLink): { detach: () => void; stoppedBy: () => string | null } {
  let stoppedBy: string | null = null;
  const handlers: [NodeJS.Signals, () => void][] = (['SIGINT', 'SIGTERM'] as const).map((sig) => [
    sig,
    () => {
      stoppedBy = sig;
      void link.close();
    },
  ]);
  for (const [sig, fn] of handlers) process.on(sig, fn);
  return { detach: () => handlers.forEach(([sig, fn]) => process.off(sig, fn)), stoppedBy: () => stoppedBy };
}

/** `headunit record` with its link factory injected. */
export function createRecordCommand(deps: RecordDeps): CliCommand {
  return {
    name: 'record',
    summary: 'record a link to a trace file (candump, ASC, TRC, BLF or CSV)',
    help: HELP,
    async run(args, io) {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { output: { type: 'string', short: 'o' }, format: { type: 'string' }, count: { type: 'string', short: 'n' }, timeout: { type: 'string', short: 'T' }, duration: { type: 'string', short: 'd' } },
      });
      if (positionals.length !== 1) throw new UsageError('give exactly one LINK');
      if (values.output === undefined) throw new UsageError('give -o FILE');
      const limits: Limits = { count: positive('--count', values.count), idleMs: positive('--timeout', values.timeout), durationMs: positive('--duration', values.duration, 1000) };
      const format = formatOption(values.format);
      let link: CanLink;
      try {
        link = await deps.createLink(positionals[0]!, {});
      } catch (err) {
        throw err instanceof LinkUrlError ? new UsageError(err.message) : err;
      }
      const writer = createTraceWriter(values.output, format);
      link.on('warning', (err) => io.stderr.write(`headunit record: ${err.message}\n`));
      const signals = closeOnSignals(link);
      const progress = new Progress(io.stderr, { unit: 'frames' });
      const began = performance.now();
      let result: { frames: number; why: string };
      try {
        await link.open();
        io.stderr.write(`recording ${link.url} to ${values.output} (${writer.format}); Ctrl-C stops\n`);
        result = await capture(link, writer, limits, progress);
      } finally {
        signals.detach();
        await link.close();
        await writer.close();
      }
      if ((io.stderr as { isTTY?: boolean }).isTTY) progress.finish(result.frames);
      const c = link.counters;
      io.stderr.write(
        `recorded ${result.frames} frames to ${values.output} (${writer.format}) in ${((performance.now() - began) / 1000).toFixed(1)} s; stopped: ${signals.stoppedBy() ?? result.why}\n` +
          `link counters: rx ${c.rxFrames}, overflows ${c.rxOverflows}, rx errors ${c.rxErrors}, bus errors ${c.busErrors}, reconnects ${c.reconnects}\n`,
      );
      return 0;
    },
  };
}

export const recordCommand: CliCommand = createRecordCommand({ createLink });
