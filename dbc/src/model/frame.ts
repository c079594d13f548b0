/**
 * One CAN or CAN FD frame as every part of headunit passes it around: links produce it, trace
 * readers yield it, the decoder consumes it.
 */
export interface CanFrame {
  /** Wall-clock receive time in microseconds since the Unix epoch (fractions allowed). */
  timestampUs: number;
  /**
   * Monotonic receive time in microseconds (`performance.now()` scale: never jumps with the
   * wall clock), stamped by the link that received the frame; absent on frames read from files.
   */
  monotonicUs?: number;
  /** Bus (interface) name, e.g. `can0`, `vcan1`, `pt`. */
  bus: string;
  /** Arbitration id (11 or 29 bits, no flags). */
  id: number;
  /** 29-bit identifier. */
  extended: boolean;
  /** CAN FD frame. */
  fd: boolean;
  /** CAN FD bit-rate switch. */
  brs: boolean;
  /** CAN FD error state indicator. */
  esi: boolean;
  /** Remote transmission request (classic CAN only; `data` is empty, `rtrLength` the asked DLC). */
  rtr: boolean;
  /** The data length a remote frame asks for (0-8); absent when not known or not a remote frame. */
  rtrLength?: number;
  /** Error frame (SocketCAN CAN_ERR_FLAG); `id` holds the error class bits. */
  error: boolean;
  data: Uint8Array;
}
