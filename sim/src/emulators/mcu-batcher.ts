/**
 * How the MCU packs received CAN frames into CAN_BATCH packets (UART-BRIDGE-PROTOCOL.md §4.5):
 * frames are numbered in the order the controller received them; a batch goes out when it
 * holds `maxFrames`, when the next frame does not fit, or `delayMs` after its first frame
 * (bounded latency on a quiet bus). The packet sequence number is taken when the batch is sent,
 * so control packets sent meanwhile keep the sequence in wire order.
 */
import { addRecord, beginBatch, finishBatch, MAX_BATCH_FRAMES, PacketWriter, recordFits, type BridgeTimer, type TimerHandle } from '../../../firmware-bridge/src/uart/protocol.ts';

export class McuBatcher {
  private readonly writer = new PacketWriter();
  private count = 0;
  private next = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: BridgeTimer,
    /** Frames per batch, 1..255. */
    private readonly maxFrames: number,
    /** Longest a frame waits in a partial batch, ms (0 = until flush() or full). */
    private readonly delayMs: number,
    /** Sends a finished packet; gets a sequence number from `nextSeq`. */
    private readonly ship: (packet: Uint8Array) => void,
    private readonly nextSeq: () => number,
  ) {
    if (!(maxFrames >= 1 && maxFrames <= MAX_BATCH_FRAMES)) throw new RangeError(`batch size must be 1..${MAX_BATCH_FRAMES}, not ${maxFrames}`);
  }

  /** Number the next frame will get (what a heartbeat reports after `flush()`). */
  get nextFrameSeq(): number {
    return this.next;
  }

  /** A new session: numbering restarts at 0 and a partial batch of the old session is dropped. */
  restart(): void {
    this.cancelTimer();
    this.count = 0;
    this.next = 0;
  }

  /** Numbers a frame without sending it (the MCU had to drop it): the host will count it lost. */
  skip(): void {
    this.flush();
    this.next = (this.next + 1) >>> 0;
  }

  /** Adds one received frame (MCU time `tsUs`, FLAG_* bits, data bytes). */
  add(tsUs: number, id: number, channel: number, flags: number, data: Uint8Array): void {
    if (this.count > 0 && !recordFits(this.writer, data.length)) this.flush();
    if (this.count === 0) {
      beginBatch(this.writer, 0, this.next);
      if (this.delayMs > 0) this.timer = this.clock.setTimeout(() => this.flush(), this.delayMs);
    }
    addRecord(this.writer, tsUs, id, channel, flags, data);
    this.count++;
    this.next = (this.next + 1) >>> 0;
    if (this.count >= this.maxFrames) this.flush();
  }

  /** Sends the partial batch now, if any. */
  flush(): void {
    this.cancelTimer();
    if (this.count === 0) return;
    const n = this.count;
    this.count = 0;
    this.writer.setSeq(this.nextSeq());
    this.ship(finishBatch(this.writer, n));
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
