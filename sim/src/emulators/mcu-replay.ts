/**
 * Replays frames — a trace reader's output, a generator — onto an emulated MCU's bus. Timing is
 * the caller's choice: `'respect'` paces frames by their timestamps (divided by `speed`) on the
 * injected timer, `'ignore'` sends them as fast as the MCU's UART drains.
 */
import type { CanFrame } from '../../../dbc/index.ts';
import type { BridgeTimer } from '../../../firmware-bridge/src/uart/protocol.ts';

export interface ReplayOptions {
  /** 'respect' the frames' timestamps or 'ignore' them (default 'ignore'). */
  timing?: 'respect' | 'ignore';
  /** Playback speed factor for 'respect' (2 = twice as fast; default 1). */
  speed?: number;
  /** MCU CAN channel the frames arrive on (default 0). */
  channel?: number;
  /** Stops the replay early (frames already fed stay fed). */
  signal?: AbortSignal;
}

/** What the replay needs of the MCU. */
export interface ReplayTarget {
  feed(frame: CanFrame, channel: number): boolean;
  flush(): void;
  readonly backlogged: boolean;
  drained(): Promise<void>;
}

/**
 * Feeds `frames` to `mcu`, waiting whenever its UART queue is backed up, then flushes the
 * partial batch.
 * @returns the number of frames fed.
 */
export async function replayFrames(mcu: ReplayTarget, timer: BridgeTimer, frames: AsyncIterable<CanFrame> | Iterable<CanFrame>, opts: ReplayOptions = {}): Promise<number> {
  const speed = opts.speed ?? 1;
  let firstUs: number | null = null;
  let startMs = 0;
  let n = 0;
  for await (const f of frames) {
    if (opts.signal?.aborted) break;
    if (opts.timing === 'respect') {
      if (firstUs === null) [firstUs, startMs] = [f.timestampUs, timer.nowMs()];
      const waitMs = startMs + (f.timestampUs - firstUs) / 1000 / speed - timer.nowMs();
      if (waitMs > 0) {
        mcu.flush();
        await new Promise<void>((resolve) => timer.setTimeout(resolve, waitMs));
      }
    }
    while (mcu.backlogged) await mcu.drained();
    mcu.feed(f, opts.channel ?? 0);
    n++;
  }
  mcu.flush();
  return n;
}
