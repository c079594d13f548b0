import type { CanFrame } from '../../../dbc/index.ts';
import { LinkOpenError, TxFailedError } from '../errors.ts';
import { LinkBase } from '../link-base.ts';
import type { LinkOptions, OutgoingFrame } from '../link.ts';
import type { LinkUrl } from '../link-url.ts';
import { loadSocketCanAddon } from '../native-modules.ts';
import { CANFD_MTU, diagnose, interfaceFacts } from './socketcan-diagnose.ts';

/** can_id flag: 29-bit frame format. */
const CAN_EFF_FLAG = 0x80000000;
/** can_id flag: remote transmission request. */
const CAN_RTR_FLAG = 0x40000000;
/** Error class: controller problems; data[1] holds the detail. */
const CAN_ERR_CRTL = 0x00000004;
/** data[1] bits of CAN_ERR_CRTL: the controller's receive FIFO overflowed. */
const CAN_ERR_CRTL_RX_OVERFLOW = 0x01;
/** How long `send` keeps retrying while the kernel's transmit queue is full. */
const TX_RETRY_MS = 1000;
/** Reconnect backoff bounds after the interface disappears or goes down. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

/** The part of the `socketcan` addon we use (RawChannel). */
interface RawChannel {
  addListener(event: 'onMessage' | 'onStopped', cb: (msg: AddonMessage) => void): void;
  start(): void;
  stop(): void;
  send(m: { id: number; ext: boolean; rtr: boolean; data: Buffer }): number;
  sendFD(m: { id: number; ext: boolean; fd_brs: boolean; data: Buffer }): number;
  setRxFilters(filters: { id: number; mask: number }[]): void;
}
interface AddonMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  err?: boolean;
  data: Buffer;
  ts_sec?: number;
  ts_usec?: number;
}
export interface SocketCanAddon {
  createRawChannelWithOptions(name: string, opts: { timestamps?: boolean; non_block_send?: boolean }): RawChannel;
}

/** A receive filter as candump writes it: `123:7FF` (11-bit) or `18FEF100:1FFFFFFF` (8 digits = 29-bit). */
export function parseFilters(text: string, link: string): { id: number; mask: number }[] {
  return text.split(',').map((part) => {
    const m = /^([0-9A-Fa-f]{1,8}):([0-9A-Fa-f]{1,8})$/.exec(part);
    if (!m) throw new LinkOpenError(link, 'OPEN_FAILED', `filter "${part}" is not ID:MASK in hex (e.g. 123:7FF or 18FEF100:1FFFFFFF)`);
    const extended = m[1]!.length === 8;
    const id = Number.parseInt(m[1]!, 16);
    const mask = Number.parseInt(m[2]!, 16);
    // The EFF flag in the mask makes a filter match only its own frame format.
    return extended ? { id: (id | CAN_EFF_FLAG) >>> 0, mask: (mask | CAN_EFF_FLAG | CAN_RTR_FLAG) >>> 0 } : { id, mask: (mask | CAN_EFF_FLAG | CAN_RTR_FLAG) >>> 0 };
  });
}

/**
 * A link to a Linux SocketCAN interface (`socketcan:can0`, `socketcan:vcan0?filter=123:7FF`)
 * through the `socketcan` addon: raw socket, kernel receive timestamps, CAN FD when the
 * interface's MTU is 72, error frames delivered with `error: true`.
 *
 * Known limits of the addon: it does not say whether a received frame of <= 8 bytes was CAN FD
 * or had BRS (frames > 8 bytes are marked FD), and it cannot read the kernel's per-socket drop
 * count (SO_RXQ_OVFL). Overflow is counted where we can see it: our own bounded queue, and
 * controller RX-overflow error frames.
 */
export class SocketCanLink extends LinkBase {
  private channel: RawChannel | null = null;
  private fd = false;
  private closing = false;
  private backoffMs = BACKOFF_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly filters: { id: number; mask: number }[] | null;

  constructor(
    url: LinkUrl,
    options: LinkOptions,
    private readonly addon: () => SocketCanAddon = loadSocketCanAddon,
    private readonly sysRoot = '/',
  ) {
    super(url.url, url.target, options);
    const f = url.params.get('filter');
    this.filters = f === undefined ? null : parseFilters(f, url.url);
  }

  /** True when the interface carries CAN FD frames (MTU 72). */
  get fdCapable(): boolean {
    return this.fd;
  }

  private get ifname(): string {
    return this.url.replace(/^socketcan:/, '').replace(/[?@].*$/, '');
  }

  protected async doOpen(): Promise<void> {
    this.closing = false;
    this.channel = this.openChannel();
  }

  private openChannel(): RawChannel {
    // Binding to a down interface succeeds, so ask the kernel first; the addon cannot release
    // a channel it never started.
    const facts = interfaceFacts(this.ifname, this.sysRoot);
    const before = diagnose(this.ifname, facts);
    if (before?.code === 'INTERFACE_DOWN') throw new LinkOpenError(this.url, before.code, before.message);
    let channel: RawChannel;
    try {
      channel = this.addon().createRawChannelWithOptions(this.ifname, { timestamps: true, non_block_send: true });
    } catch (err) {
      const why = diagnose(this.ifname, interfaceFacts(this.ifname, this.sysRoot));
      throw new LinkOpenError(this.url, why?.code ?? 'OPEN_FAILED', why?.message ?? `cannot open a raw CAN socket: ${(err as Error).message}`, { cause: err });
    }
    this.fd = facts.mtu === CANFD_MTU;
    if (this.filters) channel.setRxFilters(this.filters);
    channel.addListener('onMessage', (m) => this.onMessage(m));
    channel.addListener('onStopped', () => this.onStopped());
    channel.start();
    return channel;
  }

  private onMessage(m: AddonMessage): void {
    const frame: CanFrame = {
      timestampUs: m.ts_sec !== undefined ? m.ts_sec * 1e6 + (m.ts_usec ?? 0) : Date.now() * 1000,
      bus: this.bus,
      id: m.id,
      extended: m.ext === true,
      fd: m.data.length > 8,
      brs: false,
      esi: false,
      rtr: m.rtr === true,
      error: m.err === true,
      data: m.data,
    };
    if (frame.error && (frame.id & CAN_ERR_CRTL) !== 0 && ((m.data[1] ?? 0) & CAN_ERR_CRTL_RX_OVERFLOW) !== 0) this.counters.rxOverflows++;
    this.deliver(frame);
  }

  /** The socket was unbound (interface removed) or hung up: keep trying to come back. */
  private onStopped(): void {
    if (this.closing) return;
    if (this.channel) {
      retiring.add(this.channel);
      const ch = this.channel;
      setTimeout(() => retiring.delete(ch), RETIRE_MS).unref();
    }
    this.channel = null;
    this.setState('reconnecting', `${this.ifname} went away`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs * (0.5 + Math.random() * 0.5);
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closing) return;
      try {
        this.channel = this.openChannel();
        this.backoffMs = BACKOFF_MIN_MS;
        this.counters.reconnects++;
        this.setState('open', null);
      } catch (err) {
        this.warn(err as Error);
        this.scheduleReconnect();
      }
    }, delay);
    this.retryTimer.unref();
  }

  protected async doClose(): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.channel) stopChannel(this.channel);
    this.channel = null;
  }

  protected async transmit(f: OutgoingFrame): Promise<void> {
    const data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    const fd = f.fd === true || data.length > 8;
    if (fd && !this.fd) throw new TxFailedError(this.url, `${this.ifname} is a classic CAN interface (MTU 16); cannot send a CAN FD frame`);
    if (data.length > (fd ? 64 : 8)) throw new TxFailedError(this.url, `${data.length} data bytes do not fit a ${fd ? 'CAN FD' : 'CAN'} frame`);
    const deadline = Date.now() + TX_RETRY_MS;
    for (;;) {
      const channel = this.channel;
      if (!channel) throw new TxFailedError(this.url, `${this.ifname} is not available (reconnecting)`);
      const n = fd ? channel.sendFD({ id: f.id, ext: f.extended, fd_brs: f.brs === true, data }) : channel.send({ id: f.id, ext: f.extended, rtr: f.rtr === true, data });
      if (n > 0) return;
      // -1 with a non-blocking socket: the kernel's transmit queue is full. Wait for it to drain.
      if (Date.now() > deadline) throw new TxFailedError(this.url, `the kernel did not accept the frame within ${TX_RETRY_MS} ms (transmit queue full or interface down)`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

/**
 * Channels recently stopped. The addon's `stop()` starts an asynchronous `uv_close` of its
 * handles and then lets the object be garbage-collected; if GC frees it before libuv finishes
 * closing, node aborts (`uv__finish_close: Assertion '0' failed`, seen in the vcan VM under load).
 * Holding a reference for a moment lets the close complete first.
 */
const retiring = new Set<RawChannel>();
/** How long a stopped channel is kept referenced. */
const RETIRE_MS = 2000;

function stopChannel(channel: RawChannel): void {
  channel.stop();
  retiring.add(channel);
  setTimeout(() => retiring.delete(channel), RETIRE_MS).unref();
}

/** Registry factory for `socketcan:IFNAME` URLs; `addon` is the one the registry already loaded. */
export function createSocketCanLink(url: LinkUrl, options: LinkOptions, addon?: SocketCanAddon): SocketCanLink {
  return new SocketCanLink(url, options, addon ? () => addon : loadSocketCanAddon);
}
