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
}

/** What a replay did and how well it kept time. */
export interface PlayerStats {
  frames: number;
  /** Frames left out by id/bus filters or the time window, or without a sink. */
  skipped: number;
  loops: number;
  /** How late each frame was sent vs the trace's timing (ms): p50/p99/max over all frames. */
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

  pause(): void {
    if (this.paused) return;
    this.paused = new Promise((r) => (this.resumeFn = r));
    this.emit('paused');
  }

  resume(): void {
    this.resumeFn?.();
    this.paused = null;
    this.resumeFn = null;
    this.emit('resumed');
  }

  stop(): void {
    this.stopped = true;
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

  /** Plays until the end (or forever with `loop`, until `stop()`); resolves with the stats. */
  async play(): Promise<PlayerStats> {
    const speed = this.o.speed ?? 1;
    const startUs = (this.o.startAtS ?? 0) * 1e6;
    const stopUs = this.o.stopAtS === undefined ? Infinity : this.o.stopAtS * 1e6;
    do {
      let firstUs: number | null = null;
      let wallStart = this.clock.now();
      for await (const f of this.open()) {
        if (this.stopped) break;
        firstUs ??= f.timestampUs;
        const rel = f.timestampUs - firstUs;
        if (rel >= stopUs) break;
        const sink = this.sinkFor(f.bus);
        if (rel < startUs || !sink || (this.o.ids && !this.o.ids.has(f.id)) || (this.o.buses && !this.o.buses.has(f.bus))) {
          this.stats.skipped++;
          continue;
        }
        if (speed !== Infinity) {
          const due = wallStart + (rel - startUs) / 1000 / speed;
          let wait = due - this.clock.now();
          if (wait > 0) await this.clock.sleep(wait);
          if (this.paused) {
            const pausedAt = this.clock.now();
            await this.paused;
            wallStart += this.clock.now() - pausedAt;
          }
          // Sleeps land early on purpose (see realClock); finish the wait in small steps.
          for (wait = due - this.clock.now(); wait > 0; wait = due - this.clock.now()) await this.clock.sleep(wait);
          this.recordLate(Math.max(0, this.clock.now() - (wallStart + (rel - startUs) / 1000 / speed)));
        }
        await sink(f);
        this.stats.frames++;
        if ((this.stats.frames & 0x3ff) === 0) this.emit('progress', rel / 1e6);
      }
      if (this.stopped) break;
      this.stats.loops++;
    } while (this.o.loop && !this.stopped);
    const sorted = [...this.late].sort((a, b) => a - b);
    this.stats.lateP50Ms = sorted[Math.floor(sorted.length * 0.5)] ?? 0;
    this.stats.lateP99Ms = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    return this.stats;
  }
}
