/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): the UART bridge's framing. The
 * encoded bytes contain no 0x00, so 0x00 can mark the end of every packet and a receiver that
 * lost its place resynchronises at the next 0x00 (UART-BRIDGE-PROTOCOL.md §2).
 *
 * ```
 *   data     11 22 00 33                      a code byte = 1 + number of data bytes that
 *   encoded  03 11 22 02 33 00                follow it; a code below 0xFF stands for those
 *            ^code    ^code   ^delimiter       bytes plus one 0x00 (except in the last block)
 * ```
 *
 * The streaming decoder lives in bridge-codec.ts (it decodes in place while bytes arrive);
 * `cobsDecode` here is the one-shot reference used by tests and the fuzzer.
 */

/** Longest code byte: 254 data bytes follow it and no zero is implied. */
const COBS_MAX_CODE = 0xff;

/** Upper bound of the encoded size of `n` bytes (without the 0x00 delimiter). */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/**
 * Encodes `src[srcStart, srcEnd)` into `dst` at `dstStart` (no delimiter is written).
 * `dst` must have room for `cobsMaxEncodedLength(srcEnd - srcStart)` bytes.
 * @returns the number of bytes written.
 */
export function cobsEncode(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number): number {
  let codeAt = dstStart;
  let out = dstStart + 1;
  let code = 1;
  for (let i = srcStart; i < srcEnd; i++) {
    const b = src[i]!;
    if (b === 0) {
      dst[codeAt] = code;
      codeAt = out++;
      code = 1;
      continue;
    }
    dst[out++] = b;
    if (++code === COBS_MAX_CODE) {
      dst[codeAt] = code;
      codeAt = out++;
      code = 1;
    }
  }
  dst[codeAt] = code;
  return out - dstStart;
}

/**
 * Decodes one COBS frame (without its delimiter).
 * @returns the decoded bytes, or a reason string when the frame is not valid COBS (a 0x00
 *   inside, or a code byte that points past the end).
 */
export function cobsDecode(frame: Uint8Array): Uint8Array | string {
  const out: number[] = [];
  let i = 0;
  while (i < frame.length) {
    const code = frame[i]!;
    if (code === 0) return `0x00 inside the frame at +${i}`;
    if (i + code > frame.length) return `code byte 0x${code.toString(16).padStart(2, '0')} at +${i} runs ${i + code - frame.length} byte(s) past the end`;
    for (let k = 1; k < code; k++) {
      const b = frame[i + k]!;
      if (b === 0) return `0x00 inside the frame at +${i + k}`;
      out.push(b);
    }
    i += code;
    if (code !== COBS_MAX_CODE && i < frame.length) out.push(0);
  }
  return Uint8Array.from(out);
}
