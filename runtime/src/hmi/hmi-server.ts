import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.ts';
import type { Runtime } from '../runtime.ts';
import type { VehicleStateSnapshot } from '../vehicle-state/vehicle-state.ts';
import type { ActionDecision } from '../action-policy/action-policy.ts';
import { NotificationCenter, watchLowBattery } from './hmi-alerts.ts';
import { HmiApps, type AppSurfaceSource } from './hmi-apps.ts';
import { buildHmiBundle, type HmiBundle } from './hmi-bundle.ts';
import { HmiSession } from './hmi-session.ts';
import { MAX_UPDATES_PER_SECOND, type HmiNotification, type ServerMessage, type SignalInfo, type UiValue } from './protocol.ts';

/** The WebSocket endpoint the UI connects to. */
export const HMI_WS_PATH = '/hmi/ws';

export interface HmiServerOptions {
  log: Logger;
  /** A prebuilt bundle (tests share one); default: build or take it from the cache. */
  bundle?: HmiBundle;
  /** Signal batches per second per screen (default and maximum 10). */
  maxRateHz?: number;
  /** The app platform (`AppHost`): app surfaces and notifications. Without it, the launcher says apps are off. */
  apps?: AppSurfaceSource & { list(): AppListing[] };
}

/** What the HMI reads of `AppHost.list()`. */
export interface AppListing {
  id: string;
  state: string;
  permissions: { id: string; state: string }[];
}

const SOC_PATH = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';

/** The running app, if any, that reads the state of charge and may notify: it owns the low-battery alert. */
function lowBatteryApp(list: AppListing[]): string | null {
  const granted = (a: AppListing, id: string): boolean => a.permissions.some((p) => p.id === id && p.state === 'granted');
  return list.find((a) => a.state !== 'quarantined' && a.state !== 'stopped' && granted(a, `signal:${SOC_PATH}`) && granted(a, 'notify'))?.id ?? null;
}

function page(hash: string): string {
  return `<!doctype html>
<html lang="en" data-theme="day"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>headunit</title>
<link rel="stylesheet" href="/hmi/app.css?v=${hash}">
<script type="module" src="/hmi/app.js?v=${hash}"></script>
</head><body><div id="app"></div></body></html>`;
}

/**
 * The in-dash UI's server side: serves the page and the Preact bundle, and a WebSocket per
 * screen that streams the signals it shows (≤ 10 batches/s), the vehicle state, the action
 * policy's decisions and notifications. Mount with `routes` (an extra route set of the runtime's
 * HTTP server) and `attach(server)` (the WebSocket upgrade).
 */
export class HmiServer {
  readonly notifications = new NotificationCenter();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly sessions = new Set<HmiSession>();
  private readonly catalogue: SignalInfo[];
  private readonly toVss = new Map<string, (n: number) => UiValue>();
  private readonly stops: (() => void)[] = [];
  private readonly maxRateHz: number;
  /** App surfaces, when the app platform runs. */
  readonly apps: HmiApps | null;

  private constructor(
    private readonly rt: Runtime,
    readonly bundle: HmiBundle,
    private readonly log: Logger,
    maxRateHz: number,
    appSource: HmiServerOptions['apps'],
  ) {
    this.maxRateHz = Math.min(maxRateHz, MAX_UPDATES_PER_SECOND);
    const mappings = rt.buses.flatMap((b) => b.mapping.signals);
    for (const m of mappings) this.toVss.set(m.path, (n) => m.toVss(n) as UiValue);
    this.catalogue = mappings
      .map((m) => ({ path: m.path, datatype: m.node.datatype, unit: m.node.unit, description: m.node.description, actuator: m.actuator !== null, min: m.node.min, max: m.node.max }))
      .sort((a, b) => a.path.localeCompare(b.path));
    this.stops.push(watchLowBattery(rt.store, this.notifications, () => (appSource ? lowBatteryApp(appSource.list()) : null)));
    const granted = (appId: string, permission: string): boolean =>
      appSource?.list().some((a) => a.id === appId && a.permissions.some((p) => p.id === permission && p.state === 'granted')) ?? false;
    this.apps = appSource ? new HmiApps(appSource, this.notifications, () => rt.vehicle.current.ux === 'driving', log, Date.now, granted) : null;
    if (this.apps) {
      const apps = this.apps;
      apps.on('surface', (s) => this.broadcast({ t: 'app-ui', s }));
      this.stops.push(() => apps.close());
    }
    const onVehicle = (v: VehicleStateSnapshot, prev: VehicleStateSnapshot): void => {
      this.broadcast({ t: 'vehicle', v });
      if (v.ux !== prev.ux) this.apps?.restrictionChanged();
    };
    const onDecision = (d: ActionDecision): void => this.broadcast({ t: 'decision', d: { caller: d.caller, ...(d.via ? { via: d.via, command: d.command } : {}), path: d.path, value: d.value, allowed: d.allowed, reason: d.reason, detail: d.detail, timeMs: d.timeMs } });
    const onNotify = (n: HmiNotification): void => {
      this.log.log(n.severity === 'critical' ? 'warn' : 'info', 'notification', { source: n.source, severity: n.severity, title: n.title });
      this.broadcast({ t: 'notify', n });
    };
    rt.vehicle.on('change', onVehicle);
    rt.policy.on('decision', onDecision);
    this.notifications.on('notify', onNotify);
    this.stops.push(() => rt.vehicle.off('change', onVehicle), () => rt.policy.off('decision', onDecision), () => this.notifications.off('notify', onNotify));
  }

  /**
   * Builds (or loads from the cache) the bundle and wires the HMI to the runtime.
   * @throws HmiBuildError when the UI sources do not build.
   */
  static async create(rt: Runtime, opts: HmiServerOptions): Promise<HmiServer> {
    const bundle = opts.bundle ?? (await buildHmiBundle());
    opts.log.log('info', 'hmi bundle ready', { hash: bundle.hash, cached: bundle.cached, ms: Math.round(bundle.buildMs), jsBytes: bundle.js.length });
    return new HmiServer(rt, bundle, opts.log, opts.maxRateHz ?? MAX_UPDATES_PER_SECOND, opts.apps);
  }

  /** Screens connected now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Route set for the runtime's HTTP server: `/`, `/hmi/app.js`, `/hmi/app.css`. */
  readonly routes = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (req.method !== 'GET') return false;
    const { hash, js, css } = this.bundle;
    const asset = (type: string, body: string | Buffer): true => {
      const fresh = req.headers['if-none-match'] === `"${hash}"`;
      res.writeHead(fresh ? 304 : 200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-cache', etag: `"${hash}"` });
      res.end(fresh ? undefined : body);
      return true;
    };
    if (url.pathname === '/' || url.pathname === '/hmi' || url.pathname === '/hmi/') return asset('text/html', page(hash));
    if (url.pathname === '/hmi/app.js') return asset('text/javascript', js);
    if (url.pathname === '/hmi/app.css') return asset('text/css', css);
    return false;
  };

  /** Takes over WebSocket upgrades to `/hmi/ws` on `server` (others are refused). */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== HMI_WS_PATH) {
        // Nobody else takes upgrades on this server: refuse rather than leave the socket hanging.
        if (server.listenerCount('upgrade') === 1) socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws));
    });
  }

  private connect(ws: WebSocket): void {
    const session = new HmiSession(ws, this.rt.store, (p, n) => this.toVss.get(p)?.(n) ?? n, this.maxRateHz);
    this.sessions.add(session);
    ws.on('message', (data) => session.receive(String(data)));
    ws.on('close', () => {
      session.close();
      this.sessions.delete(session);
    });
    session.send({ t: 'hello', catalogue: this.catalogue, vehicle: this.rt.vehicle.current, notifications: [...this.notifications.history], maxRateHz: this.maxRateHz, apps: this.apps ? this.apps.surfaces : null });
  }

  private broadcast(msg: ServerMessage): void {
    for (const s of this.sessions) s.send(msg);
  }

  /** Closes every screen's socket and detaches from the runtime. */
  async close(): Promise<void> {
    for (const stop of this.stops) stop();
    for (const s of this.sessions) s.close();
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}
