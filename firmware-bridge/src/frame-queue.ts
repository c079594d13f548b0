import type { CanFrame } from '../../dbc/index.ts';

/**
 * A bounded FIFO between a link's receive side (push, synchronous, never blocks) and its one
 * async consumer. When full, the oldest frame is dropped — for live signals the newest value
 * matters most — and the drop is reported to the caller so it can be counted.
 */
export class FrameQueue implements AsyncIterator<CanFrame> {
  private readonly ring: (CanFrame | undefined)[];
  private head = 0;
  private size = 0;
  private ended = false;
  private waiter: ((r: IteratorResult<CanFrame>) => void) | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, not ${capacity}`);
    this.ring = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds a frame; returns false when an older frame had to be dropped to make room. */
  push(frame: CanFrame): boolean {
    if (this.ended) return true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: frame, done: false });
      return true;
    }
    let kept = true;
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      kept = false;
    }
    this.ring[(this.head + this.size) % this.capacity] = frame;
    this.size++;
    return kept;
  }

  /** No more frames will come; the consumer drains what is queued, then sees `done`. */
  end(): void {
    this.ended = true;
    if (this.waiter && this.size === 0) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  /** Takes the oldest queued frame without waiting; undefined when the queue is empty. */
  shift(): CanFrame | undefined {
    if (this.size === 0) return undefined;
    const frame = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return frame;
  }

  next(): Promise<IteratorResult<CanFrame>> {
    if (this.size > 0) return Promise.resolve({ value: this.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('FrameQueue: only one consumer may wait at a time'));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<CanFrame>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }
}
