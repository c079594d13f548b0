import type { AttributeDefinition, Database } from '../../model/database.ts';
import type { AttributeValue } from '../../model/signal.ts';
import type { Resolver } from './finalize.ts';
import type { ParsedMessage } from './parsed.ts';

type Owner = { attributes: Record<string, AttributeValue>; comment: string | null };

/** ENUM attribute values are written as indexes; we keep the enum's name instead. */
function normalise(def: AttributeDefinition | undefined, value: AttributeValue): AttributeValue {
  if (def?.valueType === 'ENUM' && typeof value === 'number') return def.enumValues[value] ?? value;
  return value;
}

function withDefaults(defs: Map<string, AttributeDefinition>, objectType: string, owner: Owner): void {
  for (const def of defs.values()) {
    if (def.objectType !== objectType || def.defaultValue === null) continue;
    if (!(def.name in owner.attributes)) owner.attributes[def.name] = def.defaultValue;
  }
}

/**
 * Applies BA_DEF_DEF_ defaults and BA_ values, comments, and derives the attributes the engine
 * uses: GenMsgCycleTime, VFrameFormat (extended / CAN FD), GenSigStartValue, BusType.
 */
export function applyAttributes(r: Resolver, messages: ParsedMessage[]): Omit<Database, 'file' | 'version' | 'messages' | 'valueTables' | 'warnings'> {
  const p = r.parsed;
  const defs = p.attributeDefinitions;
  for (const d of p.attributeDefaults) {
    const def = defs.get(d.name);
    if (!def) r.warn('UNKNOWN_ATTRIBUTE', `BA_DEF_DEF_ for ${d.name}, which no BA_DEF_ declares; ignored`, d.location);
    else def.defaultValue = normalise(def, d.value);
  }
  const nodes = p.nodes.map((name) => ({ name, comment: null as string | null, attributes: {} as Record<string, AttributeValue> }));
  const network: Owner = { attributes: {}, comment: null };
  const envvars = new Map(p.environmentVariables.map((e) => [e.name, e]));
  const ownerOf = (ref: (typeof p.comments)[number]['ref'], loc: (typeof p.comments)[number]['location'], what: string): Owner | null => {
    if (ref.kind === 'network') return network;
    if (ref.kind === 'node') {
      const n = nodes.find((x) => x.name === ref.name);
      if (!n) r.warn('UNKNOWN_NODE', `${what} refers to node ${ref.name}, which BU_ does not list; ignored`, loc);
      return n ?? null;
    }
    if (ref.kind === 'envvar') {
      const e = envvars.get(ref.name);
      if (!e) r.warn('UNKNOWN_ENVVAR', `${what} refers to environment variable ${ref.name}; ignored`, loc);
      return e ? { attributes: {}, set comment(c: string | null) { e.comment = c; }, get comment() { return e.comment; } } : null;
    }
    return r.target(ref, loc, what);
  };
  for (const c of p.comments) {
    const o = ownerOf(c.ref, c.location, 'CM_');
    if (o) o.comment = c.text;
  }
  for (const a of p.attributes) {
    const o = ownerOf(a.ref, a.location, `BA_ "${a.name}"`);
    if (o) o.attributes[a.name] = normalise(defs.get(a.name), a.value);
  }
  withDefaults(defs, '', network);
  for (const n of nodes) withDefaults(defs, 'BU_', n);
  for (const m of messages) {
    withDefaults(defs, 'BO_', m);
    const cycle = Number(m.attributes['GenMsgCycleTime']);
    m.cycleTimeMs = Number.isFinite(cycle) && cycle > 0 ? cycle : null;
    const format = String(m.attributes['VFrameFormat'] ?? '');
    if (/_FD$/i.test(format)) m.isFd = true;
    if (/^(Extended|J1939)/i.test(format)) m.extended = true;
    for (const s of m.signals) {
      withDefaults(defs, 'SG_', s);
      const start = Number(s.attributes['GenSigStartValue']);
      s.initialRaw = 'GenSigStartValue' in s.attributes && Number.isFinite(start) ? start : null;
    }
  }
  const busType = network.attributes['BusType'];
  return {
    nodes,
    attributeDefinitions: defs,
    attributes: network.attributes,
    environmentVariables: p.environmentVariables,
    busType: typeof busType === 'string' && busType !== '' ? busType : null,
    comment: network.comment,
  };
}
