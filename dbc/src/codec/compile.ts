import type { Database } from '../model/database.ts';
import type { Message } from '../model/message.ts';
import { generateDecoderBody, generateEncoderBody } from './generate.ts';
import { interpret, planMessage, type InterpretPlan } from './interpret.ts';

/**
 * Generated decoder for a group of messages: frame bytes d[o..o+n) of message `mi` -> physical
 * values in s[slotBase[mi] + i]. Returns 0 when decoded, 1 when the frame is too short for the
 * fast path (nothing written).
 */
export type DecodeFn = (mi: number, d: Uint8Array, o: number, n: number, s: Float64Array) => number;
/** Generated encoder: physical values s[base + i] -> bits in d[o..]. */
export type EncodeFn = (s: Float64Array, d: Uint8Array, o: number) => void;

/** `decodeInto` status: every signal of the active branch was decoded. */
export const DECODE_OK = 0;
/** `decodeInto` status bit: the frame was too short for some signals; their slots hold NaN. */
export const DECODE_TRUNCATED = 1;

/** Number of 11-bit identifiers; standard ids dispatch through a flat table. */
const STANDARD_ID_COUNT = 2048;
/**
 * Most signals generated into one decode function. One `switch` over many inlined message
 * bodies is the fastest dispatch measured (no call per frame), but V8 stops optimizing
 * functions past ~60 KB of bytecode, so large DBCs are split into groups of this many signals.
 */
const SIGNALS_PER_GROUP = 512;

// Float signals are read by writing their bits into U32 and reading F32/F64 over the same
// bytes; both sides of that trick assume the host is little-endian, as x86 and ARM Linux are.
const floatScratch = new ArrayBuffer(8);
const U32 = new Uint32Array(floatScratch);
const F32 = new Float32Array(floatScratch);
const F64 = new Float64Array(floatScratch);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('headunit dbc: big-endian hosts are not supported');

function makeFunction<T>(name: string, params: string, body: string): T {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code generated from the model only
  return new Function('U32', 'F32', 'F64', `return function ${name}(${params}) {\n${body}\n};`)(U32, F32, F64) as T;
}

/**
 * The DBC compiled for decoding: one slot per signal in one `Float64Array`, a generated decode
 * and encode function per message, and id dispatch. This is the runtime's hot path.
 *
 * ```
 *   slots:  | msg 0 signals ... | msg 1 signals ... | ...
 *             ^ slotBase[0]       ^ slotBase[1]
 * ```
 */
export class CompiledDbc {
  readonly messages: readonly Message[];
  /** Index of each message's first slot. */
  readonly slotBase: Int32Array;
  /** Total number of slots (signals) over all messages. */
  readonly slotCount: number;
  /** Bytes a frame needs for the generated fast path of each message. */
  readonly bytesNeeded: Int32Array;
  readonly encoders: EncodeFn[] = [];
  /** Decodes any message on the fast path (see `DecodeFn`). */
  readonly decodeFast: DecodeFn;
  readonly plans: InterpretPlan[];
  private readonly standard = new Int32Array(STANDARD_ID_COUNT).fill(-1);
  private scratch: Float64Array | null = null;
  private readonly extended = new Map<number, number>();

  constructor(readonly db: Database) {
    this.messages = db.messages;
    this.slotBase = new Int32Array(db.messages.length);
    this.bytesNeeded = new Int32Array(db.messages.length);
    this.plans = db.messages.map(planMessage);
    let base = 0;
    db.messages.forEach((m, i) => {
      this.slotBase[i] = base;
      this.bytesNeeded[i] = Math.max(0, ...this.plans[i]!.layouts.map((l) => l.bytesNeeded));
      this.encoders.push(makeFunction<EncodeFn>(`encode_${i}`, 's, d, o', generateEncoderBody(m, base)));
      if (m.extended) this.extended.set(m.id, i);
      else this.standard[m.id] = i;
      base += m.signals.length;
    });
    this.slotCount = base;
    this.decodeFast = this.buildDecoders();
  }

  private buildDecoders(): DecodeFn {
    const groups: number[][] = [[]];
    let inGroup = 0;
    this.messages.forEach((m, i) => {
      if (inGroup > 0 && inGroup + m.signals.length > SIGNALS_PER_GROUP) {
        groups.push([]);
        inGroup = 0;
      }
      groups[groups.length - 1]!.push(i);
      inGroup += m.signals.length;
    });
    const fns = groups.map((g, gi) => {
      const cases = g.map((i) => {
        const body = generateDecoderBody(this.messages[i]!, this.slotBase[i]!);
        return `    case ${i}: {\n    if (n < ${this.bytesNeeded[i]}) return 1;\n${body}\n    return 0;\n    }`;
      });
      return makeFunction<DecodeFn>(`decode_group_${gi}`, 'mi, d, o, n, s', `  switch (mi) {\n${cases.join('\n')}\n  }\n  return 1;`);
    });
    if (fns.length === 1) return fns[0]!;
    const groupOf = new Int32Array(this.messages.length);
    groups.forEach((g, gi) => g.forEach((i) => (groupOf[i] = gi)));
    const cases = fns.map((_, gi) => `    case ${gi}: return g${gi}(mi, d, o, n, s);`).join('\n');
    const names = fns.map((_, gi) => `g${gi}`);
    const src = `return function decode_any(mi, d, o, n, s) {\n  switch (G[mi]) {\n${cases}\n  }\n  return 1;\n};`;
    return new Function('G', ...names, src)(groupOf, ...fns) as DecodeFn;
  }

  /** New slot array for this database (NaN = never decoded). */
  createSlots(): Float64Array {
    return new Float64Array(this.slotCount).fill(NaN);
  }

  /** A reusable slot array for encoding from objects (not for decoding). */
  encodeScratch(): Float64Array {
    this.scratch ??= this.createSlots();
    return this.scratch;
  }

  /** Index of a message by name, or -1. */
  messageIndexByName(name: string): number {
    return this.messages.findIndex((m) => m.name === name);
  }

  /** Message index for a CAN id, or -1 when the DBC does not define it. */
  messageIndex(id: number, extended: boolean): number {
    if (!extended) return id < STANDARD_ID_COUNT ? this.standard[id]! : -1;
    return this.extended.get(id) ?? -1;
  }

  /**
   * Decodes one frame of message `mi` from `d[o..o+n)` into `slots`. Only the active
   * multiplexer branch is written; other slots keep their values. A frame shorter than the
   * DBC says decodes what it carries and writes NaN for the rest (status `DECODE_TRUNCATED`).
   * Allocation-free.
   */
  decodeInto(mi: number, d: Uint8Array, o: number, n: number, slots: Float64Array): number {
    if (this.decodeFast(mi, d, o, n, slots) === 0) return DECODE_OK;
    return this.decodeShort(mi, d, o, n, slots);
  }

  private decodeShort(mi: number, d: Uint8Array, o: number, n: number, slots: Float64Array): number {
    const plan = this.plans[mi]!;
    const base = this.slotBase[mi]!;
    const missing = interpret(plan, d, o, n, (i, raw) => {
      const sig = plan.message.signals[i]!;
      slots[base + i] = raw === undefined ? NaN : raw * sig.factor + sig.offset;
    });
    return missing > 0 ? DECODE_TRUNCATED : DECODE_OK;
  }
}
