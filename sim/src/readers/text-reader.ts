import type { CanFrame } from '../../../dbc/index.ts';
import { TraceFormatError } from '../errors.ts';
import type { TraceFormat } from '../trace.ts';
import { chunkBytesOf, FileChunks, type ChunkedReadOptions } from './file-chunks.ts';
import { BATCH_FRAMES, TraceReaderBase, type ReaderPass } from './reader-base.ts';

/** Line feed: ends every line (a CR before it is dropped). */
const LF = 0x0a;
/** Carriage return of CRLF line ends. */
const CR = 0x0d;
/** Characters of an overlong line quoted in its error. */
const OVERLONG_QUOTE_CHARS = 120;

/**
 * What a line parser makes of one line: a frame, `null` for a valid line that is not a frame
 * (header, comment, status or statistics event: counted in `stats.ignored`), or a string that
 * says why the line is malformed.
 */
export type LineResult = CanFrame | string | null;

/** Parses the lines of one pass over a file, in order; it may keep header state between lines. */
export interface LineParser {
  /** One line without its line end; never blank. `lineNo` is 1-based. */
  parseLine(line: string, lineNo: number): LineResult;
}

/** Where a pass stands: the number of the last line handed out and the format's per-pass parser. */
export interface TextPassState {
  /** Lines are numbered from 1; 0 before the first. */
  lineNo: number;
  readonly parser: LineParser;
}

/**
 * Base of the text readers: reads the file in chunks, splits lines itself across chunk
 * boundaries (LF or CRLF), and hands each non-blank line to the format's `LineParser`. A line
 * longer than a chunk is malformed (memory stays bounded); with `skipMalformed` the reader
 * drops it up to the next line end and goes on.
 */
export abstract class TextTraceReader extends TraceReaderBase {
  private readonly chunkBytes: number;

  constructor(format: TraceFormat, file: string, options: ChunkedReadOptions = {}) {
    super(format, file, options);
    this.chunkBytes = chunkBytesOf(options);
  }

  /** A fresh parser for one pass (header state starts empty). */
  protected abstract createLineParser(): LineParser;

  /**
   * Parses whole lines of `buf[start, end)` (each ends in LF except the file's last line) until
   * `BATCH_FRAMES` frames are out or the region ends; returns where it stopped. Formats with a
   * faster path override this; the result must be the same as this one's.
   */
  protected parseRegion(state: TextPassState, buf: Buffer, start: number, end: number, out: CanFrame[]): number {
    let pos = start;
    while (pos < end && out.length < BATCH_FRAMES) {
      let lineEnd = buf.indexOf(LF, pos);
      if (lineEnd < 0 || lineEnd > end) lineEnd = end;
      state.lineNo++;
      const textEnd = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      this.parseOneLine(state, buf.toString('utf8', pos, textEnd), out);
      pos = lineEnd + 1;
    }
    return pos;
  }

  /** Runs one line through the parser and books the result. */
  protected parseOneLine(state: TextPassState, line: string, out: CanFrame[]): void {
    if (line.trim().length === 0) return;
    const result = state.parser.parseLine(line, state.lineNo);
    if (result === null) this.stats.ignored++;
    else if (typeof result === 'string') this.reportMalformed(new TraceFormatError(this.file, state.lineNo, null, result, line.trim()));
    else {
      this.stats.frames++;
      out.push(result);
    }
  }

  protected openPass(): ReaderPass {
    return new TextPass(this, new FileChunks(this.file, this.chunkBytes), this.chunkBytes, { lineNo: 0, parser: this.createLineParser() });
  }

  /** @internal Called by the pass; see `parseRegion`. */
  region(state: TextPassState, buf: Buffer, start: number, end: number, out: CanFrame[]): number {
    return this.parseRegion(state, buf, start, end, out);
  }
}

/** One pass of a text reader over its file. */
class TextPass implements ReaderPass {
  private readonly buf: Buffer;
  /** Bytes of `buf` holding file data. */
  private filled = 0;
  /** Next byte to parse. */
  private pos = 0;
  /** End of the whole lines in `buf` (the rest is an unfinished line). */
  private linesEnd = 0;
  /** Dropping the rest of an overlong line up to its LF. */
  private discarding = false;
  private eof = false;
  private done = false;

  constructor(
    private readonly reader: TextTraceReader,
    private readonly source: FileChunks,
    chunkBytes: number,
    private readonly state: TextPassState,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  async next(): Promise<CanFrame[] | null> {
    if (this.done) return null;
    try {
      for (;;) {
        if (this.pos < this.linesEnd) {
          const frames: CanFrame[] = [];
          this.pos = this.reader.region(this.state, this.buf, this.pos, this.linesEnd, frames);
          return frames;
        }
        if (this.eof) {
          await this.close();
          return null;
        }
        await this.fill();
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Keeps the unfinished line, reads after it and finds the new whole lines. */
  private async fill(): Promise<void> {
    const buf = this.buf;
    buf.copyWithin(0, this.linesEnd, this.filled);
    this.filled -= this.linesEnd;
    this.pos = this.linesEnd = 0;
    if (this.filled === buf.length) this.overlong();
    const n = await this.source.read(buf, this.filled, buf.length - this.filled);
    this.reader.stats.bytesRead += n;
    if (n === 0) {
      this.eof = true;
      // The last line may lack its LF.
      this.linesEnd = this.discarding ? 0 : this.filled;
      return;
    }
    const from = this.filled;
    this.filled += n;
    if (this.discarding) {
      const lf = buf.indexOf(LF, from);
      if (lf < 0 || lf >= this.filled) {
        this.filled = 0;
        return;
      }
      this.discarding = false;
      this.pos = lf + 1;
    }
    const lastLf = buf.lastIndexOf(LF, this.filled - 1);
    this.linesEnd = lastLf >= this.pos ? lastLf + 1 : this.pos;
  }

  /** A whole chunk without a line end: the line is malformed and dropped up to its LF. */
  private overlong(): void {
    this.state.lineNo++;
    const quote = this.buf.toString('utf8', 0, OVERLONG_QUOTE_CHARS);
    this.filled = 0;
    this.discarding = true;
    this.reader.reportMalformed(
      new TraceFormatError(this.reader.file, this.state.lineNo, null, `line longer than ${this.buf.length} bytes`, quote),
    );
  }

  async close(): Promise<void> {
    this.done = true;
    await this.source.close();
  }
}
