import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceReader } from '../trace.ts';
import { coarseClock, type Clock } from './clock.ts';
import { Player } from './player.ts';

/** What plays a fake bus in the runtime: a synthetic scenario (`ScenarioFeed`) or a trace (`TraceFeed`). */
export interface BusFeed {
  /** Frames emitted since start. */
  readonly frames: number;
  start(): void;
  stop(): void;
}

/** Options of a `TraceFeed`. */
export interface TraceFeedOptions {
  /** Play again from the start when the trace ends (default true). */
  loop?: boolean;
  /** Speed factor (default 1: real time). */
  speed?: number;
  /** Told when the replay ends by an error (a malformed record, an unreadable file); the feed stops. */
  onError?: (err: unknown) => void;
  /** Told when a replay reaches its end by itself (the end of the trace without `loop`, or a trace without frames). */
  onEnd?: () => void;
  /** Wall-clock microseconds stamped on each frame as it is emitted (default: now). */
  nowUs?: () => number;
  /** Default `coarseClock`: timers only, no spinning (the runtime's core matters more than sub-ms pacing). */
  clock?: Clock;
}

/**
 * Plays a recorded trace in real time into a sink (a fake link's `inject`, so the runtime
 * decodes it as if the car sent it), looping by default. Frames keep their ids, flags and
 * data; their timestamps become the wall-clock time they were emitted (the runtime takes frame
 * time as signal time). Every trace bus goes to the one sink.
 */
export class TraceFeed implements BusFeed {
  private player: Player | null = null;
  private stopped = false;

  constructor(
    private readonly reader: TraceReader,
    private readonly sink: (frame: CanFrame, timestampUs: number) => void,
    private readonly options: TraceFeedOptions = {},
  ) {}

  get frames(): number {
    return this.player?.stats.frames ?? 0;
  }

  /** Loops completed so far. */
  get loops(): number {
    return this.player?.stats.loops ?? 0;
  }

  /** Starts playing in the background; errors go to `onError`, never unhandled. */
  start(): void {
    if (this.player) return;
    const nowUs = this.options.nowUs ?? (() => Math.round((performance.timeOrigin + performance.now()) * 1000));
    const sinks = new Map([['*', (f: CanFrame) => this.sink(f, nowUs())]]);
    const player = new Player(() => this.reader, sinks, { loop: this.options.loop ?? true, speed: this.options.speed ?? 1 }, this.options.clock ?? coarseClock);
    this.player = player;
    player.play().then(
      () => {
        if (!this.stopped) this.options.onEnd?.();
      },
      (err: unknown) => (this.options.onError ?? (() => undefined))(err),
    );
  }

  /** Stops at once (a pending wait for the next frame is cancelled). */
  stop(): void {
    this.stopped = true;
    this.player?.stop();
  }
}
