import { parseArgs } from 'node:util';
import { UsageError, type CanFrame, type CliCommand, type CliIo } from '../../../dbc/index.ts';
import { createLink, LinkUrlError, type CanLink, type LinkOptions } from '../../../firmware-bridge/index.ts';
import { realClock, type Clock } from '../player/clock.ts';
import { Player, type FrameSink, type PlayerStats } from '../player/player.ts';
import { attachReplayControls, type KeyInput } from './replay-controls.ts';
import { planReplay, type ReplayPlan } from './replay-options.ts';
import { Progress } from '../progress.ts';
import { openTraceReader } from '../trace-io.ts';
import { FORMAT_NAMES, openTraceArg, type TraceArg } from './trace-args.ts';

/**
 * Frames a replay may have waiting for their link's answer at once. Links keep them in order and
 * apply their own flow control (an SLCAN `window`, the bridge's sequence numbers, the kernel's
 * queue); lateness is measured when the link accepted each frame.
 */
const REPLAY_IN_FLIGHT = 32;
/** How often the progress line is redrawn from the player's counts (ms). */
const PROGRESS_POLL_MS = 200;

/** Frames in one pass over the trace (malformed records skipped silently: the replay reports them). */
async function countFrames(trace: TraceArg): Promise<number> {
  const reader = await openTraceReader(trace.reader.file, { format: trace.reader.format, skipMalformed: true });
  let frames = 0;
  for await (const batch of reader.batches()) frames += batch.length;
  return frames;
}

/**
 * On a terminal: counts the trace's frames first (a fast pass), then draws the frames done with
 * rate and ETA (a looped replay has no end: frames and rate only). Piped: nothing. Returns the
 * function that ends it.
 */
async function replayProgress(io: CliIo, trace: TraceArg, player: Player, loop: boolean): Promise<() => void> {
  if ((io.stderr as { isTTY?: boolean }).isTTY !== true) return () => undefined;
  const total = loop ? undefined : await countFrames(trace);
  const progress = new Progress(io.stderr, { unit: 'frames', ...(total !== undefined ? { total } : {}) });
  const done = (): number => player.stats.frames + player.stats.skipped;
  const timer = setInterval(() => progress.update(done()), PROGRESS_POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    progress.finish(done());
  };
}

/** What `replay` is handed, so tests can give it links they hold and a fake clock. */
export interface ReplayDeps {
  createLink: (url: string, options: LinkOptions) => Promise<CanLink>;
  clock: Clock;
}

const HELP = `Usage: headunit replay TRACE [--to LINKURL] [--map TRACEBUS=LINKURL ...] [options]

Plays TRACE (${FORMAT_NAMES}; format told from the content) onto links, keeping
the trace's timing: frame k goes out (t_k - t_first) / speed after the start.

Where frames go:
  --to LINKURL            every trace bus without a --map goes to this link
  --map BUS=LINKURL       trace bus BUS goes to this link (repeatable); buses with neither
                          a --map nor a --to are skipped
  LINKURL is socketcan:IFNAME, slcan:DEVICE[@BITRATE], bridge:DEVICE or fake:NAME.
  Replay links are opened with every id allowed to transmit (a bench tool). An MCU bridge
  refuses that unless its URL says bridge:DEVICE?allowAll=1 (bench firmware only).

Timing and selection:
  --speed X               X times real time (default 1; 0.5 = half speed)
  --fast                  as fast as the links accept frames
  --loop                  start again at the end, until stopped
  --start S, --stop S     play only from S to S seconds into the trace
  --id LIST               only these ids (hex, comma-separated: 123,18FEF100; repeatable)
  --bus LIST              only these trace buses (comma-separated; repeatable)
  --skip-bad              skip malformed records (printed to stderr and counted) instead of
                          stopping at the first with its file:line (file@offset for BLF)
  -h, --help              show this help

While playing: space pauses and resumes, q or Ctrl-C stops (on a terminal); SIGUSR1
pauses, SIGUSR2 resumes, SIGINT/SIGTERM stop. A progress line with rate and ETA is shown
on a terminal. At the end it reports the frames sent and how late each was accepted by its
link (device or kernel) against the trace's timestamps (p50/p99/max, ms). Up to 32 frames
may wait for their link's answer at once; an SLCAN adapter pipelines them with ?window=N.`;

async function openLinks(plan: ReplayPlan, deps: ReplayDeps): Promise<Map<string, CanLink>> {
  const links = new Map<string, CanLink>();
  try {
    for (const url of plan.links) {
      let link: CanLink;
      try {
        link = await deps.createLink(url, { txAllow: 'all' });
      } catch (err) {
        if (err instanceof LinkUrlError) throw new UsageError(err.message);
        throw err;
      }
      links.set(url, link);
      await link.open();
    }
  } catch (err) {
    await Promise.all([...links.values()].map((l) => l.close()));
    throw err;
  }
  return links;
}

/** Counts error frames, which a link cannot send (they are the controller's, not a payload). */
interface SinkCounts {
  errorFrames: number;
}

function sinksFor(plan: ReplayPlan, links: Map<string, CanLink>, counts: SinkCounts): Map<string, FrameSink> {
  const sinks = new Map<string, FrameSink>();
  for (const [url, link] of links) {
    sinks.set(url, (f: CanFrame) => {
      if (f.error) {
        counts.errorFrames++;
        return;
      }
      return link.send({ id: f.id, extended: f.extended, data: f.data, fd: f.fd, brs: f.brs, rtr: f.rtr });
    });
  }
  if (plan.defaultLink !== null) sinks.set('*', sinks.get(plan.defaultLink)!);
  return sinks;
}

/** The end-of-replay report: frames, time taken, timing accuracy, link counters. */
export function formatReplayReport(stats: PlayerStats, speed: number, elapsedMs: number, errorFrames: number, links: Map<string, CanLink>): string {
  const sent = stats.frames - errorFrames;
  const notSent = errorFrames > 0 ? `, ${errorFrames} error frames not sent` : '';
  const passes = `${stats.loops} full pass${stats.loops === 1 ? '' : 'es'}`;
  const lines = [`replayed ${sent} frames in ${(elapsedMs / 1000).toFixed(3)} s (${stats.skipped} skipped by filters, window or unmapped bus${notSent}; ${passes})`];
  if (speed === Infinity) lines.push(`as fast as possible: ${elapsedMs > 0 ? ((stats.frames / elapsedMs) * 1000).toFixed(0) : '-'} frames/s`);
  else lines.push(`timing vs trace timestamps at speed ${speed}: late p50 ${stats.lateP50Ms.toFixed(3)} ms, p99 ${stats.lateP99Ms.toFixed(3)} ms, max ${stats.lateMaxMs.toFixed(3)} ms`);
  for (const [url, link] of links) lines.push(`link ${url}: tx ${link.counters.txFrames}, tx errors ${link.counters.txErrors}`);
  return lines.join('\n') + '\n';
}

async function play(trace: TraceArg, plan: ReplayPlan, links: Map<string, CanLink>, io: CliIo, deps: ReplayDeps): Promise<number> {
  const counts: SinkCounts = { errorFrames: 0 };
  const player = new Player(() => trace.reader, sinksFor(plan, links, counts), { ...plan.player, maxInFlight: REPLAY_IN_FLIGHT }, deps.clock);
  const controls = attachReplayControls(player, io.stdin as KeyInput, io.stderr);
  const keys = (io.stdin as KeyInput).isTTY ? 'space pauses, q stops; ' : '';
  io.stderr.write(`playing ${trace.reader.file} (${trace.reader.format}) to ${[...links.keys()].join(', ')}; ${keys}SIGUSR1 pauses, SIGUSR2 resumes\n`);
  const endProgress = await replayProgress(io, trace, player, plan.player.loop === true);
  const began = deps.clock.now();
  let stats: PlayerStats;
  try {
    stats = await player.play();
  } finally {
    endProgress();
    controls.detach();
  }
  const why = controls.stopReason();
  if (why) io.stderr.write(`${why}: replay stopped\n`);
  io.stderr.write(formatReplayReport(stats, plan.player.speed ?? 1, deps.clock.now() - began, counts.errorFrames, links));
  const note = trace.skippedNote();
  if (note) io.stderr.write(`${note}\n`);
  return 0;
}

/** `headunit replay` with its links and clock injected. */
export function createReplayCommand(deps: ReplayDeps): CliCommand {
  return {
    name: 'replay',
    summary: 'play a trace onto links in real time, faster, or as fast as possible',
    help: HELP,
    async run(args, io) {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          speed: { type: 'string' },
          fast: { type: 'boolean' },
          loop: { type: 'boolean' },
          start: { type: 'string' },
          stop: { type: 'string' },
          id: { type: 'string', multiple: true },
          bus: { type: 'string', multiple: true },
          map: { type: 'string', multiple: true },
          to: { type: 'string' },
          'skip-bad': { type: 'boolean' },
        },
      });
      if (positionals.length !== 1) throw new UsageError('give exactly one TRACE file');
      const plan = planReplay(values);
      const trace = await openTraceArg(positionals[0]!, io, { skipBad: values['skip-bad'], command: 'replay' });
      const links = await openLinks(plan, deps);
      try {
        return await play(trace, plan, links, io, deps);
      } finally {
        await Promise.all([...links.values()].map((l) => l.close()));
      }
    },
  };
}

export const replayCommand: CliCommand = createReplayCommand({ createLink, clock: realClock });
