import type { AppSurfaceMsg, ClientMessage, HmiNotification, ServerMessage, SignalInfo, UiDecision, UiValue, UiVehicleState } from '../protocol.ts';

/** The latest value of one signal on this screen. */
export interface LiveSignal {
  value: UiValue;
  quality: string;
  timeMs: number;
}

/** Points kept per plotted signal (the runtime's history ring is 600 deep too). */
const PLOT_POINTS = 600;
/** Wait before reconnecting after the socket closed (ms). */
const RECONNECT_MS = 1000;
/** On connect, alerts younger than this are shown as heads-up (ms). */
const HEADS_UP_RECENT_MS = 60_000;
/** Decisions kept for the tiles and the engineers' view. */
const DECISIONS_KEPT = 20;

/**
 * The screen's connection to the runtime: one WebSocket (reconnecting), the state it streams
 * (catalogue, signal values, vehicle state, notifications, decisions) and a change listener the
 * Preact tree re-renders on. Actuator requests go over HTTP to the action policy.
 */
export class HmiClient {
  connected = false;
  catalogue: SignalInfo[] = [];
  readonly signals = new Map<string, LiveSignal>();
  vehicle: UiVehicleState | null = null;
  notifications: HmiNotification[] = [];
  /** Heads-up alerts not yet dismissed, newest last. */
  headsUp: HmiNotification[] = [];
  decisions: UiDecision[] = [];
  readonly plots = new Map<string, [number, number][]>();
  /** Each app's surface as the HMI server limited it; null when the app platform is off. */
  apps: Map<string, AppSurfaceMsg> | null = null;
  /** Bumped on every change; the UI's render key. */
  version = 0;
  private ws: WebSocket | null = null;
  private paths: string[] = [];
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(private readonly url: string) {}

  connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.connected = true;
      this.sendNow({ t: 'sub', paths: this.paths });
      for (const p of this.plots.keys()) this.sendNow({ t: 'history', path: p });
      this.changed();
    };
    ws.onmessage = (ev) => this.receive(JSON.parse(String(ev.data)) as ServerMessage);
    ws.onclose = () => {
      this.connected = false;
      this.changed();
      if (!this.closed) setTimeout(() => this.connect(), RECONNECT_MS);
    };
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  /** Calls `fn` after every change; returns the unsubscribe function. */
  listen(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  private sendNow(msg: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** The signals the visible screen shows (replaces the previous set). */
  show(paths: string[]): void {
    const next = [...new Set([...paths, ...this.plots.keys()])].sort();
    if (next.join('\n') === this.paths.join('\n')) return;
    this.paths = next;
    this.sendNow({ t: 'sub', paths: next });
  }

  /** Starts or stops plotting a signal (its history comes from the runtime's ring). */
  togglePlot(path: string): void {
    if (this.plots.has(path)) this.plots.delete(path);
    else {
      this.plots.set(path, []);
      this.sendNow({ t: 'history', path });
    }
    this.show(this.paths);
    this.changed();
  }

  private receive(msg: ServerMessage): void {
    switch (msg.t) {
      case 'hello':
        this.catalogue = msg.catalogue;
        this.vehicle = msg.vehicle;
        this.notifications = msg.notifications;
        this.apps = msg.apps ? new Map(msg.apps.map((a) => [a.appId, a])) : null;
        // A screen that (re)connects still shows the alerts of the last minute as heads-up.
        this.headsUp = msg.notifications.filter((n) => n.severity !== 'info' && n.timeMs > Date.now() - HEADS_UP_RECENT_MS);
        break;
      case 'sig':
        for (const [path, value, quality, timeMs] of msg.u) {
          this.signals.set(path, { value, quality, timeMs });
          const plot = this.plots.get(path);
          if (plot && typeof value === 'number') {
            plot.push([timeMs, value]);
            if (plot.length > PLOT_POINTS) plot.splice(0, plot.length - PLOT_POINTS);
          }
        }
        break;
      case 'vehicle':
        this.vehicle = msg.v;
        break;
      case 'app-ui':
        this.apps = new Map(this.apps ?? []).set(msg.s.appId, msg.s);
        break;
      case 'decision':
        this.decisions = [...this.decisions.slice(1 - DECISIONS_KEPT), msg.d];
        break;
      case 'notify':
        this.notifications = [...this.notifications, msg.n];
        if (msg.n.severity !== 'info') this.headsUp = [...this.headsUp, msg.n];
        break;
      case 'history':
        if (this.plots.has(msg.path)) this.plots.set(msg.path, msg.points.slice(-PLOT_POINTS));
        break;
      case 'error':
        console.warn('hmi:', msg.message);
        return;
    }
    this.changed();
  }

  dismiss(id: string): void {
    this.headsUp = this.headsUp.filter((n) => n.id !== id);
    this.changed();
  }

  /** Asks the action policy (as the driver, caller `hmi`); resolves with its decision either way. */
  async act(path: string, value: number | boolean | string): Promise<UiDecision> {
    const res = await fetch(`/api/actuators/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
    const body = (await res.json()) as UiDecision | { error: string };
    if ('error' in body) return { caller: 'hmi', path, value, allowed: false, reason: 'BAD_REQUEST', detail: body.error, timeMs: Date.now() };
    return body;
  }

  value(path: string): UiValue {
    return this.signals.get(path)?.value ?? null;
  }
}
