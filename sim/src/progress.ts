/**
 * A progress line for long work (replays, decodes, conversions): done/total, rate and ETA,
 * redrawn in place at most every `intervalMs` on a terminal. When the stream is not a TTY
 * (piped, CI logs) it stays quiet except for `every` percent steps, so logs stay readable.
 */
export interface ProgressOptions {
  /** What is counted, e.g. 'frames' or 'bytes'. */
  unit: string;
  /** Total, when known (enables percent and ETA). */
  total?: number;
  /** Redraw interval on a TTY (ms, default 200). */
  intervalMs?: number;
  /** When not a TTY: print a line at each of these percent steps (default 0 = never). */
  everyPercent?: number;
  /** Injected time in ms, for tests. */
  now?: () => number;
}

const BAR_WIDTH = 24;

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${s.toFixed(s < 10 ? 1 : 0)}s`;
}

export class Progress {
  private readonly t0: number;
  private lastDraw = -Infinity;
  private lastPercentStep = 0;
  private done = 0;
  private readonly now: () => number;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly o: ProgressOptions,
  ) {
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
    this.tty = out.isTTY === true;
  }

  /** The line as it would be drawn now. */
  line(): string {
    const elapsed = (this.now() - this.t0) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const parts = [`${human(this.done)}${this.o.total !== undefined ? `/${human(this.o.total)}` : ''} ${this.o.unit}`, `${human(rate)}/s`];
    if (this.o.total !== undefined && this.o.total > 0) {
      const frac = Math.max(0, Math.min(1, this.done / this.o.total));
      const filled = Math.round(frac * BAR_WIDTH);
      parts.unshift(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(frac * 100).toFixed(1).padStart(5)}%`);
      parts.push(`ETA ${rate > 0 ? duration((this.o.total - this.done) / rate) : '--'}`);
    } else parts.push(`${duration(elapsed)} elapsed`);
    return parts.join('  ');
  }

  /** Sets the count done so far; draws when due. */
  update(done: number): void {
    this.done = done;
    const t = this.now();
    if (this.tty) {
      if (t - this.lastDraw < (this.o.intervalMs ?? 200)) return;
      this.lastDraw = t;
      this.out.write(`\r${this.line().slice(0, (this.out.columns ?? 120) - 1)}\x1b[K`);
      return;
    }
    const step = this.o.everyPercent ?? 0;
    if (step > 0 && this.o.total) {
      const pct = Math.floor(((done / this.o.total) * 100) / step) * step;
      if (pct > this.lastPercentStep) {
        this.lastPercentStep = pct;
        this.out.write(this.line() + '\n');
      }
    }
  }

  /** Final state: on a TTY the line is completed; piped output gets one summary line. */
  finish(done = this.done): void {
    this.done = done;
    this.out.write(this.tty ? `\r${this.line()}\x1b[K\n` : `${this.line()}\n`);
  }
}
