import { DbcSemanticError, type SourceLocation } from '../../errors.ts';
import type { Database, DbcWarning } from '../../model/database.ts';
import type { AttributeValue } from '../../model/signal.ts';
import { layoutSignal } from '../../codec/bit-layout.ts';
import { INDEPENDENT_SIGNALS_ID, INDEPENDENT_SIGNALS_NAME, MAX_FRAME_BYTES } from './parse-message.ts';
import type { ObjectRef, ParsedDbc, ParsedMessage, ParsedSignal } from './parsed.ts';
import { applyAttributes } from './finalize-attributes.ts';

/** Most switch values one SG_MUL_VAL_ signal may list; wider ranges are surely broken input. */
const MAX_MUX_IDS = 65536;

/** Resolves what statements refer to and checks what would otherwise give wrong values. */
export class Resolver {
  readonly warnings: DbcWarning[];
  private readonly byRawId = new Map<number, ParsedMessage>();

  constructor(readonly parsed: ParsedDbc) {
    this.warnings = [...parsed.warnings];
  }

  warn(code: string, message: string, location: SourceLocation): void {
    this.warnings.push({ code, message, location });
  }

  fail(location: SourceLocation, reason: string): never {
    throw new DbcSemanticError(location.file, location.line, location.column, reason);
  }

  message(rawId: number, location: SourceLocation, what: string): ParsedMessage | null {
    const m = this.byRawId.get(rawId);
    if (!m) this.warn('UNKNOWN_MESSAGE', `${what} refers to message id ${rawId}, which no BO_ defines; ignored`, location);
    return m ?? null;
  }

  signal(rawId: number, name: string, location: SourceLocation, what: string): ParsedSignal | null {
    const m = this.message(rawId, location, what);
    if (!m) return null;
    const sig = m.signals.find((x) => x.name === name);
    if (!sig) this.warn('UNKNOWN_SIGNAL', `${what} refers to signal ${name} of ${m.name}, which it does not have; ignored`, location);
    return sig ?? null;
  }

  /** The object a CM_/BA_ names, or null (with a warning) when it does not exist. */
  target(ref: ObjectRef, location: SourceLocation, what: string): { comment: string | null; attributes: Record<string, AttributeValue> } | null {
    switch (ref.kind) {
      case 'message':
        return this.message(ref.rawId, location, what);
      case 'signal':
        return this.signal(ref.rawId, ref.signal, location, what);
      default:
        return null;
    }
  }

  indexMessages(): ParsedMessage[] {
    const kept: ParsedMessage[] = [];
    for (const m of this.parsed.messages) {
      const prior = this.byRawId.get(m.rawId);
      if (prior) {
        this.fail(m.location, `message id ${m.rawId} is defined twice (first as ${prior.name} at line ${prior.location.line})`);
      }
      this.byRawId.set(m.rawId, m);
      if (m.rawId === INDEPENDENT_SIGNALS_ID || m.name === INDEPENDENT_SIGNALS_NAME) {
        this.warn('INDEPENDENT_SIGNALS', `${m.name} parks ${m.signals.length} signal(s) that no frame carries; not decoded`, m.location);
        continue;
      }
      const names = new Set<string>();
      for (const s of m.signals) {
        if (names.has(s.name)) this.fail(s.location, `signal ${s.name} appears twice in message ${m.name}`);
        names.add(s.name);
      }
      kept.push(m);
    }
    return kept;
  }
}

/**
 * Turns parsed statements into a `Database`: attaches comments, attributes, choices, value
 * types, extended multiplexing and transmitters, then checks every signal fits a CAN frame.
 *
 * @throws DbcSemanticError for input that would decode wrongly (duplicate ids or signal names,
 *   a float of the wrong width, a multiplexed signal without a switch, a signal beyond 64 bytes).
 */
export function finalize(parsed: ParsedDbc): Database {
  const r = new Resolver(parsed);
  const messages = r.indexMessages();
  for (const t of parsed.transmitters) {
    const m = r.message(t.rawId, t.location, 'BO_TX_BU_');
    if (m) for (const n of t.nodes) if (!m.senders.includes(n)) m.senders.push(n);
  }
  const db = applyAttributes(r, messages);
  // After attributes: VFrameFormat can make a message extended, and so collide with another.
  const byCanId = new Map<string, ParsedMessage>();
  for (const m of messages) {
    const key = `${m.extended ? 'x' : 's'}${m.id}`;
    const same = byCanId.get(key);
    if (same) r.fail(m.location, `message ${m.name} has the same CAN id 0x${m.id.toString(16)}${m.extended ? ' (29-bit)' : ''} as ${same.name} (line ${same.location.line})`);
    byCanId.set(key, m);
  }
  for (const v of parsed.valueDescriptions) {
    if (v.ref.kind !== 'signal') continue;
    const sig = r.signal(v.ref.rawId, v.ref.signal, v.location, 'VAL_');
    if (sig) sig.choices = v.choices;
  }
  for (const t of parsed.signalValueTypes) {
    const sig = r.signal(t.rawId, t.signal, t.location, 'SIG_VALTYPE_');
    if (!sig || t.type === 0) continue;
    const width = t.type === 1 ? 32 : 64;
    if (sig.length !== width) r.fail(t.location, `signal ${sig.name} is declared float${width} but is ${sig.length} bits long`);
    sig.valueType = t.type === 1 ? 'float32' : 'float64';
  }
  for (const g of parsed.signalGroups) {
    const m = r.message(g.rawId, g.location, 'SIG_GROUP_');
    if (m) m.signalGroups.push({ name: g.name, repetitions: g.repetitions, signalNames: g.signals });
  }
  for (const m of messages) {
    resolveMultiplexing(r, m);
    checkLayout(r, m);
  }
  return { ...db, file: parsed.file, version: parsed.version, messages, valueTables: parsed.valueTables, warnings: r.warnings };
}

function resolveMultiplexing(r: Resolver, m: ParsedMessage): void {
  const extended = r.parsed.extendedMux.filter((e) => e.rawId === m.rawId);
  for (const e of extended) {
    const sig = m.signals.find((s) => s.name === e.signal);
    const mux = m.signals.find((s) => s.name === e.multiplexer);
    if (!sig || !mux) {
      r.warn('UNKNOWN_SIGNAL', `SG_MUL_VAL_ names ${sig ? e.multiplexer : e.signal}, which ${m.name} does not have; ignored`, e.location);
      continue;
    }
    if (!mux.isMultiplexer) r.fail(e.location, `SG_MUL_VAL_ uses ${mux.name} as a switch, but it is not marked M or mNM`);
    const count = e.ranges.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
    if (count > MAX_MUX_IDS) r.fail(e.location, `SG_MUL_VAL_ lists ${count} switch values (at most ${MAX_MUX_IDS})`);
    const ids: number[] = [];
    for (const [lo, hi] of e.ranges) for (let v = lo; v <= hi; v++) ids.push(v);
    sig.multiplexerSignal = mux.name;
    sig.multiplexerIds = ids;
  }
  const roots = m.signals.filter((s) => s.isMultiplexer && s.muxValue === null);
  for (const s of m.signals) {
    if (s.muxValue === null || s.multiplexerSignal !== null) continue;
    if (roots.length !== 1) {
      r.fail(s.location, roots.length === 0
        ? `signal ${s.name} is multiplexed (m${s.muxValue}) but message ${m.name} has no switch marked M`
        : `signal ${s.name} is multiplexed but message ${m.name} has ${roots.length} switches marked M and no SG_MUL_VAL_ says which`);
    }
    s.multiplexerSignal = roots[0]!.name;
    s.multiplexerIds = [s.muxValue];
  }
  for (const s of m.signals) {
    // Follow the chain of switches; a loop would make the signal's presence undefined.
    const seen = new Set<string>([s.name]);
    for (let p = s.multiplexerSignal; p !== null; ) {
      if (seen.has(p)) r.fail(s.location, `multiplexer chain of ${s.name} loops through ${p}`);
      seen.add(p);
      p = m.signals.find((x) => x.name === p)?.multiplexerSignal ?? null;
    }
  }
}

function checkLayout(r: Resolver, m: ParsedMessage): void {
  for (const s of m.signals) {
    const { bytesNeeded } = layoutSignal(s);
    if (bytesNeeded > MAX_FRAME_BYTES) {
      r.fail(s.location, `signal ${s.name} (${s.startBit}|${s.length}@${s.byteOrder === 'little_endian' ? 1 : 0}) does not fit in a ${MAX_FRAME_BYTES}-byte frame`);
    }
    if (bytesNeeded > m.length) {
      r.warn('SIGNAL_OUTSIDE_FRAME', `signal ${s.name} needs ${bytesNeeded} bytes but ${m.name} is ${m.length} bytes long; it decodes only from frames that long`, s.location);
    }
    if (s.factor === 0) r.warn('ZERO_FACTOR', `signal ${s.name} has factor 0: every value decodes to the offset`, s.location);
  }
}
