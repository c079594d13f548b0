import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppHost } from './app-host.ts';
import { AppError } from './errors.ts';
import type { InstallReport } from './package/app-store.ts';

/** File under the data folder that holds the developer-mode switch. */
export const DEVELOPER_MODE_FILE = 'developer-mode.json';

/** Whether developer mode (self-signed sideloads) is on; off when never set. */
export function developerMode(dataDir: string): boolean {
  const f = join(dataDir, DEVELOPER_MODE_FILE);
  if (!existsSync(f)) return false;
  return (JSON.parse(readFileSync(f, 'utf8')) as { enabled?: unknown }).enabled === true;
}

/** Persists the developer-mode switch. */
export function setDeveloperMode(dataDir: string, enabled: boolean): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, DEVELOPER_MODE_FILE), JSON.stringify({ enabled }) + '\n');
}

/**
 * Installs a `.hua` from the HMI and starts it at once: verified exactly as `headunit app install`
 * (with `--dev` only while developer mode is on), refused while driving.
 *
 * @throws AppError DRIVING; PackageError (e.g. UNTRUSTED_PUBLISHER, HASH_MISMATCH) / ManifestError
 */
export function sideloadHua(host: AppHost, bytes: Buffer, name = 'upload.hua'): InstallReport {
  if (host.deps.vehicle.current.ux !== 'none') throw new AppError('apps cannot be installed while driving', 'DRIVING');
  const r = host.state.store.installBytes(bytes, name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100), { dev: developerMode(host.deps.dataDir) });
  host.load(r.manifest, host.state.store.bundle(r.manifest.id), 'installed', r.info.trusted);
  return r;
}
