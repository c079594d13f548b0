import type { AppManifest } from '../manifest/manifest.ts';
import type { GrantState } from '../permissions/tiers.ts';

/** Hard limits of one app's sandbox. */
export interface SandboxLimits {
  /** Size of the app's own `WebAssembly.Memory` (bytes; the wasm module needs at least 16 MiB). */
  memoryBytes: number;
  /** Interrupt deadline of one callback into the app, its promise jobs included (ms). */
  callbackMs: number;
  /** CPU the app may use per second (ms); above it the app is throttled and gets a strike. */
  cpuMsPerSecond: number;
  /** QuickJS stack limit (bytes). */
  stackBytes: number;
  /** Live timers per app. */
  maxTimers: number;
  /** Shortest timer interval (ms). */
  minTimerMs: number;
  /** Promise jobs run after one callback; more pending is a promise storm. */
  maxJobsPerCall: number;
  /** Actuator, cloud and network requests per second per app. */
  maxRequestsPerSecond: number;
  /** Requests awaiting an answer per app. */
  maxInFlight: number;
  /** Strikes within `strikeWindowMs` that quarantine the app. */
  strikesToQuarantine: number;
  strikeWindowMs: number;
  /** First restart delay after a quarantine; doubles each time up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Quarantines (within 10 minutes) after which the app stays stopped until the driver restarts it. */
  maxQuarantines: number;
}

/** The defaults (issue #6): 32 MiB, 20 ms per callback, 100 ms CPU per second, 3 strikes, backoff 1 s .. 60 s. */
export const DEFAULT_LIMITS: SandboxLimits = {
  memoryBytes: 32 * 1024 * 1024,
  callbackMs: 20,
  cpuMsPerSecond: 100,
  stackBytes: 256 * 1024,
  maxTimers: 64,
  minTimerMs: 10,
  maxJobsPerCall: 10_000,
  maxRequestsPerSecond: 20,
  maxInFlight: 16,
  strikesToQuarantine: 3,
  strikeWindowMs: 60_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  maxQuarantines: 5,
};

/** What the worker needs to run one app. */
export interface AppSpec {
  manifest: AppManifest;
  /** The bundled script (`app build` output). */
  bundle: string;
  grants: Record<string, GrantState>;
  limits: SandboxLimits;
}

/** A signal value as delivered to apps: [path, VSS value, timeMs, quality name]. */
export type SignalTuple = [string, number | boolean | string | null, number, string];

/** The newest value of each path, in the order the paths last changed (what waits while an app, or the app thread, is behind). */
export function newestPerPath(values: SignalTuple[]): SignalTuple[] {
  const m = new Map<string, SignalTuple>();
  for (const v of values) {
    m.delete(v[0]);
    m.set(v[0], v);
  }
  return m.size === values.length ? values : [...m.values()];
}

/** Requests the worker forwards to the main thread (where the policy, cloud and network live). */
export type HostOp = 'set' | 'publish' | 'fetch' | 'cloud-subscribe';

/** An error the guest receives as a typed SDK error. */
export interface GuestErrorInfo {
  /** SDK class: PermissionDenied, Refused, LimitExceeded, InvalidArgument, NetworkError, Unavailable. */
  name: string;
  message: string;
  /** Refused: the policy's reason code; PermissionDenied: the permission id. */
  reason?: string;
  pending?: boolean;
}

export type ToWorker =
  | { t: 'load'; app: AppSpec }
  | { t: 'unload'; appId: string }
  | { t: 'restart'; appId: string }
  | { t: 'grants'; appId: string; grants: Record<string, GrantState> }
  | { t: 'tick'; signals: Record<string, SignalTuple[]> }
  | { t: 'reply'; id: number; appId: string; ok: boolean; value?: unknown; error?: GuestErrorInfo }
  | { t: 'deliver'; appId: string; kind: 'cloud' | 'command' | 'ui-action' | 'state'; data: unknown }
  | { t: 'storage'; dataDir: string }
  /** The main thread is about to end the app thread: send what is held, then `closing`. */
  | { t: 'close' };

/** Events the worker reports (ledger, HMI, logs). */
export type AppEventKind =
  | 'started' | 'strike' | 'quarantine' | 'restart' | 'stopped' | 'notify' | 'ui' | 'ui-invalid'
  | 'log' | 'denied' | 'consent-request' | 'flood' | 'error' | 'audit' | 'command-result';

export type FromWorker =
  | { t: 'ready'; niceProblem?: string }
  | { t: 'closing' }
  | { t: 'request'; id: number; appId: string; op: HostOp; args: unknown }
  | { t: 'event'; appId: string; kind: AppEventKind; detail: Record<string, unknown> }
  /** Events held back (log lines), in order. */
  | { t: 'events'; list: { t: 'event'; appId: string; kind: AppEventKind; detail: Record<string, unknown> }[] }
  /** `ticks`: how many tick messages the thread has handled (the main thread's flow control). */
  | { t: 'metrics'; apps: Record<string, AppMetrics>; ticks: number };

/** Per-app figures the worker reports every second (for /metrics). */
export interface AppMetrics {
  state: 'running' | 'quarantined' | 'stopped' | 'loading';
  cpuMsTotal: number;
  cpuMsLastSecond: number;
  /** The app's WebAssembly.Memory size (reserved; untouched pages cost no RSS). */
  wasmBytes: number;
  /** Bytes QuickJS has allocated inside it. */
  heapBytes: number;
  strikes: number;
  restarts: number;
  callbacks: number;
  /** Largest single callback (ms) since start. */
  maxCallbackMs: number;
}
