import { open, type FileHandle } from 'node:fs/promises';

/** Text collected before it goes to the file in one write. */
const TEXT_FLUSH_CHARS = 256 * 1024;
/** Returned by writes that did not touch the file, so a write costs no allocation. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The output file of a writer: opened (truncated) on creation, written strictly in order.
 * Each `write` resolves once its bytes are in the file, which is the writers' back-pressure.
 * The first failure (e.g. the directory does not exist) rejects that write and every later one.
 */
export class FileSink {
  private readonly handle: Promise<FileHandle>;
  private chain: Promise<void>;
  private position = 0;
  private closed = false;

  constructor(readonly path: string) {
    this.handle = open(path, 'w');
    // Nobody may be awaiting yet: keep an open failure for the first write instead of crashing.
    this.chain = this.handle.then(() => undefined);
    this.chain.catch(() => undefined);
  }

  /** Bytes in the file once the queued writes are done (exact after `idle()`). */
  get size(): number {
    return this.position;
  }

  /**
   * Appends `bytes` after everything queued before (the caller must not change them
   * afterwards). A promise of bytes keeps its place in the queue while it is being made
   * (a BLF container being compressed).
   */
  append(bytes: Uint8Array | Promise<Uint8Array>): Promise<void> {
    // Its failure is reported through the queue; until the queue gets there it is handled.
    if (bytes instanceof Promise) bytes.catch(() => undefined);
    return this.after(async () => {
      const b = await bytes;
      await this.writeFully(b, this.position);
      this.position += b.length;
    });
  }

  /** Overwrites `bytes` at `position` (a header patched at close), after everything queued. */
  writeAt(bytes: Uint8Array, position: number): Promise<void> {
    return this.after(() => this.writeFully(bytes, position));
  }

  /** Resolves when everything queued so far is in the file. */
  idle(): Promise<void> {
    return this.after(async () => undefined);
  }

  private async writeFully(bytes: Uint8Array, position: number): Promise<void> {
    const handle = await this.handle;
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }

  /**
   * Runs `task` after everything queued so far. The returned promise rejects with the first
   * failure; it is marked handled, so a caller that never awaits it cannot crash the process
   * (the failure still reaches the next write and `close()`).
   */
  private after(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task);
    next.catch(() => undefined);
    this.chain = next;
    return next;
  }

  /** Waits for the queued writes and closes the file; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    const handle = await this.handle;
    try {
      await this.chain;
    } finally {
      await handle.close();
    }
  }
}

/**
 * Line-oriented text output on a `FileSink`: lines are gathered into one string and written
 * when it passes 256 KiB, so a line costs a string append and usually no promise.
 */
export class TextSink {
  private text = '';

  constructor(readonly sink: FileSink) {}

  /** Adds `line` and a LF; resolves at once unless a chunk went to the file. */
  line(line: string): Promise<void> {
    this.text += line;
    this.text += '\n';
    return this.text.length >= TEXT_FLUSH_CHARS ? this.flush() : RESOLVED;
  }

  /** Writes what is gathered. */
  flush(): Promise<void> {
    if (this.text.length === 0) return this.sink.append(new Uint8Array(0));
    const bytes = Buffer.from(this.text, 'utf8');
    this.text = '';
    return this.sink.append(bytes);
  }

  /** Flushes and closes the file (closed even when the flush fails). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.sink.close();
    }
  }
}

/** A promise that is already resolved (what cheap writes return). */
export function resolved(): Promise<void> {
  return RESOLVED;
}
