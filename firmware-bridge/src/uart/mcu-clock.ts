/**
 * Maps the MCU's 32-bit microsecond clock (wraps every 71.6 minutes) to host wall-clock µs
 * (UART-BRIDGE-PROTOCOL.md §8). The MCU stamps frames when its controller receives them; the
 * host needs `CanFrame.timestampUs` since the Unix epoch, never going back.
 *
 * Offset = host receive time − MCU time, taken from HELLO_ACK and every MCU heartbeat. A sample
 * below the current offset (a faster trip) replaces it at once; a sample above it moves the
 * offset up by at most SLEW_US, so a delayed heartbeat cannot jolt timestamps while a slow MCU
 * crystal (drift up to SLEW_US per heartbeat, 200 ppm at 100 ms) is still followed.
 */

/** Most the offset may grow per heartbeat sample, µs. */
const SLEW_US = 20;

export class McuClock {
  private last32 = 0;
  private unwrapped = 0;
  private offsetUs = 0;
  private lastOutUs = 0;

  /** Starts a session: the MCU said `mcu32` when the host's wall clock read `hostUs`. */
  anchor(mcu32: number, hostUs: number): void {
    this.last32 = mcu32 >>> 0;
    this.unwrapped = this.last32;
    this.offsetUs = hostUs - this.unwrapped;
  }

  /** A heartbeat: the MCU said `mcu32` and it arrived at `hostUs`. */
  sample(mcu32: number, hostUs: number): void {
    const s = hostUs - this.unwrap(mcu32);
    this.offsetUs = s < this.offsetUs ? s : this.offsetUs + Math.min(s - this.offsetUs, SLEW_US);
  }

  /** Wall-clock µs of an MCU timestamp; never less than the previous result. */
  toWallUs(mcu32: number): number {
    const t = this.unwrap(mcu32) + this.offsetUs;
    if (t > this.lastOutUs) this.lastOutUs = t;
    return this.lastOutUs;
  }

  /** Places a u32 reading on the continuous line, assuming it is within ±35 minutes of the last. */
  private unwrap(mcu32: number): number {
    this.unwrapped += ((mcu32 >>> 0) - this.last32) | 0;
    this.last32 = mcu32 >>> 0;
    return this.unwrapped;
  }
}
