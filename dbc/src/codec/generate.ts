import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';
import { layoutSignal, type BitChunk } from './bit-layout.ts';
import { muxTree, type MuxNode } from './mux-tree.ts';

/**
 * JavaScript source generation for one message's decoder and encoder. The generated code
 * uses only numbers taken from the model and names we make, never text from the DBC (signal
 * names appear in comments after sanitising).
 *
 * Decoder: `function (d, o, n, s)` reads frame bytes `d[o .. o+n)` and writes physical values
 * into `s[base + signalIndex]`, only for signals of the active multiplexer branch. It must be
 * called only when `n >= bytesNeeded`; shorter frames take the interpreter.
 *
 * Encoder: `function (s, d, o)` reads physical values from `s[base + signalIndex]` and writes
 * the bits of the active branch into `d[o ..]`, leaving other bits as they are.
 *
 * Scratch views `U32` (Uint32Array(2)), `F32`, `F64` over one buffer are passed in for floats.
 */

/** A JS literal for a number that round-trips exactly, including -0 and the infinities. */
export function numberLiteral(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

const safeComment = (s: string): string => s.replace(/[^A-Za-z0-9_ .|@+-]/g, '_');

/** Expression for the raw bits [from, to) of a signal (to - from <= 32) as an int32/uint. */
function bitsExpr(chunks: BitChunk[], from: number, to: number): string {
  const terms: string[] = [];
  for (const c of chunks) {
    const a = Math.max(from, c.rawPos);
    const b = Math.min(to, c.rawPos + c.width);
    if (a >= b) continue;
    const lo = c.lo + (a - c.rawPos);
    const width = b - a;
    let t = `b${c.byte}`;
    if (lo > 0) t = `(${t} >>> ${lo})`;
    if (lo + width < 8) t = `(${t} & ${(1 << width) - 1})`;
    const shift = a - from;
    if (shift > 0) t = `(${t} << ${shift})`;
    terms.push(t);
  }
  return terms.length === 1 ? terms[0]! : `(${terms.join(' | ')})`;
}

/** Expression for the raw value: integer (signed or not) or the float's bit pattern read as float. */
export function rawExpr(sig: Signal): string {
  const { chunks } = layoutSignal(sig);
  const len = sig.length;
  if (sig.valueType === 'float32') return `(U32[0] = ${bitsExpr(chunks, 0, 32)}, F32[0])`;
  if (sig.valueType === 'float64') {
    return `(U32[0] = ${bitsExpr(chunks, 0, 32)}, U32[1] = ${bitsExpr(chunks, 32, 64)}, F64[0])`;
  }
  if (len <= 32) {
    const e = bitsExpr(chunks, 0, len);
    if (sig.signed) return len === 32 ? `(${e} | 0)` : `((${e} << ${32 - len}) >> ${32 - len})`;
    // Up to 31 bits the OR of shifted bytes stays a positive int32; bit 31 needs `>>> 0`.
    return len === 32 ? `(${e} >>> 0)` : e;
  }
  // Wider than 32 bits: exact low word plus a (sign-extended) high word times 2^32.
  const lo = `(${bitsExpr(chunks, 0, 32)} >>> 0)`;
  const hiLen = len - 32;
  let hi = bitsExpr(chunks, 32, len);
  if (sig.signed) hi = hiLen === 32 ? `(${hi} | 0)` : `((${hi} << ${32 - hiLen}) >> ${32 - hiLen})`;
  else if (hiLen === 32) hi = `(${hi} >>> 0)`;
  return `(${hi} * 4294967296 + ${lo})`;
}

function physicalExpr(sig: Signal, raw: string): string {
  let e = raw;
  if (sig.factor !== 1) e = `${e} * ${numberLiteral(sig.factor)}`;
  // `+ 0` is kept for negative factors: raw 0 * -0.5 is -0, and raw * factor + offset (the
  // definition, and cantools') turns that into 0.
  if (sig.offset !== 0 || sig.factor < 0) e = `${e} + ${numberLiteral(sig.offset)}`;
  return e;
}

export function rangeCondition(v: string, ranges: [number, number][]): string {
  return ranges.map(([a, b]) => (a === b ? `${v} === ${a}` : `(${v} >= ${a} && ${v} <= ${b})`)).join(' || ');
}

function decodeNodes(nodes: MuxNode[], base: number, indent: string, out: string[]): void {
  for (const n of nodes) {
    const sig = n.signal;
    const slot = `s[${base + n.index}]`;
    const where = `${sig.startBit}|${sig.length}@${sig.byteOrder === 'little_endian' ? 1 : 0}${sig.signed ? '-' : '+'}`;
    out.push(`${indent}// ${safeComment(sig.name)} ${where}`);
    if (n.branches.length === 0) {
      out.push(`${indent}${slot} = ${physicalExpr(sig, rawExpr(sig))};`);
      continue;
    }
    const m = `m${n.index}`;
    out.push(`${indent}const ${m} = ${rawExpr(sig)};`);
    out.push(`${indent}${slot} = ${physicalExpr(sig, m)};`);
    for (const b of n.branches) {
      out.push(`${indent}if (${rangeCondition(m, b.ranges)}) {`);
      decodeNodes(b.nodes, base, indent + '  ', out);
      out.push(`${indent}}`);
    }
  }
}

/**
 * Source of the body of the decoder for `message`, whose first slot is `base`. Every byte any
 * signal reads is loaded once into a local (`b0`, `b1`, ...): V8 then keeps them in registers
 * instead of re-reading and bounds-checking the array for each signal.
 */
export function generateDecoderBody(message: Message, base: number): string {
  const out: string[] = [];
  decodeNodes(muxTree(message), base, '  ', out);
  const used = new Set<number>();
  for (const sig of message.signals) for (const c of layoutSignal(sig).chunks) used.add(c.byte);
  const loads = [...used].sort((a, b) => a - b).map((i) => `b${i} = d[o + ${i}]`);
  return (loads.length ? `  const ${loads.join(', ')};\n` : '') + out.join('\n');
}

/** Statements that write integer `r` (raw bits, two's complement) into the signal's chunks. */
function writeChunks(chunks: BitChunk[], len: number, indent: string, out: string[]): void {
  if (len <= 32) {
    for (const c of chunks) writeOne(c, 'r', c.rawPos, indent, out);
    return;
  }
  out.push(`${indent}const rh = Math.floor(r / 4294967296), rl = (r - rh * 4294967296) >>> 0;`);
  writeWords(chunks, indent, out);
}

/** Writes chunks from a low word `rl` (raw bits 0..31) and a high word `rh` (bits 32..63). */
function writeWords(chunks: BitChunk[], indent: string, out: string[]): void {
  for (const c of chunks) {
    // A chunk may straddle bit 32: write the part in each word separately.
    const loW = Math.max(0, Math.min(c.width, 32 - c.rawPos));
    if (loW > 0) writeOne({ ...c, width: loW }, 'rl', c.rawPos, indent, out);
    if (loW < c.width) {
      const part = { byte: c.byte, lo: c.lo + loW, width: c.width - loW, rawPos: c.rawPos + loW };
      writeOne(part, 'rh', part.rawPos - 32, indent, out);
    }
  }
}

function writeOne(c: BitChunk, v: string, pos: number, indent: string, out: string[]): void {
  const mask = (1 << c.width) - 1;
  const bits = `((${v} >>> ${pos}) & ${mask})`;
  if (c.width === 8) out.push(`${indent}d[o + ${c.byte}] = ${bits};`);
  else out.push(`${indent}d[o + ${c.byte}] = (d[o + ${c.byte}] & ${~(mask << c.lo) & 0xff}) | (${bits} << ${c.lo});`);
}

function encodeNodes(nodes: MuxNode[], base: number, indent: string, out: string[]): void {
  for (const n of nodes) {
    const sig = n.signal;
    const { chunks } = layoutSignal(sig);
    out.push(`${indent}{ // ${safeComment(sig.name)}`);
    const inner = indent + '  ';
    const phys = `s[${base + n.index}]`;
    const unscaled = `(${phys}${sig.offset !== 0 ? ` - ${numberLiteral(sig.offset)}` : ''})${sig.factor !== 1 ? ` / ${numberLiteral(sig.factor)}` : ''}`;
    if (sig.valueType === 'float64') {
      out.push(`${inner}F64[0] = ${unscaled}; const rl = U32[0], rh = U32[1];`);
      writeWords(chunks, inner, out);
    } else {
      if (sig.valueType === 'float32') out.push(`${inner}F32[0] = ${unscaled}; const r = U32[0];`);
      else out.push(`${inner}const r = Math.round(${unscaled});`);
      writeChunks(chunks, sig.length, inner, out);
    }
    if (n.branches.length > 0) {
      for (const b of n.branches) {
        out.push(`${inner}if (${rangeCondition('r', b.ranges)}) {`);
        encodeNodes(b.nodes, base, inner + '  ', out);
        out.push(`${inner}}`);
      }
    }
    out.push(`${indent}}`);
  }
}

/** Source of the body of the encoder for `message`, whose first slot is `base`. */
export function generateEncoderBody(message: Message, base: number): string {
  const out: string[] = [];
  encodeNodes(muxTree(message), base, '  ', out);
  return out.join('\n');
}
