import type { Signal } from '../model/signal.ts';

/**
 * One contiguous run of a signal's bits inside one byte.
 *
 * ```
 *   data[byte]:   7 6 5 4 3 2 1 0
 *                     [ width ]        <- bits lo .. lo+width-1 of this byte
 *                             ^ lo
 *   raw value:    ... [ width ] ...    <- placed at bit `rawPos` of the raw value (LSB = 0)
 * ```
 */
export interface BitChunk {
  byte: number;
  /** Lowest bit of the run inside the byte (0 = LSB). */
  lo: number;
  width: number;
  /** Where the run's lowest bit lands in the raw value. */
  rawPos: number;
}

/** A signal's bits as chunks ordered from the raw value's LSB upward, plus its byte span. */
export interface SignalLayout {
  chunks: BitChunk[];
  /** Bytes the frame must have for this signal to be present (highest byte index + 1). */
  bytesNeeded: number;
}

/**
 * Splits a signal into byte chunks. Intel signals walk from the start bit (LSB) to higher bytes;
 * Motorola signals start at the LSB derived from the MSB start bit and walk to lower bytes.
 * Works for any start bit; a layout that leaves byte 0..63 is reported by `bytesNeeded`
 * (> 64) or a negative byte, which the loader rejects before code is generated.
 */
export function layoutSignal(sig: Pick<Signal, 'startBit' | 'length' | 'byteOrder'>): SignalLayout {
  const chunks: BitChunk[] = [];
  let byte: number;
  let lo: number;
  let step: number;
  if (sig.byteOrder === 'little_endian') {
    byte = sig.startBit >> 3;
    lo = sig.startBit & 7;
    step = 1;
  } else {
    // Motorola: convert the MSB's sawtooth number to a linear big-endian position, then find the LSB.
    const msbLinear = (sig.startBit >> 3) * 8 + (7 - (sig.startBit & 7));
    const lsbLinear = msbLinear + sig.length - 1;
    byte = lsbLinear >> 3;
    lo = 7 - (lsbLinear & 7);
    step = -1;
  }
  let rawPos = 0;
  let maxByte = byte;
  let minByte = byte;
  while (rawPos < sig.length) {
    const width = Math.min(8 - lo, sig.length - rawPos);
    chunks.push({ byte, lo, width, rawPos });
    maxByte = Math.max(maxByte, byte);
    minByte = Math.min(minByte, byte);
    rawPos += width;
    byte += step;
    lo = 0;
  }
  return { chunks, bytesNeeded: minByte < 0 ? Infinity : maxByte + 1 };
}

const TWO_32 = 4294967296;

/**
 * Reads a signal's raw unsigned bits as a number (exact up to 53 bits; wider values are
 * rounded to the nearest double). Generic and allocation-free but not specialised: the hot
 * path uses generated code instead; this serves checksums, counters and tools.
 */
export function readRawUnsigned(layout: SignalLayout, d: Uint8Array, off: number): number {
  let raw = 0;
  for (const c of layout.chunks) {
    const bits = (d[off + c.byte]! >>> c.lo) & ((1 << c.width) - 1);
    raw += bits * 2 ** c.rawPos;
  }
  return raw;
}

/** Like `readRawUnsigned`, but exact for every width up to 64 bits. */
export function readRawBigInt(layout: SignalLayout, d: Uint8Array, off: number): bigint {
  let raw = 0n;
  for (const c of layout.chunks) {
    const bits = (d[off + c.byte]! >>> c.lo) & ((1 << c.width) - 1);
    raw |= BigInt(bits) << BigInt(c.rawPos);
  }
  return raw;
}

/** Writes the low `length` bits of `raw` (a non-negative bigint) into the frame, keeping other bits. */
export function writeRawBigInt(layout: SignalLayout, d: Uint8Array, off: number, raw: bigint): void {
  for (const c of layout.chunks) {
    const mask = ((1 << c.width) - 1) << c.lo;
    const bits = Number((raw >> BigInt(c.rawPos)) & BigInt((1 << c.width) - 1)) << c.lo;
    d[off + c.byte] = (d[off + c.byte]! & ~mask) | bits;
  }
}

/** Writes the low bits of a non-negative integer `raw` (< 2^53) into the frame, keeping other bits. */
export function writeRawUnsigned(layout: SignalLayout, d: Uint8Array, off: number, raw: number): void {
  for (const c of layout.chunks) {
    const mask = ((1 << c.width) - 1) << c.lo;
    const bits = (Math.floor(raw / 2 ** c.rawPos) % (1 << c.width)) << c.lo;
    d[off + c.byte] = (d[off + c.byte]! & ~mask) | bits;
  }
}

/** Two's complement interpretation of an unsigned raw value of `length` bits (length <= 53 exact). */
export function toSigned(raw: number, length: number): number {
  const half = 2 ** (length - 1);
  return raw >= half ? raw - 2 * half : raw;
}

export { TWO_32 };
