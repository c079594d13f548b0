/**
 * The host side of the UART bridge to the vehicle-interface MCU (`bridge:/dev/ttyS1`), speaking
 * firmware-bridge/UART-BRIDGE-PROTOCOL.md: HELLO handshake, allow-list, CAN_BATCH reception,
 * TX_REQUEST/RESULT, heartbeats both ways, link-loss detection and re-handshake.
 *
 * ```
 *   closed ──open()──▶ opening ──HELLO_ACK + allow-list ACK──▶ open ◀──────────────┐
 *                         │ no answer / version / allow-list NACK     │ silence > timeout, │
 *                         ▼                                          ▼ MCU lost session   │
 *                       failed                                 reconnecting ──handshake──┘
 * ```
 */
import type { BindingInterface } from '@serialport/bindings-cpp';
import type { SerialPortStream } from '@serialport/stream';
import { BridgeError, LinkOpenError, TxFailedError } from '../errors.ts';
import { LinkBase } from '../link-base.ts';
import type { LinkOptions, OutgoingFrame } from '../link.ts';
import type { LinkUrl } from '../link-url.ts';
import { BatchDelivery } from './batch-delivery.ts';
import { PacketDecoder, PacketWriter, type PacketView } from './bridge-codec.ts';
import { allowListFor, parseBridgeConfig, type BridgeConfig } from './bridge-config.ts';
import { BridgeFramingError, BridgeNackError, McuFaultError } from './bridge-errors.ts';
import { readHelloAck, readMcuError, readMcuHeartbeat, readMcuStats, readResult, txFlags, writeAllowList, writeHello, writeTxRequest, type HelloAck, type McuStats } from './bridge-payloads.ts';
import * as P from './bridge-protocol.ts';
import type { UartBridgeStats } from './bridge-stats.ts';
import { systemTimer, type BridgeTimer } from './bridge-timer.ts';
import { HelloExchange, helloAckProblem } from './hello-exchange.ts';
import { Keepalive } from './keepalive.ts';
import { PendingRequests } from './pending-requests.ts';
import { Reconnector } from './reconnector.ts';
import { SeqTracker } from './seq-tracker.ts';
import { closeSerialPort, defaultBinding, openSerialPort } from './serial-port.ts';

/** Transport and time, injected (tests pass a FakeTimer and may pass a mock binding). */
export interface UartBridgeDeps {
  /** Serial binding (default: `@serialport/bindings-cpp` autoDetect()). */
  binding?: BindingInterface;
  timer?: BridgeTimer;
  /** Source of HELLO nonces (default: Math.random). */
  nonce?: () => number;
}

/** A `CanLink` over the UART bridge. One link serves one MCU CAN channel (`?channel=N`). */
export class UartBridgeLink extends LinkBase {
  private readonly config: BridgeConfig;
  private readonly timer: BridgeTimer;
  private readonly nonceSource: () => number;
  private readonly decoder: PacketDecoder;
  private readonly writer = new PacketWriter();
  private readonly rxSeq = new SeqTracker();
  private readonly frames: BatchDelivery;
  private readonly pending: PendingRequests;
  private readonly helloExchange: HelloExchange;
  private readonly keepalive: Keepalive;
  private readonly reconnector: Reconnector;
  private readonly stats = { malformedPackets: 0, packetsSent: 0, handshakes: 0 };
  private port: SerialPortStream | null = null;
  private binding: BindingInterface | null;
  private txSeq = 0;
  private sessionUp = false;
  private hello: HelloAck | null = null;
  private mcuStats: McuStats | null = null;
  private closing = false;

  /** @throws LinkUrlError for a malformed bridge parameter in the URL. */
  constructor(url: LinkUrl, options: LinkOptions = {}, deps: UartBridgeDeps = {}) {
    super(url.url, url.target.replace(/^.*\//, ''), options);
    this.config = parseBridgeConfig(url);
    this.timer = deps.timer ?? systemTimer;
    this.binding = deps.binding ?? null;
    this.nonceSource = deps.nonce ?? (() => (Math.random() * 0x1_0000_0000) >>> 0);
    this.decoder = new PacketDecoder((p) => this.onPacket(p), { source: url.url, onError: (e) => this.onFramingError(e) });
    this.frames = new BatchDelivery(this.bus, this.config.channel, (f) => this.deliver(f));
    this.pending = new PendingRequests(url.url, this.timer);
    this.helloExchange = new HelloExchange(url.url, this.timer);
    const heartbeat = (): void => this.write(this.writer.begin(P.PacketType.HEARTBEAT, this.nextSeq()).finish());
    this.keepalive = new Keepalive(this.timer, this.config.heartbeatMs, this.config.timeoutMs, heartbeat, (ms) => this.lose(`no packet from the MCU for ${Math.round(ms)} ms`));
    this.reconnector = new Reconnector(this.timer, {
      attempt: async () => {
        if (!this.port) await this.openPort();
        await this.handshake();
      },
      // Version mismatch or a refused allow-list: only another firmware or configuration helps.
      isPermanent: (err) => err instanceof LinkOpenError && err.code === 'HANDSHAKE_FAILED' && !/no HELLO_ACK/.test(err.message),
      succeeded: () => {
        this.counters.reconnects++;
        this.keepalive.start();
        this.setState('open', null);
      },
      failed: async (err, permanent) => {
        this.warn(err);
        if (!permanent) return;
        await this.shutdown(err);
        this.setState('failed', err.message);
      },
    });
  }

  /** A snapshot of the bridge's own counters (the `CanLink` counters are in `counters`). */
  get bridgeStats(): UartBridgeStats {
    const fw = this.hello?.firmware;
    return {
      ...this.stats,
      decoder: { ...this.decoder.counts },
      packetsLost: this.rxSeq.lost,
      stalePackets: this.rxSeq.stale,
      framesLost: this.frames.framesLost,
      otherChannelFrames: this.frames.otherChannelFrames,
      txNacks: this.pending.nacks,
      txTimeouts: this.pending.timeouts,
      firmware: fw ? fw.join('.') : null,
      hello: this.hello,
      mcu: this.mcuStats,
    };
  }

  protected async doOpen(): Promise<void> {
    this.closing = false;
    allowListFor(this.url, this.txAllow, this.config.allowAll); // refuse 'all' before touching the device
    try {
      await this.openPort();
      await this.handshake();
    } catch (err) {
      await this.shutdown(err as Error);
      throw err;
    }
    this.keepalive.start();
  }

  protected async doClose(): Promise<void> {
    this.closing = true;
    await this.shutdown(new TxFailedError(this.url, 'the link was closed before the MCU answered'));
  }

  protected async transmit(f: OutgoingFrame): Promise<void> {
    if (!this.sessionUp) throw new TxFailedError(this.url, `the bridge is ${this.state}; nothing was sent`);
    const flags = txFlags(f, this.hello?.caps ?? 0);
    if (typeof flags === 'string') throw new TxFailedError(this.url, flags);
    const what = `TX_REQUEST id 0x${f.id.toString(16)}`;
    await this.request(what, (seq) => writeTxRequest(this.writer, seq, { id: f.id, channel: this.config.channel, flags, data: f.data }));
  }

  private async openPort(): Promise<void> {
    this.binding ??= await defaultBinding();
    const port = await openSerialPort(this.url, this.binding, this.config.path, this.config.baudRate);
    this.decoder.reset();
    port.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    port.on('error', (err: Error) => this.warn(new BridgeError(`${this.url}: serial port error: ${err.message}`, 'SERIAL', this.url, { cause: err })));
    port.on('close', () => this.onPortClosed(port));
    this.port = port;
  }

  /** HELLO until HELLO_ACK, check versions and channel, then the allow-list (§6, §7). */
  private async handshake(): Promise<void> {
    this.sessionUp = false;
    const nonce = this.nonceSource() >>> 0;
    const hello = { major: P.PROTOCOL_MAJOR, minor: P.PROTOCOL_MINOR, channelMask: 1 << this.config.channel, heartbeatMs: this.config.heartbeatMs, timeoutMs: this.config.timeoutMs, nonce };
    const ack = await this.helloExchange.run(nonce, this.config.handshakeMs, () => {
      this.txSeq = 0;
      // The leading 0x00 ends any half frame the MCU still holds.
      this.write(Buffer.concat([Uint8Array.of(P.DELIMITER), writeHello(this.writer, this.nextSeq(), hello)]));
    });
    this.hello = ack;
    const refused = helloAckProblem(ack, this.config.channel);
    if (refused) throw new LinkOpenError(this.url, 'HANDSHAKE_FAILED', refused);
    this.rxSeq.reset(1);
    this.frames.restart(ack.mcuTimeUs, this.timer.wallUs());
    this.sessionUp = true;
    this.stats.handshakes++;
    const list = allowListFor(this.url, this.txAllow, this.config.allowAll);
    try {
      await this.request('ALLOWLIST', (seq) => writeAllowList(this.writer, seq, { channel: this.config.channel, ...list }), this.config.handshakeMs);
    } catch (err) {
      this.sessionUp = false;
      const why = err instanceof BridgeNackError && err.status === 'ALLOW_ALL_REFUSED' ? ' (production firmware never allows every id; use bench firmware)' : '';
      throw new LinkOpenError(this.url, 'HANDSHAKE_FAILED', `${(err as Error).message.replace(`${this.url}: `, '')}${why}`, { cause: err });
    }
  }

  /** Sends a packet the MCU answers with RESULT; resolves on ACK, rejects on NACK or timeout. */
  private request(what: string, build: (seq: number) => Uint8Array, timeoutMs = this.config.txTimeoutMs): Promise<void> {
    const seq = this.nextSeq();
    const answer = this.pending.wait(seq, what, timeoutMs);
    this.write(build(seq));
    return answer;
  }

  private nextSeq(): number {
    const s = this.txSeq;
    this.txSeq = (s + 1) & 0xffff;
    return s;
  }

  private write(bytes: Uint8Array): void {
    if (!this.port) return;
    this.port.write(Buffer.from(bytes));
    this.stats.packetsSent++;
  }

  private onPacket(p: PacketView): void {
    this.keepalive.seen();
    if (p.type === P.PacketType.HELLO_ACK) return this.onHelloAck(p);
    if (!this.sessionUp || !this.rxSeq.accept(p.seq)) return;
    switch (p.type) {
      case P.PacketType.CAN_BATCH:
        return this.onBatch(p);
      case P.PacketType.HEARTBEAT:
        return this.onHeartbeat(p);
      case P.PacketType.RESULT:
        return this.onResult(p);
      case P.PacketType.ERROR:
        return this.onMcuError(p);
      case P.PacketType.STATS: {
        const s = readMcuStats(p.buf, p.payloadOffset, p.payloadLength);
        if (typeof s === 'string') return this.malformed(p, s);
        this.mcuStats = s;
        return;
      }
      default:
        return; // a type from a newer minor version: ignored (§6)
    }
  }

  private onHelloAck(p: PacketView): void {
    const ack = readHelloAck(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof ack === 'string') return this.malformed(p, ack);
    this.helloExchange.accept(ack);
  }

  private onBatch(p: PacketView): void {
    const problem = this.frames.batch(p);
    if (problem) this.malformed(p, problem);
  }

  private onHeartbeat(p: PacketView): void {
    const h = readMcuHeartbeat(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof h === 'string') return this.malformed(p, h);
    if (h.state !== P.MCU_RUNNING) return this.lose('the MCU has no session (it restarted or timed the host out)');
    this.frames.heartbeat(h.mcuTimeUs, h.nextFrameSeq, this.timer.wallUs());
  }

  private onResult(p: PacketView): void {
    const r = readResult(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof r === 'string') return this.malformed(p, r);
    this.pending.settle(r);
  }

  private onMcuError(p: PacketView): void {
    const e = readMcuError(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof e === 'string') return this.malformed(p, e);
    this.warn(new McuFaultError(this.url, e.code, e.channel, e.detail));
    if (e.code === P.McuErrorCode.HOST_LOST) this.lose('the MCU timed the host out');
  }

  private malformed(p: PacketView, reason: string): void {
    this.stats.malformedPackets++;
    this.counters.rxErrors++;
    this.warn(new BridgeFramingError(this.url, 'malformed', p.offset, reason, ''));
  }

  private onFramingError(err: BridgeFramingError): void {
    this.counters.rxErrors++;
    this.warn(err);
  }

  private lose(reason: string): void {
    if (!this.sessionUp || this.closing) return;
    this.sessionUp = false;
    this.keepalive.stop();
    this.pending.failAll(new TxFailedError(this.url, `the link to the MCU was lost (${reason})`));
    this.setState('reconnecting', reason);
    this.reconnector.start();
  }

  private onPortClosed(port: SerialPortStream): void {
    if (port !== this.port || this.closing) return;
    this.port = null;
    if (this.sessionUp) this.lose(`serial device ${this.config.path} went away`);
  }

  /** Ends the session and releases the port; pending requests fail with `err`. */
  private async shutdown(err: Error): Promise<void> {
    this.sessionUp = false;
    this.helloExchange.cancel(err);
    this.keepalive.stop();
    this.reconnector.stop();
    this.pending.failAll(err);
    const port = this.port;
    this.port = null;
    if (port) await closeSerialPort(port);
  }
}

/**
 * Registry factory for `bridge:/dev/ttyX` URLs; `binding` is the serial binding the registry loaded.
 * @throws LinkUrlError for bad bridge parameters.
 */
export function createUartBridgeLink(url: LinkUrl, options: LinkOptions, binding?: BindingInterface): UartBridgeLink {
  return new UartBridgeLink(url, options, binding ? { binding } : {});
}
