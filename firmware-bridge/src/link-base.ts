import { EventEmitter } from 'node:events';
import type { CanFrame } from '../../dbc/index.ts';
import { LinkClosedError, TxDeniedError } from './errors.ts';
import { FrameQueue } from './frame-queue.ts';
import { txKey, type CanLink, type LinkCounters, type LinkEvents, type LinkOptions, type LinkState, type OutgoingFrame, type TxAllowList } from './link.ts';

/** Default receive queue: about 6 s of a fully loaded 500 kbit/s bus. */
export const DEFAULT_RX_QUEUE_FRAMES = 65536;

/**
 * What every link shares: state and its events, counters, the bounded receive queue, and the
 * transmit allow-list check that runs before any byte goes to a device. Implementations
 * provide `doOpen`, `doClose` and `transmit`, and call `deliver()` for each received frame.
 */
export abstract class LinkBase extends EventEmitter implements CanLink {
  readonly counters: LinkCounters = { rxFrames: 0, txFrames: 0, rxOverflows: 0, rxErrors: 0, txErrors: 0, busErrors: 0, reconnects: 0 };
  readonly bus: string;
  protected readonly txAllow: TxAllowList;
  private queue: FrameQueue;
  private _state: LinkState = 'closed';
  private consumed = false;

  constructor(
    readonly url: string,
    defaultBus: string,
    options: LinkOptions = {},
  ) {
    super();
    this.bus = options.bus ?? defaultBus;
    this.txAllow = options.txAllow ?? 'none';
    this.queue = new FrameQueue(options.rxQueueFrames ?? DEFAULT_RX_QUEUE_FRAMES);
  }

  get state(): LinkState {
    return this._state;
  }

  protected setState(state: LinkState, reason: string | null = null): void {
    if (state === this._state) return;
    this._state = state;
    this.emit('state', state, reason);
  }

  /** Reports a survivable problem; never throws even without listeners. */
  protected warn(err: Error): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
  }

  /** Hands a received frame to the reader, counting overflow and error frames. */
  protected deliver(frame: CanFrame): void {
    // Monotonic as well as wall time: wall clocks jump (NTP, GPS fix), intervals must not.
    frame.monotonicUs = performance.now() * 1000;
    if (frame.error) this.counters.busErrors++;
    if (this.queue.push(frame)) this.counters.rxFrames++;
    else this.counters.rxOverflows++;
  }

  async open(): Promise<void> {
    if (this._state === 'open' || this._state === 'opening') return;
    if (this.queue.length === 0 && this.consumed) this.queue = new FrameQueue(this.queue.capacity);
    this.setState('opening');
    try {
      await this.doOpen();
    } catch (err) {
      this.setState('failed', (err as Error).message);
      throw err;
    }
    this.setState('open');
  }

  async send(frame: OutgoingFrame): Promise<void> {
    if (this._state === 'closed' || this._state === 'failed') throw new LinkClosedError(this.url, 'send');
    if (!this.allowed(frame.id, frame.extended)) throw new TxDeniedError(this.url, frame.id, frame.extended);
    try {
      await this.transmit(frame);
    } catch (err) {
      this.counters.txErrors++;
      throw err;
    }
    this.counters.txFrames++;
  }

  allowed(id: number, extended: boolean): boolean {
    if (this.txAllow === 'all') return true;
    if (this.txAllow === 'none') return false;
    return this.txAllow.has(txKey(id, extended));
  }

  async close(): Promise<void> {
    if (this._state === 'closed') return;
    try {
      await this.doClose();
    } finally {
      this.queue.end();
      this.setState('closed');
    }
  }

  poll(): CanFrame | undefined {
    return this.queue.shift();
  }

  [Symbol.asyncIterator](): AsyncIterator<CanFrame> {
    this.consumed = true;
    return this.queue;
  }

  override on<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof LinkEvents>(event: E, listener: LinkEvents[E]): this {
    return super.off(event, listener);
  }

  protected abstract doOpen(): Promise<void>;
  protected abstract doClose(): Promise<void>;
  protected abstract transmit(frame: OutgoingFrame): Promise<void>;
}
