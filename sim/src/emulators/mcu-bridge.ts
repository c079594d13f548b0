/**
 * An emulator of the vehicle-interface MCU, speaking firmware-bridge/UART-BRIDGE-PROTOCOL.md on
 * a serial port (in tests, one end of a socat PTY pair): it answers HELLO, enforces the
 * allow-list exactly as §7 requires of the firmware, sends heartbeats, batches the CAN frames it
 * is fed (or replays a trace), records the transmissions it accepted, and can go silent
 * (link loss) or reboot on command.
 */
import { EventEmitter } from 'node:events';
import type { BindingInterface } from '@serialport/bindings-cpp';
import type { SerialPortStream } from '@serialport/stream';
import type { CanFrame } from '../../../dbc/index.ts';
import * as B from '../../../firmware-bridge/src/uart/protocol.ts';
import { McuAllowList } from './mcu-allowlist.ts';
import { McuBatcher } from './mcu-batcher.ts';
import { MCU_DEFAULTS, type AcceptedTx, type McuBridgeOptions, type RefusedTx } from './mcu-bridge-options.ts';
import { replayFrames, type ReplayOptions } from './mcu-replay.ts';

export type { AcceptedTx, McuBridgeOptions, RefusedTx } from './mcu-bridge-options.ts';

/** Bytes the MCU lets queue for the UART before it drops received frames (its RAM). */
const UART_QUEUE_BYTES = 256 * 1024;

interface Session {
  nonce: number;
  channelMask: number;
  hostTimeoutMs: number;
}

/**
 * The emulated MCU. Events: `tx` (AcceptedTx), `refused` (RefusedTx), `session` ('running' |
 * 'awaiting-hello').
 */
export class McuBridgeEmulator extends EventEmitter {
  readonly accepted: AcceptedTx[] = [];
  readonly refused: RefusedTx[] = [];
  /** Packets written to the UART (tests wait for the host to have received them all). */
  packetsSent = 0;
  /** The counters STATS reports (canRxDropped counts frames dropped while the UART was backed up). */
  readonly stats: B.McuStats = { canRxFrames: 0, canRxDropped: 0, txSent: 0, txRefused: 0, txFailed: 0, hostCrcErrors: 0, hostCobsErrors: 0, hostSeqGaps: 0 };
  private readonly o: Required<Omit<McuBridgeOptions, 'binding' | 'timer'>>;
  private readonly timer: B.BridgeTimer;
  private readonly writer = new B.PacketWriter();
  private readonly decoder: B.PacketDecoder;
  private readonly hostSeq = new B.SeqTracker();
  private readonly allow: McuAllowList;
  private readonly batcher: McuBatcher;
  private port: SerialPortStream | null = null;
  private binding: BindingInterface | null;
  private session: Session | null = null;
  private txSeq = 0;
  private lastHostMs = 0;
  private silent = false;
  private busOff = false;
  private ticks = 0;
  /** Frames dropped since the last RX_OVERRUN report. */
  private overrun = 0;
  private tickTimer: B.TimerHandle | null = null;

  constructor(options: McuBridgeOptions) {
    super();
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.o = { ...MCU_DEFAULTS, ...given, path: options.path };
    this.timer = options.timer ?? B.systemTimer;
    this.binding = options.binding ?? null;
    this.decoder = new B.PacketDecoder((p) => this.onPacket(p), { source: `mcu:${options.path}`, version: this.o.protocol.major });
    this.allow = new McuAllowList({ ceiling: this.o.ceiling, capacity: this.o.allowlistCapacity, benchBuild: this.o.benchBuild, channels: this.o.channels });
    this.batcher = new McuBatcher(this.timer, this.o.batchFrames, this.o.batchDelayMs, (p) => this.send(p), () => this.nextSeq());
  }

  get state(): 'running' | 'awaiting-hello' {
    return this.session ? 'running' : 'awaiting-hello';
  }

  /** The session allow-list of a channel ('all' on bench firmware after ALLOW_ALL). */
  allowList(channel = 0): ReadonlySet<string> | 'all' {
    return this.allow.list(channel);
  }

  /** True while the UART queue is over the MCU's buffer: `feed` would drop frames. */
  get backlogged(): boolean {
    return (this.port?.writableLength ?? 0) > UART_QUEUE_BYTES;
  }

  /** Opens the MCU's UART and starts the heartbeat. @throws LinkOpenError when the port cannot open. */
  async open(): Promise<void> {
    this.binding ??= await B.defaultBinding();
    this.port = await B.openSerialPort(`mcu:${this.o.path}`, this.binding, this.o.path, this.o.baudRate);
    this.port.on('data', (chunk: Buffer) => {
      if (!this.silent) this.decoder.push(chunk);
    });
    this.port.on('error', () => {});
    if (this.o.heartbeatMs > 0) this.tickTimer = this.timer.setTimeout(() => this.tick(), this.o.heartbeatMs);
  }

  async close(): Promise<void> {
    if (this.tickTimer !== null) this.timer.clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.batcher.restart();
    const port = this.port;
    this.port = null;
    if (port) await B.closeSerialPort(port);
  }

  /**
   * A frame arrived on CAN channel `channel`: stamped with the MCU clock and batched, when a
   * session runs and the host asked for that channel.
   * @returns false when the frame was not forwarded (no session, channel not wanted, silent, or
   *   dropped because the UART is backed up — then it is numbered, so the host counts it lost).
   */
  feed(frame: Pick<CanFrame, 'id' | 'extended' | 'data'> & Partial<CanFrame>, channel = 0): boolean {
    this.stats.canRxFrames++;
    if (!this.session || this.silent || (this.session.channelMask & (1 << channel)) === 0) return false;
    if (this.backlogged) {
      this.stats.canRxDropped++;
      this.overrun++;
      this.batcher.skip();
      return false;
    }
    const flags = B.flagsOf({ extended: frame.extended, fd: frame.fd === true || frame.data.length > 8, brs: frame.brs, rtr: frame.rtr }) | (frame.esi && frame.fd ? B.FLAG_ESI : 0) | (frame.error ? B.FLAG_ERR : 0);
    this.batcher.add(this.mcuTimeUs(), frame.id, channel, flags, frame.data);
    return true;
  }

  /** Sends the partial batch now. */
  flush(): void {
    this.batcher.flush();
  }

  /** Resolves when the UART queue has drained (use when `backlogged`). */
  async drained(): Promise<void> {
    const port = this.port;
    if (!port) return;
    await new Promise<void>((resolve) => (port.writableNeedDrain ? port.once('drain', () => resolve()) : setImmediate(resolve)));
  }

  /** Replays frames onto the MCU's bus (see `replayFrames`). @returns the number fed. */
  replay(frames: AsyncIterable<CanFrame> | Iterable<CanFrame>, opts: ReplayOptions = {}): Promise<number> {
    return replayFrames(this, this.timer, frames, opts);
  }

  /** Stops sending and ignores everything received (a hung MCU or a cut wire). */
  goSilent(): void {
    this.silent = true;
  }

  /** Ends the silence; `reboot` also drops the session as a power cycle would. */
  comeBack(opts: { reboot?: boolean } = {}): void {
    this.silent = false;
    if (opts.reboot) this.endSession();
  }

  /** Marks the channel's controller bus-off (TX_REQUESTs then fail with BUS_OFF) and reports it. */
  setBusOff(on: boolean, channel = 0): void {
    this.busOff = on;
    this.reportError(on ? B.McuErrorCode.BUS_OFF : B.McuErrorCode.BUS_RECOVERED, channel, 0);
  }

  /** Sends an ERROR packet (when a session runs). */
  reportError(code: number, channel: number, detail: number): void {
    if (this.session) this.send(B.writeMcuError(this.writer, this.nextSeq(), { code, channel, detail }));
  }

  /** Sends a heartbeat now (after flushing the partial batch, so `nextFrameSeq` is exact). */
  heartbeat(): void {
    this.batcher.flush();
    const state = this.session ? B.MCU_RUNNING : B.MCU_AWAITING_HELLO;
    this.send(B.writeMcuHeartbeat(this.writer, this.nextSeq(), { mcuTimeUs: this.mcuTimeUs(), state, nextFrameSeq: this.batcher.nextFrameSeq }));
  }

  /** Writes raw bytes to the UART (tests: garbage, hand-made packets). */
  sendRaw(bytes: Uint8Array): void {
    this.port?.write(Buffer.from(bytes));
  }

  private tick(): void {
    this.tickTimer = this.timer.setTimeout(() => this.tick(), this.o.heartbeatMs);
    if (this.silent) return;
    if (this.session && this.timer.nowMs() - this.lastHostMs > this.session.hostTimeoutMs) {
      this.reportError(B.McuErrorCode.HOST_LOST, 0, 0);
      this.endSession();
    }
    if (this.overrun > 0) this.reportError(B.McuErrorCode.RX_OVERRUN, 0, this.overrun);
    this.overrun = 0;
    this.heartbeat();
    if (this.session && this.o.statsEvery > 0 && ++this.ticks % this.o.statsEvery === 0) this.sendStats();
  }

  private mcuTimeUs(): number {
    return Math.floor(this.timer.nowMs() * 1000) >>> 0;
  }

  private nextSeq(): number {
    const s = this.txSeq;
    this.txSeq = (s + 1) & 0xffff;
    return s;
  }

  private send(packet: Uint8Array): void {
    if (this.silent || !this.port) return;
    this.port.write(Buffer.from(packet));
    this.packetsSent++;
  }

  private endSession(): void {
    if (this.session) this.emit('session', 'awaiting-hello');
    this.session = null;
    this.allow.clear();
    this.batcher.restart();
  }

  private sendStats(): void {
    const c = this.decoder.counts;
    Object.assign(this.stats, { hostCrcErrors: c.crcErrors, hostCobsErrors: c.cobsErrors + c.overlongErrors, hostSeqGaps: this.hostSeq.lost });
    this.send(B.writeMcuStats(this.writer, this.nextSeq(), this.stats));
  }

  private onPacket(p: B.PacketView): void {
    this.lastHostMs = this.timer.nowMs();
    if (p.type === B.PacketType.HELLO) return this.onHello(p);
    if (!this.session) {
      if (p.type === B.PacketType.ALLOWLIST || p.type === B.PacketType.TX_REQUEST) this.result(p, B.Status.NO_SESSION, 0);
      return;
    }
    if (!this.hostSeq.accept(p.seq)) {
      if (p.type === B.PacketType.ALLOWLIST || p.type === B.PacketType.TX_REQUEST) this.result(p, B.Status.STALE_SEQ, 0);
      return;
    }
    switch (p.type) {
      case B.PacketType.HEARTBEAT:
        return;
      case B.PacketType.STATS:
        return this.sendStats();
      case B.PacketType.ALLOWLIST: {
        const a = B.readAllowList(p.buf, p.payloadOffset, p.payloadLength);
        if (typeof a === 'string') return this.result(p, B.Status.MALFORMED, 0);
        const d = this.allow.apply(a);
        return this.result(p, d.status, d.detail);
      }
      case B.PacketType.TX_REQUEST:
        return this.onTxRequest(p);
      default:
        return this.result(p, B.Status.UNKNOWN_TYPE, p.type);
    }
  }

  private onHello(p: B.PacketView): void {
    const h = B.readHello(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof h === 'string') return;
    const ok = h.major === this.o.protocol.major;
    const retry = ok && this.session !== null && this.session.nonce === h.nonce;
    if (!retry) {
      this.endSession();
      if (ok) {
        this.session = { nonce: h.nonce, channelMask: h.channelMask, hostTimeoutMs: h.timeoutMs };
        this.hostSeq.reset((p.seq + 1) & 0xffff);
        this.emit('session', 'running');
      }
    }
    const caps = (this.o.fd ? B.CAP_FD | B.CAP_BRS : 0) | B.CAP_ERROR_FRAMES | (this.o.benchBuild ? B.CAP_ALLOW_ALL : 0);
    const ack = B.writeHelloAck(this.writer, 0, {
      ...this.o.protocol, result: ok ? B.HelloResult.OK : B.HelloResult.VERSION_UNSUPPORTED, channels: this.o.channels, caps, firmware: this.o.firmware,
      nonce: h.nonce, mcuTimeUs: this.mcuTimeUs(), heartbeatMs: this.o.heartbeatMs, allowlistCapacity: this.o.allowlistCapacity,
    });
    this.send(ack);
    if (ok && !retry) this.txSeq = 1; // HELLO_ACK is seq 0; the session's next packet is 1
  }

  private onTxRequest(p: B.PacketView): void {
    const t = B.readTxRequest(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof t === 'string') return this.result(p, B.Status.MALFORMED, 0);
    const extended = (t.flags & B.FLAG_EXT) !== 0;
    const d = this.allow.check(t.channel, t.id, extended);
    if (d.status !== B.Status.OK) {
      this.stats.txRefused++;
      const r: RefusedTx = { channel: t.channel, id: t.id, extended, status: B.statusName(d.status) };
      this.refused.push(r);
      this.emit('refused', r);
      return this.result(p, d.status, d.detail);
    }
    const fd = (t.flags & B.FLAG_FD) !== 0;
    if ((fd && !this.o.fd) || (t.flags & B.FLAG_ERR) !== 0) return this.result(p, B.Status.BAD_FRAME, 0);
    if (this.busOff) {
      this.stats.txFailed++;
      return this.result(p, B.Status.BUS_OFF, 0);
    }
    const rec: AcceptedTx = { channel: t.channel, id: t.id, extended, fd, brs: (t.flags & B.FLAG_BRS) !== 0, rtr: (t.flags & B.FLAG_RTR) !== 0, data: t.data, seq: p.seq };
    this.accepted.push(rec);
    this.stats.txSent++;
    this.emit('tx', rec);
    this.result(p, B.Status.OK, 0);
  }

  private result(p: B.PacketView, status: number, detail: number): void {
    this.send(B.writeResult(this.writer, this.nextSeq(), { ackSeq: p.seq, ackType: p.type, status, detail }));
  }
}
