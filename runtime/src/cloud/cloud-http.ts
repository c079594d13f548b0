import type { IncomingMessage, ServerResponse } from 'node:http';
import { CATEGORY_DESCRIPTIONS } from './categories.ts';
import type { CloudSync } from './cloud-sync.ts';
import { ConsentError } from './errors.ts';

/** Largest body accepted on `/api/cloud` (a consent change is a few bytes). */
const MAX_BODY_BYTES = 1024;

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function consentView(cloud: CloudSync): unknown {
  const s = cloud.consent.state();
  return { privacyMode: s.privacyMode, categories: Object.fromEntries(Object.entries(s.categories).map(([c, v]) => [c, { ...v, description: CATEGORY_DESCRIPTIONS[c as keyof typeof CATEGORY_DESCRIPTIONS] }])) };
}

/**
 * The owner's privacy settings for the HMI, under `/api/cloud`:
 *
 * ```
 * GET  /api/cloud                      connection, outbox and command figures
 * GET  /api/cloud/consent              {privacyMode, categories: {location: {granted, changedMs, description}, ...}}
 * PUT  /api/cloud/consent/{category}   {"granted": bool}   → the new consent (revoking purges queued data)
 * PUT  /api/cloud/privacy              {"on": bool}        → the new consent
 * GET  /api/cloud/ledger?limit=N&category=C&sinceMs=T   {entries: [...newest first], totals: {class: {messages, bytes, samples}}}
 * ```
 * Returns true when it answered the request (mount it with the runtime's HTTP server).
 */
export function cloudRoutes(cloud: CloudSync): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    const p = url.pathname;
    if (!p.startsWith('/api/cloud')) return false;
    if (req.method === 'GET' && p === '/api/cloud') return send(res, 200, cloud.stats());
    if (req.method === 'GET' && p === '/api/cloud/consent') return send(res, 200, consentView(cloud));
    const cat = /^\/api\/cloud\/consent\/([a-z]+)$/.exec(p);
    if (req.method === 'PUT' && cat) {
      const body = (await readJson(req)) as { granted?: unknown };
      if (typeof body?.granted !== 'boolean') return send(res, 400, { error: 'expected {"granted": true | false}' });
      try {
        cloud.consent.set(cat[1]!, body.granted);
      } catch (err) {
        if (err instanceof ConsentError) return send(res, 404, { error: err.message });
        throw err;
      }
      return send(res, 200, consentView(cloud));
    }
    if (req.method === 'PUT' && p === '/api/cloud/privacy') {
      const body = (await readJson(req)) as { on?: unknown };
      if (typeof body?.on !== 'boolean') return send(res, 400, { error: 'expected {"on": true | false}' });
      cloud.consent.setPrivacyMode(body.on);
      return send(res, 200, consentView(cloud));
    }
    if (req.method === 'GET' && p === '/api/cloud/ledger') {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
      const sinceMs = Number(url.searchParams.get('sinceMs') ?? 0) || 0;
      const category = url.searchParams.get('category') ?? undefined;
      return send(res, 200, { entries: cloud.ledger.list({ limit, sinceMs, ...(category ? { dataClass: category } : {}) }), totals: cloud.ledger.totals(sinceMs) });
    }
    return send(res, 404, { error: `no route ${req.method} ${p}` });
  };
}
