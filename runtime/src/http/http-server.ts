import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { QUALITY_NAMES } from '../signal-store/signal-store.ts';
import type { Runtime } from '../runtime.ts';
import { prometheusText } from './metrics.ts';

/** Largest request body accepted (an actuator request is a few bytes). */
const MAX_BODY_BYTES = 4096;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body);
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The current value of every signal, as VSS values with quality. */
export function signalsJson(rt: Runtime): Record<string, { value: unknown; quality: string; timeMs: number }> {
  const out: Record<string, { value: unknown; quality: string; timeMs: number }> = {};
  for (const bus of rt.buses) {
    for (const m of bus.mapping.signals) {
      const i = rt.store.index(m.path);
      const q = rt.store.quality[i]!;
      out[m.path] = { value: q === 0 ? null : m.toVss(rt.store.values[i]!), quality: QUALITY_NAMES[q] ?? 'unknown', timeMs: rt.store.times[i]! };
    }
  }
  return out;
}

/** More routes mounted on the same server (the HMI's page and bundle, ...): true when it answered. */
export type HttpRoutes = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/**
 * The runtime's HTTP surface on the HMI port: `/health`, `/metrics` (Prometheus),
 * `/api/signals`, `/api/vehicle`, and `POST /api/actuators/<VSS path>` with `{"value": ...}`
 * for the driver at the screen (caller `hmi`, through the action policy like everyone else),
 * then each of `extra` in turn.
 */
export function createHttpServer(rt: Runtime, extra: HttpRoutes[] = []): Server {
  return createServer((req, res) => {
    void route(rt, req, res, extra).catch((err: Error) => send(res, 400, { error: err.message }));
  });
}

async function route(rt: Runtime, req: IncomingMessage, res: ServerResponse, extra: HttpRoutes[]): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') {
    const links = Object.fromEntries(rt.buses.map((b) => [b.name, b.link.state]));
    const ok = rt.buses.every((b) => b.link.state === 'open');
    return send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', uptimeS: Math.round((Date.now() - rt.startedAtMs) / 1000), links, vehicle: rt.vehicle.current });
  }
  if (req.method === 'GET' && url.pathname === '/metrics') return send(res, 200, prometheusText(rt), 'text/plain; version=0.0.4');
  if (req.method === 'GET' && url.pathname === '/api/signals') return send(res, 200, signalsJson(rt));
  if (req.method === 'GET' && url.pathname === '/api/vehicle') return send(res, 200, rt.vehicle.current);
  const act = /^\/api\/actuators\/(Vehicle(?:\.[A-Za-z0-9_]+)+)$/.exec(url.pathname);
  if (req.method === 'POST' && act) {
    const body = (await readBody(req)) as { value?: unknown };
    if (typeof body !== 'object' || body === null || !['number', 'boolean', 'string'].includes(typeof body.value)) {
      return send(res, 400, { error: 'expected {"value": number | boolean | string}' });
    }
    const d = await rt.policy.request({ caller: 'hmi', path: act[1]!, value: body.value as number | boolean | string });
    return send(res, d.allowed ? 200 : 403, d);
  }
  for (const r of extra) if (await r(req, res, url)) return;
  send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
}
