/**
 * Opening traces by content and creating them by file name: the entry points over the
 * per-format readers and writers in `readers/`.
 */
import { extname } from 'node:path';
import { open } from 'node:fs/promises';
import { SimError, TraceFormatError } from './errors.ts';
import type { TraceFormat, TraceWriter } from './trace.ts';
import { createAscWriter, openAscReader } from './readers/asc.ts';
import { openBlfReader } from './readers/blf-reader.ts';
import { createBlfWriter, type BlfWriteOptions } from './readers/blf-writer.ts';
import { createCandumpWriter, openCandumpReader } from './readers/candump.ts';
import { createCsvWriter, openCsvReader } from './readers/csv.ts';
import type { ChunkedReadOptions } from './readers/file-chunks.ts';
import type { BatchTraceReader } from './readers/reader-base.ts';
import { TraceWriteError } from './readers/trace-write-error.ts';
import { createTrcWriter, openTrcReader } from './readers/trc.ts';

/** Bytes read from the start of a file to tell its format. */
export const DETECT_BYTES = 4096;
/** Characters no text trace has (NUL and other controls but tab, LF, CR): binary data. */
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
/** Characters of the unrecognised line quoted in the error. */
const QUOTE_CHARS = 60;

/** The extension each format is written with. */
export const TRACE_EXTENSIONS: Readonly<Record<TraceFormat, string>> = { candump: '.log', asc: '.asc', trc: '.trc', blf: '.blf', csv: '.csv' };

/** What a line says about its format (null: look at the next line). */
const LINE_SIGNS: readonly [RegExp, TraceFormat][] = [
  [/^;/, 'trc'], // PEAK comments, `;$FILEVERSION=`
  [/^\d+\)\s+\d/, 'trc'], // a 1.x row without header
  [/^(?:date\s|base\s+(?:hex|dec)\b|begin\s+triggerblock|(?:no\s+)?internal\s+events\s+logged|\/\/)/i, 'asc'],
  [/^\d+\.\d+\s+(?:\d+|CANFD)\s/, 'asc'], // a headerless ASC event
  [/^\(\d+\.\d+\)\s+\S+\s+[0-9A-Fa-f]+##?/, 'candump'],
  [/^"?timestamp"?\s*,/i, 'csv'],
];

/** The format of a file name's extension, or null. */
export function formatFromExtension(fileName: string): TraceFormat | null {
  const ext = extname(fileName).toLowerCase();
  const found = (Object.keys(TRACE_EXTENSIONS) as TraceFormat[]).find((f) => TRACE_EXTENSIONS[f] === ext);
  return found ?? null;
}

/**
 * Tells a trace's format from its first bytes (about 4 KiB): BLF by its `LOGG` magic, the
 * text formats by their first non-blank line: TRC by `;` comments or an `N)` row, ASC by a
 * `date`/`base`/`Begin Triggerblock` header, a `//` comment or an event line, candump by
 * `(sec.usec) iface id#data`, CSV by a `timestamp,` header. Content
 * wins over the extension (a `.trc` holding candump lines is candump); the extension of
 * `fileName` only decides for an empty file.
 * @throws TraceFormatError when nothing matches, quoting what was seen: file:line and the
 *   first unrecognised line for text, file@0 and the first 16 bytes in hex for binary data
 *   (ASAM MDF files are named as such).
 */
export function detectTraceFormat(firstBytes: Uint8Array, fileName = '<input>'): TraceFormat {
  const bytes = Buffer.from(firstBytes.buffer, firstBytes.byteOffset, firstBytes.byteLength);
  const magic = bytes.subarray(0, 8).toString('latin1');
  if (magic.startsWith('LOGG')) return 'blf';
  if (magic === 'MDF     ' || magic === 'UnFinMF ') {
    const head = bytes.subarray(0, 16).toString('hex').toUpperCase();
    throw new TraceFormatError(fileName, null, 0, 'an ASAM MDF (MF4) file: not a supported trace format (convert it to BLF, ASC, TRC, candump or CSV)', head);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim().length > 0);
  if (at >= 0) {
    const line = lines[at]!.trim();
    const sign = LINE_SIGNS.find(([pattern]) => pattern.test(line));
    if (sign) return sign[1];
    if (CONTROL_CHARS.test(line)) {
      const head = bytes.subarray(0, 16).toString('hex').toUpperCase();
      throw new TraceFormatError(fileName, null, 0, 'unknown trace format (binary, but not BLF: no "LOGG" magic)', head);
    }
    throw new TraceFormatError(fileName, at + 1, null, 'unknown trace format (expected candump, Vector ASC, PEAK TRC, Vector BLF or CSV)', line.slice(0, QUOTE_CHARS));
  }
  const byName = formatFromExtension(fileName);
  if (byName !== null) return byName;
  throw new TraceFormatError(fileName, null, 0, 'unknown trace format: the file is empty and its extension tells nothing', '');
}

/** Options of `openTraceReader`. */
export interface OpenTraceOptions extends ChunkedReadOptions {
  /** Skips detection. */
  format?: TraceFormat;
}

/** The reader of each format. */
const READERS: Readonly<Record<TraceFormat, (path: string, options: ChunkedReadOptions) => BatchTraceReader>> = {
  candump: openCandumpReader,
  asc: openAscReader,
  trc: openTrcReader,
  blf: openBlfReader,
  csv: openCsvReader,
};

/**
 * Opens a trace of any supported format, told from its content (`detectTraceFormat`) unless
 * `options.format` is given. Reads the first 4 KiB now; frames stream during iteration.
 * @throws TraceFormatError when the format cannot be told; Node's fs errors (ENOENT, EACCES).
 */
export async function openTraceReader(path: string, options: OpenTraceOptions = {}): Promise<BatchTraceReader> {
  let format = options.format;
  if (format === undefined) {
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new SimError(`${path}: cannot open the trace: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'it is a folder' : err.message}`, 'TRACE_UNREADABLE', { cause: err });
    });
    try {
      const head = Buffer.alloc(DETECT_BYTES);
      const { bytesRead } = await handle.read(head, 0, DETECT_BYTES, 0);
      format = detectTraceFormat(head.subarray(0, bytesRead), path);
    } finally {
      await handle.close();
    }
  }
  return READERS[format](path, options);
}

/** Options of `createTraceWriter` (only BLF has any). */
export type CreateTraceOptions = BlfWriteOptions;

/**
 * Creates (truncates) a trace file in `format`, or in the format of its extension (`.log`
 * candump, `.asc`, `.trc`, `.blf`, `.csv`).
 * @throws TraceWriteError when no format is given and the extension is none of those.
 */
export function createTraceWriter(path: string, format?: TraceFormat, options: CreateTraceOptions = {}): TraceWriter {
  const chosen = format ?? formatFromExtension(path);
  if (chosen === null) {
    const ext = extname(path) || '(none)';
    throw new TraceWriteError(path, null, `cannot tell the trace format from the extension ${ext}: use .log, .asc, .trc, .blf or .csv, or give the format`);
  }
  switch (chosen) {
    case 'candump':
      return createCandumpWriter(path);
    case 'asc':
      return createAscWriter(path);
    case 'trc':
      return createTrcWriter(path);
    case 'blf':
      return createBlfWriter(path, options);
    case 'csv':
      return createCsvWriter(path);
  }
}

// The types and error of the readers and writers, so that users need only this module.
export type { BatchTraceReader } from './readers/reader-base.ts';
export type { ChunkedReadOptions } from './readers/file-chunks.ts';
export type { BlfWriteOptions } from './readers/blf-writer.ts';
export { TraceWriteError } from './readers/trace-write-error.ts';
