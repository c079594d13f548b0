import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceWriter } from '../trace.ts';
import { ChannelNames, ChannelNumbers } from './channels.ts';
import { formatFixed } from './decimal.ts';
import type { ChunkedReadOptions } from './file-chunks.ts';
import { FileSink, TextSink } from './file-sink.ts';
import { frameProblem, hexOf, lengthToDlc } from './frame-rules.ts';
import type { BatchTraceReader } from './reader-base.ts';
import { TextTraceReader, type LineParser, type LineResult } from './text-reader.ts';
import { parseTrcRowV1, parseTrcRowV2, trcColumns, TRC_COLUMN_NAMES, TRC_DEFAULT_COLUMNS, type TrcColumns, type TrcContext } from './trc-rows.ts';
import { TraceWriteError } from './trace-write-error.ts';

/*
 * PEAK TRC: `;` comment lines, of which `;$KEY=value` lines are the header, then one message
 * row per line (rows: see `trc-rows.ts`).
 *
 * ```
 * ;$FILEVERSION=2.1                  1.0 when absent; 1.0 1.1 1.2 1.3 2.0 2.1 are read
 * ;$STARTTIME=44548.6028595139       days since 1899-12-30 (OLE date), no time zone
 * ;$COLUMNS=N,O,T,B,I,d,R,L,D        2.x only
 *       1     17535.400 DT 1  00000100 Tx -  8    00 00 00 00 00 00 00 00
 * ```
 *
 * Timestamps: with `$STARTTIME` (1.1 and later) a frame is that start, read as UTC, plus its
 * offset: wall-clock µs. Without it (1.0) timestamps are µs from 0.
 */

/** Days from the OLE epoch 1899-12-30 to the Unix epoch. */
const OLE_EPOCH_DAYS = 25569;
/** Microseconds per day. */
const US_PER_DAY = 86_400_000_000;
/** Versions read (rows of 1.x and 2.x differ). */
const VERSIONS = new Set(['1.0', '1.1', '1.2', '1.3', '2.0', '2.1']);
/** `;$KEY=value`. */
const HEADER_LINE = /^;\s*\$(\w+)\s*=\s*(.*)$/;
/** An OLE date: whole days and a fraction. */
const OLE_DATE = /^(\d{1,6})(?:\.(\d{1,15}))?$/;
/** Columns every 2.x file needs. */
const REQUIRED_COLUMNS = ['N', 'O', 'T', 'I'];
/** Any white space run (the field separator). */
const SPACES = /\s+/;

/** µs since the Unix epoch of an OLE date string, or null. */
export function parseOleDate(text: string): number | null {
  const m = OLE_DATE.exec(text.trim());
  if (!m) return null;
  const fraction = m[2] ? Math.round(Number(`0.${m[2]}`) * US_PER_DAY) : 0;
  return (Number(m[1]) - OLE_EPOCH_DAYS) * US_PER_DAY + fraction;
}

/** One pass's header state and the row grammar. */
class TrcLineParser implements LineParser, TrcContext {
  startUs = 0;
  private version: string | null = null;
  private columns: TrcColumns | null = null;

  constructor(readonly channels: ChannelNames) {}

  parseLine(line: string): LineResult {
    const text = line.trim();
    if (text.startsWith(';')) return this.comment(text);
    this.version ??= '1.0';
    const tokens = text.split(SPACES);
    if (this.version.startsWith('1.')) return parseTrcRowV1(tokens, this.version, this);
    return parseTrcRowV2(tokens, (this.columns ??= trcColumns(TRC_DEFAULT_COLUMNS[this.version]!)), this);
  }

  private comment(text: string): LineResult {
    const m = HEADER_LINE.exec(text);
    if (!m) return null;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'FILEVERSION') {
      if (!VERSIONS.has(value.trim())) return `unsupported TRC version "${value.trim()}" (read: ${[...VERSIONS].join(', ')})`;
      this.version = value.trim();
    } else if (key === 'STARTTIME') {
      const start = parseOleDate(value);
      if (start === null) return 'expected a start time in days since 1899-12-30, like 44548.6028595139';
      this.startUs = start;
    } else if (key === 'COLUMNS') {
      return this.columnsLine(value);
    }
    return null;
  }

  private columnsLine(value: string): LineResult {
    const letters = value.split(',').map((c) => c.trim());
    const unknown = letters.find((c) => !(c in TRC_COLUMN_NAMES) || c.length !== 1);
    if (unknown !== undefined) return `unknown column "${unknown}"`;
    const missing = REQUIRED_COLUMNS.find((c) => !letters.includes(c));
    if (missing !== undefined) return `the columns lack ${TRC_COLUMN_NAMES[missing]} (${missing})`;
    if (!letters.includes('l') && !letters.includes('L')) return 'the columns lack a data length (l) or DLC (L)';
    if (letters[letters.length - 1] !== 'D' || new Set(letters).size !== letters.length) return 'data (D) must be the last column, each column once';
    this.columns = trcColumns(letters.join(''));
    return null;
  }
}

class TrcReader extends TextTraceReader {
  protected createLineParser(): LineParser {
    return new TrcLineParser(new ChannelNames(this.busPrefix));
  }
}

/**
 * Opens a PEAK TRC file (versions 1.0 to 1.3, 2.0, 2.1) for streaming. Bus n becomes
 * `${busPrefix}${n - 1}` (bus 1 → `can0`); 1.0 and 1.1 files are all bus 1. Nothing is read
 * until iteration starts.
 * @throws TraceFormatError (during iteration) naming file:line, unless `skipMalformed`.
 */
export function openTrcReader(path: string, options: ChunkedReadOptions = {}): BatchTraceReader {
  return new TrcReader('trc', path, options);
}

/** Start times are written on a grid of 1e-8 days (864 µs) so that the 8-decimal OLE date is exact. */
const START_GRID_US = 864;
/** Grid steps per day. */
const GRID_PER_DAY = 100_000_000;
/** Buses a TRC file can number. */
const MAX_TRC_BUS = 255;
/** Most data bytes of an ER row. */
const MAX_ERROR_BYTES = 8;

/** The 2.1 header for a measurement starting at `startUs`. */
function headerLines(startUs: number): string[] {
  const steps = Math.round(startUs / START_GRID_US);
  const days = OLE_EPOCH_DAYS + Math.floor(steps / GRID_PER_DAY);
  const fraction = String(((steps % GRID_PER_DAY) + GRID_PER_DAY) % GRID_PER_DAY).padStart(8, '0');
  return [
    ';$FILEVERSION=2.1',
    `;$STARTTIME=${days}.${fraction}`,
    ';$COLUMNS=N,O,T,B,I,d,R,L,D',
    ';',
    `;   Start time: ${new Date(Math.floor(startUs / 1000)).toISOString()} (UTC)`,
    ';   Generated by headunit',
    ';   Message   Time    Type    ID     Rx/Tx',
    ';   Number    Offset  |  Bus  [hex]  |  Reserved',
    ';   |         [ms]    |  |    |      |  |  Data Length Code',
    ';   |         |       |  |    |      |  |  |    Data [hex] ...',
    ';   |         |       |  |    |      |  |  |    |',
    ';---+-- ------+------ +- +- --+----- +- +- +--- +- -- -- -- -- -- -- --',
  ];
}

/** Row type of `frame`. */
function rowType(frame: CanFrame): string {
  if (frame.error) return 'ER';
  if (frame.rtr) return 'RR';
  if (!frame.fd) return 'DT';
  if (frame.brs) return frame.esi ? 'BI' : 'FB';
  return frame.esi ? 'FE' : 'FD';
}

/** A 2.1 row. */
function formatRow(n: number, offsetUs: number, frame: CanFrame, bus: number): string {
  const id = frame.error ? '-' : frame.id.toString(16).toUpperCase().padStart(frame.extended ? 8 : 4, '0');
  const dlc = frame.fd && !frame.error ? lengthToDlc(frame.data.length) : frame.data.length;
  const data = hexOf(frame.data, ' ');
  const row = `${String(n).padStart(7)} ${formatFixed(offsetUs, 3).padStart(13)} ${rowType(frame)} ${String(bus).padStart(2)} ${id.padStart(8)} Rx -  ${String(dlc).padEnd(4)}`;
  return data.length > 0 ? `${row} ${data}` : row.trimEnd();
}

/**
 * Creates (truncates) a PEAK TRC 2.1 file. `$STARTTIME` is the first frame's time rounded down
 * to 864 µs (so the OLE date is exact); offsets have µs resolution. TRC cannot carry an error
 * frame's id (ER rows have none; read back as 0) nor more than 8 bytes of error data, a bus
 * name (only bus numbers, see `channels.ts`), or the Tx direction (all rows are Rx).
 * `write` rejects with `TraceWriteError` for frames it cannot store.
 */
export function createTrcWriter(path: string): TraceWriter {
  const out = new TextSink(new FileSink(path));
  const buses = new ChannelNumbers(MAX_TRC_BUS);
  let startUs: number | null = null;
  let count = 0;
  let rows = 0;
  let closed = false;
  return {
    format: 'trc',
    write(frame) {
      const index = count++;
      if (closed) return Promise.reject(new TraceWriteError(path, index, 'the writer is closed'));
      const tooLong = frame.error && frame.data.length > MAX_ERROR_BYTES ? 'an ER row carries at most 8 data bytes' : null;
      const bus = frameProblem(frame) ?? tooLong ?? buses.channelOf(frame.bus);
      if (typeof bus === 'string') return Promise.reject(new TraceWriteError(path, index, bus));
      const header = startUs === null;
      startUs ??= Math.floor(frame.timestampUs / START_GRID_US) * START_GRID_US;
      const row = formatRow(++rows, frame.timestampUs - startUs, frame, bus);
      return out.line(header ? `${headerLines(startUs).join('\n')}\n${row}` : row);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (startUs === null) await out.line(headerLines(0).join('\n'));
      await out.close();
    },
  };
}
