import { deflateSync, inflateSync } from 'node:zlib';
import { xorshift32 } from '../../../dbc/index.ts';
import { CONTAINER_HEADER_SIZE, FILE_HEADER_SIZE, LOG_CONTAINER, OBJECT_SIGNATURE, putU32, u16, u32, ZLIB_DEFLATE } from './blf-layout.ts';

/**
 * Mutators of the trace fuzzer. Byte mutations know nothing of any format; line mutations
 * shuffle and retoken text traces; BLF mutations aim at the binary structure: header and object
 * fields get boundary values, and compressed containers are inflated, mutated and re-deflated
 * so that the damage reaches the object parser instead of stopping at zlib.
 */

/** The fuzzer's random source (xorshift32), with the helpers mutators need. */
export interface Rng {
  next(): number;
  /** Integer in 0 .. n-1 (0 when n <= 0). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** 2^32, to turn a u32 into a fraction. */
const UINT32_RANGE = 4294967296;

/** A generator; the same seed always gives the same sequence. */
export function createRng(seed: number): Rng {
  const next = xorshift32(seed);
  const int = (n: number): number => (n <= 0 ? 0 : Math.floor((next() / UINT32_RANGE) * n));
  return { next, int, chance: (p) => next() / UINT32_RANGE < p, pick: (items) => items[int(items.length)]! };
}

/** Seed of input `index` of run `seed` (murmur3's finalizer, never 0): inputs rebuild alone. */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0 || 1;
}

/** Bytes that matter to trace parsers: separators, digits, hex letters, signs, NUL, high bytes. */
const INTERESTING_BYTES = [0x00, 0xff, 0x80, 0xc3, 0x0a, 0x0d, 0x20, 0x09, 0x23, 0x28, 0x29, 0x2e, 0x2c, 0x22, 0x3b, 0x24, 0x2d, 0x30, 0x31, 0x39, 0x41, 0x46, 0x78, 0x52, 0x3d];
/** Field values at the edges of what parsers check. */
const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 33, 40, 47, 48, 64, 65, 84, 116, 127, 128, 255, 256, 0x7fff, 0xffff, 0x10000, 1 << 24, (1 << 24) + 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
/** Tokens that matter to text trace parsers. */
const INTERESTING_TOKENS = [
  '', '0', '-1', '1e308', 'NaN', '99999999999999999999', '4294967296', 'FFFFFFFF', '1FFFFFFF', '20000000', '800', '7FF', 'x', '0x', 'R', 'r',
  'd', 'CANFD', 'ErrorFrame', 'Rx', 'Tx', 'f', '64', '65', '15', '16', '9', '#', '##', '##F', '(', ')', ';', '-', 'RTR', 'DT', 'FD', 'BI',
  'RR', 'ER', 'ST', 'Warng', 'Error', '1)', '"', ',', '""', '0.', '.5', '1.0000000000001', 'Mär', '\u00ff', '\u0000',
];
/** Whole lines that switch a text parser's mode. */
const INTERESTING_LINES = [
  'base dec  timestamps relative', 'base hex  timestamps absolute', 'date Mon Jan 01 00:00:00.000 1601', 'date Sun Dec 31 23:59:59.999 9999',
  'Begin Triggerblock', 'End TriggerBlock', ';$FILEVERSION=1.0', ';$FILEVERSION=1.3', ';$FILEVERSION=2.0', ';$STARTTIME=0',
  ';$STARTTIME=2958465.99999999', ';$COLUMNS=N,O,T,I,d,l,D', ';$COLUMNS=N,O,T,B,I,d,R,L,D', ';$COLUMNS=D,N',
  'timestamp,arbitration_id,extended,remote,error,dlc,data', 'timestamp,bus,id,extended,fd,brs,esi,rtr,error,data',
];
/** Longest run one insert, delete or copy touches. */
const MAX_RUN = 256;
/** A line longer than the readers' default chunk, to reach the overlong-line path. */
const LONG_LINE_BYTES = 300 * 1024;

/**
 * A copy as a plain Uint8Array. Not `data.slice()`: on a Buffer (what `readFileSync` and
 * `Buffer.concat` give) `slice` is a view, and mutating it would change the seed itself.
 */
function copy(data: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(data);
}

function splice(data: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(data.length - remove + insert.length);
  out.set(data.subarray(0, at), 0);
  out.set(insert, at);
  out.set(data.subarray(at + remove), at + insert.length);
  return out;
}

const runLength = (rng: Rng): number => (rng.chance(0.8) ? 1 + rng.int(8) : 1 + rng.int(MAX_RUN));
const someBytes = (rng: Rng, n: number): Uint8Array => Uint8Array.from({ length: n }, () => (rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256)));

/** One random byte-level change (the input is not modified). */
export function mutateBytes(data: Uint8Array, rng: Rng): Uint8Array {
  const at = rng.int(data.length + 1);
  switch (rng.int(6)) {
    case 0: {
      const out = copy(data);
      for (let k = 1 + rng.int(8); k > 0 && out.length > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return out;
    }
    case 1:
      return splice(data, at, 0, someBytes(rng, runLength(rng)));
    case 2: {
      const out = copy(data);
      for (let k = 1 + rng.int(4); k > 0 && out.length > 0; k--) out[rng.int(out.length)] = rng.pick(INTERESTING_BYTES);
      return out;
    }
    case 3:
      return splice(data, Math.min(at, data.length), Math.min(runLength(rng), data.length - Math.min(at, data.length)));
    case 4: {
      const from = rng.int(data.length);
      return splice(data, at, 0, copy(data.subarray(from, from + runLength(rng))));
    }
    default:
      return copy(data.subarray(0, rng.int(data.length + 1)));
  }
}

/** One random line-level change of a text trace. */
export function mutateLines(data: Uint8Array, rng: Rng): Uint8Array {
  const lines = Buffer.from(data).toString('latin1').split('\n');
  const i = rng.int(lines.length);
  const j = rng.int(lines.length);
  switch (rng.int(6)) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, lines[j]!);
      break;
    case 2:
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      break;
    case 3:
      lines.splice(i, 0, rng.pick(INTERESTING_LINES));
      break;
    case 4:
      if (rng.chance(0.02)) lines.splice(i, 0, '7'.repeat(LONG_LINE_BYTES));
      break;
    default: {
      const tokens = lines[i]!.split(/(\s+|#+|,)/);
      tokens[rng.int(tokens.length)] = rng.pick(INTERESTING_TOKENS);
      lines[i] = tokens.join('');
    }
  }
  return Buffer.from(lines.join('\n'), 'latin1');
}

/** Offsets of the top-level objects of a BLF file (stops at the first damage). */
function topLevelObjects(b: Uint8Array): number[] {
  const found: number[] = [];
  let p = b.length >= 8 ? Math.max(u32(b, 4), FILE_HEADER_SIZE) : b.length;
  while (p + 16 <= b.length && u32(b, p) === OBJECT_SIGNATURE && found.length < 10_000) {
    found.push(p);
    const size = u32(b, p + 8);
    if (size < 16) break;
    p += size + (size % 4);
  }
  return found;
}

/** Sets a u32 field of `b` (copied) at `at` to a boundary value. */
function setField(b: Uint8Array, at: number, rng: Rng): Uint8Array {
  const out = copy(b);
  if (at + 4 <= out.length) putU32(out, at, rng.chance(0.8) ? rng.pick(INTERESTING_U32) : rng.next());
  return out;
}

/** Inflates a zlib container, mutates its payload (bytes or an object's field), deflates it back. */
function mutateContainerPayload(b: Uint8Array, p: number, rng: Rng): Uint8Array {
  const size = u32(b, p + 8);
  if (u16(b, p + 16) !== ZLIB_DEFLATE || p + size > b.length || size < CONTAINER_HEADER_SIZE) return mutateBytes(b, rng);
  let payload: Uint8Array;
  try {
    payload = inflateSync(b.subarray(p + CONTAINER_HEADER_SIZE, p + size));
  } catch {
    return mutateBytes(b, rng);
  }
  const inner = topLevelObjects(Buffer.concat([new Uint8Array(FILE_HEADER_SIZE), payload])).map((o) => o - FILE_HEADER_SIZE);
  const mutated = inner.length > 0 && rng.chance(0.6) ? setField(payload, rng.pick(inner) + 4 * rng.int(12), rng) : mutateBytes(payload, rng);
  const body = deflateSync(mutated);
  const container = new Uint8Array(CONTAINER_HEADER_SIZE + body.length);
  container.set(b.subarray(p, p + CONTAINER_HEADER_SIZE));
  container.set(body, CONTAINER_HEADER_SIZE);
  // Mostly keep the sizes consistent, so the damage is inside; sometimes leave them stale.
  if (rng.chance(0.8)) {
    putU32(container, 8, container.length);
    putU32(container, 24, mutated.length);
  }
  const pad = new Uint8Array(container.length % 4);
  return Buffer.concat([b.subarray(0, p), container, pad, b.subarray(p + size + (size % 4))]);
}

/** One random structure-aware change of a BLF file. */
export function mutateBlf(data: Uint8Array, rng: Rng): Uint8Array {
  const objects = topLevelObjects(data);
  const choice = rng.int(4);
  if (choice === 0 || objects.length === 0) return setField(data, 4 * rng.int(18), rng);
  const p = rng.pick(objects);
  if (choice === 1) return setField(data, p + 4 * rng.int(8), rng);
  if (choice === 2 && u32(data, p + 12) === LOG_CONTAINER) return mutateContainerPayload(data, p, rng);
  return mutateBytes(data, rng);
}
