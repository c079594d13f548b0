import { readFileSync } from 'node:fs';
import type { VssCatalogue } from '../../vss/catalogue.ts';
import { ManifestError } from '../errors.ts';
import { lineCol, locateJsonValues } from './json-locate.ts';

import { TEMPLATE_KINDS, type TemplateKind } from '../../ui-templates/index.ts';

/** UI template kinds an app may render (see apps/sdk `UiTemplate`): the shared model's kinds. */
export { TEMPLATE_KINDS, type TemplateKind };

/** Highest rate an app may read a signal at (Hz): the runtime ticks at 50 Hz. */
export const MAX_SIGNAL_RATE_HZ = 50;
/** Largest storage quota a manifest may ask for (kB). */
export const MAX_STORAGE_KB = 10_240;

export interface SignalPermission {
  /** A VSS leaf (`Vehicle.Speed`) or a subtree (`Vehicle.Powertrain.TractionBattery.*`). */
  path: string;
  maxRateHz: number;
}

export interface NetworkPermission {
  domain: string;
  /** Why the app needs it, shown to the driver. */
  reason: string;
}

export interface AppPermissions {
  signals: SignalPermission[];
  actuators: string[];
  notifications: boolean;
  ui: TemplateKind[];
  /** Topic filters relative to the app's own prefix `apps/<id>/` (`+`/`#` allowed). */
  cloud: string[];
  network: NetworkPermission[];
  storageKb: number;
  background: boolean;
}

/** A validated app.json. */
export interface AppManifest {
  /** Reverse-DNS id, e.g. `com.example.hello`. */
  id: string;
  name: string;
  version: string;
  publisher: string;
  description: string;
  /** Source entry built by `app build` (relative to the app folder), e.g. `src/main.ts`. */
  entry: string;
  icon: string | null;
  permissions: AppPermissions;
}

const ID_RE = /^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9-]*)+$/;
const VERSION_RE = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const VSS_RE = /^Vehicle(\.[A-Za-z0-9_]+)*(\.\*)?$/;
const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const TOPIC_RE = /^(?!\/)(?!.*\/\/)[A-Za-z0-9_\-+/#.]+$/;

/** Reads and validates `file` (an app.json). @throws ManifestError with file:line:col. */
export function loadManifestFile(file: string, vss?: VssCatalogue): AppManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ManifestError(file, 0, 0, '$', `cannot read: ${(err as Error).message}`);
  }
  return parseManifest(text, file, vss);
}

/** Validates manifest text. @throws ManifestError with file:line:col and the JSON path. */
export function parseManifest(text: string, file: string, vss?: VssCatalogue): AppManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const pos = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? NaN);
    const { line, column } = Number.isNaN(pos) ? { line: 0, column: 0 } : lineCol(text, pos);
    throw new ManifestError(file, line, column, '$', `invalid JSON: ${(err as Error).message}`);
  }
  return new ManifestReader(text, file, vss).read(doc);
}

class ManifestReader {
  private readonly at: Map<string, number>;
  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly vss?: VssCatalogue,
  ) {
    this.at = locateJsonValues(text);
  }

  fail(path: string, reason: string): never {
    let p = path;
    while (!this.at.has(p) && p.length > 1) p = p.replace(/(\.[^.[\]]+|\[[^\]]*\])$/, '');
    const { line, column } = lineCol(this.text, this.at.get(p) ?? 0);
    throw new ManifestError(this.file, line, column, path, reason);
  }

  obj(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Record<string, unknown>;
  }

  str(v: unknown, path: string, re?: RegExp, what?: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, 'expected a non-empty string');
    if (re && !re.test(v)) this.fail(path, `${JSON.stringify(v)} is not ${what}`);
    return v;
  }

  arr(v: unknown, path: string): unknown[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(path, 'expected an array');
    return v;
  }

  only(o: Record<string, unknown>, keys: string[], path: string): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(`${path}.${k}`, `unknown key (expected one of: ${keys.join(', ')})`);
  }

  read(doc: unknown): AppManifest {
    const d = this.obj(doc, '$');
    this.only(d, ['id', 'name', 'version', 'publisher', 'description', 'entry', 'icon', 'permissions'], '$');
    const entry = this.str(d['entry'], '$.entry');
    if (entry.startsWith('/') || entry.split(/[\\/]/).includes('..')) this.fail('$.entry', 'must be a path inside the app folder');
    return {
      id: this.str(d['id'], '$.id', ID_RE, 'a reverse-DNS id such as com.example.hello'),
      name: this.str(d['name'], '$.name'),
      version: this.str(d['version'], '$.version', VERSION_RE, 'a version MAJOR.MINOR.PATCH'),
      publisher: this.str(d['publisher'], '$.publisher'),
      description: d['description'] === undefined ? '' : this.str(d['description'], '$.description'),
      entry,
      icon: d['icon'] === undefined ? null : this.str(d['icon'], '$.icon'),
      permissions: this.permissions(d['permissions'] === undefined ? {} : this.obj(d['permissions'], '$.permissions')),
    };
  }

  private permissions(p: Record<string, unknown>): AppPermissions {
    const P = '$.permissions';
    this.only(p, ['signals', 'actuators', 'notifications', 'ui', 'cloud', 'network', 'storageKb', 'background'], P);
    const bool = (k: string): boolean => {
      if (p[k] === undefined) return false;
      if (typeof p[k] !== 'boolean') this.fail(`${P}.${k}`, 'expected true or false');
      return p[k] as boolean;
    };
    const storageKb = p['storageKb'] ?? 0;
    if (typeof storageKb !== 'number' || !Number.isInteger(storageKb) || storageKb < 0 || storageKb > MAX_STORAGE_KB) this.fail(`${P}.storageKb`, `expected an integer 0..${MAX_STORAGE_KB}`);
    return {
      signals: this.arr(p['signals'], `${P}.signals`).map((s, i) => this.signal(s, `${P}.signals[${i}]`)),
      actuators: this.arr(p['actuators'], `${P}.actuators`).map((a, i) => this.actuator(a, `${P}.actuators[${i}]`)),
      notifications: bool('notifications'),
      ui: this.arr(p['ui'], `${P}.ui`).map((u, i) => {
        if (!TEMPLATE_KINDS.includes(u as TemplateKind)) this.fail(`${P}.ui[${i}]`, `expected one of ${TEMPLATE_KINDS.join(', ')}`);
        return u as TemplateKind;
      }),
      cloud: this.arr(p['cloud'], `${P}.cloud`).map((t, i) => this.topic(t, `${P}.cloud[${i}]`)),
      network: this.arr(p['network'], `${P}.network`).map((n, i) => this.network(n, `${P}.network[${i}]`)),
      storageKb,
      background: bool('background'),
    };
  }

  private signal(raw: unknown, path: string): SignalPermission {
    const s = typeof raw === 'string' ? { path: raw } : this.obj(raw, path);
    this.only(s, ['path', 'maxRateHz'], path);
    const vssPath = this.str(s['path'], `${path}.path`, VSS_RE, 'a VSS path (Vehicle.X.Y) or subtree (Vehicle.X.*)');
    const rate = s['maxRateHz'] ?? 10;
    if (typeof rate !== 'number' || !(rate > 0) || rate > MAX_SIGNAL_RATE_HZ) this.fail(`${path}.maxRateHz`, `expected a rate in (0, ${MAX_SIGNAL_RATE_HZ}] Hz`);
    if (this.vss) {
      const known = vssPath.endsWith('.*') ? this.vss.subtree(vssPath.slice(0, -2)).length > 0 : this.vss.get(vssPath) !== undefined;
      if (!known) this.fail(`${path}.path`, `${vssPath} is not in the VSS ${this.vss.version} catalogue`);
    }
    return { path: vssPath, maxRateHz: rate };
  }

  private actuator(raw: unknown, path: string): string {
    const a = this.str(raw, path, VSS_RE, 'a VSS actuator path');
    if (a.endsWith('.*')) this.fail(path, 'actuators are named one by one, not by subtree');
    const node = this.vss?.get(a);
    if (this.vss && (!node || node.type !== 'actuator')) this.fail(path, `${a} is not a VSS actuator`);
    return a;
  }

  private topic(raw: unknown, path: string): string {
    const t = this.str(raw, path, TOPIC_RE, 'a topic relative to the app prefix (letters, digits, / + # _ - .)');
    const levels = t.split('/');
    if (levels.some((l) => l === '..' || l === '.' || l === '' || (l.length > 1 && /[+#]/.test(l))) || levels.slice(0, -1).includes('#')) this.fail(path, `${JSON.stringify(t)} is not a valid topic filter`);
    return t;
  }

  private network(raw: unknown, path: string): NetworkPermission {
    const n = this.obj(raw, path);
    this.only(n, ['domain', 'reason'], path);
    const reason = this.str(n['reason'], `${path}.reason`);
    if (reason.trim().length < 8) this.fail(`${path}.reason`, 'state the reason in a few words; the driver reads it');
    return { domain: this.str(n['domain'], `${path}.domain`, DOMAIN_RE, 'a host name such as api.example.com'), reason };
  }
}
