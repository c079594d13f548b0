import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceWriter } from '../trace.ts';
import { formatFixed, parseScaled } from './decimal.ts';
import type { ChunkedReadOptions } from './file-chunks.ts';
import { FileSink, TextSink } from './file-sink.ts';
import { frameProblem, hexOf } from './frame-rules.ts';
import type { BatchTraceReader } from './reader-base.ts';
import { TextTraceReader, type LineParser, type LineResult } from './text-reader.ts';
import { TraceWriteError } from './trace-write-error.ts';

/*
 * CSV traces, one frame per row after a header row. headunit's own columns carry every field
 * of a `CanFrame`:
 *
 * ```
 * timestamp,bus,id,extended,fd,brs,esi,rtr,error,data
 * 1436509052.249713,can0,0x44,0,0,0,0,0,0,2A366C2BBA
 * 1436509052.249714,can1,0x18FEF100,1,1,1,0,0,0,00112233445566778899AABB
 * ```
 *
 * timestamp: wall-clock seconds with 6 decimals (9 when the µs have a fraction); id: hex with
 * `0x`; flags: 0/1 (true/false also read); data: hex without separators. A bus name with a comma
 * or quote is quoted RFC 4180 style. Columns may come in any order.
 *
 * python-can's CSV (`timestamp,arbitration_id,extended,remote,error,dlc,data`, data in base64)
 * is read as well, since that is the CSV engineers usually meet; it has no bus (frames get
 * `${busPrefix}0`) and no CAN FD. Its writer is not provided.
 */

/** headunit's columns, in the order written. */
export const CSV_COLUMNS = ['timestamp', 'bus', 'id', 'extended', 'fd', 'brs', 'esi', 'rtr', 'error', 'data'] as const;
/** python-can's columns. */
const PYTHON_CAN_COLUMNS = ['timestamp', 'arbitration_id', 'extended', 'remote', 'error', 'dlc', 'data'] as const;
/** An id: up to 8 hex digits, `0x` optional. */
const HEX_ID = /^(?:0[xX])?[0-9A-Fa-f]{1,8}$/;
/** Data: hex byte pairs, no separators. */
const HEX_DATA = /^(?:[0-9A-Fa-f]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A float as Python's repr writes it (exponent allowed). */
const PY_FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Splits a row on commas, honouring "quoted, fields" with "" for a quote. */
export function splitCsvRow(line: string): string[] | string {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      for (i++; ; i++) {
        if (i >= line.length) return 'unterminated quoted field';
        if (line[i] === '"' && line[i + 1] === '"') field += line[i++];
        else if (line[i] === '"') break;
        else field += line[i];
      }
      i++;
      if (i < line.length && line[i] !== ',') return 'expected a comma after a quoted field';
    } else {
      const comma = line.indexOf(',', i);
      field = line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? line.length : comma;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++;
  }
}

function parseFlag(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  return t === '1' || t === 'true' ? true : t === '0' || t === 'false' ? false : null;
}

/** Our flag columns, in the order of `CanFrame`'s fields. */
const FLAG_COLUMNS = ['extended', 'fd', 'brs', 'esi', 'rtr', 'error'] as const;

class CsvLineParser implements LineParser {
  /** Index of each column by name, once the header is read. */
  private index: Map<string, number> | null = null;
  /** Indexes of `CSV_COLUMNS` (or of `PYTHON_CAN_COLUMNS`), in that order. */
  private at: number[] = [];
  private pythonCan = false;

  constructor(private readonly busPrefix: string) {}

  parseLine(line: string): LineResult {
    const fields = splitCsvRow(line.trim());
    if (typeof fields === 'string') return fields;
    if (this.index === null) return this.header(fields);
    if (fields.length !== this.index.size) return `expected ${this.index.size} fields, found ${fields.length}`;
    const values = this.at.map((i) => fields[i]!.trim());
    const frame = this.pythonCan ? this.pythonCanRow(values) : this.row(values);
    if (typeof frame === 'string') return frame;
    return frameProblem(frame) ?? frame;
  }

  private header(fields: string[]): LineResult {
    const names = fields.map((f) => f.trim().toLowerCase());
    const ours = CSV_COLUMNS.every((c) => names.includes(c)) && names.length === CSV_COLUMNS.length;
    this.pythonCan = !ours && PYTHON_CAN_COLUMNS.every((c) => names.includes(c)) && names.length === PYTHON_CAN_COLUMNS.length;
    if (!ours && !this.pythonCan) return `expected the header "${CSV_COLUMNS.join(',')}" (or python-can's "${PYTHON_CAN_COLUMNS.join(',')}")`;
    this.index = new Map(names.map((n, i) => [n, i]));
    this.at = (this.pythonCan ? PYTHON_CAN_COLUMNS : CSV_COLUMNS).map((c) => this.index!.get(c)!);
    return null;
  }

  /** A row of `CSV_COLUMNS` values. */
  private row([time, bus, id, extended, fd, brs, esi, rtr, error, data]: string[]): CanFrame | string {
    const timestampUs = parseScaled(time!, 6);
    if (Number.isNaN(timestampUs)) return `expected a timestamp in seconds, not "${time}"`;
    if (!HEX_ID.test(id!)) return `expected a hex id, not "${id}"`;
    const flags = [extended, fd, brs, esi, rtr, error].map((v) => parseFlag(v!));
    const bad = flags.indexOf(null);
    if (bad >= 0) return `expected 0 or 1 for ${FLAG_COLUMNS[bad]}`;
    if (!HEX_DATA.test(data!)) return `expected data as hex byte pairs, not "${data}"`;
    if (bus!.length === 0) return 'expected a bus name';
    const [isExtended, isFd, isBrs, isEsi, isRtr, isError] = flags as boolean[];
    const bytes = Uint8Array.from(Buffer.from(data!, 'hex'));
    return { timestampUs, bus: bus!, id: parseInt(id!, 16), extended: isExtended!, fd: isFd!, brs: isBrs!, esi: isEsi!, rtr: isRtr!, error: isError!, data: bytes };
  }

  /** A row of `PYTHON_CAN_COLUMNS` values. */
  private pythonCanRow([time, id, extended, remote, error, , data]: string[]): CanFrame | string {
    // Plain decimals exactly; Python's repr may also use an exponent (1e-05).
    const plain = parseScaled(time!, 6);
    const timestampUs = Number.isNaN(plain) && PY_FLOAT.test(time!) ? Number(time) * 1e6 : plain;
    if (Number.isNaN(timestampUs)) return `expected a timestamp in seconds, not "${time}"`;
    if (!HEX_ID.test(id!)) return `expected a hex id, not "${id}"`;
    const [isExtended, rtr, isError] = [extended, remote, error].map((v) => parseFlag(v!));
    if (isExtended == null || rtr == null || isError == null) return 'expected 0 or 1 for extended, remote and error';
    if (!BASE64.test(data!)) return `expected base64 data, not "${data}"`;
    const bytes = rtr ? new Uint8Array(0) : Uint8Array.from(Buffer.from(data!, 'base64'));
    return { timestampUs, bus: `${this.busPrefix}0`, id: parseInt(id!, 16), extended: isExtended, fd: false, brs: false, esi: false, rtr, error: isError, data: bytes };
  }
}

class CsvReader extends TextTraceReader {
  protected createLineParser(): LineParser {
    return new CsvLineParser(this.busPrefix);
  }
}

/**
 * Opens a CSV trace (headunit's columns or python-can's) for streaming. The first non-blank
 * line must be the header. Nothing is read until iteration starts.
 * @throws TraceFormatError (during iteration) naming file:line, unless `skipMalformed`.
 */
export function openCsvReader(path: string, options: ChunkedReadOptions = {}): BatchTraceReader {
  return new CsvReader('csv', path, options);
}

/** A bus field, quoted when it holds a comma or quote. */
function busField(bus: string): string {
  return /[",]/.test(bus) ? `"${bus.replace(/"/g, '""')}"` : bus;
}

/** A row of `CSV_COLUMNS`. */
export function formatCsvRow(f: CanFrame): string {
  const time = Number.isInteger(f.timestampUs) ? formatFixed(f.timestampUs, 6) : formatFixed(f.timestampUs * 1000, 9);
  const flag = (b: boolean): string => (b ? '1' : '0');
  const id = `0x${f.id.toString(16).toUpperCase()}`;
  return `${time},${busField(f.bus)},${id},${flag(f.extended)},${flag(f.fd)},${flag(f.brs)},${flag(f.esi)},${flag(f.rtr)},${flag(f.error)},${hexOf(f.data)}`;
}

/**
 * Creates (truncates) a CSV trace with headunit's columns; it carries every field of a
 * `CanFrame` (timestamps to the ns). `write` rejects with `TraceWriteError` for frames no bus
 * can carry and for bus names that are empty or contain a line break.
 */
export function createCsvWriter(path: string): TraceWriter {
  const out = new TextSink(new FileSink(path));
  let count = 0;
  let closed = false;
  void out.line(CSV_COLUMNS.join(','));
  return {
    format: 'csv',
    write(frame) {
      const index = count++;
      if (closed) return Promise.reject(new TraceWriteError(path, index, 'the writer is closed'));
      const bad = frame.bus.length === 0 || /[\r\n]/.test(frame.bus) ? `bus name ${JSON.stringify(frame.bus)} must be non-empty without line breaks` : null;
      const problem = frameProblem(frame) ?? bad;
      if (problem !== null) return Promise.reject(new TraceWriteError(path, index, problem));
      return out.line(formatCsvRow(frame));
    },
    async close() {
      if (closed) return;
      closed = true;
      await out.close();
    },
  };
}
