import { OBJECT_SIGNATURE, u32 } from './blf-layout.ts';

/** Byte scanning of the BLF reader: finding objects again after damage, quoting bytes in errors. */

/** "LOBJ" as bytes, for resynchronising after damage. */
export const LOBJ = Buffer.from('LOBJ', 'latin1');
/** Bytes of an object quoted (as hex) in its error. */
const QUOTE_BYTES = 16;

/** Up to 16 bytes of `b` from `p` (not past `end`) as upper-case hex, for error texts. */
export function hex(b: Uint8Array, p: number, end: number): string {
  const from = Math.min(p, b.length);
  const length = Math.max(0, Math.min(QUOTE_BYTES, end - from, b.length - from));
  return Buffer.from(b.buffer, b.byteOffset + from, length).toString('hex').toUpperCase();
}

/** Index of "LOBJ" in `b[from, to)` (start positions), or -1. */
export function findSignature(b: Uint8Array, from: number, to: number): number {
  for (let k = from; k < to; k++) if (u32(b, k) === OBJECT_SIGNATURE) return k;
  return -1;
}

/**
 * Where to go on after damage at `from - 1`: the next "LOBJ" in `b[from, end)`, else the end
 * minus the longest tail that could begin a signature cut by the container boundary.
 */
export function resyncPoint(b: Uint8Array, from: number, end: number): number {
  const next = findSignature(b, from, end - 3);
  if (next >= 0) return next;
  for (let keep = Math.min(3, end - from); keep > 0; keep--) {
    let k = 0;
    while (k < keep && b[end - keep + k] === LOBJ[k]) k++;
    if (k === keep) return end - keep;
  }
  return end;
}

/** True when `b[from, to)` is all zero (trailing padding). */
export function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (b[k] !== 0) return false;
  return true;
}

