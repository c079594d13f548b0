/**
 * The headunit app SDK (issue #6): typed access to what the head unit lets an in-car app do.
 *
 * An app is one script (bundled by `headunit app build`) that runs in its own QuickJS sandbox.
 * Everything here forwards to capability functions the host created for the app's grants:
 * a call the app has no grant for throws `PermissionDenied`, a request the action policy
 * refuses rejects with `Refused(reason)`, a limit (rate, quota, timers) throws `LimitExceeded`.
 *
 * ```ts
 * import { vehicle, ui, app } from '@headunit/sdk';
 * app.onStart(() => {
 *   vehicle.subscribe('Vehicle.Exterior.AirTemperature', (t) => ui.render({ kind: 'tile', title: 'Outside', value: t.toFixed(1), unit: '°C' }));
 * });
 * ```
 *
 * This module has no side effects and no Node imports: it is bundled into the app.
 */

/** A VSS value: numbers, booleans and strings (enums). */
export type VssValue = number | boolean | string;

/** Quality of a signal value: `valid`, `stale` (timed out), `invalid` (checksum/SNA), `out_of_range`. */
export type Quality = 'valid' | 'stale' | 'invalid' | 'out_of_range' | 'none';

/** The latest value of a signal, from `vehicle.get`. */
export interface SignalReading {
  value: VssValue | null;
  /** When the car measured it (ms since the epoch). */
  timeMs: number;
  quality: Quality;
}

/** One value in a subtree subscription (`Vehicle.Powertrain.TractionBattery.*`). */
export interface SignalChange extends SignalReading {
  path: string;
}

/** What the car is doing, and the UX restriction apps must obey (`driving`: glanceable only). */
export interface VehicleState {
  drive: 'off' | 'parked' | 'driving' | 'charging' | 'unknown';
  ux: 'none' | 'driving';
  /** VSS LowVoltageSystemState: OFF, ACC, ON, START, LOCK or UNDEFINED. */
  ignition: string;
  speedKmh: number | null;
  charging: boolean;
}

/** A list or grid entry; `detail` is secondary text (cut to 2 lines while driving); pressing it sends `action`. */
export interface UiItem {
  title: string;
  detail?: string;
  icon?: string;
  action?: string;
}

/** A text field (search box): hidden while driving. */
export interface UiTextInput {
  id: string;
  placeholder?: string;
}

/** A toggle or slider bound to one of the app's actuators: the action policy judges each change with the app's grants. */
export type UiControl =
  | { type: 'toggle'; action: string; value: boolean }
  | { type: 'slider'; action: string; value: number; min: number; max: number; step: number };

/**
 * UI templates the HMI draws for an app (declare the kinds in app.json `permissions.ui`). While
 * driving, lists/grids/panes/status show at most 6 entries, secondary text 2 lines, no text input,
 * a task at most 5 templates deep, at most 1 refresh per second.
 */
export type UiTemplate =
  | { kind: 'list'; title: string; items: UiItem[]; input?: UiTextInput }
  | { kind: 'grid'; title: string; items: UiItem[] }
  | { kind: 'pane'; title: string; rows: { label: string; value: string }[]; actions?: { id: string; label: string }[]; input?: UiTextInput }
  | { kind: 'alert'; title: string; body: string; level: 'info' | 'warning' | 'critical' }
  | { kind: 'tile'; title: string; value?: string; unit?: string; icon?: string; actions?: { id: string; label: string }[] }
  | { kind: 'control'; title: string; control: UiControl }
  | { kind: 'gauge'; title: string; value: number; min: number; max: number; unit?: string }
  | { kind: 'status'; title: string; items: { label: string; value: string; level?: 'info' | 'warning' | 'critical' }[] };

/** A notification (at most 6 a minute; title <= 80 characters, body <= 280). */
export interface Notification {
  title: string;
  body?: string;
  level?: 'info' | 'warning' | 'critical';
}

/** The answer of `net.fetch` (body as text, at most 256 kB). */
export interface FetchResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface FetchInit {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** At most 64 kB. */
  body?: string;
  /** At most 10 000 ms (the default). */
  timeoutMs?: number;
}

/** How `cloud.publish` sends: `retain` (the broker keeps the last one), `alert` (ahead of telemetry), `raw` (the payload as is, without the `{app, timeMs, data}` envelope; for devices with their own schema). */
export interface PublishOptions {
  retain?: boolean;
  alert?: boolean;
  raw?: boolean;
}

/** A command for this app from the owner's phone or backend, through the cloud. */
export interface CloudCommand {
  name: string;
  args: Record<string, unknown>;
  /** The id the cloud correlates the answer with. */
  id?: string;
}

/** Base of every error the platform throws to an app: `code` is stable. */
export declare class HeadunitError extends Error {
  readonly code: string;
}
/** The app has no grant for this. `pending`: the driver has been asked and has not answered yet. */
export declare class PermissionDenied extends HeadunitError {
  readonly permission: string;
  readonly pending: boolean;
}
/** The action policy refused the request; `reason` is its code (VEHICLE_STATE, RATE_LIMIT, OUT_OF_RANGE, ...). */
export declare class Refused extends HeadunitError {
  readonly reason: string;
}
/** A rate, quota or count limit (timers, requests, notifications, storage). */
export declare class LimitExceeded extends HeadunitError {}
/** A malformed argument (a template, a notification, a URL). */
export declare class InvalidArgument extends HeadunitError {}
/** `net.fetch` failed: DNS, connection, timeout, or a response over the size limit. */
export declare class NetworkError extends HeadunitError {}
/** The service is not there (no cloud configured, ...). */
export declare class Unavailable extends HeadunitError {}

interface HeadunitGlobal {
  version: number;
  vehicle: {
    get(path: string): SignalReading | null;
    subscribe(path: string, cb: (value: VssValue | null | SignalChange[], info: SignalChange) => void): () => void;
    set(path: string, value: VssValue): Promise<unknown>;
    state(): VehicleState | null;
  };
  onVehicleState(cb: (s: VehicleState) => void): void;
  notify(n: Notification): void;
  ui: { render(t: UiTemplate): void; push(t: UiTemplate): void; pop(): void; onAction(cb: (a: { id: string }) => void): void };
  storage: { get(k: string): unknown; set(k: string, v: unknown): void; remove(k: string): void; keys(): string[]; usage(): { usedBytes: number; quotaBytes: number } };
  cloud: {
    publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
    subscribe(filter: string, cb: (payload: string, topic: string) => void): Promise<void>;
    onCommand(cb: (c: CloudCommand) => unknown): void;
  };
  net: { fetch(url: string, init?: FetchInit): Promise<FetchResponse> };
  app: { id: string; onStart(cb: () => void): void; onStop(cb: () => void): void; audit(event: string, detail?: Record<string, unknown>): void };
  crypto: { verifyEd25519(publicKey: string, message: string, signature: string): boolean; sha256(text: string): string };
  errors: {
    HeadunitError: typeof HeadunitError;
    PermissionDenied: typeof PermissionDenied;
    Refused: typeof Refused;
    LimitExceeded: typeof LimitExceeded;
    InvalidArgument: typeof InvalidArgument;
    NetworkError: typeof NetworkError;
    Unavailable: typeof Unavailable;
  };
}

/** The host's global, read when a function is called (never at import: the module stays side-effect free). */
const hu = (): HeadunitGlobal => (globalThis as unknown as { headunit: HeadunitGlobal }).headunit;

/** Vehicle signals (VSS paths) and actuator requests. */
export const vehicle = {
  /** The latest value of a signal the app may read; null before the first value. @throws PermissionDenied */
  get: (path: string): SignalReading | null => hu().vehicle.get(path),
  /**
   * Calls `cb(value, info)` when a signal changes (at most at the rate in app.json). A subtree
   * (`Vehicle.Cabin.*`) calls `cb(changes)` with every changed leaf. Returns the unsubscribe.
   * @throws PermissionDenied when app.json does not declare it or the driver denied it.
   */
  subscribe(path: string, cb: (value: VssValue | null, info: SignalChange) => void): () => void {
    return hu().vehicle.subscribe(path, cb as never);
  },
  /** Same as `subscribe` on a subtree: `cb` gets every changed leaf of one tick. */
  subscribeTree(subtree: `${string}.*`, cb: (changes: SignalChange[]) => void): () => void {
    return hu().vehicle.subscribe(subtree, cb as never);
  },
  /**
   * Asks the action policy to set an actuator (privileged: needs a trusted publisher signature).
   * Resolves with the policy's decision; rejects with `Refused(reason)` or `PermissionDenied`.
   */
  set: (path: string, value: VssValue): Promise<unknown> => hu().vehicle.set(path, value),
  /** The latest vehicle state, or null before the first tick. */
  state: (): VehicleState | null => hu().vehicle.state(),
};

/** Calls `cb` with the vehicle state now (when known) and on every change. */
export const onVehicleState = (cb: (s: VehicleState) => void): void => hu().onVehicleState(cb);

/** Shows a notification to the driver. @throws InvalidArgument, LimitExceeded, PermissionDenied */
export const notify = (n: Notification): void => hu().notify(n);

/** The app's templates on the head unit's screen: a task stack whose top is shown. */
export const ui = {
  /** Replaces the app's whole stack with one template. @throws InvalidArgument (bad, undeclared kind or > 16 kB template; the message names the JSON path) */
  render: (t: UiTemplate): void => hu().ui.render(t),
  /** Shows a template on top of the stack (the HMI draws a back control). @throws InvalidArgument as `render` */
  push: (t: UiTemplate): void => hu().ui.push(t),
  /** Removes the top template (the bottom one stays). */
  pop: (): void => hu().ui.pop(),
  /** A tap on an action (tile/pane `actions`, an item's `action`), or `$back` when the driver pressed back. */
  onAction: (cb: (a: { id: string }) => void): void => hu().ui.onAction(cb),
};

/** Small durable key-value storage within the quota of app.json `storageKb`. Values are JSON. */
export const storage = {
  get: <T = unknown>(key: string): T | null => hu().storage.get(key) as T | null,
  /** @throws LimitExceeded over the quota */
  set: (key: string, value: unknown): void => hu().storage.set(key, value),
  remove: (key: string): void => hu().storage.remove(key),
  keys: (): string[] => hu().storage.keys(),
  usage: (): { usedBytes: number; quotaBytes: number } => hu().storage.usage(),
};

/** MQTT through the head unit's cloud link, always under the app's own prefix `apps/<id>/`. */
export const cloud = {
  /** Publishes on `apps/<id>/<topic>` (a topic app.json `cloud` allows). Objects are sent as JSON. Rejects with `Refused` when the owner's consent or the outbox does not allow it. */
  publish: (topic: string, payload: unknown, options?: PublishOptions): Promise<void> => hu().cloud.publish(topic, payload, options),
  /** Receives messages on `apps/<id>/<filter>` (a filter declared in app.json). */
  subscribe: (filter: string, cb: (payload: string, topic: string) => void): Promise<void> => hu().cloud.subscribe(filter, cb),
  /** Commands for this app from the owner (their answer: the handler's return value). */
  onCommand: (cb: (c: CloudCommand) => unknown): void => hu().cloud.onCommand(cb),
};

/** HTTP(S) to the domains app.json `network` lists, through the host (size and time limits). */
export const net = {
  fetch: (url: string, init?: FetchInit): Promise<FetchResponse> => hu().net.fetch(url, init),
};

/** The app itself: its id and lifecycle hooks. */
export const app = {
  get id(): string {
    return hu().app.id;
  },
  /** After the script's top level ran and the app is live. */
  onStart: (cb: () => void): void => hu().app.onStart(cb),
  /** Before the app is stopped (removed, updated, head unit shutting down); keep it short. */
  onStop: (cb: () => void): void => hu().app.onStop(cb),
  /** Writes a record to the driver's audit ledger (kind `app`; at most 10 a second, detail <= 2000 characters as JSON). */
  audit: (event: string, detail?: Record<string, unknown>): void => hu().app.audit(event, detail),
};

/** Small cryptography the sandbox has no room for, done by the host. Always allowed. */
export const crypto = {
  /**
   * Verifies an ed25519 `signature` (base64) over `message` (UTF-8). `publicKey` is PEM, base64
   * SPKI DER, or base64 of the 32 raw bytes. False for a wrong signature or a malformed key.
   */
  verifyEd25519: (publicKey: string, message: string, signature: string): boolean => hu().crypto.verifyEd25519(publicKey, message, signature),
  /** SHA-256 of a UTF-8 string, hex. */
  sha256: (text: string): string => hu().crypto.sha256(text),
};

/** The error classes, to test with `instanceof` (`err instanceof errors().Refused`). */
export const errors = (): HeadunitGlobal['errors'] => hu().errors;

/** Timers are the standard `setTimeout`/`setInterval` (minimum 10 ms, at most 64 live per app). */
export type { HeadunitGlobal };
