import { open, type FileHandle } from 'node:fs/promises';
import type { TraceReadOptions } from '../trace.ts';

/** Bytes read from the file at a time: large enough to amortise the syscall, small enough to stay in cache. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Smallest chunk a reader accepts (tests use tiny chunks to cut records at every position). */
export const MIN_CHUNK_BYTES = 64;

/** Reader options plus the knobs tests use. */
export interface ChunkedReadOptions extends TraceReadOptions {
  /**
   * Bytes read per chunk (default 256 KiB, at least 64). Also the longest line a text reader
   * accepts: memory stays at a few chunks whatever the file size.
   */
  chunkBytes?: number;
}

/** The chunk size of `options`, clamped to the minimum. */
export function chunkBytesOf(options: ChunkedReadOptions): number {
  return Math.max(MIN_CHUNK_BYTES, Math.floor(options.chunkBytes ?? DEFAULT_CHUNK_BYTES));
}

/**
 * Sequential reads from a file that is opened on the first read. `close()` may be called any
 * number of times; reads after it return 0 bytes.
 *
 * With `prefetchBytes`, the next read is started as soon as the previous one has been handed
 * out, into a spare buffer, so the file system works while the caller parses (the reads run on
 * libuv's thread pool; without this the parsing thread waits for each one).
 */
export class FileChunks {
  private handle: FileHandle | null = null;
  private closed = false;
  private readonly spare: Buffer | null;
  private spareStart = 0;
  private spareEnd = 0;
  private pending: Promise<number> | null = null;
  private spareEof = false;

  constructor(
    readonly path: string,
    prefetchBytes = 0,
  ) {
    this.spare = prefetchBytes > 0 ? Buffer.allocUnsafe(prefetchBytes) : null;
  }

  private async readDirect(into: Uint8Array, offset: number, length: number): Promise<number> {
    if (this.closed) return 0;
    this.handle ??= await open(this.path, 'r');
    const { bytesRead } = await this.handle.read(into, offset, length, null);
    return bytesRead;
  }

  /** Starts filling the spare buffer; a failure surfaces at the next `read`. */
  private prefetch(spare: Buffer): void {
    const pending = this.readDirect(spare, 0, spare.length);
    pending.catch(() => undefined);
    this.pending = pending;
  }

  /** Reads up to `length` bytes into `into` at `offset`; 0 at the end of the file. */
  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    const spare = this.spare;
    if (spare === null) return this.readDirect(into, offset, length);
    if (this.spareStart === this.spareEnd) {
      if (this.spareEof || this.closed) return 0;
      const pending = this.pending ?? this.readDirect(spare, 0, spare.length);
      this.pending = null;
      this.spareStart = 0;
      this.spareEnd = await pending;
      if (this.spareEnd === 0) {
        this.spareEof = true;
        return 0;
      }
    }
    const count = Math.min(length, this.spareEnd - this.spareStart);
    spare.copy(into, offset, this.spareStart, this.spareStart + count);
    this.spareStart += count;
    if (this.spareStart === this.spareEnd) this.prefetch(spare);
    return count;
  }

  /** Reads until `length` bytes are in or the file ends; returns the count read. */
  async readFully(into: Uint8Array, offset: number, length: number): Promise<number> {
    let total = 0;
    while (total < length) {
      const n = await this.read(into, offset + total, length - total);
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  /** Closes the file once a read in flight has finished. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.pending;
    this.pending = null;
    if (pending) await pending.catch(() => undefined);
    const handle = this.handle;
    this.handle = null;
    if (handle) await handle.close();
  }
}
