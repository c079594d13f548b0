import { anyNumber, MUX_INDICATORS, randomBitNumber } from './dbc-vocabulary.ts';
import type { Rng } from './fuzz-rng.ts';

/**
 * Structure-aware inserts: statements that refer to the window's own messages and signals
 * (SG_MUL_VAL_, SIG_VALTYPE_, VAL_, BA_ ...), new SG_ lines, and blocks that build what random
 * edits rarely reach (nested multiplexing, float signals, one CAN id in both formats).
 */

interface WindowSignal {
  name: string;
  /** Length in bits as written (NaN when the line does not say). */
  length: number;
}

interface WindowMessage {
  rawId: string;
  line: number;
  signals: WindowSignal[];
}

/** Bit 31 of a BO_ id: the 29-bit flag. */
const EXTENDED_FLAG = 0x80000000;
/** Node name used by the inserted lines. */
const NODE = 'Vector__XXX';

/** BO_ lines of the text and the SG_ lines under each. */
function messagesIn(lines: readonly string[]): WindowMessage[] {
  const out: WindowMessage[] = [];
  lines.forEach((line, i) => {
    const bo = /^BO_ (\d+) /.exec(line);
    if (bo) out.push({ rawId: bo[1]!, line: i, signals: [] });
    const sg = /^\s+SG_ (\w+)[^:]*:\s*\d+\|(\d+)?/.exec(line) ?? /^\s+SG_ (\w+)/.exec(line);
    if (sg && out.length > 0) out[out.length - 1]!.signals.push({ name: sg[1]!, length: Number(sg[2] ?? NaN) });
  });
  return out;
}

/** The same CAN id with the other format flag (standard <-> extended). */
function twinId(rawId: string): string {
  const id = Number(rawId);
  return String(id >= EXTENDED_FLAG ? id - EXTENDED_FLAG : id + EXTENDED_FLAG);
}

function signalName(m: WindowMessage, rng: Rng): string {
  return m.signals.length > 0 ? rng.pick(m.signals).name : 'S';
}

/** SIG_VALTYPE_, usually for a 32- or 64-bit signal and with the matching type. */
function valueType(m: WindowMessage, rng: Rng): string {
  const wide = m.signals.filter((s) => s.length === 32 || s.length === 64);
  if (wide.length === 0 || rng.chance(0.3)) return `SIG_VALTYPE_ ${m.rawId} ${signalName(m, rng)} : ${rng.int(4)};`;
  const s = rng.pick(wide);
  return `SIG_VALTYPE_ ${m.rawId} ${s.name} : ${s.length === 32 ? 1 : 2};`;
}

/** A statement about message `m` and its signals, valid or nearly so. */
function statementFor(m: WindowMessage, rng: Rng): string {
  const sig = signalName(m, rng);
  const other = signalName(m, rng);
  const lo = rng.int(8);
  switch (rng.int(9)) {
    case 0:
      return `SG_MUL_VAL_ ${m.rawId} ${sig} ${other} ${lo}-${lo + rng.int(4)}${rng.chance(0.3) ? `, ${anyNumber(rng)}-${anyNumber(rng)}` : ''};`;
    case 1:
      return valueType(m, rng);
    case 2:
      return `VAL_ ${m.rawId} ${sig} ${anyNumber(rng)} "a" ${anyNumber(rng)} "b" ;`;
    case 3: {
      // Sometimes with a message of the same CAN id in the other format, which the attribute may collide with.
      const twin = rng.chance(0.3) ? `BO_ ${twinId(m.rawId)} TWIN: 8 ${NODE}\n SG_ T : 0|8@1+ (1,0) [0|0] "" ${NODE}\n` : '';
      return `${twin}BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","StandardCAN_FD","ExtendedCAN_FD";\nBA_ "VFrameFormat" BO_ ${m.rawId} ${rng.int(5)};`;
    }
    case 4:
      return `BA_DEF_ SG_ "GenSigStartValue" INT 0 0;\nBA_ "GenSigStartValue" SG_ ${m.rawId} ${sig} ${anyNumber(rng)};`;
    case 5:
      return `BA_ "GenMsgCycleTime" BO_ ${m.rawId} ${anyNumber(rng)};`;
    case 6:
      return `SIG_GROUP_ ${m.rawId} G ${rng.int(3)} : ${sig} ${other};`;
    case 7:
      return `BO_ ${rng.pick([m.rawId, twinId(m.rawId), anyNumber(rng)])} ${rng.pick(['NEW', sig, '__proto__'])}: ${rng.int(66)} ${NODE}`;
    default:
      return `CM_ SG_ ${m.rawId} ${sig} "${rng.pick(['', 'x', '\\'])}";`;
  }
}

/** A plausible layout: start 0..63, length 1..max, either byte order and sign. */
function smallLayout(rng: Rng, maxLength: number): string {
  return `${rng.int(64)}|${rng.between(1, maxLength)}@${rng.int(2)}${rng.chance(0.5) ? '+' : '-'}`;
}

/** A new SG_ line with a random layout and multiplexing. */
function randomSignalLine(rng: Rng, m: WindowMessage): string {
  const name = rng.chance(0.3) ? signalName(m, rng) : `F${rng.int(1000)}`;
  const mux = rng.chance(0.4) ? ` ${rng.pick(MUX_INDICATORS)}` : '';
  const layout = rng.chance(0.5)
    ? smallLayout(rng, 64)
    : `${randomBitNumber(rng, 520)}|${randomBitNumber(rng, 66)}@${rng.int(2)}${rng.chance(0.5) ? '+' : '-'}`;
  return ` SG_ ${name}${mux} : ${layout} (${anyNumber(rng)},${anyNumber(rng)}) [${anyNumber(rng)}|${anyNumber(rng)}] "" ${NODE}`;
}

/**
 * Extended multiplexing: a switch `XM`, a nested switch `XS` (mNM) under it and a leaf `XL`
 * under that, tied together by SG_MUL_VAL_ ranges. Returns the SG_ lines and the statements.
 */
function muxBlock(m: WindowMessage, rng: Rng): [string[], string[]] {
  const line = (name: string, mux: string, maxLength: number): string => ` SG_ ${name} ${mux} : ${smallLayout(rng, maxLength)} (1,0) [0|0] "" ${NODE}`;
  const a = rng.int(4);
  const b = rng.int(4);
  const signals = [line('XM', 'M', 8), line('XS', `m${a}M`, 8), line('XL', `m${b}`, 64)];
  const range = (from: number): string => `${from}-${from + rng.int(3)}${rng.chance(0.3) ? `, ${from + 5}-${from + 5 + rng.int(300)}` : ''}`;
  const statements = [`SG_MUL_VAL_ ${m.rawId} XS XM ${range(a)};`, `SG_MUL_VAL_ ${m.rawId} XL XS ${range(b)};`];
  if (rng.chance(0.2)) statements.push(`SG_MUL_VAL_ ${m.rawId} XM XL 0-1;`); // a loop, which must be refused
  return [signals, statements];
}

/** A float32 or float64 signal (SIG_VALTYPE_ 1 or 2), sometimes of the wrong length. */
function floatBlock(m: WindowMessage, rng: Rng): [string[], string[]] {
  const type = rng.between(1, 2);
  const length = rng.chance(0.9) ? type * 32 : rng.between(1, 64);
  const layout = `${rng.int(64)}|${length}@${rng.int(2)}${rng.chance(0.5) ? '+' : '-'}`;
  const signal = ` SG_ XF : ${layout} (${rng.chance(0.5) ? '1' : anyNumber(rng)},0) [0|0] "" ${NODE}`;
  return [[signal], [`SIG_VALTYPE_ ${m.rawId} XF : ${type};`]];
}

/** Inserts a statement that refers to the window's own messages, new SG_ lines under a BO_, or both. */
export function insertStatement(text: string, rng: Rng): string {
  const lines = text.split('\n');
  const messages = messagesIn(lines);
  if (messages.length === 0) return text;
  const m = rng.pick(messages);
  const underMessage = m.line + 1 + rng.int(m.signals.length + 1);
  const roll = rng.int(10);
  if (roll < 3) lines.splice(underMessage, 0, randomSignalLine(rng, m));
  else if (roll < 5) {
    const [signals, statements] = roll === 3 ? muxBlock(m, rng) : floatBlock(m, rng);
    lines.push(...statements);
    lines.splice(underMessage, 0, ...signals);
  } else lines.splice(rng.chance(0.7) ? lines.length : rng.int(lines.length + 1), 0, statementFor(m, rng));
  return lines.join('\n');
}
