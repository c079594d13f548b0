import type { WebSocket } from 'ws';
import { QUALITY_NAMES, type SignalStore, type SignalUpdate } from '../signal-store/signal-store.ts';
import type { ClientMessage, ServerMessage, SignalTuple, UiValue } from './protocol.ts';

/** Store number → VSS value for one path (the mapping's `toVss`). */
export type ToUi = (path: string, stored: number) => UiValue;

/** Most paths one `sub` message may name (a screen shows far fewer; the engineers' view shows all). */
const MAX_SUB_PATHS = 5000;

/**
 * One connected screen: which signals it shows, and a send loop that coalesces their changes
 * into at most `maxRateHz` batches per second (latest value per path wins), so no widget on it
 * redraws more often than that.
 */
export class HmiSession {
  private unsubscribe: (() => void) | null = null;
  private readonly pending = new Map<string, SignalTuple>();
  private timer: NodeJS.Timeout | null = null;
  private lastSentMs = -Infinity;
  /** Batches sent, for tests and metrics. */
  batches = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly store: SignalStore,
    private readonly toUi: ToUi,
    private readonly maxRateHz: number,
  ) {}

  send(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Handles one client message; a malformed one is answered with an `error`, never thrown. */
  receive(raw: string): void {
    let msg: ClientMessage;
    try {
      msg = JSON.parse(raw) as ClientMessage;
    } catch {
      return this.send({ t: 'error', message: `not JSON: ${raw.slice(0, 40)}` });
    }
    if (msg?.t === 'sub' && Array.isArray(msg.paths) && msg.paths.length <= MAX_SUB_PATHS) return this.subscribe(msg.paths.filter((p) => typeof p === 'string'));
    if (msg?.t === 'history' && typeof msg.path === 'string') return this.history(msg.path);
    this.send({ t: 'error', message: `unknown message: ${raw.slice(0, 60)}` });
  }

  private tuple(i: number): SignalTuple {
    const q = this.store.quality[i]!;
    const path = this.store.paths[i]!;
    return [path, q === 0 ? null : this.toUi(path, this.store.values[i]!), QUALITY_NAMES[q] ?? 'unknown', this.store.times[i]!];
  }

  /** Replaces the set of shown signals; their current values go out at once. */
  private subscribe(paths: string[]): void {
    this.unsubscribe?.();
    const indices = [...new Set(paths)].map((p) => this.store.index(p)).filter((i) => i >= 0);
    this.pending.clear();
    this.unsubscribe = this.store.subscribe(indices, { maxRateHz: this.maxRateHz }, (updates) => this.queue(updates));
    this.send({ t: 'sig', u: indices.map((i) => this.tuple(i)) });
  }

  private history(path: string): void {
    const i = this.store.index(path);
    if (i < 0) return this.send({ t: 'error', message: `no signal ${path}` });
    this.send({ t: 'history', path, points: this.store.historyOf(i) });
  }

  private queue(updates: SignalUpdate[]): void {
    for (const u of updates) this.pending.set(u.path, this.tuple(u.index));
    if (this.timer) return;
    const gapMs = 1000 / this.maxRateHz;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSentMs + gapMs - Date.now()));
  }

  private flush(): void {
    this.timer = null;
    if (this.pending.size === 0) return;
    this.lastSentMs = Date.now();
    this.batches++;
    this.send({ t: 'sig', u: [...this.pending.values()] });
    this.pending.clear();
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
