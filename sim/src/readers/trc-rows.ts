import type { CanFrame } from '../../../dbc/index.ts';
import type { ChannelNames } from './channels.ts';
import { parseHexByte, parseScaled } from './decimal.ts';
import { dlcToLength, isFdLength, MAX_EXTENDED_ID } from './frame-rules.ts';
import type { LineResult } from './text-reader.ts';

/*
 * The message rows of PEAK TRC files, split on white space. Version 1.x rows have fixed
 * columns; 2.x rows follow the `;$COLUMNS=` header letters (one token each, D takes the rest):
 *
 * ```
 * 1.0  N)  O(ms)  ID  DLC  data...|RTR                     ID FFFFFFFF: bus info, not a frame
 * 1.1  N)  O  Type  ID  DLC  data...|RTR                   Type: Rx Tx | Error | Warng (status)
 * 1.2  N)  O  Bus  Type  ID  DLC  data...|RTR
 * 1.3  N)  O  Bus  Type  ID  -  DLC  data...|RTR
 * 2.0  N  O  T  I  d  l  D                                 l: data length in bytes
 * 2.1  N  O  T  B  I  d  R  L  D                           L: DLC
 *      T: DT data  RR remote  FD FB(BRS) FE(ESI) BI(BRS+ESI) CAN FD  ER error
 *         ST status  EC error counters  EV event (valid rows, not frames)
 * ```
 *
 * An id of more than 4 hex digits is extended (PEAK writes 4 for standard, 8 for extended);
 * `-` (ER rows) reads as id 0. Times O are milliseconds from the file's start.
 */

/** A 2.x column letter's meaning, for error texts. */
export const TRC_COLUMN_NAMES: Readonly<Record<string, string>> = {
  N: 'message number', O: 'time offset', T: 'type', B: 'bus', I: 'id', d: 'direction',
  R: 'reserved', l: 'data length', L: 'DLC', D: 'data',
};
/** Default columns of each 2.x version when the header has no `$COLUMNS`. */
export const TRC_DEFAULT_COLUMNS: Readonly<Record<string, string>> = { '2.0': 'NOTIdlD', '2.1': 'NOTBIdRLD' };
/** Row types of 2.x that are valid but not frames. */
const NON_FRAME_TYPES = new Set(['ST', 'EC', 'EV']);
/** Row types of 2.x CAN FD data frames. */
const FD_TYPES = new Set(['FD', 'FB', 'FE', 'BI']);
/** A 1.x message number `12)`. */
const ROW_NUMBER_V1 = /^\d+\)$/;
/** A whole decimal number. */
const DECIMAL = /^\d+$/;
/** An id: 1 to 8 hex digits. */
const HEX = /^[0-9A-Fa-f]{1,8}$/;
/** Hex digits up to which an id is standard. */
const STANDARD_ID_DIGITS = 4;
/** The 1.0 id of a bus information row. */
const BUS_INFO_ID = 'FFFFFFFF';
/** The payload of frames without data (shared: never written to). */
const NO_DATA = new Uint8Array(0);

/** What a row parser needs from the header. */
export interface TrcContext {
  readonly channels: ChannelNames;
  /** Start of the measurement in µs since the epoch, 0 without `$STARTTIME`. */
  readonly startUs: number;
}

/** A frame; `flags` sets what differs from a classic data frame. */
function frame(timestampUs: number, bus: string, id: number, extended: boolean, flags: FrameFlags): CanFrame {
  return {
    timestampUs, bus, id, extended, fd: flags.fd ?? false, brs: flags.brs ?? false, esi: flags.esi ?? false,
    rtr: flags.rtr ?? false, error: flags.error ?? false, data: flags.data ?? NO_DATA,
  };
}

/** The fields of a frame besides time, bus and id. */
type FrameFlags = Partial<Pick<CanFrame, 'fd' | 'brs' | 'esi' | 'rtr' | 'error' | 'data'>>;

function parseTime(token: string | undefined, ctx: TrcContext): number | string {
  const offsetUs = parseScaled(token ?? '', 3);
  return Number.isNaN(offsetUs) ? `expected a time offset in ms, not "${token ?? ''}"` : ctx.startUs + offsetUs;
}

function parseBus(token: string | undefined, ctx: TrcContext): string {
  return DECIMAL.test(token ?? '') && Number(token) >= 1 ? ctx.channels.busOf(Number(token)) : '';
}

function parseId(token: string | undefined): { id: number; extended: boolean } | string {
  if (token === '-') return { id: 0, extended: false };
  if (token === undefined || !HEX.test(token)) return `expected an id of 1 to 8 hex digits, not "${token ?? ''}"`;
  const id = parseInt(token, 16);
  const extended = token.length > STANDARD_ID_DIGITS;
  if (id > MAX_EXTENDED_ID) return `id ${token} exceeds 0x1FFFFFFF`;
  return { id, extended };
}

function parseData(tokens: readonly string[], from: number, count: number): Uint8Array | string {
  if (tokens.length - from !== count) return `expected ${count} data bytes, found ${Math.max(0, tokens.length - from)}`;
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const byte = parseHexByte(tokens[from + i]!);
    if (byte < 0) return `expected a data byte, not "${tokens[from + i]}"`;
    data[i] = byte;
  }
  return data;
}

/**
 * Parses a 1.x row. `busColumn` (1.2, 1.3) and `reserved` (1.3) say which optional columns
 * the version has.
 */
export function parseTrcRowV1(tokens: readonly string[], version: string, ctx: TrcContext): LineResult {
  if (!ROW_NUMBER_V1.test(tokens[0] ?? '')) return 'expected a message number like "12)"';
  const time = parseTime(tokens[1], ctx);
  if (typeof time === 'string') return time;
  const hasType = version !== '1.0';
  const hasBus = version === '1.2' || version === '1.3';
  let k = 2;
  const bus = hasBus ? parseBus(tokens[k++], ctx) : ctx.channels.busOf(1);
  if (bus === '') return `expected a bus number, not "${tokens[2] ?? ''}"`;
  const type = hasType ? tokens[k++] : 'Rx';
  if (type === 'Warng') return null;
  if (type !== 'Rx' && type !== 'Tx' && type !== 'Error') return `expected a row type Rx, Tx, Error or Warng, not "${type ?? ''}"`;
  if (version === '1.0' && tokens[k] === BUS_INFO_ID) return null;
  const id = parseId(tokens[k++]);
  if (typeof id === 'string') return id;
  if (version === '1.3' && tokens[k++] !== '-') return `expected "-" in the reserved column, not "${tokens[k - 1] ?? ''}"`;
  const dlcText = tokens[k++] ?? '';
  const dlc = DECIMAL.test(dlcText) ? Number(dlcText) : NaN;
  if (!(dlc <= 15)) return `expected a DLC 0..15, not "${dlcText}"`;
  if (tokens[k] === 'RTR' && tokens.length === k + 1) return frame(time, bus, id.id, id.extended, { rtr: true });
  const data = parseData(tokens, k, dlcToLength(dlc, false));
  if (typeof data === 'string') return data;
  return frame(time, bus, id.id, id.extended, { error: type === 'Error', data });
}

/** Where each 2.x column is in a row's tokens (-1: absent), from the `$COLUMNS` letters. */
export interface TrcColumns {
  readonly letters: string;
  readonly N: number;
  readonly O: number;
  readonly T: number;
  readonly B: number;
  readonly I: number;
  /** Data length in bytes (2.0), or -1. */
  readonly l: number;
  /** DLC (2.1), or -1. */
  readonly L: number;
  readonly D: number;
}

/** The column positions of `letters` (validated by the header parser). */
export function trcColumns(letters: string): TrcColumns {
  const at = (c: string): number => letters.indexOf(c);
  return { letters, N: at('N'), O: at('O'), T: at('T'), B: at('B'), I: at('I'), l: at('l'), L: at('L'), D: at('D') };
}

/** Parses a 2.x row laid out as `columns`. */
export function parseTrcRowV2(tokens: readonly string[], columns: TrcColumns, ctx: TrcContext): LineResult {
  const type = tokens[columns.T] ?? '';
  if (NON_FRAME_TYPES.has(type)) return null;
  const fd = FD_TYPES.has(type);
  if (!fd && type !== 'DT' && type !== 'RR' && type !== 'ER') return `expected a row type (DT, FD, FB, FE, BI, RR, ER, ST, EC, EV), not "${type}"`;
  const number = tokens[columns.N] ?? '';
  if (!DECIMAL.test(number)) return `expected a message number, not "${number}"`;
  const time = parseTime(tokens[columns.O], ctx);
  if (typeof time === 'string') return time;
  const bus = columns.B >= 0 ? parseBus(tokens[columns.B], ctx) : ctx.channels.busOf(1);
  if (bus === '') return `expected a bus number, not "${tokens[columns.B] ?? ''}"`;
  const id = parseId(tokens[columns.I]);
  if (typeof id === 'string') return id;
  const byLength = columns.l >= 0;
  const lengthText = tokens[byLength ? columns.l : columns.L] ?? '';
  const value = DECIMAL.test(lengthText) ? Number(lengthText) : NaN;
  const length = byLength ? value : dlcToLength(value, fd);
  if (!(value <= (byLength ? 64 : 15)) || (fd ? !isFdLength(length) : length > 8)) {
    return `expected a ${byLength ? 'data length' : 'DLC'} for a ${type} row, not "${lengthText}"`;
  }
  if (type === 'RR') return frame(time, bus, id.id, id.extended, { rtr: true });
  const data = parseData(tokens, columns.D, length);
  if (typeof data === 'string') return data;
  if (type === 'ER') return frame(time, bus, id.id, id.extended, { error: true, data });
  return frame(time, bus, id.id, id.extended, { fd, brs: type === 'FB' || type === 'BI', esi: type === 'FE' || type === 'BI', data });
}
