import type { ActionPolicy } from '../action-policy/action-policy.ts';
import type { Ledger } from './ledger/ledger.ts';
import type { GuestErrorInfo, HostOp } from './sandbox/protocol.ts';

/** Largest response body `net.fetch` returns (bytes). */
export const MAX_FETCH_RESPONSE_BYTES = 256 * 1024;
/** Longest `net.fetch` (ms). */
export const MAX_FETCH_MS = 10_000;

/** What the app host needs from cloud sync (`CloudSync` satisfies it). */
export interface AppCloudLink {
  appChannel(appId: string): {
    publish(topic: string, data: unknown, o?: { retain?: boolean; alert?: boolean; raw?: boolean }): { queued: boolean; reason?: string; detail?: string };
    subscribe(filter: string, cb: (m: { topic: string; data: unknown }) => void): () => void;
  };
}

export interface RequestContext {
  policy: ActionPolicy;
  ledger: Ledger;
  cloud: () => AppCloudLink | null;
  permits: (appId: string, path: string) => boolean;
  deliverCloud: (appId: string, topic: string, payload: unknown) => void;
  onUnsubscribe: (appId: string, off: () => void) => void;
}

const fail = (name: string, message: string, reason?: string): GuestErrorInfo => ({ name, message, ...(reason ? { reason } : {}) });

/**
 * Answers an app's request on the main thread: actuator requests through the action policy
 * (caller = the app id; `via: 'remote'` when the app thread marked it as made for a remote command), cloud publish/subscribe through the app's own channel, HTTP through
 * fetch with size and time limits. Every decision and every byte sent goes to the ledger.
 * Rejects with a GuestErrorInfo the app receives as a typed error.
 */
export async function answer(c: RequestContext, appId: string, op: HostOp, args: unknown): Promise<unknown> {
  const a = args as Record<string, unknown>;
  if (op === 'set') return setActuator(c, appId, String(a['path']), a['value'] as number | boolean | string, a['via'] === 'remote' ? String(a['command']) : null);
  if (op === 'publish' || op === 'cloud-subscribe') {
    const cloud = c.cloud();
    if (!cloud) throw fail('Unavailable', 'this head unit has no cloud link');
    const ch = cloud.appChannel(appId);
    if (op === 'cloud-subscribe') {
      c.onUnsubscribe(appId, ch.subscribe(String(a['filter']), (m) => c.deliverCloud(appId, m.topic, m.data)));
      return null;
    }
    const payload = String(a['payload']);
    let data: unknown = payload;
    try {
      data = JSON.parse(payload);
    } catch {
      data = payload;
    }
    const r = ch.publish(String(a['topic']), data, (a['options'] ?? {}) as { retain?: boolean; alert?: boolean; raw?: boolean });
    if (!r.queued) throw fail('Refused', r.detail ?? 'not sent', r.reason);
    c.ledger.record(appId, 'egress', { channel: 'cloud', topic: a['topic'], bytes: Buffer.byteLength(payload) });
    return null;
  }
  return fetchFor(c, appId, String(a['url']), (a['init'] ?? {}) as { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number });
}

/**
 * `command`: the app asks while acting for this remote command (marked by the app thread, not by
 * the app): the policy decides it as a remote request, and the decision and ledger say so.
 */
async function setActuator(c: RequestContext, appId: string, path: string, value: number | boolean | string, command: string | null): Promise<unknown> {
  const via = command !== null ? { via: 'remote' as const, command } : {};
  if (!c.permits(appId, path)) {
    c.ledger.record(appId, 'action', { path, value, ...via, allowed: false, reason: 'NO_PERMISSION', detail: 'not granted' });
    throw fail('PermissionDenied', `vehicle.set(${path}): actuator:${path} is not granted`, `actuator:${path}`);
  }
  const d = await c.policy.request({ caller: appId, path, value, ...via });
  c.ledger.record(appId, 'action', { path, value, ...via, allowed: d.allowed, reason: d.reason, detail: d.detail });
  if (!d.allowed) throw fail('Refused', d.detail, d.reason);
  return { allowed: true, reason: d.reason, detail: d.detail };
}

async function fetchFor(c: RequestContext, appId: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<unknown> {
  const method = init.method ?? 'GET';
  if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) throw fail('InvalidArgument', `net.fetch: method ${method} is not allowed`);
  const headers = Object.fromEntries(Object.entries(init.headers ?? {}).filter(([k, v]) => typeof v === 'string' && !/^(host|cookie|authorization-proxy)$/i.test(k)));
  const sent = Buffer.byteLength(url) + Buffer.byteLength(init.body ?? '') + Buffer.byteLength(JSON.stringify(headers));
  c.ledger.record(appId, 'egress', { channel: 'net', host: new URL(url).hostname, method, bytes: sent });
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(init.body ? { body: init.body } : {}), redirect: 'error', signal: AbortSignal.timeout(Math.min(MAX_FETCH_MS, init.timeoutMs ?? MAX_FETCH_MS)) });
  } catch (err) {
    throw fail('NetworkError', `net.fetch(${url}): ${(err as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const r = reader ? await reader.read() : { done: true as const, value: undefined };
    if (r.done) break;
    size += r.value.length;
    if (size > MAX_FETCH_RESPONSE_BYTES) {
      await reader!.cancel();
      throw fail('NetworkError', `net.fetch(${url}): response over ${MAX_FETCH_RESPONSE_BYTES} bytes`);
    }
    chunks.push(Buffer.from(r.value));
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.concat(chunks).toString('utf8') };
}

