import type { Database } from '../model/database.ts';

/** Bytes reserved per frame in a stream (the largest CAN FD payload). */
export const FRAME_STRIDE = 64;

/**
 * A reproducible stream of frames for benchmarks and fuzzing: random message order and random
 * payloads over a DBC's messages, laid out flat so the loop reading it allocates nothing.
 */
export interface FrameStream {
  count: number;
  ids: Int32Array;
  extended: Uint8Array;
  lengths: Uint8Array;
  /** Payload of frame k at data[k * FRAME_STRIDE ..]. */
  data: Uint8Array;
}

/** xorshift32: small, fast and the same on every machine, so streams are reproducible. */
export function xorshift32(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Builds `count` frames of the database's messages (each at its DBC length), seeded. */
export function randomFrameStream(db: Database, count: number, seed = 1): FrameStream {
  const rnd = xorshift32(seed);
  const ids = new Int32Array(count);
  const extended = new Uint8Array(count);
  const lengths = new Uint8Array(count);
  const data = new Uint8Array(count * FRAME_STRIDE);
  const msgs = db.messages.filter((m) => m.signals.length > 0);
  if (msgs.length === 0) throw new Error(`${db.file}: no message with signals to benchmark`);
  for (let k = 0; k < count; k++) {
    const m = msgs[rnd() % msgs.length]!;
    ids[k] = m.id;
    extended[k] = m.extended ? 1 : 0;
    lengths[k] = m.length;
    for (let b = 0; b < m.length; b++) data[k * FRAME_STRIDE + b] = rnd() & 0xff;
  }
  return { count, ids, extended, lengths, data };
}
