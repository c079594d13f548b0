import { EventEmitter } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionPolicy } from '../action-policy/action-policy.ts';
import { TemplateError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { VssValue } from '../mapping/mapping.ts';
import { QUALITY_NAMES, type SignalStore } from '../signal-store/signal-store.ts';
import type { VehicleState } from '../vehicle-state/vehicle-state.ts';
import type { VssCatalogue } from '../vss/catalogue.ts';
import { openAppState, type AppState } from './app-state.ts';
import { PermissionError } from './errors.ts';
import { answer, type AppCloudLink } from './host-requests.ts';
import type { LedgerRecord } from './ledger/ledger.ts';
import type { AppManifest } from './manifest/manifest.ts';
import { declaredPermissions, signalPermissionFor, type GrantState, type PermissionTier } from './permissions/tiers.ts';
import { AppSandbox, type SandboxEvent } from './sandbox/app-sandbox.ts';
import { REMOTE_COMMAND_MS } from './sandbox/remote-scope.ts';
import { DEFAULT_LIMITS, newestPerPath, type AppMetrics, type SandboxLimits, type SignalTuple } from './sandbox/protocol.ts';
import { checkTemplate, type AppNotification, type UiTemplate } from './sandbox/ui-template.ts';
import { buildApp } from './toolchain/build.ts';
import { applyEvent, metricsText } from './host-events.ts';
import { selfCheckpoint } from './ledger/app-db.ts';
import { AppLogs } from './ledger/app-logs.ts';

/** How long a cloud command waits for the app's answer (ms): as long as the app thread counts it in flight. */
const COMMAND_TIMEOUT_MS = REMOTE_COMMAND_MS;
/**
 * How often batched deliveries go to the app thread (ms). Every value an app's rate allows is
 * kept, in order, so a 50 Hz signal still reaches the app 50 times a second, five values a batch.
 * Entering an app's QuickJS instance costs ~100 us whatever it carries (its memory and the
 * interpreter are cold again after each pause), and waking the sleeping app thread more: one
 * entry per app per 100 ms keeps ten apps on a 50 Hz signal at ~2 % of a core, one per 20 ms
 * took ~5 % (`npm run bench:apps`). 10 Hz is Android Automotive's "fast" sensor rate; the HMI's
 * own gauges do not go through apps, and taps, commands and cloud messages are not batched.
 */
export const APP_TICK_MS = 100;

/**
 * Ticks the app thread may be behind before the host holds them (its count comes with its
 * metrics, once a second, so ~10 behind is normal). A thread starved of CPU (it runs below the
 * decode thread) or busy starting many apps would otherwise queue a message every tick.
 */
const MAX_TICK_BACKLOG = 30;

/** What the host needs from the runtime (a `Runtime` provides all of it). */
export interface AppHostDeps {
  store: SignalStore;
  vehicle: VehicleState;
  policy: ActionPolicy;
  /** The runtime's actuator grants per caller: the host registers each app's here. */
  grants: Map<string, (path: string) => boolean>;
  /** Store number → VSS value per path (the mapping's `toVss`). */
  toVss: (path: string) => ((n: number) => VssValue | null) | null;
  vss: VssCatalogue;
  dataDir: string;
  log: Logger;
  limits?: Partial<SandboxLimits>;
  /** Each app log line at once (`app dev`); otherwise they come with the app thread's next message, at most a second late. */
  liveLogs?: boolean;
}

/** One app as the HMI and `/api/apps` show it. */
export interface AppSummary {
  id: string;
  name: string;
  version: string;
  publisher: string;
  description: string;
  /** `installed` (a signed .hua) or `system` (built from the configuration's apps folder). */
  source: 'installed' | 'system';
  trusted: boolean;
  state: AppMetrics['state'];
  permissions: { id: string; tier: PermissionTier; label: string; state: GrantState }[];
}

interface LoadedApp {
  manifest: AppManifest;
  bundle: string;
  source: AppSummary['source'];
  trusted: boolean;
  cloudUnsubs: (() => void)[];
  /** The store slots the app's granted signal permissions cover, and the rate each may go at (Hz). */
  feeds: Map<number, number>;
  /** Paths of dangerous-tier signals (the values it is given are counted in the ledger). */
  dangerous: Set<string>;
  /** Values for the next tick, oldest first (a path may appear more than once). */
  pending: SignalTuple[];
}

/** One store subscription for every app taking signals at one rate, and who gets each slot. */
interface Feed {
  sub: { set(indices: readonly number[]): void; off(): void };
  appsBySlot: Map<number, LoadedApp[]>;
}

/**
 * The app host: runs apps in the sandbox thread, feeds them batched signals per tick (only the
 * paths their grants cover, at their manifest's rates), answers their requests (the action
 * policy, cloud, network), and keeps what the HMI needs: manifests and grants, each app's
 * latest UI template, notifications, ledger, metrics.
 *
 * Events: `notification` (appId, AppNotification), `ui` (appId, top template, stack), `consent-request`
 * (appId, permission), `fault` (appId, kind, detail), `ledger` (LedgerRecord).
 */
export class AppHost extends EventEmitter {
  readonly state: AppState;
  /** The apps' console lines, written to the database once a second. */
  readonly appLogs: AppLogs;
  readonly apps = new Map<string, LoadedApp>();
  /** Each app's task stack (bottom first) and its top template: only templates checked here. */
  readonly templates = new Map<string, { template: UiTemplate; stack: UiTemplate[]; timeMs: number }>();
  /** Recent notifications, newest last (at most 100). */
  readonly notifications: (AppNotification & { appId: string; timeMs: number })[] = [];
  private readonly limits: SandboxLimits;
  private cloud: AppCloudLink | null = null;
  private tick: NodeJS.Timeout | null = null;
  private readsFlush: NodeJS.Timeout | null = null;
  private logsFlush: NodeJS.Timeout | null = null;
  private readonly commandWaits = new Map<string, (r: unknown) => void>();
  /** Whether the last tick found the app thread too far behind (values held here). */
  private behind = false;
  /** The store subscriptions feeding apps, one per rate (Hz; see `refeed`). */
  private readonly feeds = new Map<number, Feed>();
  private commandSeq = 0;

  private constructor(
    readonly deps: AppHostDeps,
    readonly sandbox: AppSandbox,
  ) {
    super();
    this.state = openAppState(deps.dataDir, deps.vss);
    this.appLogs = new AppLogs(this.state.db);
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    sandbox.on('event', (e: SandboxEvent) => applyEvent(this, e));
    // The app thread checkpoints apps.db; without it this connection must, or the WAL grows.
    sandbox.on('exit', () => {
      if (this.state.db.open) selfCheckpoint(this.state.db);
    });
    this.state.ledger.onRecord((r: LedgerRecord) => this.emit('ledger', r));
    deps.vehicle.on('change', () => {
      // At once, not at the next tick: a message or command that arrives next must meet an app
      // that already knows the car is parked (delivery-key's checks). It changes seldom.
      for (const id of this.apps.keys()) this.sandbox.deliver(id, 'state', this.deps.vehicle.current);
    });
  }

  /** Starts the app thread (apps are loaded with `loadInstalled` / `loadFolder`). */
  static async start(deps: AppHostDeps): Promise<AppHost> {
    let host: AppHost | null = null;
    const sb = await AppSandbox.start(deps.dataDir, (appId, op, args) =>
      answer({
        policy: deps.policy,
        ledger: host!.state.ledger,
        cloud: () => host!.cloud,
        permits: (a, p) => host!.permits(a, p),
        deliverCloud: (a, topic, payload) => host!.send(a, 'cloud', { topic, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
        onUnsubscribe: (a, off) => host!.apps.get(a)?.cloudUnsubs.push(off),
      }, appId, op, args),
      { holdLogs: !deps.liveLogs },
    );
    host = new AppHost(deps, sb);
    if (sb.niceProblem) deps.log.log('warn', sb.niceProblem, {});
    host.tick = setInterval(() => host!.flush(), APP_TICK_MS);
    host.readsFlush = setInterval(() => host!.state.ledger.flushReads(), 10_000);
    host.logsFlush = setInterval(() => host!.appLogs.flush(), 1000);
    return host;
  }

  /** Gives apps the cloud (their `apps/<id>/` channel); without it cloud calls fail with Unavailable. */
  setCloud(cloud: AppCloudLink | null): void {
    this.cloud = cloud;
  }

  /** Loads every installed app; returns how many (damaged ones are logged and skipped). */
  loadInstalled(): number {
    const { apps, broken } = this.state.store.list();
    for (const b of broken) this.deps.log.log('error', 'installed app is damaged', { app: b.id, error: b.error });
    for (const a of apps) this.load(a.manifest, this.state.store.bundle(a.manifest.id), 'installed', a.info.trusted);
    return apps.length;
  }

  /**
   * Builds and loads each folder with an app.json under `dir` (the configuration's apps folder):
   * system apps, trusted like the car maker's own. A folder that does not build is logged.
   */
  async loadFolder(dir: string): Promise<string[]> {
    if (!existsSync(dir)) return [];
    const loaded: string[] = [];
    for (const name of readdirSync(dir).sort()) {
      if (!existsSync(join(dir, name, 'app.json'))) continue;
      try {
        const b = await buildApp(join(dir, name), { vss: this.deps.vss, write: false });
        this.state.store.settle(b.manifest, true);
        this.load(b.manifest, b.bundle, 'system', true);
        loaded.push(b.manifest.id);
      } catch (err) {
        this.deps.log.log('error', 'app folder does not build', { folder: join(dir, name), error: (err as Error).message });
      }
    }
    return loaded;
  }

  /** Starts (or replaces) one app in the sandbox with its current grants. */
  load(manifest: AppManifest, bundle: string, source: AppSummary['source'], trusted: boolean): void {
    this.unload(manifest.id);
    const app: LoadedApp = { manifest, bundle, source, trusted, cloudUnsubs: [], feeds: new Map(), dangerous: new Set(), pending: [] };
    this.apps.set(manifest.id, app);
    this.deps.grants.set(manifest.id, (path) => this.permits(manifest.id, path));
    // Load first: the vehicle state that subscribing sends at once must reach the new instance.
    this.sandbox.load({ manifest, bundle, grants: this.state.grants.all(manifest.id), limits: this.limits });
    this.subscribe(app);
  }

  /** Stops an app (its `onStop` runs) and drops its subscriptions. */
  unload(appId: string): void {
    const app = this.apps.get(appId);
    if (!app) return;
    for (const off of app.cloudUnsubs) off();
    this.apps.delete(appId);
    this.refeed();
    this.deps.grants.delete(appId);
    this.sandbox.unload(appId);
  }

  /** After an app (re)started: its current values and the vehicle state again. */
  resync(appId: string): void {
    const app = this.apps.get(appId);
    if (app) this.subscribe(app);
  }

  /**
   * Works out the slots the app's granted signal permissions cover (and their rates), queues
   * their current values at once (so `vehicle.get` works from the first callback), sends the
   * vehicle state, and refeeds.
   */
  private subscribe(app: LoadedApp): void {
    const id = app.manifest.id;
    const grants = this.state.grants.all(id);
    const st = this.deps.store;
    const declared = declaredPermissions(app.manifest);
    app.feeds = new Map();
    app.dangerous = new Set();
    for (const path of st.paths) {
      const perm = signalPermissionFor(app.manifest, path);
      if (!perm || grants[perm.id] !== 'granted') continue;
      const i = st.index(path);
      app.feeds.set(i, perm.maxRateHz);
      if (declared.find((d) => d.id === perm.id)?.tier !== 'normal') app.dangerous.add(path);
    }
    // A value already waiting for the next tick is not queued twice (a grant or a restart re-subscribes).
    const waiting = new Set(app.pending.map((t) => `${t[0]}@${t[2]}`));
    for (const i of app.feeds.keys()) {
      if (st.quality[i] === 0 || waiting.has(`${st.paths[i]}@${st.times[i]}`)) continue;
      app.pending.push(this.tuple(i, st.values[i]!, st.times[i]!, st.quality[i]!));
    }
    this.refeed();
    this.sandbox.deliver(id, 'state', this.deps.vehicle.current);
  }

  /**
   * One store subscription per rate for all apps together (not one per app): each change is
   * made into a tuple once and handed to every app granted that slot at that rate. The store
   * keeps the rate per subscription and slot, so each app still gets a slot at most at its
   * manifest's rate, and the newest value is never lost. When apps or grants change, each
   * rate's subscription keeps the state of the slots it keeps (nobody gets a value early).
   */
  private refeed(): void {
    const byRate = new Map<number, Map<number, LoadedApp[]>>();
    for (const app of this.apps.values()) {
      for (const [i, rate] of app.feeds) {
        let slots = byRate.get(rate);
        if (!slots) byRate.set(rate, (slots = new Map()));
        slots.get(i)?.push(app) ?? slots.set(i, [app]);
      }
    }
    for (const [rate, feed] of this.feeds) {
      if (byRate.has(rate)) continue;
      feed.sub.off();
      this.feeds.delete(rate);
    }
    for (const [rate, appsBySlot] of byRate) {
      let feed = this.feeds.get(rate);
      if (!feed) {
        const f: Feed = {
          appsBySlot,
          sub: this.deps.store.subscribeSlots({ maxRateHz: rate }, (ups) => {
            for (const u of ups) {
              const t = this.tuple(u.index, u.value, u.timeMs, u.quality);
              for (const app of f.appsBySlot.get(u.index) ?? []) app.pending.push(t);
            }
          }),
        };
        this.feeds.set(rate, (feed = f));
      }
      feed.appsBySlot = appsBySlot;
      feed.sub.set([...appsBySlot.keys()]);
    }
  }

  /** A store value as apps see it: [path, VSS value, timeMs, quality name] (shared by every app that gets it: never changed after). */
  private tuple(i: number, value: number, timeMs: number, quality: number): SignalTuple {
    const path = this.deps.store.paths[i]!;
    const conv = this.deps.toVss(path);
    return [path, conv && Number.isFinite(value) ? conv(value) : null, timeMs, QUALITY_NAMES[quality] ?? 'none'];
  }

  /** Takes the app's waiting values to hand them over, counting the dangerous ones (the ledger keeps them per minute). */
  private takePending(app: LoadedApp): SignalTuple[] {
    const values = app.pending;
    app.pending = [];
    if (app.dangerous.size === 0) return values;
    let counts: Map<string, number> | null = null;
    for (const t of values) if (app.dangerous.has(t[0])) (counts ??= new Map()).set(t[0], (counts.get(t[0]) ?? 0) + 1);
    if (counts) for (const [path, n] of counts) this.state.ledger.countRead(app.manifest.id, path, n);
    return values;
  }

  /**
   * A message, command or tap for one app, after the values still waiting for its next tick: what
   * the app decides on it, it decides on the car as it was when it arrived (parked, locked).
   */
  send(appId: string, kind: 'cloud' | 'command' | 'ui-action', data: unknown): void {
    const app = this.apps.get(appId);
    if (app && app.pending.length > 0) this.sandbox.tick({ [appId]: this.takePending(app) });
    this.sandbox.deliver(appId, kind, data);
  }

  /**
   * One tick: every app's pending values in one message (the vehicle state goes at once, when it
   * changes). While the app thread is more than MAX_TICK_BACKLOG ticks behind, the values wait
   * here, the newest per path (as the app thread keeps them for an app over its CPU budget):
   * memory stays bounded and an app that catches up sees the car as it is now.
   */
  flush(): void {
    const behind = this.sandbox.tickBacklog > MAX_TICK_BACKLOG;
    if (behind !== this.behind) {
      this.behind = behind;
      if (behind) this.deps.log.log('warn', 'the app thread is behind: signal values for apps wait, the newest per path', { backlog: this.sandbox.tickBacklog });
      else this.deps.log.log('info', 'the app thread caught up', {});
    }
    if (behind) {
      for (const app of this.apps.values()) if (app.pending.length > 1) app.pending = newestPerPath(app.pending);
      return;
    }
    const batch: Record<string, SignalTuple[]> = {};
    let any = false;
    for (const [id, app] of this.apps) {
      if (app.pending.length === 0) continue;
      batch[id] = this.takePending(app);
      any = true;
    }
    if (any) this.sandbox.tick(batch);
  }

  /** May `appId` request actuator `path`? (the action policy asks) */
  permits(appId: string, path: string): boolean {
    return this.apps.has(appId) && this.state.grants.get(appId, `actuator:${path}`) === 'granted';
  }

  /**
   * The driver grants or revokes a permission; it takes effect at once (grants in the sandbox,
   * signal deliveries, the policy's check). @throws PermissionError for an undeclared
   * permission, or a privileged one of an app not signed by a trusted publisher.
   */
  setGrant(appId: string, permission: string, granted: boolean, by = 'driver'): GrantState {
    const app = this.apps.get(appId);
    const decl = app ? declaredPermissions(app.manifest).find((d) => d.id === permission) : undefined;
    if (!app || !decl) throw new PermissionError(appId, permission, app ? 'the app does not declare it' : 'no such app');
    if (granted && decl.tier === 'privileged' && !app.trusted) throw new PermissionError(appId, permission, 'privileged permissions need an app signed by a trusted publisher');
    const state: GrantState = granted ? 'granted' : decl.tier === 'privileged' && !app.trusted ? 'blocked' : 'denied';
    this.state.grants.set(appId, permission, state);
    this.state.ledger.record(appId, granted ? 'grant' : 'revoke', { permission, tier: decl.tier, by });
    this.sandbox.grants(appId, this.state.grants.all(appId));
    if (permission.startsWith('signal:')) this.subscribe(app);
    return state;
  }

  /** Installed and system apps with manifest, grants and state. */
  list(): AppSummary[] {
    return [...this.apps.values()].map((a) => {
      const g = this.state.grants.all(a.manifest.id);
      const m = a.manifest;
      return {
        id: m.id, name: m.name, version: m.version, publisher: m.publisher, description: m.description, source: a.source, trusted: a.trusted,
        state: this.sandbox.metrics[m.id]?.state ?? 'loading',
        permissions: declaredPermissions(m).map((d) => ({ ...d, state: g[d.id] ?? 'denied' })),
      };
    });
  }

  /**
   * Applies one of the app's task-stack operations after checking the template again here (the HMI
   * trusts only this copy): `render` replaces the stack, `push` adds on top, `pop` removes the top
   * (the bottom template stays). Emits `ui` (appId, top template, stack bottom first).
   */
  setTemplate(appId: string, t: unknown, op: 'render' | 'push' | 'pop' = 'render'): boolean {
    const app = this.apps.get(appId);
    const prev = this.templates.get(appId)?.stack ?? [];
    let stack: UiTemplate[];
    if (op === 'pop') {
      if (!app || prev.length <= 1) return false;
      stack = prev.slice(0, -1);
    } else {
      const checked = app ? checkTemplate(appId, t, app.manifest.permissions) : new TemplateError(appId, '$', 'no such app');
      if (checked instanceof TemplateError) {
        this.state.ledger.record(appId, 'ui-invalid', { problem: checked.message });
        return false;
      }
      stack = op === 'push' ? [...prev, checked] : [checked];
    }
    this.templates.set(appId, { template: stack[stack.length - 1]!, stack, timeMs: Date.now() });
    this.emit('ui', appId, stack[stack.length - 1], stack);
    return true;
  }

  /** The driver pressed back: pops the app's task stack and tells the app (`ui.onAction` with id `$back`). */
  uiBack(appId: string): boolean {
    if (!this.setTemplate(appId, null, 'pop')) return false;
    this.send(appId, 'ui-action', { id: '$back' });
    return true;
  }

  /**
   * A driver's change on a control template the app shows: asked of the action policy as the app
   * (caller = app id, with the app's own actuator grant), recorded in its ledger like `vehicle.set`.
   * Refused without asking when no control in the app's stack is bound to `path`.
   */
  async controlAction(appId: string, path: string, value: number | boolean): Promise<{ caller: string; path: string; value: number | boolean; allowed: boolean; reason: string; detail: string; timeMs: number }> {
    const refuse = (reason: string, detail: string) => ({ caller: appId, path, value, allowed: false, reason, detail, timeMs: Date.now() });
    const stack = this.templates.get(appId)?.stack ?? [];
    if (!stack.some((t) => t.kind === 'control' && t.control.action === path)) return refuse('NO_CONTROL', `${appId} shows no control for ${path}`);
    if (!this.permits(appId, path)) {
      this.state.ledger.record(appId, 'action', { path, value, allowed: false, reason: 'NO_PERMISSION', detail: 'not granted' });
      return refuse('NO_PERMISSION', `actuator:${path} is not granted to ${appId}`);
    }
    const d = await this.deps.policy.request({ caller: appId, path, value });
    this.state.ledger.record(appId, 'action', { path, value, allowed: d.allowed, reason: d.reason, detail: d.detail });
    return { caller: appId, path, value, allowed: d.allowed, reason: d.reason, detail: d.detail, timeMs: d.timeMs };
  }

  /** A tap on one of a tile's actions. */
  uiAction(appId: string, actionId: string): void {
    this.send(appId, 'ui-action', { id: actionId });
  }

  /**
   * A cloud command for an app (`cloud.onCommand`); resolves with what its handler returned
   * (or `{status: 'failed', reason: 'TIMEOUT'}` after 5 s).
   */
  deliverCommand(appId: string, command: { name: string; args: Record<string, unknown>; id?: string }): Promise<unknown> {
    const id = `c${++this.commandSeq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.commandWaits.delete(id);
        resolve({ status: 'failed', reason: 'TIMEOUT', detail: `${appId} did not answer within ${COMMAND_TIMEOUT_MS} ms` });
      }, COMMAND_TIMEOUT_MS);
      this.commandWaits.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      // The app sees the sender's id (the command's nonce) as `id`; answers are matched by ours.
      this.send(appId, 'command', { ...command, id: command.id ?? id, replyTo: id });
    });
  }

  /** The app answered a command (from the app thread). */
  commandDone(_appId: string, id: unknown, result: unknown): void {
    const w = this.commandWaits.get(String(id));
    this.commandWaits.delete(String(id));
    w?.(result);
  }

  /** The driver restarts a stopped or quarantined app. */
  restart(appId: string): void {
    this.sandbox.restart(appId);
  }

  ledger(appId?: string, o: { limit?: number; afterSeq?: number } = {}): LedgerRecord[] {
    return this.state.ledger.query({ ...(appId ? { appId } : {}), ...o });
  }

  logs(appId: string, limit = 100): { timeMs: number; level: string; message: string }[] {
    this.appLogs.flush();
    const rows = this.state.db.prepare('SELECT time_ms, level, message FROM logs WHERE app_id = ? ORDER BY seq DESC LIMIT ?').all(appId, limit) as { time_ms: number; level: string; message: string }[];
    return rows.reverse().map((r) => ({ timeMs: r.time_ms, level: r.level, message: r.message }));
  }

  /** Per-app CPU, memory, state and strikes (from the app thread, at most 1 s old). */
  metrics(): Record<string, AppMetrics> {
    return this.sandbox.metrics;
  }

  /** The per-app lines for `/metrics`. */
  metricsText(): string {
    return metricsText(this.sandbox.metrics);
  }

  /** Stops every app (their `onStop` runs), the app thread, and writes pending read counts. */
  async stop(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    if (this.readsFlush) clearInterval(this.readsFlush);
    if (this.logsFlush) clearInterval(this.logsFlush);
    for (const id of [...this.apps.keys()]) this.unload(id);
    // Give the app thread a moment to run the apps' onStop handlers (each bounded by its deadline).
    await new Promise((r) => setTimeout(r, 50));
    await this.sandbox.close();
    this.state.ledger.flushReads(true);
    this.appLogs.flush();
    this.state.close();
  }
}
