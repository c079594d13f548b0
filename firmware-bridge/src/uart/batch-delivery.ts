/**
 * Turns CAN_BATCH packets into `CanFrame`s for one MCU channel and keeps the frame accounting
 * exact (UART-BRIDGE-PROTOCOL.md §5.2): the MCU numbers every frame of a session, so a jump in
 * `firstFrameSeq` (or in a heartbeat's `nextFrameSeq`) is the number of frames lost, whether
 * their packet was corrupted, dropped, reordered away or never sent because the MCU overflowed.
 * A frame number already passed is never delivered again.
 */
import type { CanFrame } from '../../../dbc/index.ts';
import { BatchReader } from './bridge-batch.ts';
import type { PacketView } from './bridge-codec.ts';
import { FLAG_BRS, FLAG_ERR, FLAG_ESI, FLAG_EXT, FLAG_FD, FLAG_RTR } from './bridge-protocol.ts';
import { McuClock } from './mcu-clock.ts';

/** Half the u32 frame-number space: differences beyond it mean "behind", not "ahead". */
const HALF = 0x8000_0000;

export class BatchDelivery {
  /** Frames numbered by the MCU that never arrived. */
  framesLost = 0;
  /** Frames of other MCU channels, not delivered. */
  otherChannelFrames = 0;
  private nextFrameSeq = 0;
  private readonly clock = new McuClock();
  private readonly reader = new BatchReader();

  constructor(
    private readonly bus: string,
    private readonly channel: number,
    private readonly deliver: (frame: CanFrame) => void,
  ) {}

  /** A new session (HELLO_ACK): frame numbers restart at 0; the MCU clock read `mcuTimeUs` at host time `hostUs`. */
  restart(mcuTimeUs: number, hostUs: number): void {
    this.nextFrameSeq = 0;
    this.clock.anchor(mcuTimeUs, hostUs);
  }

  /**
   * Delivers a CAN_BATCH's frames of our channel, all or nothing.
   * @returns null, or why the payload is malformed (then nothing was delivered).
   */
  batch(p: PacketView): string | null {
    const b = this.reader;
    const problem = b.check(p.buf, p.payloadOffset, p.payloadLength);
    if (problem) return problem;
    const ahead = (b.firstFrameSeq - this.nextFrameSeq) >>> 0;
    const skip = ahead < HALF ? 0 : (this.nextFrameSeq - b.firstFrameSeq) >>> 0;
    if (ahead < HALF) this.framesLost += ahead;
    if (skip < b.count) this.nextFrameSeq = (b.firstFrameSeq + b.count) >>> 0;
    // One copy per packet; each frame's data is a view into it (no buffer per frame).
    const copy = p.buf.slice(p.payloadOffset, p.payloadOffset + p.payloadLength);
    const base = p.payloadOffset;
    for (let k = 0; b.next(); k++) {
      if (k < skip) continue;
      if (b.channel !== this.channel) {
        this.otherChannelFrames++;
        continue;
      }
      const f = b.flags;
      this.deliver({
        timestampUs: this.clock.toWallUs(b.tsUs),
        bus: this.bus,
        id: b.id,
        extended: (f & FLAG_EXT) !== 0,
        fd: (f & FLAG_FD) !== 0,
        brs: (f & FLAG_BRS) !== 0,
        esi: (f & FLAG_ESI) !== 0,
        rtr: (f & FLAG_RTR) !== 0,
        error: (f & FLAG_ERR) !== 0,
        data: copy.subarray(b.dataOffset - base, b.dataOffset - base + b.len),
      });
    }
    return null;
  }

  /** An MCU heartbeat: frames numbered below `nextFrameSeq` that have not arrived are lost. */
  heartbeat(mcuTimeUs: number, nextFrameSeq: number, hostUs: number): void {
    this.clock.sample(mcuTimeUs, hostUs);
    const ahead = (nextFrameSeq - this.nextFrameSeq) >>> 0;
    if (ahead >= HALF) return;
    this.framesLost += ahead;
    this.nextFrameSeq = nextFrameSeq >>> 0;
  }
}
