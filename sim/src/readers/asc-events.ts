import type { CanFrame } from '../../../dbc/index.ts';
import type { ChannelNames } from './channels.ts';
import { parseHexByte } from './decimal.ts';
import { dlcToLength, isFdLength, MAX_EXTENDED_ID, MAX_STANDARD_ID } from './frame-rules.ts';
import type { LineResult } from './text-reader.ts';

/*
 * The event lines of a Vector ASC file that carry CAN frames, split on white space. Fields in
 * [brackets] are optional; trailing fields (Length = ..., BitCount = ..., CRC, bit timings) are
 * ignored.
 *
 * ```
 *   2.501000 1  ErrorFrame [details]
 *   3.098426 1  18EBFF00x       Rx   d 8 01 A0 0F A6 60 3B D1 40 [Length = ...]
 *   2.510001 2  100             Tx   r [dlc]
 *  30.005071 CANFD   2 Rx   300 [SymbolicName]  1 0 8  8 01 02 03 04 05 06 07 08 [duration ...]
 *            CANFD  ch dir  id                brs esi dlc len data
 *  30.806898 CANFD   5 Tx ErrorFrame [details]
 * ```
 *
 * Ids end in `x` when extended; ids, DLCs and data are hex, or decimal after `base dec`. A CANFD
 * line with data length 0 but a DLC above 0 is a classic remote frame (what CANoe logs for
 * remote frames on CAN FD channels). Other timestamped lines (`CAN 1 Status:...`,
 * `1 Statistic: ...`, `J1939TP ...`, `Start of measurement`) are valid non-frame events.
 */

/** How the header says numbers are written, and the bus names of channels. */
export interface AscContext {
  /** 16 after `base hex` (the default), 10 after `base dec`. */
  base: number;
  readonly channels: ChannelNames;
}

/** A whole decimal number. */
const DECIMAL = /^\d+$/;
/** Payload bytes of a classic CAN frame at most. */
const MAX_CLASSIC_BYTES = 8;
/** `frame()` flag: CAN FD. */
const FD = 1;
/** `frame()` flag: bit-rate switch. */
const BRS = 2;
/** `frame()` flag: error state indicator. */
const ESI = 4;
/** `frame()` flag: remote frame. */
const RTR = 8;
/** `frame()` flag: error frame. */
const ERROR = 16;
/** An empty payload, shared by frames without data. */
const NO_DATA = new Uint8Array(0);

/** Hex digits only. */
const HEX = /^[0-9A-Fa-f]+$/;

/** Parses an unsigned integer in `base`, or NaN. */
function parseUnsigned(text: string, base: number): number {
  return (base === 16 ? HEX : DECIMAL).test(text) ? parseInt(text, base) : NaN;
}

/** The channel of a token, or a reason. */
function channelOf(token: string | undefined): number | string {
  if (token === undefined || !DECIMAL.test(token)) return `expected a channel number, not "${token ?? ''}"`;
  const channel = Number(token);
  return channel >= 1 ? channel : 'channel 0 does not exist (channels count from 1)';
}

/** Parses `18EBFF00x` / `100` into id and extended flag, or a reason. */
interface ParsedId {
  id: number;
  extended: boolean;
}

function parseId(token: string, base: number): ParsedId | string {
  const extended = token.endsWith('x') || token.endsWith('X');
  const id = parseUnsigned(extended ? token.slice(0, -1) : token, base);
  if (Number.isNaN(id)) return `expected an id, not "${token}"`;
  const max = extended ? MAX_EXTENDED_ID : MAX_STANDARD_ID;
  return id > max ? `${extended ? 'extended' : 'standard'} id ${token} exceeds 0x${max.toString(16).toUpperCase()}` : { id, extended };
}

/** Reads `count` data bytes from `tokens[from...]`, or a reason. */
function parseData(tokens: readonly string[], from: number, count: number, base: number): Uint8Array | string {
  if (count === 0) return NO_DATA;
  if (tokens.length < from + count) return `expected ${count} data bytes, found ${Math.max(0, tokens.length - from)}`;
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const token = tokens[from + i]!;
    const byte = base === 16 ? parseHexByte(token) : token.length <= 3 ? parseUnsigned(token, base) : NaN;
    if (!(byte >= 0 && byte <= 0xff)) return `expected a data byte, not "${token}"`;
    data[i] = byte;
  }
  return data;
}

/** A frame; the flags are the non-default fields. Positional: one object per line, no spreads. */
function frame(timestampUs: number, bus: string, id: ParsedId | null, flags: number, data: Uint8Array = NO_DATA): CanFrame {
  return {
    timestampUs, bus, id: id?.id ?? 0, extended: id?.extended ?? false, fd: (flags & FD) !== 0, brs: (flags & BRS) !== 0,
    esi: (flags & ESI) !== 0, rtr: (flags & RTR) !== 0, error: (flags & ERROR) !== 0, data,
  };
}

/**
 * Parses an event line (tokens after the timestamp included) into a frame, null for a valid
 * event that is not a frame, or a reason why it is malformed.
 */
export function parseAscEvent(tokens: readonly string[], timestampUs: number, ctx: AscContext): LineResult {
  if (tokens[1] === 'CANFD') return parseFdEvent(tokens, timestampUs, ctx);
  if (!DECIMAL.test(tokens[1] ?? '')) return null;
  const errorFrame = tokens[2]?.toLowerCase() === 'errorframe';
  if (!errorFrame && tokens[3] !== 'Rx' && tokens[3] !== 'Tx') return null;
  const channel = channelOf(tokens[1]);
  if (typeof channel === 'string') return channel;
  const bus = ctx.channels.busOf(channel);
  if (errorFrame) return frame(timestampUs, bus, null, ERROR);
  const id = parseId(tokens[2]!, ctx.base);
  if (typeof id === 'string') return id;
  if (tokens[4] === 'r') return frame(timestampUs, bus, id, RTR);
  if (tokens[4] !== 'd') return `expected "d" (data) or "r" (remote) after ${tokens[3]}, not "${tokens[4] ?? ''}"`;
  const dlc = parseUnsigned(tokens[5] ?? '', ctx.base);
  if (!(dlc <= 15)) return `expected a DLC 0..15, not "${tokens[5] ?? ''}"`;
  const data = parseData(tokens, 6, Math.min(dlc, MAX_CLASSIC_BYTES), ctx.base);
  return typeof data === 'string' ? data : frame(timestampUs, bus, id, 0, data);
}

/** The `CANFD` line; see the file comment. */
function parseFdEvent(tokens: readonly string[], timestampUs: number, ctx: AscContext): LineResult {
  const channel = channelOf(tokens[2]);
  if (typeof channel === 'string') return channel;
  if (tokens[3] !== 'Rx' && tokens[3] !== 'Tx') return `expected Rx or Tx, not "${tokens[3] ?? ''}"`;
  const bus = ctx.channels.busOf(channel);
  if (tokens[4]?.toLowerCase() === 'errorframe') return frame(timestampUs, bus, null, FD | ERROR);
  const id = parseId(tokens[4] ?? '', ctx.base);
  if (typeof id === 'string') return id;
  // A symbolic message name may stand between id and BRS.
  const k = DECIMAL.test(tokens[5] ?? '') ? 5 : 6;
  const [brs, esi, dlcText, lengthText] = [tokens[k], tokens[k + 1], tokens[k + 2] ?? '', tokens[k + 3] ?? ''];
  if ((brs !== '0' && brs !== '1') || (esi !== '0' && esi !== '1')) return `expected BRS and ESI flags 0 or 1, not "${brs ?? ''}" "${esi ?? ''}"`;
  const dlc = parseUnsigned(dlcText, ctx.base);
  const length = DECIMAL.test(lengthText) ? Number(lengthText) : NaN;
  if (!(dlc <= 15)) return `expected a DLC 0..15, not "${dlcText}"`;
  if (length === 0 && dlc > 0) return frame(timestampUs, bus, id, RTR);
  if (!isFdLength(length)) return `expected a CAN FD data length, not "${lengthText}"`;
  if (dlcToLength(dlc, true) !== length) return `DLC ${dlcText} does not give ${length} data bytes`;
  const data = parseData(tokens, k + 4, length, ctx.base);
  return typeof data === 'string' ? data : frame(timestampUs, bus, id, FD | (brs === '1' ? BRS : 0) | (esi === '1' ? ESI : 0), data);
}
