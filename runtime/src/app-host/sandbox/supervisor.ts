import type { GrantState } from '../permissions/tiers.ts';
import type { AppStorage } from './app-storage.ts';
import { GuestInstance, type Fault } from './guest-instance.ts';
import { newestPerPath, type AppEventKind, type AppMetrics, type AppSpec, type HostOp, type SignalTuple } from './protocol.ts';
import { remoteScopeOf } from './remote-scope.ts';

const NO_HEAP = { instance: null, bytes: 0, atMs: 0 };
/** How often an app's QuickJS heap size is asked for the metrics (ms). */
const HEAP_REFRESH_MS = 5000;
/** Quarantines are counted over this window before the app is stopped for good (ms). */
const QUARANTINE_WINDOW_MS = 10 * 60_000;

/** What a supervisor needs from the worker around it. */
export interface SupervisorIo {
  event(appId: string, kind: AppEventKind, detail: Record<string, unknown>): void;
  request(appId: string, op: HostOp, args: unknown): Promise<unknown>;
}

/**
 * Keeps one app running: starts its instance, delivers batches (held while it is over its CPU
 * budget, newest value per path kept), counts strikes, quarantines after too many, and
 * restarts with exponential backoff; after too many quarantines the app stays stopped.
 */
export class AppSupervisor {
  state: AppMetrics['state'] = 'loading';
  instance: GuestInstance | null = null;
  private strikes: number[] = [];
  private quarantines: number[] = [];
  private restarts = 0;
  private cpuBefore = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Values not yet delivered, oldest first; while the app is held, only the newest per path. */
  private held: SignalTuple[] = [];
  private heldState: unknown = null;
  private floods = 0;
  private floodTimer: NodeJS.Timeout | null = null;
  private unloaded = false;
  /** Cloud messages delivered (names their remote periods). */
  private messages = 0;
  /** The last heap figure and the instance it is of (dropped with the instance, whose memory it would keep). */
  private heap: { instance: GuestInstance | null; bytes: number; atMs: number } = NO_HEAP;

  constructor(
    private spec: AppSpec,
    private readonly io: SupervisorIo,
    private readonly storage: AppStorage,
  ) {}

  get id(): string {
    return this.spec.manifest.id;
  }

  setGrants(grants: Record<string, GrantState>): void {
    this.spec = { ...this.spec, grants };
  }

  /** Starts (or restarts) the instance; resolves when it has run its top level and `onStart`. */
  async start(): Promise<void> {
    const t0 = performance.now();
    this.state = 'loading';
    const { instance, fault } = await GuestInstance.create({
      manifest: this.spec.manifest,
      bundle: this.spec.bundle,
      limits: this.spec.limits,
      grants: () => this.spec.grants,
      storage: this.storage,
      request: (op, args) => this.io.request(this.id, op, args),
      event: (kind, detail) => (kind === 'flood' ? this.flood() : this.io.event(this.id, kind, detail)),
      onFault: (f) => this.fault(f),
    });
    if (this.unloaded) return instance.dispose();
    this.instance = instance;
    if (fault?.kind === 'bundle') return this.stop(`the bundle does not run: ${fault.detail}`);
    if (fault) {
      // A half-started instance cannot be kept: every boot fault quarantines.
      this.strikeRecord(fault);
      return this.quarantine(fault);
    }
    this.state = 'running';
    const f = instance.call('lifecycle', 'start');
    this.io.event(this.id, 'started', { ms: Math.round((performance.now() - t0) * 10) / 10, restarts: this.restarts });
    if (f) return this.fault(f);
    this.deliver(undefined, null);
  }

  /**
   * One tick's values (and the vehicle state when it changed), every value in order. While the
   * app cannot take them (over its CPU budget, quarantined, starting) they wait, and a path that
   * changed again keeps only its newest value, as `vehicle.get` would show it: an app coming
   * back from its CPU budget does not get a second's backlog in one call.
   */
  deliver(signals: SignalTuple[] | undefined, state: unknown): void {
    if (signals) for (const s of signals) this.held.push(s);
    if (state !== null) this.heldState = state;
    const inst = this.instance;
    if (!inst || this.state !== 'running' || inst.throttled) {
      this.held = newestPerPath(this.held);
      return;
    }
    if (this.heldState !== null) {
      const st = this.heldState;
      this.heldState = null;
      if (!this.run('state', st)) return;
    }
    if (this.held.length > 0) {
      const batch = this.held;
      this.held = [];
      for (const s of batch) inst.latest.set(s[0], s);
      this.run('signals', batch);
    }
  }

  /**
   * A cloud message, command, UI action or vehicle state for the app. A command opens the app's
   * remote scope before its handler runs: until it is answered (or times out), the app's actuator
   * requests are asked as remote (see RemoteScope). A cloud message (unsigned: anybody allowed on
   * the app's topics may send one) opens it too, for its handlers' run and what they started.
   */
  deliverOther(kind: string, data: unknown): void {
    if (kind === 'state') return this.deliver(undefined, data);
    if (!this.instance || this.state !== 'running') return;
    const scope = remoteScopeOf(this.instance);
    if (kind === 'command') {
      const c = data as { id?: unknown; replyTo?: unknown };
      scope.begin(String(c.replyTo), String(c.id ?? c.replyTo));
    }
    if (kind === 'cloud') {
      const key = `message ${++this.messages}`;
      scope.begin(key, `message:${String((data as { topic?: unknown }).topic)}`);
      this.run(kind, data);
      scope.answered(key);
      return;
    }
    this.run(kind, data);
  }

  private run(kind: string, data: unknown): boolean {
    const f = this.instance!.call(kind, data);
    if (f) this.fault(f);
    return !f;
  }

  private flood(): void {
    this.floods++;
    this.floodTimer ??= setTimeout(() => {
      this.io.event(this.id, 'flood', { refused: this.floods, inSeconds: 1 });
      this.floods = 0;
      this.floodTimer = null;
    }, 1000);
  }

  /** A strike; too many in the window (or one that leaves the instance unusable) quarantines. */
  private fault(f: Fault): void {
    if (this.state !== 'running') return;
    this.strikeRecord(f);
    const fatal = f.kind === 'oom' || f.kind === 'crash';
    if (fatal || this.strikes.length >= this.spec.limits.strikesToQuarantine) this.quarantine(f);
  }

  private strikeRecord(f: Fault): void {
    const now = Date.now();
    this.strikes = this.strikes.filter((t) => now - t < this.spec.limits.strikeWindowMs);
    this.strikes.push(now);
    this.io.event(this.id, 'strike', { fault: f.kind, detail: f.detail, ms: Math.round(f.ms * 10) / 10, strikes: this.strikes.length });
  }

  private quarantine(f: Fault): void {
    this.cpuBefore += this.instance?.cpuMsTotal ?? 0;
    this.instance?.dispose();
    this.instance = null;
    this.heap = NO_HEAP;
    this.held = [];
    const now = Date.now();
    this.quarantines = this.quarantines.filter((t) => now - t < QUARANTINE_WINDOW_MS);
    this.quarantines.push(now);
    this.strikes = [];
    if (this.quarantines.length > this.spec.limits.maxQuarantines) return this.stop(`quarantined ${this.quarantines.length} times in 10 minutes (last: ${f.kind})`);
    const delay = Math.min(this.spec.limits.backoffMaxMs, this.spec.limits.backoffBaseMs * 2 ** (this.quarantines.length - 1));
    this.state = 'quarantined';
    this.io.event(this.id, 'quarantine', { fault: f.kind, detail: f.detail, restartInMs: delay, count: this.quarantines.length });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts++;
      this.io.event(this.id, 'restart', { attempt: this.restarts });
      void this.start();
    }, delay);
  }

  /** Stops for good (until the driver restarts it). */
  stop(why: string): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.cpuBefore += this.instance?.cpuMsTotal ?? 0;
    this.instance?.dispose();
    this.instance = null;
    this.heap = NO_HEAP;
    this.state = 'stopped';
    this.io.event(this.id, 'stopped', { why });
  }

  /** Runs `onStop` handlers (under the deadline) and drops the instance. */
  unload(): void {
    this.unloaded = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.floodTimer) clearTimeout(this.floodTimer);
    if (this.instance && this.state === 'running') this.instance.call('lifecycle', 'stop');
    this.instance?.dispose();
    this.instance = null;
    this.heap = NO_HEAP;
    this.state = 'stopped';
  }

  /** The driver restarts a stopped app: strikes and quarantines are forgotten. */
  async restart(): Promise<void> {
    this.unload();
    this.unloaded = false;
    this.quarantines = [];
    this.strikes = [];
    await this.start();
  }

  /** QuickJS's own count of its heap, refreshed every few seconds (asking costs ~0.15 ms an app). */
  private heapBytes(i: GuestInstance): number {
    const now = performance.now();
    if (this.heap.instance !== i || now - this.heap.atMs >= HEAP_REFRESH_MS) this.heap = { instance: i, bytes: i.heapBytes(), atMs: now };
    return this.heap.bytes;
  }

  metrics(): AppMetrics {
    const i = this.instance;
    return {
      state: this.state,
      cpuMsTotal: this.cpuBefore + (i?.cpuMsTotal ?? 0),
      cpuMsLastSecond: i && performance.now() - i.windowStartMs < 2000 ? i.cpuMsWindow : 0,
      wasmBytes: i?.memory.buffer.byteLength ?? 0,
      heapBytes: i ? this.heapBytes(i) : 0,
      strikes: this.strikes.length,
      restarts: this.restarts,
      callbacks: i?.callbacks ?? 0,
      maxCallbackMs: i?.maxCallbackMs ?? 0,
    };
  }
}
