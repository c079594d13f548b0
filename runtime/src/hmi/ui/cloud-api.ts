/**
 * The HMI's view of cloud sync's HTTP API (runtime/src/cloud/cloud-http.ts, `/api/cloud`).
 * When cloud sync is not running the API answers 404 and the HMI says so instead of guessing.
 */

export interface ConsentView {
  privacyMode: boolean;
  categories: Record<string, { granted: boolean; changedMs: number | null; description: string }>;
}

export interface LedgerEntryView {
  sentMs: number;
  mid: string;
  topic: string;
  dataClass: string;
  kind: string;
  bytes: number;
  samples: number;
}

export interface LedgerView {
  entries: LedgerEntryView[];
  totals: Record<string, { messages: number; bytes: number; samples: number }>;
}

export interface CloudStatusView {
  connected: boolean;
  protocol: string;
}

/** The API's answer, or null when cloud sync is not mounted on this runtime (404). */
async function call<T>(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<T | null> {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 404 && path === '/api/cloud') return null;
  const json = (await res.json()) as T | { error: string };
  if (!res.ok) throw new Error((json as { error: string }).error ?? `HTTP ${res.status}`);
  return json as T;
}

export const cloudApi = {
  status: () => call<CloudStatusView>('GET', '/api/cloud'),
  consent: () => call<ConsentView>('GET', '/api/cloud/consent'),
  setConsent: (category: string, granted: boolean) => call<ConsentView>('PUT', `/api/cloud/consent/${category}`, { granted }),
  setPrivacyMode: (on: boolean) => call<ConsentView>('PUT', '/api/cloud/privacy', { on }),
  /** The newest `limit` entries and the totals per data class over the last `sinceMs`. */
  ledger: (limit: number, sinceMs: number) => call<LedgerView>('GET', `/api/cloud/ledger?limit=${limit}&sinceMs=${sinceMs}`),
};
