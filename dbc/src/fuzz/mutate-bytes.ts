import type { Rng } from './fuzz-rng.ts';

/**
 * Byte-level mutations: they know nothing of DBC and so break it in ways a grammar-aware
 * mutator would not (half a UTF-8 sequence, a NUL inside a name, a cut in the middle of a
 * number). Each takes the input and returns a new array; the input is never changed.
 */
export type ByteMutation = (data: Uint8Array, rng: Rng) => Uint8Array;

/**
 * Bytes that matter to a DBC reader: NUL, high bytes (invalid UTF-8 starts and continuations,
 * a BOM's first byte, 0xA0 no-break space), quotes and backslashes, statement and layout
 * punctuation, and line ends.
 */
const INTERESTING_BYTES = [
  0x00, 0xff, 0x80, 0xc3, 0xef, 0xbb, 0xbf, 0xa0, 0xfe, 0x22, 0x5c, 0x3b, 0x0a, 0x0d, 0x3a, 0x7c, 0x40, 0x2b, 0x2d, 0x28, 0x29,
  0x5b, 0x5d, 0x2c, 0x20, 0x09, 0x0c, 0x0b, 0x2f, 0x30, 0x31, 0x39, 0x2e, 0x65, 0x45, 0x4d, 0x6d, 0x78, 0x5f,
];
/** Longest run a single insert, delete or copy touches. */
const MAX_RUN_BYTES = 256;
/** Most bits one flip mutation changes. */
const MAX_FLIPS = 8;

function splice(data: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(data.length - remove + insert.length);
  out.set(data.subarray(0, at), 0);
  out.set(insert, at);
  out.set(data.subarray(at + remove), at + insert.length);
  return out;
}

function randomBytes(rng: Rng, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  return out;
}

/** A run length skewed towards short runs: mostly 1..8, sometimes up to `MAX_RUN_BYTES`. */
function runLength(rng: Rng): number {
  return rng.chance(0.8) ? rng.between(1, 8) : rng.between(1, MAX_RUN_BYTES);
}

const flipBits: ByteMutation = (data, rng) => {
  const out = data.slice();
  if (out.length === 0) return out;
  for (let k = rng.between(1, MAX_FLIPS); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
};

const insertBytes: ByteMutation = (data, rng) => splice(data, rng.int(data.length + 1), 0, randomBytes(rng, runLength(rng)));

const overwriteBytes: ByteMutation = (data, rng) => {
  const out = data.slice();
  for (let k = rng.between(1, 4); k > 0 && out.length > 0; k--) out[rng.int(out.length)] = rng.pick(INTERESTING_BYTES);
  return out;
};

const deleteRun: ByteMutation = (data, rng) => {
  const at = rng.int(data.length);
  return splice(data, at, Math.min(runLength(rng), data.length - at));
};

const duplicateRun: ByteMutation = (data, rng) => {
  const from = rng.int(data.length);
  const run = data.slice(from, from + runLength(rng));
  return splice(data, rng.int(data.length + 1), 0, run);
};

const truncate: ByteMutation = (data, rng) => data.slice(0, rng.int(data.length + 1));

/** The byte mutations, with the weight of each (how often it is picked). */
const BYTE_MUTATIONS: readonly [ByteMutation, number][] = [
  [flipBits, 3],
  [insertBytes, 3],
  [overwriteBytes, 2],
  [deleteRun, 3],
  [duplicateRun, 2],
  [truncate, 1],
];
const BYTE_TABLE: ByteMutation[] = BYTE_MUTATIONS.flatMap(([m, w]) => Array<ByteMutation>(w).fill(m));

/** Applies one random byte-level mutation. */
export function mutateBytes(data: Uint8Array, rng: Rng): Uint8Array {
  return rng.pick(BYTE_TABLE)(data, rng);
}
