import { dirname, resolve } from 'node:path';
import type { CompiledDbc, Signal } from '../../../dbc/index.ts';
import { ExpressionError } from '../errors.ts';
import { JsonReader, readJsonFile } from '../json-file.ts';
import { DATATYPE_RANGE, type VssCatalogue, type VssNode } from '../vss/catalogue.ts';
import { compileExpression, type Transform } from './expression.ts';

/** A value as VSS sees it. Booleans and strings are kept as such at the API edge. */
export type VssValue = number | boolean | string;

/** When a change is published to subscribers and the cloud (KUKSA's on_change / interval / deadband). */
export interface PublishRule {
  /** Publish at most this often (ms); 0 = every change. */
  intervalMs: number;
  /** Publish only when the value changed by more than `deadband` (numbers) or at all. */
  onChange: boolean;
  deadband: number;
}

/** DBC → VSS for one leaf. The store keeps numbers: booleans as 0/1, strings as `enumValues` index. */
export interface SignalMapping {
  path: string;
  node: VssNode;
  messageIndex: number;
  signalIndex: number;
  /** Physical DBC value → store number, or NaN when the value has no mapping (quality: invalid). */
  convert: (physical: number) => number;
  /** Store number → VSS value. */
  toVss: (stored: number) => VssValue;
  enumValues: string[] | null;
  rule: PublishRule;
  actuator: ActuatorMapping | null;
}

/** VSS → DBC for a writable actuator: what to encode, in which request message. */
export interface ActuatorMapping {
  messageIndex: number;
  signal: Signal;
  /** VSS value → DBC physical number or choice name; null when this value cannot be requested. */
  toDbc: (v: VssValue) => number | string | null;
  /** Other signals of the request frame and their values (choice names or numbers). */
  with: Record<string, number | string>;
}

export interface Mapping {
  file: string;
  /** The DBC file the mapping names, resolved against the mapping's folder. */
  dbcFile: string;
  signals: SignalMapping[];
  byPath: Map<string, SignalMapping>;
}

const ENTRY_KEYS = ['from', 'math', 'map', 'invalid', 'interval_ms', 'on_change', 'deadband', 'to_dbc'] as const;
const TO_DBC_KEYS = ['signal', 'math', 'map', 'with'] as const;

/** Reads the `dbc` a mapping file names, without checking the rest (to know what to load first). */
export function mappingDbcFile(file: string): string {
  const j: JsonReader = new JsonReader(file);
  const doc = j.object(readJsonFile(file), '$');
  return resolve(dirname(file), j.string(doc['dbc'], '$.dbc'));
}

function findSignal(j: JsonReader, dbc: CompiledDbc, ref: string, path: string): { messageIndex: number; signalIndex: number; signal: Signal } {
  const dot = ref.indexOf('.');
  const mi = dot > 0 ? dbc.messageIndexByName(ref.slice(0, dot)) : -1;
  if (mi < 0) j.fail(path, `no message ${JSON.stringify(ref.slice(0, Math.max(dot, 0)) || ref)} in ${dbc.db.file} (write MESSAGE.SIGNAL)`);
  const m = dbc.messages[mi]!;
  const si = m.signals.findIndex((s) => s.name === ref.slice(dot + 1));
  if (si < 0) j.fail(path, `message ${m.name} has no signal ${ref.slice(dot + 1)}`);
  return { messageIndex: mi, signalIndex: si, signal: m.signals[si]! };
}

function compileMath(j: JsonReader, src: unknown, path: string): Transform {
  try {
    return compileExpression(j.string(src, path));
  } catch (err) {
    if (err instanceof ExpressionError) j.fail(path, err.message);
    throw err;
  }
}

/** Store encoding of a VSS leaf's values. */
function valueCodec(node: VssNode, mapTargets: VssValue[]): { enumValues: string[] | null; encode: (v: VssValue) => number; toVss: (n: number) => VssValue } {
  if (node.datatype === 'boolean') return { enumValues: null, encode: (v) => (v === true || (typeof v === 'number' && v !== 0) ? 1 : 0), toVss: (n) => n !== 0 };
  if (node.datatype === 'string') {
    const values = [...new Set([...(node.allowed ?? []).map(String), ...mapTargets.map(String)])];
    return { enumValues: values, encode: (v) => values.indexOf(String(v)), toVss: (n) => values[n] ?? '' };
  }
  const range = DATATYPE_RANGE[node.datatype];
  const integer = range !== undefined;
  return { enumValues: null, encode: (v) => (integer ? Math.round(Number(v)) : Number(v)), toVss: (n) => n };
}

function parseEntry(j: JsonReader, dbc: CompiledDbc, vss: VssCatalogue, path: string, raw: unknown, jp: string): SignalMapping {
  const e = j.object(raw, jp);
  j.onlyKeys(e, ENTRY_KEYS, jp);
  const node = vss.get(path) ?? j.fail(jp, `not a VSS ${vss.version} leaf`);
  if (node.datatype.endsWith('[]')) j.fail(jp, `${node.datatype} leaves cannot be mapped from CAN`);
  const src = findSignal(j, dbc, j.string(e['from'], `${jp}.from`), `${jp}.from`);
  if (e['math'] !== undefined && e['map'] !== undefined) j.fail(jp, "use 'math' or 'map', not both");
  const table = e['map'] === undefined ? null : parseMap(j, e['map'], `${jp}.map`, src.signal, 'from');
  const codec = valueCodec(node, table ? [...table.values()] : []);
  const math = e['math'] === undefined ? null : compileMath(j, e['math'], `${jp}.math`);
  const { factor, offset } = src.signal;
  const invalid = parseInvalid(j, e['invalid'], `${jp}.invalid`, src.signal);
  const mapped = table
    ? (phys: number) => {
        const v = table.get(Math.round((phys - offset) / factor));
        return v === undefined ? NaN : codec.encode(v);
      }
    : math
      ? (phys: number) => codec.encode(math(phys))
      : (phys: number) => codec.encode(phys);
  // Raw values the ECU sends for "signal not available" (SNA) or "invalid" are never values.
  const convert = invalid.size === 0 ? mapped : (phys: number) => (invalid.has(Math.round((phys - offset) / factor)) ? NaN : mapped(phys));
  const intervalMs = j.optional(e, 'interval_ms', jp, (v, p) => j.number(v, p, 0)) ?? 0;
  const onChange = e['on_change'] === undefined ? true : e['on_change'] === true;
  const deadband = j.optional(e, 'deadband', jp, (v, p) => j.number(v, p, 0)) ?? 0;
  let actuator: ActuatorMapping | null = null;
  if (e['to_dbc'] !== undefined) {
    if (node.type !== 'actuator') j.fail(`${jp}.to_dbc`, `${path} is a VSS ${node.type}, not an actuator: it cannot be written`);
    actuator = parseActuator(j, dbc, e['to_dbc'], `${jp}.to_dbc`);
  }
  return { path, node, messageIndex: src.messageIndex, signalIndex: src.signalIndex, convert, toVss: codec.toVss, enumValues: codec.enumValues, rule: { intervalMs, onChange, deadband }, actuator };
}

/**
 * `[{from, to}]` tables. On the DBC side (`side` names it) values may be choice names of the
 * signal (VAL_) or raw numbers; the result maps raw DBC value → VSS value (from-DBC) or VSS value
 * (stringified) → DBC choice/number (to-DBC).
 */
function parseMap(j: JsonReader, raw: unknown, jp: string, signal: Signal, dbcSide: 'from' | 'to'): Map<number | string, VssValue> {
  if (!Array.isArray(raw) || raw.length === 0) j.fail(jp, 'expected a non-empty array of {from, to}');
  const out = new Map<number | string, VssValue>();
  raw.forEach((item, i) => {
    const o = j.object(item, `${jp}[${i}]`);
    j.onlyKeys(o, ['from', 'to'], `${jp}[${i}]`);
    const dbcValue = o[dbcSide];
    const other = o[dbcSide === 'from' ? 'to' : 'from'];
    if (typeof other !== 'number' && typeof other !== 'boolean' && typeof other !== 'string') j.fail(`${jp}[${i}]`, 'expected from and to values');
    let rawValue: number;
    if (typeof dbcValue === 'number') rawValue = dbcValue;
    else if (typeof dbcValue === 'string') {
      const hit = [...(signal.choices ?? [])].find(([, name]) => name === dbcValue);
      if (!hit) j.fail(`${jp}[${i}].${dbcSide}`, `"${dbcValue}" is not a choice of ${signal.name} (${[...(signal.choices?.values() ?? [])].join(', ') || 'it has none'})`);
      rawValue = hit[0];
    } else j.fail(`${jp}[${i}].${dbcSide}`, `expected a choice name of ${signal.name} or a raw number`);
    if (dbcSide === 'from') out.set(rawValue, other);
    else out.set(String(other), dbcValue as number | string);
  });
  return out;
}

/** `invalid: ["SNA", 4095]`: choice names or raw values that mean "no value". */
function parseInvalid(j: JsonReader, raw: unknown, jp: string, signal: Signal): Set<number> {
  if (raw === undefined) return new Set();
  if (!Array.isArray(raw)) j.fail(jp, 'expected an array of choice names or raw numbers');
  return new Set(raw.map((v, i) => {
    if (typeof v === 'number') return v;
    const hit = [...(signal.choices ?? [])].find(([, name]) => name === v);
    if (!hit) j.fail(`${jp}[${i}]`, `${JSON.stringify(v)} is not a choice of ${signal.name}`);
    return hit[0];
  }));
}

function parseActuator(j: JsonReader, dbc: CompiledDbc, raw: unknown, jp: string): ActuatorMapping {
  const o = j.object(raw, jp);
  j.onlyKeys(o, TO_DBC_KEYS, jp);
  const target = findSignal(j, dbc, j.string(o['signal'], `${jp}.signal`), `${jp}.signal`);
  const table = o['map'] === undefined ? null : parseMap(j, o['map'], `${jp}.map`, target.signal, 'to');
  const math = o['math'] === undefined ? null : compileMath(j, o['math'], `${jp}.math`);
  const withValues: Record<string, number | string> = {};
  const w = o['with'] === undefined ? {} : j.object(o['with'], `${jp}.with`);
  const m = dbc.messages[target.messageIndex]!;
  for (const [k, v] of Object.entries(w)) {
    const sig = m.signals.find((s) => s.name === k) ?? j.fail(`${jp}.with.${k}`, `message ${m.name} has no signal ${k}`);
    if (typeof v === 'string' && ![...(sig.choices?.values() ?? [])].includes(v)) j.fail(`${jp}.with.${k}`, `"${v}" is not a choice of ${k}`);
    if (typeof v !== 'string' && typeof v !== 'number') j.fail(`${jp}.with.${k}`, 'expected a number or a choice name');
    withValues[k] = v;
  }
  const toDbc = table
    ? (v: VssValue) => {
        const r = table.get(String(v));
        return r === undefined ? null : (r as number | string);
      }
    : (v: VssValue) => (math ? math(Number(v)) : Number(v));
  return { messageIndex: target.messageIndex, signal: target.signal, toDbc, with: withValues };
}

/**
 * Loads and checks a DBC → VSS mapping file against the DBC it names and the VSS catalogue.
 * @throws ConfigError naming the file and the JSON path of the first problem.
 */
export function loadMapping(file: string, dbc: CompiledDbc, vss: VssCatalogue): Mapping {
  const j: JsonReader = new JsonReader(file);
  const doc = j.object(readJsonFile(file), '$');
  j.onlyKeys(doc, ['description', 'dbc', 'signals'], '$');
  const signals = Object.entries(j.object(doc['signals'], '$.signals')).map(([path, raw]) => parseEntry(j, dbc, vss, path, raw, `$.signals["${path}"]`));
  return { file, dbcFile: mappingDbcFile(file), signals, byPath: new Map(signals.map((s) => [s.path, s])) };
}
