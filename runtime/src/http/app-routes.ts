import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppHost } from '../app-host/app-host.ts';
import { AppError, PackageError } from '../app-host/errors.ts';
import { MAX_HUA_BYTES } from '../app-host/package/hua.ts';
import { developerMode, setDeveloperMode, sideloadHua } from '../app-host/sideload.ts';
import type { HttpRoutes } from './http-server.ts';

/** Largest request body accepted on /api/apps (bytes). */
const MAX_BODY_BYTES = 4096;

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}

/** The raw request body, refused (null) above `max` bytes. */
async function rawBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** POST /api/apps/install: a .hua body, installed and started; typed refusals with a reason. */
async function install(host: AppHost, req: IncomingMessage, res: ServerResponse): Promise<true> {
  const bytes = await rawBody(req, MAX_HUA_BYTES);
  if (!bytes) return send(res, 413, { error: `package larger than ${MAX_HUA_BYTES} bytes`, reason: 'TOO_LARGE' });
  try {
    const r = sideloadHua(host, bytes, req.headers['x-file-name']?.toString());
    return send(res, 201, { appId: r.manifest.id, version: r.manifest.version, name: r.manifest.name, updated: r.updated, trusted: r.info.trusted, publisher: r.info.publisher, warnings: r.warnings, permissions: r.permissions });
  } catch (err) {
    if (err instanceof PackageError) return send(res, err.reason === 'UNTRUSTED_PUBLISHER' ? 403 : 400, { error: err.message, reason: err.reason, appId: err.appId });
    if (err instanceof AppError) return send(res, err.code === 'DRIVING' ? 409 : 400, { error: err.message, reason: err.code, appId: err.appId });
    throw err;
  }
}

/** GET/PUT /api/apps/developer-mode: `{"enabled": boolean}` (PUT refused while driving). */
async function devMode(host: AppHost, req: IncomingMessage, res: ServerResponse): Promise<true> {
  if (req.method === 'PUT') {
    const b = await body(req);
    if (typeof b['enabled'] !== 'boolean') return send(res, 400, { error: 'expected {"enabled": boolean}', reason: 'BAD_REQUEST' });
    if (host.deps.vehicle.current.ux !== 'none') return send(res, 409, { error: 'developer mode cannot be changed while driving', reason: 'DRIVING' });
    setDeveloperMode(host.deps.dataDir, b['enabled']);
  }
  return send(res, 200, { enabled: developerMode(host.deps.dataDir) });
}

/** Server-sent events: notifications, UI templates, faults, consent requests and ledger records as they happen. */
function events(host: AppHost, req: IncomingMessage, res: ServerResponse): true {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const out = (event: string, data: unknown): void => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const on: [string, (...a: unknown[]) => void][] = [
    ['notification', (appId, n) => out('notification', { appId, ...(n as object) })],
    ['ui', (appId, template) => out('ui', { appId, template })],
    ['fault', (appId, kind, detail) => out('fault', { appId, kind, detail })],
    ['consent-request', (appId, permission) => out('consent-request', { appId, permission })],
    ['ledger', (r) => out('ledger', r)],
  ];
  for (const [e, f] of on) host.on(e, f);
  req.on('close', () => {
    for (const [e, f] of on) host.off(e, f);
  });
  return true;
}

/**
 * `/api/apps` for the HMI (see README "Apps"):
 *
 * ```
 * GET  /api/apps                              installed and system apps: manifest summary, permissions with tier and state
 * GET  /api/apps/events                       server-sent events: notification, ui, fault, consent-request, ledger
 * GET  /api/apps/notifications                recent notifications
 * GET  /api/apps/metrics                      per-app CPU, memory, state, strikes
 * GET  /api/apps/developer-mode               {"enabled": boolean}; PUT the same to switch (parked only)
 * POST /api/apps/install                      a .hua body: verified as `headunit app install`, installed and started (parked only)
 * GET  /api/apps/ID/ui                        the latest (validated) template, or 204
 * GET  /api/apps/ID/ledger?limit=N&after=SEQ  the app's audit records
 * GET  /api/apps/ID/logs?limit=N              its log lines
 * POST /api/apps/ID/permissions               {"permission": "signal:Vehicle.Speed", "granted": true|false}
 * POST /api/apps/ID/ui-pop                    (the HMI's back control: pops the app's task stack)
 * POST /api/apps/ID/ui-control                {"action": "Vehicle.X", "value": true}  (a control template: asked as the app)
 * POST /api/apps/ID/ui-action                 {"id": "boost"}   (a tap on a tile action)
 * POST /api/apps/ID/restart
 * ```
 */
export function appRoutes(host: AppHost): HttpRoutes {
  return async (req, res, url) => {
    const p = url.pathname;
    if (!p.startsWith('/api/apps')) return false;
    const get = req.method === 'GET';
    if (get && p === '/api/apps') return send(res, 200, host.list());
    if (get && p === '/api/apps/events') return events(host, req, res);
    if (get && p === '/api/apps/notifications') return send(res, 200, host.notifications);
    if (get && p === '/api/apps/metrics') return send(res, 200, host.metrics());
    if (p === '/api/apps/developer-mode' && (get || req.method === 'PUT')) return devMode(host, req, res);
    if (p === '/api/apps/install' && req.method === 'POST') return install(host, req, res);
    const m = /^\/api\/apps\/([a-z0-9.-]+)\/([a-z-]+)$/.exec(p);
    if (!m) return false;
    const [, id, what] = m as unknown as [string, string, string];
    if (!host.apps.has(id)) return send(res, 404, { error: `no app ${id}` });
    const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 200) || 200);
    if (get && what === 'ui') {
      const t = host.templates.get(id);
      if (!t) {
        res.writeHead(204).end();
        return true;
      }
      return send(res, 200, t);
    }
    if (get && what === 'ledger') return send(res, 200, host.ledger(id, { limit, afterSeq: Number(url.searchParams.get('after') ?? 0) || 0 }));
    if (get && what === 'logs') return send(res, 200, host.logs(id, limit));
    if (req.method !== 'POST') return false;
    if (what === 'restart') {
      host.restart(id);
      return send(res, 202, { restarting: id });
    }
    const b = await body(req);
    if (what === 'permissions') {
      if (typeof b['permission'] !== 'string' || typeof b['granted'] !== 'boolean') return send(res, 400, { error: 'expected {"permission": string, "granted": boolean}' });
      try {
        return send(res, 200, { appId: id, permission: b['permission'], state: host.setGrant(id, b['permission'], b['granted']) });
      } catch (err) {
        return send(res, 403, { error: (err as Error).message });
      }
    }
    if (what === 'ui-pop') return send(res, host.uiBack(id) ? 200 : 409, { depth: host.templates.get(id)?.stack.length ?? 0 });
    if (what === 'ui-control') {
      const v = b['value'];
      if (typeof b['action'] !== 'string' || (typeof v !== 'boolean' && typeof v !== 'number')) return send(res, 400, { error: 'expected {"action": string, "value": boolean|number}' });
      const d = await host.controlAction(id, b['action'], v);
      return send(res, d.allowed ? 200 : 403, d);
    }
    if (what === 'ui-action') {
      if (typeof b['id'] !== 'string') return send(res, 400, { error: 'expected {"id": string}' });
      host.uiAction(id, b['id']);
      return send(res, 202, { delivered: b['id'] });
    }
    return false;
  };
}
