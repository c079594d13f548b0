import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { VssCatalogue } from '../../vss/catalogue.ts';
import { AppError, ManifestError, PackageError } from '../errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { parseManifest, type AppManifest } from '../manifest/manifest.ts';
import type { GrantTable } from '../permissions/grants.ts';
import { declaredPermissions, initialState, type DeclaredPermission, type GrantState } from '../permissions/tiers.ts';
import { readHua } from './hua.ts';
import { trustedFingerprints } from './signing.ts';

/** Folder under the data folder where installed apps live (`<id>/app.json, app.js, assets/, install.json`). */
export const APPS_DIR = 'apps';

/** How an installed app got here. */
export interface InstallInfo {
  version: string;
  /** Fingerprint of the key that signed it. */
  publisher: string;
  /** Signed by a trusted publisher key (privileged permissions possible). */
  trusted: boolean;
  /** Installed in developer mode (self-signed sideload). */
  dev: boolean;
  installedAtMs: number;
}

export interface InstalledApp {
  manifest: AppManifest;
  info: InstallInfo;
  dir: string;
}

/** What `install` reports: the app, warnings for the driver, and every permission with its tier and state. */
export interface InstallReport {
  manifest: AppManifest;
  info: InstallInfo;
  updated: boolean;
  warnings: string[];
  permissions: (DeclaredPermission & { state: GrantState })[];
}

/**
 * Installed apps on disk, their signatures and their grants. Installing verifies the archive
 * (signature, hashes), the manifest (against VSS), the signer (trusted publisher, or developer
 * mode for a self-signed sideload) and, for an update, that the same key signed it.
 */
export class AppStore {
  constructor(
    readonly dataDir: string,
    private readonly grants: GrantTable,
    private readonly ledger: Ledger,
    private readonly vss?: VssCatalogue,
  ) {}

  private dirOf(id: string): string {
    return join(this.dataDir, APPS_DIR, id);
  }

  /** @throws PackageError / ManifestError */
  install(file: string, o: { dev?: boolean } = {}): InstallReport {
    return this.installBytes(readFileSync(file), file, o);
  }

  /** Installs a package held in memory (an HMI upload); `file` names it in errors. @throws PackageError / ManifestError */
  installBytes(bytes: Buffer, file: string, o: { dev?: boolean } = {}): InstallReport {
    const a = readHua(bytes, file);
    const manifest = parseManifest(a.files.get('app.json')!.toString('utf8'), `${file}!app.json`, this.vss);
    if (manifest.id !== a.index.id || manifest.version !== a.index.version) throw new PackageError(file, 'BAD_INDEX', `the index says ${a.index.id} ${a.index.version}, app.json says ${manifest.id} ${manifest.version}`, 8, manifest.id);
    const trusted = trustedFingerprints(this.dataDir).has(a.fingerprint);
    if (!trusted && !o.dev) throw new PackageError(file, 'UNTRUSTED_PUBLISHER', `signed by ${a.fingerprint}, which is not a trusted publisher; use --dev to sideload a self-signed app in developer mode`, -1, manifest.id);
    const old = this.get(manifest.id);
    if (old && old.info.publisher !== a.fingerprint) throw new PackageError(file, 'KEY_MISMATCH', `${manifest.id} is installed signed by ${old.info.publisher}; this update is signed by ${a.fingerprint}`, -1, manifest.id);
    const info: InstallInfo = { version: manifest.version, publisher: a.fingerprint, trusted, dev: !trusted, installedAtMs: Date.now() };
    const dir = this.dirOf(manifest.id);
    const tmp = `${dir}.installing`;
    rmSync(tmp, { recursive: true, force: true });
    for (const [path, data] of a.files) {
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), data);
    }
    writeFileSync(join(tmp, 'install.json'), JSON.stringify(info, null, 2));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    const warnings = trusted ? [] : [`DEVELOPER MODE: ${manifest.id} is self-signed (${a.fingerprint}); privileged permissions stay blocked`];
    this.ledger.record(manifest.id, old ? 'update' : 'install', { version: manifest.version, publisher: a.fingerprint, trusted, ...(old ? { from: old.info.version } : {}) });
    const permissions = this.settle(manifest, trusted);
    return { manifest, info, updated: old !== null, warnings, permissions };
  }

  /**
   * Sets install-time grants: normal granted, dangerous asked at first use, privileged only when
   * trusted. A driver's earlier answer is kept across updates; undeclared permissions are dropped.
   */
  settle(m: AppManifest, trusted: boolean): (DeclaredPermission & { state: GrantState })[] {
    const declared = declaredPermissions(m);
    const before = this.grants.all(m.id);
    for (const k of Object.keys(before)) if (!declared.some((d) => d.id === k)) this.grants.drop(m.id, k);
    return declared.map((d) => {
      const prev = before[d.id];
      let state = prev === 'granted' || prev === 'denied' ? prev : initialState(d.tier, trusted);
      if (d.tier === 'privileged' && !trusted) state = 'blocked';
      if (prev !== state) {
        this.grants.set(m.id, d.id, state);
        if (state === 'granted') this.ledger.record(m.id, 'grant', { permission: d.id, tier: d.tier, by: 'install' });
      }
      return { ...d, state };
    });
  }

  /** The installed app, or null. @throws ManifestError when its stored app.json no longer validates. */
  get(id: string): InstalledApp | null {
    const dir = this.dirOf(id);
    if (!existsSync(join(dir, 'install.json'))) return null;
    const info = JSON.parse(readFileSync(join(dir, 'install.json'), 'utf8')) as InstallInfo;
    return { manifest: parseManifest(readFileSync(join(dir, 'app.json'), 'utf8'), join(dir, 'app.json'), this.vss), info, dir };
  }

  /** Every installed app (ones whose files are damaged are reported in `broken`). */
  list(): { apps: InstalledApp[]; broken: { id: string; error: string }[] } {
    const root = join(this.dataDir, APPS_DIR);
    const apps: InstalledApp[] = [];
    const broken: { id: string; error: string }[] = [];
    if (!existsSync(root)) return { apps, broken };
    for (const id of readdirSync(root).filter((n) => !n.endsWith('.installing')).sort()) {
      try {
        const a = this.get(id);
        if (a) apps.push(a);
      } catch (err) {
        if (!(err instanceof ManifestError) && !(err instanceof SyntaxError)) throw err;
        broken.push({ id, error: (err as Error).message });
      }
    }
    return { apps, broken };
  }

  /** The bundle of an installed app. */
  bundle(id: string): string {
    return readFileSync(join(this.dirOf(id), 'app.js'), 'utf8');
  }

  /** Removes an app, its grants and its storage. @throws AppError NOT_INSTALLED */
  remove(id: string): void {
    if (!this.get(id)) throw new AppError(`${id} is not installed`, 'NOT_INSTALLED', id);
    rmSync(this.dirOf(id), { recursive: true, force: true });
    this.grants.drop(id);
    this.ledger.record(id, 'remove', {});
  }
}
