import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';

/** VSS datatypes of leaves (arrays are not mapped from CAN and are rejected by the mapping). */
export type VssDatatype =
  | 'boolean' | 'string'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float' | 'double';

/** One leaf of the VSS tree. */
export interface VssNode {
  path: string;
  type: 'sensor' | 'actuator' | 'attribute';
  datatype: string;
  unit: string | null;
  min: number | null;
  max: number | null;
  /** Allowed values (strings for string enums, numbers otherwise), or null. */
  allowed: (string | number)[] | null;
  description: string;
}

/** Numeric range each integer datatype can hold. */
export const DATATYPE_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

export const BUNDLED_VSS = fileURLToPath(new URL('../../vss/vss_6.0_compact.json', import.meta.url));

/** The VSS catalogue: leaves by path, and subtree queries for permissions. */
export class VssCatalogue {
  private readonly nodes = new Map<string, VssNode>();

  constructor(
    nodes: Iterable<VssNode>,
    readonly version: string,
  ) {
    for (const n of nodes) this.nodes.set(n.path, n);
  }

  get size(): number {
    return this.nodes.size;
  }

  get(path: string): VssNode | undefined {
    return this.nodes.get(path);
  }

  /** Leaves at `prefix` or under it (`Vehicle.Cabin.HVAC` → every HVAC leaf). */
  subtree(prefix: string): VssNode[] {
    const out: VssNode[] = [];
    for (const [p, n] of this.nodes) if (p === prefix || p.startsWith(prefix + '.')) out.push(n);
    return out;
  }

  /**
   * Loads a catalogue in the compact JSON form (`{vss_version, signals: [...]}`), by default the
   * bundled VSS 6.0.
   * @throws ConfigError naming the file and the entry that is malformed.
   */
  static load(file = BUNDLED_VSS): VssCatalogue {
    let doc: { vss_version?: unknown; signals?: unknown };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch (err) {
      throw new ConfigError(file, '$', `cannot read the VSS catalogue: ${(err as Error).message}`);
    }
    if (!Array.isArray(doc.signals)) throw new ConfigError(file, '$.signals', 'expected an array of VSS leaves');
    const nodes = doc.signals.map((raw: Record<string, unknown>, i: number): VssNode => {
      if (typeof raw['path'] !== 'string' || typeof raw['datatype'] !== 'string') throw new ConfigError(file, `$.signals[${i}]`, 'expected path and datatype strings');
      const num = (v: unknown): number | null => (v === undefined || v === null || v === '' ? null : Number(v));
      const allowed = raw['allowed'];
      return {
        path: raw['path'],
        type: raw['type'] as VssNode['type'],
        datatype: raw['datatype'],
        unit: typeof raw['unit'] === 'string' ? raw['unit'] : null,
        min: num(raw['min']),
        max: num(raw['max']),
        allowed: Array.isArray(allowed) ? (allowed as (string | number)[]) : typeof allowed === 'string' && allowed !== '' ? allowed.split('|') : null,
        description: typeof raw['description'] === 'string' ? raw['description'] : '',
      };
    });
    return new VssCatalogue(nodes, String(doc.vss_version ?? 'unknown'));
  }
}
