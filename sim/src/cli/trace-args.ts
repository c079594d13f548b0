/**
 * What the trace commands (replay, record, trace info, trace convert) share: opening a trace
 * argument with the malformed-record policy, the format option, and the progress line.
 */
import { stat } from 'node:fs/promises';
import { UsageError, type CliIo } from '../../../dbc/index.ts';
import type { TraceFormatError } from '../errors.ts';
import { Progress } from '../progress.ts';
import type { BatchTraceReader } from '../readers/reader-base.ts';
import { openTraceReader, TRACE_EXTENSIONS } from '../trace-io.ts';
import type { TraceFormat } from '../trace.ts';

/** Malformed records printed one by one with --skip-bad; beyond this only the count. */
export const MALFORMED_SHOWN = 20;
/** How often the progress line is redrawn from the reader's byte count (ms). */
const PROGRESS_POLL_MS = 200;

/** The formats, for help texts and errors. */
export const FORMAT_NAMES = Object.keys(TRACE_EXTENSIONS).join(', ');

/** `--format F` checked against the known formats; undefined when not given. */
export function formatOption(value: string | undefined): TraceFormat | undefined {
  if (value === undefined) return undefined;
  if (!(value in TRACE_EXTENSIONS)) throw new UsageError(`--format must be one of ${FORMAT_NAMES}, not '${value}'`);
  return value as TraceFormat;
}

/** An opened trace argument and what it skipped. */
export interface TraceArg {
  reader: BatchTraceReader;
  /** File size in bytes (the progress total). */
  bytes: number;
  /** One line for stderr: "N malformed records skipped" (empty when none). */
  skippedNote(): string;
}

/**
 * Opens a trace file argument. Without `skipBad` the first malformed record ends the command
 * (its TraceFormatError names file:line or file@offset); with it, each one is printed to stderr
 * (the first `MALFORMED_SHOWN`), counted, and the read goes on.
 * @throws TraceFormatError when the format cannot be told; fs errors (ENOENT...).
 */
export async function openTraceArg(path: string, io: CliIo, options: { skipBad?: boolean; format?: TraceFormat; command: string }): Promise<TraceArg> {
  let shown = 0;
  const onMalformed = (err: TraceFormatError): void => {
    if (++shown <= MALFORMED_SHOWN) io.stderr.write(`headunit ${options.command}: skipped ${err.message}\n`);
    else if (shown === MALFORMED_SHOWN + 1) io.stderr.write(`headunit ${options.command}: more malformed records skipped; the count follows at the end\n`);
  };
  const reader = await openTraceReader(path, { skipMalformed: options.skipBad === true, onMalformed, ...(options.format ? { format: options.format } : {}) });
  const { size } = await stat(path);
  return {
    reader,
    bytes: size,
    skippedNote: () => (reader.stats.malformed > 0 ? `${reader.stats.malformed} malformed record${reader.stats.malformed === 1 ? '' : 's'} skipped in ${path}` : ''),
  };
}

/**
 * A progress line on stderr over the bytes a reader has consumed, redrawn from a timer (drawn
 * only on a terminal). Returns the function that ends it.
 */
export function trackProgress(io: CliIo, reader: BatchTraceReader, totalBytes: number): () => void {
  const progress = new Progress(io.stderr, { unit: 'bytes', total: totalBytes });
  const timer = setInterval(() => progress.update(reader.stats.bytesRead), PROGRESS_POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    if ((io.stderr as { isTTY?: boolean }).isTTY) progress.finish(reader.stats.bytesRead);
  };
}
