/**
 * The contracts of trace files: streaming readers and writers of recorded CAN traffic. Types
 * only; each format lives in `readers/<format>.ts` (reader and writer side by side).
 *
 * Readers never load a file whole: they stream with constant memory and yield frames in file
 * order. A malformed record is a `TraceFormatError` naming file:line (text formats) or
 * file@offset (binary formats). By default the first one stops the read; with
 * `skipMalformed`, each is counted in `stats.malformed`, reported to `onMalformed`, and the
 * read goes on — nothing is silently lost.
 */
import type { CanFrame } from '../../dbc/index.ts';
import type { TraceFormatError } from './errors.ts';

export type TraceFormat = 'candump' | 'asc' | 'trc' | 'blf' | 'csv';

export interface TraceReadOptions {
  /** Count and skip malformed records instead of stopping at the first (default false). */
  skipMalformed?: boolean;
  /** Told of each skipped record (only with `skipMalformed`). */
  onMalformed?: (err: TraceFormatError) => void;
  /** Bus name for frames whose trace has only channel numbers: channel n → `${busPrefix}${n}` (default 'can'). */
  busPrefix?: string;
}

export interface TraceStats {
  frames: number;
  /** Records skipped as malformed (only with `skipMalformed`). */
  malformed: number;
  /** Records that are valid but not CAN frames (comments, status lines, statistics events). */
  ignored: number;
  /** Bytes of the file consumed so far (for progress). */
  bytesRead: number;
}

export interface TraceReader extends AsyncIterable<CanFrame> {
  readonly format: TraceFormat;
  readonly file: string;
  readonly stats: Readonly<TraceStats>;
}

export interface TraceWriter {
  readonly format: TraceFormat;
  /** Appends a frame; resolves when it may be called again (back-pressure). */
  write(frame: CanFrame): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}
