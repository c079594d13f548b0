import { EventEmitter } from 'node:events';
import type { CanFrame } from '../../../dbc/index.ts';
import type { Clock } from './clock.ts';

/** Where replayed frames go: a link's send, a runtime's inject, an emulator's bus. */
export type FrameSink = (frame: CanFrame) => void | Promise<void>;

export interface PlayerOptions {
  /** 1 = real time, 2 = twice as fast, Infinity = as fast as possible (default 1). */
  speed?: number;
  /** Start again at the beginning when the trace ends (default false). */
  loop?: boolean;
  /** Skip frames before this many seconds into the trace (default 0). */
  startAtS?: number;
  /** Stop at this many seconds into the trace (default: the end). */
  stopAtS?: number;
  /** Only frames with these ids (default: all). */
  ids?: ReadonlySet<number>;
  /** Only frames from these trace buses (default: all). */
  buses?: ReadonlySet<string>;
  /** Trace bus → sink name; frames of buses without an entry go to the sink named '*' if any, else are skipped. */
  busMap?: ReadonlyMap<string, string>;
  /**
   * Sends a sink may have in progress at once (default 1: each is awaited before the next frame).
   * More lets a link pipeline (an SLCAN window, the bridge's sequence numbers); the link keeps
   * them in order.
   */
  maxInFlight?: number;
}

/** What a replay did and how well it kept time. */
export interface PlayerStats {
  frames: number;
  /** Frames left out by id/bus filters or the time window, or without a sink. */
  skipped: number;
  loops: number;
  /** How late each frame was accepted by its sink (a link: the device or kernel) vs the trace's timing (ms): p50/p99/max. */
  lateP50Ms: number;
  lateP99Ms: number;
  lateMaxMs: number;
}

/** Samples kept for the jitter percentiles (a reservoir, so memory stays bounded). */
const JITTER_SAMPLES = 100_000;

/**
 * Replays a trace into sinks, pacing frames by their timestamps with an injected clock:
 * frame k goes out at `start + (t_k - t_first) / speed`. Pause/resume shift the schedule;
 * `stop()` ends the replay after the current frame. Emits `progress` (seconds into the trace).
 */
export class Player extends EventEmitter {
  private paused: Promise<void> | null = null;
  private resumeFn: (() => void) | null = null;
  private stopped = false;
  /** Wall-clock ms at which the window's start is due (shifted by pauses). */
  private wallStartMs = 0;
  private pausedAtMs = 0;
  /** Sends in progress, oldest first (with `maxInFlight` > 1). */
  private readonly inFlight: Promise<void>[] = [];
  /** The first failed send, rethrown by the next frame (boxed: an error may be any value). */
  private failure: { err: unknown } | null = null;
  /** Aborted by `stop()`: wakes a wait for the next frame at once. */
  private readonly stopSignal = new AbortController();
  private readonly late: number[] = [];
  private lateSeen = 0;
  readonly stats: PlayerStats = { frames: 0, skipped: 0, loops: 0, lateP50Ms: 0, lateP99Ms: 0, lateMaxMs: 0 };

  constructor(
    /** Opens the trace (again, for each loop). */
    private readonly open: () => AsyncIterable<CanFrame>,
    private readonly sinks: ReadonlyMap<string, FrameSink>,
    private readonly o: PlayerOptions,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Holds the next frame until `resume()`; the rest of the schedule shifts by the pause. */
  pause(): void {
    if (this.paused) return;
    this.pausedAtMs = this.clock.now();
    this.paused = new Promise((r) => (this.resumeFn = r));
    this.emit('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.wallStartMs += this.clock.now() - this.pausedAtMs;
    this.resumeFn?.();
    this.paused = null;
    this.resumeFn = null;
    this.emit('resumed');
  }

  /** Ends the replay: a wait for the next frame ends at once, `play()` resolves after the frame being sent. */
  stop(): void {
    this.stopped = true;
    this.stopSignal.abort();
    this.resume();
  }

  get isPaused(): boolean {
    return this.paused !== null;
  }

  private sinkFor(bus: string): FrameSink | undefined {
    const name = this.o.busMap?.get(bus) ?? '*';
    return this.sinks.get(name);
  }

  private recordLate(ms: number): void {
    this.lateSeen++;
    if (this.late.length < JITTER_SAMPLES) this.late.push(ms);
    else {
      const j = Math.floor(Math.random() * this.lateSeen);
      if (j < JITTER_SAMPLES) this.late[j] = ms;
    }
    if (ms > this.stats.lateMaxMs) this.stats.lateMaxMs = ms;
  }

  /**
   * Waits until the frame `relUs` into the window is due (wall start + relUs / speed), through
   * pauses. False when stopped meanwhile.
   */
  private async waitFor(relUs: number, speed: number): Promise<boolean> {
    for (;;) {
      if (this.paused) await this.paused;
      if (this.stopped) return false;
      const wait = this.wallStartMs + relUs / 1000 / speed - this.clock.now();
      if (wait <= 0) return true;
      // Sleeps land early on purpose (see realClock); the loop finishes the wait in small steps.
      await this.clock.sleep(wait, this.stopSignal.signal);
    }
  }

  private skips(f: CanFrame, relUs: number, startUs: number): boolean {
    return relUs < startUs || (this.o.ids !== undefined && !this.o.ids.has(f.id)) || (this.o.buses !== undefined && !this.o.buses.has(f.bus));
  }

  /**
   * Hands a frame to its sink; keeps up to `maxInFlight` sends in progress, waiting for the oldest
   * beyond that. Lateness is booked when the sink has accepted the frame.
   * @throws the first error of any send.
   */
  private async send(sink: FrameSink, f: CanFrame, dueMs: number | null): Promise<void> {
    this.rethrow();
    const accepted = (): void => {
      if (dueMs !== null) this.recordLate(Math.max(0, this.clock.now() - dueMs));
    };
    const result = sink(f);
    if (!(result instanceof Promise)) return accepted();
    if ((this.o.maxInFlight ?? 1) <= 1) {
      await result;
      return accepted();
    }
    const tracked = result.then(accepted, (err: unknown) => void (this.failure ??= { err }));
    this.inFlight.push(tracked);
    if (this.inFlight.length >= this.o.maxInFlight!) await this.inFlight.shift();
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure !== null) throw this.failure.err;
  }

  /** Waits for every send in progress. @throws the first error of any send. */
  private async drain(): Promise<void> {
    await Promise.all(this.inFlight.splice(0));
    this.rethrow();
  }

  /** Plays until the end (or forever with `loop`, until `stop()`); resolves with the stats. */
  async play(): Promise<PlayerStats> {
    const speed = this.o.speed ?? 1;
    const startUs = (this.o.startAtS ?? 0) * 1e6;
    const stopUs = this.o.stopAtS === undefined ? Infinity : this.o.stopAtS * 1e6;
    do {
      let firstUs: number | null = null;
      for await (const f of this.open()) {
        if (this.stopped) break;
        if (firstUs === null) {
          // The schedule starts when the first frame is in hand, not before the file is open.
          firstUs = f.timestampUs;
          this.wallStartMs = this.clock.now();
        }
        const rel = f.timestampUs - firstUs;
        if (rel >= stopUs) break;
        const sink = this.sinkFor(f.bus);
        if (!sink || this.skips(f, rel, startUs)) {
          this.stats.skipped++;
          continue;
        }
        if (speed !== Infinity && !(await this.waitFor(rel - startUs, speed))) break;
        await this.send(sink, f, speed === Infinity ? null : this.wallStartMs + (rel - startUs) / 1000 / speed);
        this.stats.frames++;
        if ((this.stats.frames & 0x3ff) === 0) this.emit('progress', rel / 1e6);
      }
      await this.drain();
      if (this.stopped) break;
      this.stats.loops++;
      // A trace without frames would loop without ever waiting.
      if (firstUs === null) break;
    } while (this.o.loop && !this.stopped);
    const sorted = [...this.late].sort((a, b) => a - b);
    this.stats.lateP50Ms = sorted[Math.floor(sorted.length * 0.5)] ?? 0;
    this.stats.lateP99Ms = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    return this.stats;
  }
}
