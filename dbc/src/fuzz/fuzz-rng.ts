import { xorshift32 } from '../bench/frame-stream.ts';

/**
 * The fuzzer's random source: xorshift32 with the helpers mutators need. Every input gets its
 * own generator seeded from (run seed, input index), so any single input can be rebuilt
 * without replaying the ones before it (the worker restarts after a hang rely on that).
 */
export interface Rng {
  /** Next raw value, 0 .. 2^32-1. */
  next(): number;
  /** Integer in 0 .. n-1 (0 when n <= 0). */
  int(n: number): number;
  /** Integer in lo .. hi inclusive. */
  between(lo: number, hi: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** 2^32, to turn a uint32 into a fraction in [0, 1). */
const UINT32_RANGE = 4294967296;
/** Golden-ratio increment that spreads consecutive input indexes over the seed space. */
const INDEX_STRIDE = 0x9e3779b1;

/** Creates a generator; the same seed always gives the same sequence. */
export function createRng(seed: number): Rng {
  const next = xorshift32(seed);
  const int = (n: number): number => (n <= 0 ? 0 : Math.floor((next() / UINT32_RANGE) * n));
  return {
    next,
    int,
    between: (lo, hi) => lo + int(hi - lo + 1),
    chance: (p) => next() / UINT32_RANGE < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
  };
}

/**
 * Seed of input `index` in a run seeded `seed`: murmur3's 32-bit finalizer over both, never 0
 * (xorshift32 would be stuck at 0).
 */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, INDEX_STRIDE)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}
