import type { BindingInterface } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import type { CanFrame } from '../../../dbc/index.ts';
import { BridgeError, LinkOpenError, LinkUrlError, ProtocolError, TxFailedError } from '../errors.ts';
import { LinkBase } from '../link-base.ts';
import type { LinkOptions, OutgoingFrame } from '../link.ts';
import type { LinkUrl } from '../link-url.ts';
import { parseBitrate } from '../link-url.ts';
import { AdapterClock } from './slcan-clock.ts';
import { SlcanDecoder, encodeFrame, type SlcanAck, type SlcanReplyKind } from './slcan-codec.ts';
import { SLCAN_COMMANDS, SlcanCommands, bitrateCommand, dataBitrateCommand, encodeCommand, type SlcanTimer } from './slcan-commands.ts';

/** Reconnect backoff after the adapter disappears: doubles from MIN to MAX; each wait is a random 50-100 % of it. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;
/** How long the adapter has to answer each command, in the open sequence and for frames. */
const ANSWER_TIMEOUT_MS = 1000;
/** Two bare CRs end whatever half command a previous program left in the adapter's line buffer. */
const CLEAR_LINE = Buffer.from('\r\r', 'latin1');
/**
 * The open sequence starts once both CRs of CLEAR_LINE are answered (CR or BEL), or after this
 * long for adapters that answer nothing. An answer counted to the wrong command would shift every
 * later answer by one for the whole session, so a slow answer is waited for, not guessed.
 */
const SETTLE_MAX_MS = 250;
/** Serial baud rate when the URL has no `baud=`. USB adapters ignore it; RS-232 ones (Lawicel CAN232) need theirs. */
const DEFAULT_BAUD = 115200;
/** Largest `window=` (commands written before the first is answered); CANable 2 queues 64 frames. */
const MAX_WINDOW = 64;

/** What the link's environment provides; tests inject every part. */
export interface SlcanDeps {
  /** Serial binding (default: `autoDetect()` of @serialport/bindings-cpp, loaded on first open). */
  binding?: BindingInterface;
  timer?: SlcanTimer;
  /** Wall clock in µs since the epoch. */
  nowUs?: () => number;
  /** Jitter source in [0, 1) for the reconnect backoff. */
  random?: () => number;
}

/** Replies to the identification queries; null where the adapter refused (BEL). */
export interface SlcanIdentity {
  /** `V`: `hhss` on Lawicel/USBtin (hardware, software version), free text on CANable. */
  version: string | null;
  /** `N`: serial number (Lawicel, USBtin). */
  serial: string | null;
}

const realTimer: SlcanTimer = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * A link to a serial-line CAN adapter speaking SLCAN (`slcan:/dev/ttyACM0@500k`): CANable and
 * CANable 2 (slcan firmware, CAN FD with `?fd=2M`), USBtin, Lawicel CANUSB and their clones.
 *
 * URL: `slcan:DEVICE[@BITRATE][?baud=115200&fd=2M&timestamps=1&window=1]`. Without a bit rate
 * the adapter keeps its own. `timestamps=1` sends `Z1` and refines receive times with the
 * adapter's millisecond stamps; `window=N` lets N frames wait for their answers at once.
 *
 * Open sequence: CR CR (clear the adapter's line), `C` (CR or BEL: both say "alive"), [`Yn`],
 * [`Sn`], [`Z0`/`Z1`], `O`, each waiting for its answer. An adapter that answers nothing but
 * `V` (older CANable 2 builds) is driven without acknowledgements. When the device goes away
 * the link goes to `reconnecting` and reopens it with backoff, rerunning the sequence.
 */
export class SlcanLink extends LinkBase {
  private port: SerialPortStream | null = null;
  private readonly decoder: SlcanDecoder;
  private readonly commands: SlcanCommands;
  private readonly clock = new AdapterClock();
  private readonly timer: SlcanTimer;
  private readonly nowUs: () => number;
  private readonly random: () => number;
  private readonly path: string;
  private readonly baud: number;
  private readonly setup: { command: string; refusal: string; optional?: true }[] = [];
  /** Frames are delivered only once `O` was answered (an adapter left open streams before). */
  private receiving = false;
  private closing = false;
  private backoffMs = BACKOFF_MIN_MS;
  private retryTimer: unknown = null;
  /** While CLEAR_LINE's answers are awaited: how many came, and what to call when both did. */
  private settling: { answers: number; done: () => void } | null = null;

  /** @throws LinkOpenError OPEN_FAILED for a bit rate or parameter SLCAN cannot express. */
  constructor(
    url: LinkUrl,
    options: LinkOptions,
    private readonly deps: SlcanDeps = {},
  ) {
    super(url.url, url.target.replace(/^.*\//, ''), options);
    this.path = url.target;
    checkParams(url);
    this.timer = deps.timer ?? realTimer;
    this.nowUs = deps.nowUs ?? (() => (performance.timeOrigin + performance.now()) * 1000);
    this.random = deps.random ?? Math.random;
    this.baud = this.intParam(url, 'baud', DEFAULT_BAUD, 50, 12_000_000);
    const window = this.intParam(url, 'window', 1, 1, MAX_WINDOW);
    this.commands = new SlcanCommands(this.url, (b) => this.write(b), this.timer, window, ANSWER_TIMEOUT_MS);
    this.decoder = new SlcanDecoder(this.url, this.bus, {
      frame: (f, adapterMs) => this.onFrame(f, adapterMs),
      ack: (kind) => this.onAck(kind),
      reply: (kind, text, offset) => this.onReply(kind, text, offset),
      error: (err) => this.onProtocolError(err),
    });
    this.planSetup(url);
  }

  /**
   * Asks the adapter for its version (`V`) and serial number (`N`).
   * @throws TxFailedError when the link is not open or the adapter does not answer in time.
   */
  async identify(): Promise<SlcanIdentity> {
    if (!this.port) throw new TxFailedError(this.url, `${this.path} is not open`);
    const version = await this.commands.query(SLCAN_COMMANDS.version, ['V']);
    // Ack-less adapters answer V only; N would just time out.
    const serial = this.commands.ackless ? null : await this.commands.query(SLCAN_COMMANDS.serial, ['N']);
    return { version, serial };
  }

  protected async doOpen(): Promise<void> {
    this.closing = false;
    this.backoffMs = BACKOFF_MIN_MS;
    await this.connect();
  }

  protected async doClose(): Promise<void> {
    this.closing = true;
    if (this.retryTimer !== null) this.timer.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const port = this.port;
    if (port && this.receiving) await this.commands.send(encodeCommand(SLCAN_COMMANDS.close)).catch(() => undefined);
    this.commands.failAll('the link was closed');
    this.receiving = false;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  protected async transmit(frame: OutgoingFrame): Promise<void> {
    const line = encodeFrame(frame, this.url);
    if (!this.port || !this.receiving) throw new TxFailedError(this.url, `${this.path} is not available (${this.state})`);
    const answer = await this.commands.send(line);
    if (answer === 'bel') {
      throw new TxFailedError(this.url, `the adapter refused "${line.toString('latin1', 0, line.length - 1)}" (BEL: transmit buffer full, bus off, or no CAN FD support)`);
    }
  }

  private intParam(url: LinkUrl, key: string, fallback: number, min: number, max: number): number {
    const text = url.params.get(key);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new LinkOpenError(this.url, 'OPEN_FAILED', `${key}=${text} is not a whole number from ${min} to ${max}`);
    return n;
  }

  /** The commands between `C` and `O`, from the URL. */
  private planSetup(url: LinkUrl): void {
    const fd = url.params.get('fd');
    if (fd !== undefined) {
      const command = dataBitrateCommand(parseBitrate(fd) ?? NaN);
      if (!command) throw new LinkOpenError(this.url, 'OPEN_FAILED', `fd=${fd}: SLCAN data bit rates are 1M, 2M, 4M and 5M`);
      this.setup.push({ command, refusal: `the adapter refused CAN FD data bit rate ${fd} (${command}); is it a CAN FD adapter?` });
    }
    if (url.bitrate !== null) {
      const command = bitrateCommand(url.bitrate);
      if (!command) throw new LinkOpenError(this.url, 'OPEN_FAILED', `no SLCAN bit rate command for ${url.bitrate} bit/s (S0-S8: 10k 20k 50k 100k 125k 250k 500k 800k 1M)`);
      this.setup.push({ command, refusal: `the adapter refused bit rate ${url.bitrate} bit/s (${command})` });
    }
    const ts = url.params.get('timestamps');
    if (ts !== undefined) {
      if (ts !== '0' && ts !== '1') throw new LinkOpenError(this.url, 'OPEN_FAILED', `timestamps=${ts}: expected 0 or 1`);
      const command = ts === '1' ? SLCAN_COMMANDS.timestampsOn : SLCAN_COMMANDS.timestampsOff;
      this.setup.push({ command, refusal: `the adapter has no timestamps (${command} refused); using receive times`, optional: true });
    }
    this.setup.push({ command: SLCAN_COMMANDS.open, refusal: 'the adapter refused to open the channel (O)' });
  }

  /** Opens the device and runs the open sequence; on failure leaves nothing open. */
  private async connect(): Promise<void> {
    const port = await this.openPort();
    try {
      if (this.closing) throw new LinkOpenError(this.url, 'OPEN_FAILED', 'closed while opening');
      await this.handshake();
    } catch (err) {
      this.commands.failAll('the open sequence failed');
      if (this.port === port) this.port = null;
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      throw err;
    }
  }

  private async openPort(): Promise<SerialPortStream> {
    const binding = this.deps.binding ?? (await import('@serialport/bindings-cpp')).autoDetect();
    const port = new SerialPortStream({ binding, path: this.path, baudRate: this.baud, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(this.url, this.path, err)) : resolve())));
    // Bytes the adapter sent before we opened belong to nobody.
    await new Promise<void>((resolve) => port.flush(() => resolve()));
    this.decoder.reset();
    this.clock.reset();
    port.on('data', (chunk: Buffer) => this.decoder.push(chunk, this.nowUs()));
    port.on('close', (err: Error | null) => this.onPortClosed(port, err));
    port.on('error', (err: Error) => this.warn(err));
    this.port = port;
    return port;
  }

  private async handshake(): Promise<void> {
    this.receiving = false;
    this.commands.ackless = false;
    await this.clearLine();
    // C answers CR or BEL (already closed) on adapters that acknowledge; V tells the rest apart from a dead port.
    const close = (): Promise<unknown> => this.commands.send(encodeCommand(SLCAN_COMMANDS.close)).catch(() => null);
    if ((await close()) === null) {
      const version = await this.commands.query(SLCAN_COMMANDS.version, ['V']).catch(() => null);
      if (version === null) throw new LinkOpenError(this.url, 'ADAPTER_SILENT', `${this.path} did not answer C or V within ${ANSWER_TIMEOUT_MS} ms (is it an SLCAN adapter, at baud ${this.baud}?)`);
      // Alive: it acknowledges nothing, or it was still starting up when C came. Ask once more.
      if ((await close()) === null) {
        this.commands.ackless = true;
        this.warn(new BridgeError(`${this.url}: the adapter acknowledges no commands (older CANable 2 firmware?); sending without flow control`, 'SLCAN_NO_ACKS', this.url));
      }
    }
    for (const step of this.setup) {
      const answer = await this.commands.send(encodeCommand(step.command)).catch((err: Error) => {
        throw new LinkOpenError(this.url, 'ADAPTER_SILENT', `the adapter did not answer ${step.command} (${err.message.replace(`${this.url}: `, '')})`, { cause: err });
      });
      if (answer !== 'bel') continue;
      if (!step.optional) throw new LinkOpenError(this.url, 'OPEN_FAILED', step.refusal);
      this.warn(new TxFailedError(this.url, step.refusal));
    }
    this.receiving = true;
  }

  /** Sends CLEAR_LINE and resolves when its answers are in (or after SETTLE_MAX_MS without them). */
  private async clearLine(): Promise<void> {
    let done = (): void => undefined;
    const settled = new Promise<void>((resolve) => (done = resolve));
    const timer = this.timer.setTimeout(() => done(), SETTLE_MAX_MS);
    this.settling = { answers: 0, done };
    try {
      await this.write(CLEAR_LINE);
      await settled;
    } finally {
      this.timer.clearTimeout(timer);
      this.settling = null;
    }
  }

  /** An acknowledgement: while settling it answers one of CLEAR_LINE's CRs, otherwise a command. */
  private onAck(kind: SlcanAck): void {
    if (!this.settling) return this.commands.onAck(kind);
    if (++this.settling.answers === CLEAR_LINE.length) this.settling.done();
  }

  private write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error(`${this.path} is not open`));
    return new Promise((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  private onFrame(frame: CanFrame, adapterMs: number): void {
    if (!this.receiving) return;
    frame.timestampUs = this.clock.stamp(frame.timestampUs, adapterMs);
    this.deliver(frame);
  }

  private onReply(kind: SlcanReplyKind, text: string, offset: number): void {
    if (this.commands.onReply(kind, text)) return;
    const line = kind === 'text' ? text : kind + text;
    this.onProtocolError(new ProtocolError(this.url, offset, `unexpected line from the adapter: ${JSON.stringify(line)}`, Buffer.from(line, 'latin1').toString('hex')));
  }

  private onProtocolError(err: ProtocolError): void {
    this.counters.rxErrors++;
    this.warn(err);
  }

  /** The device went away (unplugged, PTY closed): fail what waits, then keep trying to come back. */
  private onPortClosed(port: SerialPortStream, err: Error | null): void {
    if (port !== this.port) return;
    this.port = null;
    this.receiving = false;
    this.commands.failAll(`${this.path} went away`);
    if (this.closing || this.state !== 'open') return;
    this.setState('reconnecting', `${this.path} went away${err ? `: ${err.message}` : ''}`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs * (0.5 + this.random() * 0.5);
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.retryTimer = this.timer.setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = null;
    if (this.closing) return;
    try {
      await this.connect();
    } catch (err) {
      if (this.closing) return;
      this.warn(err as Error);
      this.scheduleReconnect();
      return;
    }
    this.backoffMs = BACKOFF_MIN_MS;
    this.counters.reconnects++;
    this.setState('open', null);
  }
}

/** Query keys an `slcan:` URL may have; a typo must not silently fall back to a default. */
const SLCAN_PARAMS = ['baud', 'fd', 'timestamps', 'window', 'bus'];

/** @throws LinkUrlError at the column of the first key SLCAN does not know. */
function checkParams(url: LinkUrl): void {
  for (const key of url.params.keys()) {
    if (SLCAN_PARAMS.includes(key)) continue;
    const at = Math.max(url.url.indexOf(`?${key}=`), url.url.indexOf(`&${key}=`));
    throw new LinkUrlError(url.url, at + 2, `an slcan parameter: ${SLCAN_PARAMS.join(', ')}`);
  }
}

/** Tells "no such device", "permission" and "in use" apart in a binding's open error. */
function openError(link: string, path: string, err: Error): LinkOpenError {
  const m = err.message;
  if (/ENOENT|No such file/i.test(m)) return new LinkOpenError(link, 'NO_SUCH_DEVICE', `no serial device at ${path} (is the adapter plugged in? see ls /dev/serial/by-id)`, { cause: err });
  if (/EACCES|Permission denied/i.test(m)) return new LinkOpenError(link, 'PERMISSION', `no permission to open ${path} (add the user to the dialout group)`, { cause: err });
  if (/lock|EBUSY|temporarily unavailable/i.test(m)) return new LinkOpenError(link, 'OPEN_FAILED', `${path} is in use by another program`, { cause: err });
  if (/ENOTTY|Inappropriate ioctl/i.test(m)) return new LinkOpenError(link, 'OPEN_FAILED', `${path} is not a serial device`, { cause: err });
  return new LinkOpenError(link, 'OPEN_FAILED', `cannot open ${path}: ${m}`, { cause: err });
}

/** Registry factory for `slcan:` URLs; `binding` is the serial binding the registry loaded. */
export function createSlcanLink(url: LinkUrl, options: LinkOptions, binding?: BindingInterface): SlcanLink {
  return new SlcanLink(url, options, binding ? { binding } : {});
}
