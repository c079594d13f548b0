import type { AppManifest } from '../manifest/manifest.ts';

/**
 * Permission tiers, modelled on Android Automotive's car permissions:
 *
 * - `normal`: granted at install (static vehicle info, units, outside temperature, notifications,
 *   UI templates, storage).
 * - `dangerous`: the driver consents at first use, may revoke at any time, always visible
 *   (speed, location, energy and charge, cabin occupancy, cloud and network egress).
 * - `privileged`: only for apps signed by a trusted publisher key (actuators, VIN, odometer).
 */
export type PermissionTier = 'normal' | 'dangerous' | 'privileged';

/** A grant's state: `granted`, `denied` by the driver, `ask` (dangerous, not yet answered), `blocked` (privileged, untrusted signer). */
export type GrantState = 'granted' | 'denied' | 'ask' | 'blocked';

/** One permission an app declared, with its id (`signal:Vehicle.Speed`, `actuator:...`, `net:host`, `cloud`, ...). */
export interface DeclaredPermission {
  id: string;
  tier: PermissionTier;
  /** What the driver reads. */
  label: string;
}

/** VSS prefixes whose values are normal to read. Everything else read is dangerous unless privileged below. */
const NORMAL_SIGNALS = ['Vehicle.VehicleIdentification', 'Vehicle.Exterior.AirTemperature', 'Vehicle.Exterior.Humidity', 'Vehicle.Cabin.Infotainment', 'Vehicle.LowVoltageSystemState'];
/** VSS paths that identify or profile the owner: privileged to read. */
const PRIVILEGED_SIGNALS = ['Vehicle.VehicleIdentification.VIN', 'Vehicle.TraveledDistance', 'Vehicle.TraveledDistanceSinceStart'];

const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(prefix + '.');

/** Tier of reading a VSS path or subtree (`Vehicle.X.*`): the most sensitive leaf it can reach decides. */
export function signalTier(path: string): PermissionTier {
  const p = path.endsWith('.*') ? path.slice(0, -2) : path;
  const reaches = (q: string): boolean => under(q, p) || under(p, q);
  if (PRIVILEGED_SIGNALS.some(reaches)) return 'privileged';
  if (NORMAL_SIGNALS.some((n) => under(p, n))) return 'normal';
  return 'dangerous';
}

/** Every permission a manifest declares, each with its tier. */
export function declaredPermissions(m: AppManifest): DeclaredPermission[] {
  const p = m.permissions;
  const out: DeclaredPermission[] = [];
  for (const s of p.signals) out.push({ id: `signal:${s.path}`, tier: signalTier(s.path), label: `read ${s.path} (up to ${s.maxRateHz} Hz)` });
  for (const a of p.actuators) out.push({ id: `actuator:${a}`, tier: 'privileged', label: `request ${a} (checked by the action policy)` });
  if (p.notifications) out.push({ id: 'notify', tier: 'normal', label: 'show notifications' });
  if (p.ui.length) out.push({ id: 'ui', tier: 'normal', label: `show ${p.ui.join(', ')} templates` });
  if (p.storageKb > 0) out.push({ id: 'storage', tier: 'normal', label: `keep ${p.storageKb} kB of data` });
  if (p.background) out.push({ id: 'background', tier: 'normal', label: 'keep running in the background' });
  if (p.cloud.length) out.push({ id: 'cloud', tier: 'dangerous', label: `send and receive through the cloud on apps/${m.id}/{${p.cloud.join(', ')}}` });
  for (const n of p.network) out.push({ id: `net:${n.domain}`, tier: 'dangerous', label: `connect to ${n.domain}: ${n.reason}` });
  return out;
}

/** The state a permission starts in at install: normal granted, dangerous asked at first use, privileged only when trusted. */
export function initialState(tier: PermissionTier, trusted: boolean): GrantState {
  if (tier === 'normal') return 'granted';
  if (tier === 'dangerous') return 'ask';
  return trusted ? 'granted' : 'blocked';
}

/** The declared signal permission that covers `path`, or undefined (the app never asked for it). */
export function signalPermissionFor(m: AppManifest, path: string): { id: string; maxRateHz: number } | undefined {
  for (const s of m.permissions.signals) {
    const ok = s.path.endsWith('.*') ? under(path, s.path.slice(0, -2)) : s.path === path;
    if (ok) return { id: `signal:${s.path}`, maxRateHz: s.maxRateHz };
  }
  return undefined;
}
