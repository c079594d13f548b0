/**
 * A man in the middle for serial links under test: two PTY pairs with this relay copying bytes
 * between their inner ends, damaging them on the way — flipped bits, dropped bytes, and
 * reordered stretches of bytes — from a seeded generator, and counting what it did.
 *
 * ```
 *   emulator ⇄ [pty pair M] ⇄ relay (Corrupter per direction) ⇄ [pty pair H] ⇄ link under test
 * ```
 */
import type { BindingInterface } from '@serialport/bindings-cpp';
import type { SerialPortStream } from '@serialport/stream';
import { xorshift32 } from '../../../dbc/index.ts';
import { closeSerialPort, defaultBinding, openSerialPort } from '../../../firmware-bridge/src/uart/protocol.ts';

/** How a direction is damaged. Probabilities are per byte, except `swapPerSegment`. */
export interface CorruptionPlan {
  /** Probability that a byte gets one random bit flipped. */
  flipPerByte: number;
  /** Probability that a byte is dropped. */
  dropPerByte: number;
  /** Probability that a stretch of bytes is held back and sent after the next one. */
  swapPerSegment: number;
  /** Stretch length range in bytes (bytes are cut at chunk ends too). */
  segmentBytes: [min: number, max: number];
  seed: number;
}

export interface CorruptionCounts {
  bytes: number;
  flips: number;
  drops: number;
  swaps: number;
}

/** How long a held-back stretch may wait for a successor before it is sent anyway, ms. */
const HOLD_MS = 5;

/** The damage of one direction, as a pure transform from input chunks to output chunks. */
export class Corrupter {
  readonly counts: CorruptionCounts = { bytes: 0, flips: 0, drops: 0, swaps: 0 };
  /** Off: bytes pass unchanged (e.g. while a handshake runs). */
  enabled = false;
  private readonly rnd: () => number;
  private held: Buffer | null = null;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly plan: CorruptionPlan,
    private readonly emit: (chunk: Buffer) => void,
  ) {
    this.rnd = xorshift32(plan.seed);
  }

  /** Takes received bytes; emits them (damaged, maybe later) through `emit`. */
  push(chunk: Buffer): void {
    this.counts.bytes += chunk.length;
    if (!this.enabled) return this.out(chunk);
    const p = this.plan;
    const span = p.segmentBytes[1] - p.segmentBytes[0] + 1;
    let seg: number[] = [];
    let target = p.segmentBytes[0] + (this.rnd() % span);
    for (const byte of chunk) {
      const r = this.rnd() / 0x1_0000_0000;
      if (r < p.dropPerByte) {
        this.counts.drops++;
        continue;
      }
      let b = byte;
      if (r < p.dropPerByte + p.flipPerByte) {
        b ^= 1 << (this.rnd() & 7);
        this.counts.flips++;
      }
      seg.push(b);
      if (seg.length >= target) {
        this.segment(Buffer.from(seg));
        seg = [];
        target = p.segmentBytes[0] + (this.rnd() % span);
      }
    }
    if (seg.length > 0) this.segment(Buffer.from(seg));
  }

  /** Sends a held-back stretch now. */
  flush(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    const h = this.held;
    this.held = null;
    if (h) this.emit(h);
  }

  private segment(seg: Buffer): void {
    if (this.held) {
      this.emit(seg);
      this.counts.swaps++;
      return this.flush();
    }
    if (this.rnd() / 0x1_0000_0000 < this.plan.swapPerSegment) {
      this.held = seg;
      this.holdTimer = setTimeout(() => this.flush(), HOLD_MS);
      return;
    }
    this.emit(seg);
  }

  private out(chunk: Buffer): void {
    this.flush();
    this.emit(chunk);
  }
}

/** Relays between two serial ports; `toHost` damages MCU → host bytes, `toMcu` the other way. */
export class CorruptingRelay {
  private constructor(
    private readonly mcuSide: SerialPortStream,
    private readonly hostSide: SerialPortStream,
    readonly toHost: Corrupter,
    readonly toMcu: Corrupter,
  ) {}

  /**
   * Opens both ports and starts copying. Damage starts when a Corrupter is `enabled`.
   * @throws LinkOpenError when a port cannot be opened.
   */
  static async start(opts: { mcuSide: string; hostSide: string; toHost: CorruptionPlan; toMcu: CorruptionPlan; binding?: BindingInterface }): Promise<CorruptingRelay> {
    const binding = opts.binding ?? (await defaultBinding());
    const m = await openSerialPort(`relay:${opts.mcuSide}`, binding, opts.mcuSide, 3_000_000);
    const h = await openSerialPort(`relay:${opts.hostSide}`, binding, opts.hostSide, 3_000_000);
    const toHost = new Corrupter(opts.toHost, (c) => h.write(c));
    const toMcu = new Corrupter(opts.toMcu, (c) => m.write(c));
    m.on('data', (c: Buffer) => toHost.push(c));
    h.on('data', (c: Buffer) => toMcu.push(c));
    m.on('error', () => {});
    h.on('error', () => {});
    return new CorruptingRelay(m, h, toHost, toMcu);
  }

  async close(): Promise<void> {
    this.toHost.flush();
    this.toMcu.flush();
    await closeSerialPort(this.mcuSide);
    await closeSerialPort(this.hostSide);
  }
}
