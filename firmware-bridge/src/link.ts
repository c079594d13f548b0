/**
 * The one interface every bus link implements (SocketCAN, SLCAN serial adapters, the MCU UART
 * bridge, the fake). Types only: implementations import this file.
 *
 * Life cycle: `open()` → iterate frames / `send()` → `close()`. A link that loses its device
 * (adapter unplugged, MCU silent) goes to `reconnecting` and back to `open` by itself when the
 * implementation supports it; every change is a `state` event.
 */
import type { CanFrame } from '../../dbc/index.ts';

export type LinkState = 'closed' | 'opening' | 'open' | 'reconnecting' | 'failed';

/** What a link counts since it was created. Never reset by reconnects. */
export interface LinkCounters {
  /** Frames delivered to the reader. */
  rxFrames: number;
  /** Frames accepted for transmission by the device/kernel. */
  txFrames: number;
  /** Received frames lost because the reader was slower than the bus (our queue or the kernel's). */
  rxOverflows: number;
  /** Malformed or corrupt input the link discarded (bad lines, CRC failures, garbage bytes). */
  rxErrors: number;
  /** Frames the device/kernel refused to send. */
  txErrors: number;
  /** Error frames seen on the bus (delivered as frames with `error: true`). */
  busErrors: number;
  /** Times the link re-established its device after a loss. */
  reconnects: number;
}

/** A frame to send. Only what the sender decides; timestamps and bus come from the link. */
export interface OutgoingFrame {
  id: number;
  extended: boolean;
  data: Uint8Array;
  fd?: boolean;
  brs?: boolean;
  rtr?: boolean;
  /** The data length a remote frame asks for (0-8; default `data.length`). */
  rtrLength?: number;
}

/**
 * Which ids a link may transmit. The runtime's action policy is the only code that gets a
 * link with a non-empty allow-list (`cansend` gets one holding just its frame's id); `'all'` is
 * for bench harnesses, and an MCU bridge refuses it unless the URL says `allowAll=1`.
 */
export type TxAllowList = 'none' | 'all' | ReadonlySet<string>;

/** Key of an id in a `TxAllowList` set: `s123` (11-bit) or `x18FEF100` (29-bit), hex upper case. */
export function txKey(id: number, extended: boolean): string {
  return (extended ? 'x' : 's') + id.toString(16).toUpperCase();
}

export interface LinkEvents {
  state: (state: LinkState, reason: string | null) => void;
  /** Something went wrong that the link survived (e.g. a corrupt frame, a failed reconnect). */
  warning: (err: Error) => void;
}

export interface CanLink extends AsyncIterable<CanFrame> {
  /** The URL the link was made from, e.g. `slcan:/dev/ttyACM0@500000`. */
  readonly url: string;
  /** Bus name stamped on received frames. */
  readonly bus: string;
  readonly state: LinkState;
  readonly counters: Readonly<LinkCounters>;

  /**
   * Opens the device and starts receiving.
   * @throws LinkOpenError with a code that says why (see errors.ts).
   */
  open(): Promise<void>;

  /**
   * Sends one frame; resolves when the device/kernel accepted it (flow control: callers that
   * await each send never overrun the device).
   * @throws TxDeniedError (id not allowed), LinkClosedError, TxFailedError.
   */
  send(frame: OutgoingFrame): Promise<void>;

  /** Stops receiving and releases the device. Pending iterations end (`done`). Idempotent. */
  close(): Promise<void>;

  /**
   * Received frames in order. One consumer at a time. Frames that arrive while the consumer is
   * behind wait in a bounded queue; beyond it they are dropped and counted in `rxOverflows`.
   * Ends when the link is closed.
   */
  [Symbol.asyncIterator](): AsyncIterator<CanFrame>;

  /**
   * The next queued frame without waiting, or undefined when none is queued: after an awaited
   * frame, the consumer takes the rest of a burst synchronously (one promise per burst, not per
   * frame). Same queue and order as the iterator; the same single consumer.
   */
  poll(): CanFrame | undefined;

  on<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): this;
  off<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): this;
}

/** Options every link accepts (from the URL's query or the caller). */
export interface LinkOptions {
  /** Bus name for received frames (default: derived from the URL, e.g. the interface name). */
  bus?: string;
  /** Transmit allow-list (default 'none': a read-only link). */
  txAllow?: TxAllowList;
  /** Receive queue capacity in frames before overflow (default 65536). */
  rxQueueFrames?: number;
}
