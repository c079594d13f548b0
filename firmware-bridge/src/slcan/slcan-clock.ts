import { TIMESTAMP_WRAP_MS } from './slcan-codec.ts';

/** How fast the adapter's clock may run slow against ours (crystal tolerance), as a fraction. */
export const ADAPTER_DRIFT = 500e-6;
/** A stamp more than this behind its receipt is not trusted: the clock re-anchors there. */
export const MAX_ADAPTER_LAG_US = 2_000_000;

/**
 * Turns adapter timestamps (`Z1`: milliseconds, wrapping at 60000) into wall-clock µs.
 *
 * A frame reaches us some latency after it was on the bus, so `receipt - adapterTime` is the
 * clock offset plus that latency; its minimum over the frames seen is the best estimate of
 * the offset. Each frame is stamped `adapterTime + offset`: frames that arrive together in
 * one USB packet keep the spacing the adapter measured, and no frame is stamped after its
 * receipt. The offset may creep up by ADAPTER_DRIFT of the elapsed time, so an adapter clock
 * that runs slow is followed. Wraps are unfolded with our own elapsed time, so gaps of over a
 * minute count right. Stamps never go back. Pure: the caller passes the receipt times.
 */
export class AdapterClock {
  private lastMs = -1;
  private lastReceivedUs = 0;
  /** Adapter time since the anchor, unwrapped, in ms. */
  private adapterMs = 0;
  private offsetUs = 0;
  private lastUs = 0;

  /**
   * @param receivedUs wall-clock receive time of the chunk that completed the frame (µs)
   * @param adapterMs the frame's adapter timestamp in ms (0-59999), or -1 when it has none
   * @returns the frame's timestamp in µs
   */
  stamp(receivedUs: number, adapterMs: number): number {
    let us = receivedUs;
    if (adapterMs < 0 || adapterMs >= TIMESTAMP_WRAP_MS) {
      this.lastMs = -1;
    } else if (this.lastMs < 0) {
      this.adapterMs = adapterMs;
      this.offsetUs = receivedUs - adapterMs * 1000;
    } else {
      let deltaMs = (adapterMs - this.lastMs + TIMESTAMP_WRAP_MS) % TIMESTAMP_WRAP_MS;
      const elapsedMs = (receivedUs - this.lastReceivedUs) / 1000;
      deltaMs += TIMESTAMP_WRAP_MS * Math.max(0, Math.round((elapsedMs - deltaMs) / TIMESTAMP_WRAP_MS));
      this.adapterMs += deltaMs;
      const seen = receivedUs - this.adapterMs * 1000;
      this.offsetUs = Math.min(this.offsetUs + (receivedUs - this.lastReceivedUs) * ADAPTER_DRIFT, seen);
      if (seen - this.offsetUs > MAX_ADAPTER_LAG_US) this.offsetUs = seen;
      us = this.adapterMs * 1000 + this.offsetUs;
    }
    if (adapterMs >= 0 && adapterMs < TIMESTAMP_WRAP_MS) this.lastMs = adapterMs;
    this.lastReceivedUs = receivedUs;
    if (us < this.lastUs) us = this.lastUs;
    this.lastUs = us;
    return us;
  }

  /** Forgets the anchor (the adapter was reopened and its clock restarted). */
  reset(): void {
    this.lastMs = -1;
  }
}
