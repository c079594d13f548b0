import type { FileChunks } from './file-chunks.ts';

/**
 * A sliding window over a file read in chunks: the BLF reader asks for "the next n bytes" and
 * the window reads, compacts, and grows (only up to what is asked: the caller bounds n).
 *
 * ```
 * buf:  [ consumed | pos ..... end | free ]
 *        ^ file offset `offset`
 * ```
 */
export class FileWindow {
  buf: Buffer;
  /** File offset of `buf[0]`. */
  private offset = 0;
  /** Next unconsumed byte in `buf`. */
  pos = 0;
  /** End of the file data in `buf`. */
  end = 0;
  private eof = false;

  constructor(
    private readonly source: FileChunks,
    chunkBytes: number,
    /** Told how many bytes each read brought (for `stats.bytesRead`). */
    private readonly onRead: (bytes: number) => void,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** File offset of `pos`. */
  get fileOffset(): number {
    return this.offset + this.pos;
  }

  /** Bytes available from `pos`. */
  get available(): number {
    return this.end - this.pos;
  }

  /** Reads until `n` bytes are available from `pos` or the file ends; returns min(n, available). */
  async ensure(n: number): Promise<number> {
    while (this.end - this.pos < n && !this.eof) {
      if (this.pos > 0) {
        this.buf.copyWithin(0, this.pos, this.end);
        this.offset += this.pos;
        this.end -= this.pos;
        this.pos = 0;
      }
      if (n > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
        this.buf.copy(bigger, 0, 0, this.end);
        this.buf = bigger;
      }
      const got = await this.source.read(this.buf, this.end, this.buf.length - this.end);
      this.onRead(got);
      if (got === 0) this.eof = true;
      else this.end += got;
    }
    return Math.min(n, this.end - this.pos);
  }

  /**
   * Moves `pos` to the next `signature` (4 bytes) after `pos`, reading on as needed; returns
   * false (with everything consumed) when the file ends first.
   */
  async seek(signature: Buffer): Promise<boolean> {
    let from = this.pos + 1;
    for (;;) {
      const at = from < this.end ? this.buf.indexOf(signature, from) : -1;
      if (at >= 0 && at + signature.length <= this.end) {
        this.pos = at;
        return true;
      }
      if (this.eof) {
        this.pos = this.end;
        return false;
      }
      // Keep the last bytes: a signature may straddle the next read.
      this.pos = Math.min(this.end, Math.max(from, this.end - signature.length + 1));
      await this.ensure(this.end - this.pos + 1);
      from = this.pos;
    }
  }
}
