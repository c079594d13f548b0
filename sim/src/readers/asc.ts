import type { CanFrame } from '../../../dbc/index.ts';
import type { TraceWriter } from '../trace.ts';
import { formatAscDate, parseAscDate } from './asc-date.ts';
import { parseAscEvent, type AscContext } from './asc-events.ts';
import { ChannelNames, ChannelNumbers } from './channels.ts';
import { formatFixed, parseScaled } from './decimal.ts';
import type { ChunkedReadOptions } from './file-chunks.ts';
import { FileSink, TextSink } from './file-sink.ts';
import { frameProblem, hexOf, lengthToDlc } from './frame-rules.ts';
import type { BatchTraceReader } from './reader-base.ts';
import { TextTraceReader, type LineParser, type LineResult } from './text-reader.ts';
import { TraceWriteError } from './trace-write-error.ts';

/*
 * Vector ASC: a header, then one event per line (frame lines: see `asc-events.ts`).
 *
 * ```
 * date Sat Sep 30 15:06:13.191 2017            measurement start (wall clock, no zone)
 * base hex  timestamps absolute                 numbers hex|dec; times absolute|relative
 * internal events logged
 * // version 13.0.0                             comment
 * Begin Triggerblock Sat Sep 30 15:06:13.191 2017
 *    0.000000 Start of measurement
 *    2.501000 1  18EBFF00x       Rx   d 8 01 A0 0F A6 60 3B D1 40
 * End TriggerBlock
 * ```
 *
 * Timestamps: "absolute" times are seconds since the measurement start, "relative" ones since
 * the previous event. Frames get the `date` header plus that time, as wall-clock µs with the
 * date read as UTC (no `date` line: the first `Begin Triggerblock` date; neither: µs from 0).
 */

/** `base hex|dec [timestamps absolute|relative]`. */
const BASE_LINE = /^base\s+(hex|dec)(?:\s+timestamps\s+(absolute|relative))?$/i;
/** `[no] internal events logged`. */
const EVENTS_LINE = /^(?:no\s+)?internal\s+events\s+logged$/i;
/** `Begin Triggerblock [date]`. */
const BEGIN_LINE = /^begin\s+triggerblock\b\s*(.*)$/i;
/** `End TriggerBlock`. */
const END_LINE = /^end\s+triggerblock$/i;
/** '0': event lines start with a digit (their time). */
const DIGIT_0 = 0x30;
/** '9'. */
const DIGIT_9 = 0x39;
/** '-': a negative time (a frame before the start). */
const MINUS = 0x2d;
/** Any white space run (the field separator). */
const SPACES = /\s+/;

/** One pass's header state and the line grammar. */
class AscLineParser implements LineParser, AscContext {
  base = 16;
  private relative = false;
  private startUs: number | null = null;
  /** Time of the previous event, in µs since the start (relative mode sums). */
  private lastUs = 0;

  constructor(readonly channels: ChannelNames) {}

  parseLine(line: string): LineResult {
    const text = line.trim();
    const first = text.charCodeAt(0);
    // Event lines start with their time: skip the header checks.
    if ((first >= DIGIT_0 && first <= DIGIT_9) || first === MINUS) return this.event(text);
    if (text.startsWith('//')) return null;
    const word = text.slice(0, 6).toLowerCase();
    if (word.startsWith('date ') || word === 'date') return this.date(text.slice(4));
    if (word.startsWith('base')) return this.baseLine(text);
    if (EVENTS_LINE.test(text) || END_LINE.test(text)) return null;
    const begin = BEGIN_LINE.exec(text);
    if (begin) {
      if (this.startUs === null) this.startUs = parseAscDate(begin[1]!);
      return null;
    }
    return this.event(text);
  }

  /** A timestamped event line. */
  private event(text: string): LineResult {
    const tokens = text.split(SPACES);
    const timeUs = parseScaled(tokens[0]!, 6);
    if (Number.isNaN(timeUs)) return 'expected a timestamp, a header line or a // comment';
    this.lastUs = this.relative ? this.lastUs + timeUs : timeUs;
    return parseAscEvent(tokens, (this.startUs ?? 0) + this.lastUs, this);
  }

  private date(rest: string): LineResult {
    const start = parseAscDate(rest);
    if (start === null) return 'expected a date like "Sat Sep 30 15:06:13.191 2017"';
    this.startUs = start;
    return null;
  }

  private baseLine(text: string): LineResult {
    const m = BASE_LINE.exec(text);
    if (!m) return 'expected "base hex|dec [timestamps absolute|relative]"';
    this.base = m[1]!.toLowerCase() === 'dec' ? 10 : 16;
    this.relative = m[2]?.toLowerCase() === 'relative';
    return null;
  }
}

class AscReader extends TextTraceReader {
  protected createLineParser(): LineParser {
    return new AscLineParser(new ChannelNames(this.busPrefix));
  }
}

/**
 * Opens a Vector ASC file for streaming (classic and CAN FD lines, hex or decimal, absolute or
 * relative times). Channel n becomes bus `${busPrefix}${n - 1}` (channel 1 → `can0`).
 * Nothing is read until iteration starts.
 * @throws TraceFormatError (during iteration) naming file:line, unless `skipMalformed`.
 */
export function openAscReader(path: string, options: ChunkedReadOptions = {}): BatchTraceReader {
  return new AscReader('asc', path, options);
}

/** Microseconds per millisecond. */
const US_PER_MS = 1000;
/** Width of the time column (`   2.501000`, as CANoe pads it). */
const TIME_WIDTH = 11;
/** CAN FD flags column: the frame is CAN FD (EDL). */
const ASC_FLAG_EDL = 0x1000;
/** CAN FD flags column: bit-rate switch. */
const ASC_FLAG_BRS = 0x2000;
/** CAN FD flags column: error state indicator. */
const ASC_FLAG_ESI = 0x4000;
/** Channels an ASC file can number. */
const MAX_ASC_CHANNEL = 65535;

/** The event text of `frame` on `channel`, after the time column. */
function formatEvent(frame: CanFrame, channel: number): string {
  const id = `${frame.id.toString(16).toUpperCase()}${frame.extended ? 'x' : ''}`;
  if (frame.fd) {
    if (frame.error) return `CANFD ${String(channel).padStart(3)} Rx ErrorFrame`;
    const flags = ASC_FLAG_EDL | (frame.brs ? ASC_FLAG_BRS : 0) | (frame.esi ? ASC_FLAG_ESI : 0);
    const head = `CANFD ${String(channel).padStart(3)} Rx ${id.padStart(9)} ${''.padEnd(32)} ${frame.brs ? 1 : 0} ${frame.esi ? 1 : 0}`;
    const data = frame.data.length > 0 ? ` ${hexOf(frame.data, ' ')}` : '';
    return `${head} ${lengthToDlc(frame.data.length).toString(16)} ${String(frame.data.length).padStart(2)}${data} 0 0 ${flags.toString(16)} 0 0 0 0 0`;
  }
  if (frame.error) return `${channel}  ErrorFrame`;
  if (frame.rtr) return `${channel}  ${id.padEnd(15)} Rx   r`;
  const data = frame.data.length > 0 ? ` ${hexOf(frame.data, ' ')}` : '';
  return `${channel}  ${id.padEnd(15)} Rx   d ${frame.data.length}${data}`;
}

/** The header lines for a measurement starting at `startUs`, up to "Start of measurement". */
function headerText(startUs: number): string {
  const date = formatAscDate(startUs);
  const start = `${formatFixed(0, 6).padStart(TIME_WIDTH)} Start of measurement`;
  return [`date ${date}`, 'base hex  timestamps absolute', 'internal events logged', '// version 13.0.0', `Begin Triggerblock ${date}`, start].join('\n');
}

/**
 * Creates (truncates) a Vector ASC file: `base hex  timestamps absolute`, the `date` of the
 * first frame (truncated to the millisecond, as UTC) and times from there with µs resolution.
 * Classic frames are classic lines, CAN FD frames `CANFD` lines. ASC cannot carry an error
 * frame's id or data (read back as id 0, no data), a bus name (only channel numbers, see
 * `channels.ts`), or the Tx direction (everything is written Rx).
 * `write` rejects with `TraceWriteError` for frames it cannot store.
 */
export function createAscWriter(path: string): TraceWriter {
  const out = new TextSink(new FileSink(path));
  const channels = new ChannelNumbers(MAX_ASC_CHANNEL);
  let startUs: number | null = null;
  let count = 0;
  let closed = false;
  return {
    format: 'asc',
    write(frame) {
      const index = count++;
      if (closed) return Promise.reject(new TraceWriteError(path, index, 'the writer is closed'));
      const channel = frameProblem(frame) ?? channels.channelOf(frame.bus);
      if (typeof channel === 'string') return Promise.reject(new TraceWriteError(path, index, channel));
      const first = startUs === null;
      startUs ??= Math.floor(frame.timestampUs / US_PER_MS) * US_PER_MS;
      const line = `${formatFixed(frame.timestampUs - startUs, 6).padStart(TIME_WIDTH)} ${formatEvent(frame, channel)}`;
      return out.line(first ? `${headerText(startUs)}\n${line}` : line);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (startUs === null) await out.line(headerText(0));
      await out.line('End TriggerBlock');
      await out.close();
    },
  };
}
