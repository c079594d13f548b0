import type { CanFrame } from '../../../dbc/index.ts';
import type { BusFeed } from '../player/trace-feed.ts';
import type { SyntheticVehicle } from './synthetic-vehicle.ts';

/** How often the feed wakes to emit the frames that became due (ms). */
const TICK_MS = 10;

/**
 * Plays a synthetic vehicle in real time into a sink (a fake link's `inject`, the runtime),
 * looping when asked. Frames carry wall-clock timestamps of when they were due.
 */
export class ScenarioFeed implements BusFeed {
  private timer: NodeJS.Timeout | null = null;
  private startMs = 0;
  private emittedToMs = 0;
  /** Frames emitted since start. */
  frames = 0;

  constructor(
    private readonly vehicle: SyntheticVehicle,
    private readonly sink: (frame: CanFrame) => void,
    private readonly loop = true,
    private readonly now: () => number = Date.now,
  ) {}

  get durationMs(): number {
    return this.vehicle.scenario.durationS * 1000;
  }

  start(): void {
    this.startMs = this.now();
    this.emittedToMs = 0;
    this.timer = setInterval(() => this.pump(), TICK_MS);
  }

  /** Emits every frame due up to now; exported for tests with a fake clock. */
  pump(): void {
    const elapsed = this.now() - this.startMs;
    const end = this.loop ? elapsed : Math.min(elapsed, this.durationMs);
    while (this.emittedToMs < end) {
      const lap = Math.floor(this.emittedToMs / this.durationMs);
      const lapStart = lap * this.durationMs;
      const to = Math.min(end, lapStart + this.durationMs);
      for (const f of this.vehicle.frames(this.emittedToMs - lapStart, to - lapStart, (this.startMs + lapStart) * 1000)) {
        this.sink(f);
        this.frames++;
      }
      this.emittedToMs = to;
    }
    if (!this.loop && elapsed >= this.durationMs) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
