/**
 * The HMI's view of the app platform's HTTP API (runtime/src/http/app-routes.ts, `/api/apps`).
 * When the app platform is not running the API answers 404 and the HMI says so.
 */
import type { UiDecision } from '../protocol.ts';

export interface AppPermissionView {
  id: string;
  tier: 'normal' | 'dangerous' | 'privileged';
  label: string;
  state: 'granted' | 'denied' | 'ask' | 'blocked';
}

export interface AppView {
  id: string;
  name: string;
  version: string;
  publisher: string;
  description: string;
  source: 'installed' | 'system';
  trusted: boolean;
  state: string;
  permissions: AppPermissionView[];
}

export interface AuditRecordView {
  seq: number;
  timeMs: number;
  appId: string;
  kind: string;
  detail: Record<string, unknown>;
}

async function call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T | null> {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 404 && (path === '/api/apps' || path === '/api/apps/developer-mode')) return null;
  const json = (await res.json()) as T | { error: string };
  if (!res.ok) throw new Error((json as { error: string }).error ?? `HTTP ${res.status}`);
  return json as T;
}

/** What POST /api/apps/install answers: the installed app, warnings (self-signed), its permissions. */
export interface SideloadResult {
  appId: string;
  version: string;
  name: string;
  updated: boolean;
  trusted: boolean;
  publisher: string;
  warnings: string[];
  permissions: AppPermissionView[];
}

/** Sends a .hua to the head unit; throws with the server's reason (DRIVING, UNTRUSTED_PUBLISHER, HASH_MISMATCH, ...). */
async function sideload(file: File): Promise<SideloadResult> {
  const res = await fetch('/api/apps/install', { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-file-name': file.name }, body: file });
  const json = (await res.json()) as SideloadResult | { error: string; reason?: string };
  if ('error' in json) throw new Error(`${json.reason ?? `HTTP ${res.status}`}: ${json.error}`);
  return json;
}

export const appsApi = {
  /** Installed and system apps, or null when the app platform is off. */
  list: () => call<AppView[]>('GET', '/api/apps'),
  setPermission: (appId: string, permission: string, granted: boolean) => call<{ state: string }>('POST', `/api/apps/${appId}/permissions`, { permission, granted }),
  audit: (appId: string, limit: number) => call<AuditRecordView[]>('GET', `/api/apps/${appId}/ledger?limit=${limit}`),
  /** A tap on a template's action: delivered to the app, which decides what it means. */
  action: (appId: string, actionId: string) => call<unknown>('POST', `/api/apps/${appId}/ui-action`, { id: actionId }),
  /** A change on a control template: the action policy judges it as the app, with the app's grants (200 or 403, a decision either way). */
  control: async (appId: string, action: string, value: number | boolean): Promise<UiDecision> => {
    const res = await fetch(`/api/apps/${appId}/ui-control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, value }) });
    const body = (await res.json()) as UiDecision | { error: string };
    return 'error' in body ? { caller: appId, path: action, value, allowed: false, reason: 'BAD_REQUEST', detail: body.error, timeMs: Date.now() } : body;
  },
  /** The back control: pops the app's task stack (the app hears `$back`). */
  pop: (appId: string) => call<{ depth: number }>('POST', `/api/apps/${appId}/ui-pop`, {}),
  /** Whether developer mode is on, or null when the app platform is off. */
  developerMode: () => call<{ enabled: boolean }>('GET', '/api/apps/developer-mode'),
  setDeveloperMode: (enabled: boolean) => call<{ enabled: boolean }>('PUT', '/api/apps/developer-mode', { enabled }),
  sideload,
};
