import { FrameEncodeError } from '../errors.ts';
import type { Signal } from '../model/signal.ts';
import type { CompiledDbc } from './compile.ts';
import { interpret } from './interpret.ts';
import { inRanges } from './mux-tree.ts';

/**
 * Sets an own property even for names like `__proto__`, which plain assignment would turn into
 * a prototype change (a DBC may name a signal anything the grammar allows).
 */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** One decoded frame in the convenient shape for tools and tests. */
export interface DecodedFrame {
  id: number;
  extended: boolean;
  name: string;
  /** Physical values of the signals present; choice names instead when asked and defined. */
  signals: Record<string, number | string>;
  /** Signals the frame was too short to carry (only when there are any). */
  missing?: string[];
}

export interface DecodeOptions {
  /** Replace values that have a VAL_ choice with the choice's name. */
  choices?: boolean;
}

/** Decodes one frame of message `mi` into an object. Uses the reference interpreter. */
export function decodeToObject(c: CompiledDbc, mi: number, data: Uint8Array, opts: DecodeOptions = {}): DecodedFrame {
  const plan = c.plans[mi]!;
  const m = plan.message;
  const signals: Record<string, number | string> = {};
  const missing: string[] = [];
  interpret(plan, data, 0, data.length, (i, raw) => {
    const sig = m.signals[i]!;
    if (raw === undefined) {
      missing.push(sig.name);
      return;
    }
    const name = opts.choices ? sig.choices?.get(raw) : undefined;
    setOwn(signals, sig.name, name ?? raw * sig.factor + sig.offset);
  });
  const out: DecodedFrame = { id: m.id, extended: m.extended, name: m.name, signals };
  if (missing.length > 0) out.missing = missing;
  return out;
}

export interface EncodeOptions {
  /** Reject physical values outside the DBC's [min|max] (default true; `[0|0]` means unbounded). */
  strict?: boolean;
  /** Use GenSigStartValue (or 0) for signals not given, instead of throwing. */
  fillMissing?: boolean;
}

function physicalOf(sig: Signal, messageName: string, given: number | string | bigint | undefined, opts: EncodeOptions): number {
  if (given === undefined) {
    if (!opts.fillMissing) throw new FrameEncodeError(`${messageName}: no value for signal ${sig.name}`, 'MISSING_SIGNAL', messageName, sig.name);
    return (sig.initialRaw ?? 0) * sig.factor + sig.offset;
  }
  if (typeof given === 'string') {
    for (const [raw, name] of sig.choices ?? []) if (name === given) return raw * sig.factor + sig.offset;
    throw new FrameEncodeError(`${messageName}.${sig.name}: "${given}" is not one of its choices`, 'UNKNOWN_CHOICE', messageName, sig.name);
  }
  const value = Number(given);
  if (Number.isNaN(value)) throw new FrameEncodeError(`${messageName}.${sig.name}: value is NaN`, 'NOT_A_NUMBER', messageName, sig.name);
  return value;
}

function checkRange(sig: Signal, messageName: string, phys: number, strict: boolean): void {
  const bounded = !(sig.minimum === 0 && sig.maximum === 0);
  if (strict && bounded && (phys < sig.minimum || phys > sig.maximum)) {
    throw new FrameEncodeError(`${messageName}.${sig.name}: ${phys} is outside [${sig.minimum}, ${sig.maximum}]`, 'OUT_OF_RANGE', messageName, sig.name);
  }
  if (sig.valueType !== 'integer') return;
  // Whatever the DBC's range says, the raw value must fit its bits: never wrap silently.
  const raw = Math.round((phys - sig.offset) / sig.factor);
  const lo = sig.signed ? -(2 ** (sig.length - 1)) : 0;
  const hi = sig.signed ? 2 ** (sig.length - 1) - 1 : 2 ** sig.length - 1;
  if (!(raw >= lo && raw <= hi)) {
    throw new FrameEncodeError(`${messageName}.${sig.name}: ${phys} needs raw ${raw}, which does not fit ${sig.length} ${sig.signed ? 'signed' : 'unsigned'} bits`, 'OUT_OF_RANGE', messageName, sig.name);
  }
}

/**
 * Encodes physical values (numbers, or choice names) into a new frame of message `mi`. Only
 * signals of the branch the given switch values select are required and written.
 *
 * @throws FrameEncodeError when a needed signal is missing, a value is out of range or does
 *   not fit its bits, or a choice name is unknown.
 */
export function encodeFromObject(c: CompiledDbc, mi: number, values: Record<string, number | string | bigint>, opts: EncodeOptions = {}): Uint8Array {
  const plan = c.plans[mi]!;
  const m = plan.message;
  const base = c.slotBase[mi]!;
  const slots = c.encodeScratch();
  const strict = opts.strict ?? true;
  const visit = (nodes: typeof plan.roots): void => {
    for (const node of nodes) {
      const sig = node.signal;
      // Own properties only: `constructor` or `toString` must not be found on Object.prototype.
      const phys = physicalOf(sig, m.name, Object.hasOwn(values, sig.name) ? values[sig.name] : undefined, opts);
      checkRange(sig, m.name, phys, strict);
      slots[base + node.index] = phys;
      const raw = Math.round((phys - sig.offset) / sig.factor);
      for (const b of node.branches) if (inRanges(b.ranges, raw)) visit(b.nodes);
    }
  };
  visit(plan.roots);
  const data = new Uint8Array(m.length);
  c.encoders[mi]!(slots, data, 0);
  return data;
}
