/**
 * The HMI's WebSocket protocol (`/hmi/ws`), shared by the server and the Preact UI. Types only:
 * the UI bundle imports this file, so it must not import Node modules.
 *
 * ```
 *   server → client   hello (catalogue, vehicle, notifications) once, then
 *                     sig (≤ 10 batches/s), vehicle, decision, notify, history (on request)
 *   client → server   sub (the paths the visible screen shows), history (one path)
 * ```
 * Actuator requests go over HTTP: `POST /api/actuators/<path>` (the policy answers 200 or 403).
 */

import type { Template, TemplateCut } from '../ui-templates/template-types.ts';

/** One app's surface: its template stack as limited for the current restriction, and what was cut. */
export interface AppSurfaceMsg {
  appId: string;
  stack: Template[];
  cuts: TemplateCut[];
  timeMs: number;
}

/** A VSS value as the UI sees it (null: never received). */
export type UiValue = number | boolean | string | null;

/** What the UI knows about one signal. */
export interface SignalInfo {
  path: string;
  datatype: string;
  unit: string | null;
  description: string;
  /** Writable through the action policy. */
  actuator: boolean;
  min: number | null;
  max: number | null;
}

/** One signal update: path, value, quality name, time (ms since the epoch). */
export type SignalTuple = [path: string, value: UiValue, quality: string, timeMs: number];

export type Severity = 'info' | 'warning' | 'critical';

/** A heads-up alert and its place in the notification history. */
export interface HmiNotification {
  id: string;
  /** `hmi` for the head unit's own alerts, else the app id that raised it. */
  source: string;
  severity: Severity;
  title: string;
  body: string;
  timeMs: number;
}

/** The vehicle state as the runtime derives it (runtime/src/vehicle-state). */
export interface UiVehicleState {
  drive: 'off' | 'parked' | 'driving' | 'charging' | 'unknown';
  ux: 'none' | 'driving';
  ignition: string;
  speedKmh: number | null;
  charging: boolean;
}

/** An action policy decision, as `POST /api/actuators` returns it and `decision` broadcasts it. */
export interface UiDecision {
  caller: string;
  path: string;
  value: UiValue;
  allowed: boolean;
  reason: string;
  detail: string;
  timeMs: number;
}

export type ServerMessage =
  | { t: 'hello'; catalogue: SignalInfo[]; vehicle: UiVehicleState; notifications: HmiNotification[]; maxRateHz: number; apps: AppSurfaceMsg[] | null }
  | { t: 'app-ui'; s: AppSurfaceMsg }
  | { t: 'sig'; u: SignalTuple[] }
  | { t: 'vehicle'; v: UiVehicleState }
  | { t: 'decision'; d: UiDecision }
  | { t: 'notify'; n: HmiNotification }
  | { t: 'history'; path: string; points: [number, number][] }
  | { t: 'error'; message: string };

export type ClientMessage =
  | { t: 'sub'; paths: string[] }
  | { t: 'history'; path: string };

/** Most signal batches per second a client receives; each widget therefore redraws at most this often. */
export const MAX_UPDATES_PER_SECOND = 10;
