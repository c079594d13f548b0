import type { CanFrame } from '../../../dbc/index.ts';

/** SocketCAN flag in a 32-bit id marking an error frame. */
const CAN_ERR_FLAG = 0x20000000;
/** CAN FD flags nibble after `##`: bit-rate switch. */
const CANFD_BRS = 0x01;
/** CAN FD flags nibble after `##`: error state indicator. */
const CANFD_ESI = 0x02;
/** Payload sizes a CAN FD frame can have. */
const FD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]);

const LINE = /^\((\d+)\.(\d{1,9})\)\s+(\S+)\s+([0-9A-Fa-f]+)(##?)(\S*)$/;
const HEX = /^[0-9A-Fa-f]*$/;

/**
 * Parses one line of a can-utils `candump -l` log, e.g. `(1436509052.249713) vcan0 044#2A366C2BBA`
 * (also `123##1DEADBEEF` for CAN FD and `123#R` for remote frames). Returns a reason string
 * instead of a frame when the line is malformed, so callers can name file:line.
 */
export function parseCandumpLine(line: string): CanFrame | string {
  const m = LINE.exec(line.trim());
  if (!m) return 'expected "(seconds.micros) interface ID#DATA"';
  const [, sec, frac, bus, idHex, sep, rest] = m as unknown as [string, string, string, string, string, string, string];
  const timestampUs = Number(sec) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6)) + (frac.length > 6 ? Number(`0.${frac.slice(6)}`) : 0);
  if (idHex.length !== 3 && idHex.length !== 8) return `id must have 3 (standard) or 8 (extended) hex digits, not ${idHex.length}`;
  const raw = parseInt(idHex, 16);
  const extended = idHex.length === 8;
  const error = extended && (raw & CAN_ERR_FLAG) !== 0;
  const id = extended ? raw & 0x1fffffff : raw;
  if (!extended && id > 0x7ff) return `standard id ${idHex} exceeds 0x7FF`;
  // An error frame's 8 digits come from CAN_ERR_FLAG, not from a 29-bit id: it is not extended.
  const frame: CanFrame = { timestampUs, bus, id, extended: extended && !error, fd: sep === '##', brs: false, esi: false, rtr: false, error, data: new Uint8Array(0) };
  let payload = rest;
  if (frame.fd) {
    const flags = parseInt(payload.charAt(0), 16);
    if (Number.isNaN(flags)) return 'CAN FD frame needs a flags digit after ##';
    frame.brs = (flags & CANFD_BRS) !== 0;
    frame.esi = (flags & CANFD_ESI) !== 0;
    payload = payload.slice(1);
  } else if (payload.startsWith('R') || payload.startsWith('r')) {
    frame.rtr = true;
    // can-utils writes the asked length after R when it is not 0 (`123#R4`).
    if (payload.length > 1) {
      const asked = payload.length === 2 ? parseInt(payload.charAt(1), 16) : NaN;
      if (!(asked >= 0 && asked <= 8)) return `remote frame length must be one digit 0-8, not "${payload.slice(1)}"`;
      frame.rtrLength = asked;
    }
    return frame;
  }
  payload = payload.replace(/\./g, '');
  if (!HEX.test(payload) || payload.length % 2 !== 0) return `data must be an even number of hex digits, not "${payload}"`;
  const length = payload.length / 2;
  if (frame.fd ? !FD_LENGTHS.has(length) : length > 8) return `${length} data bytes is not a valid ${frame.fd ? 'CAN FD' : 'CAN'} length`;
  frame.data = Uint8Array.from(Buffer.from(payload, 'hex'));
  return frame;
}

/** Formats a frame as a `candump -l` line (byte-compatible with can-utils). */
export function formatCandumpLine(f: CanFrame): string {
  // Round first: rounding only the fraction could give "(1.1000000)".
  const totalUs = Math.round(f.timestampUs);
  const sec = Math.floor(totalUs / 1e6);
  const us = totalUs - sec * 1e6;
  const id = f.extended || f.error
    ? ((f.id | (f.error ? CAN_ERR_FLAG : 0)) >>> 0).toString(16).toUpperCase().padStart(8, '0')
    : f.id.toString(16).toUpperCase().padStart(3, '0');
  const data = Buffer.from(f.data).toString('hex').toUpperCase();
  let body: string;
  if (f.fd) body = `${id}##${((f.brs ? CANFD_BRS : 0) | (f.esi ? CANFD_ESI : 0)).toString(16).toUpperCase()}${data}`;
  else if (f.rtr) body = `${id}#R${f.rtrLength ? f.rtrLength.toString(16) : ''}`;
  else body = `${id}#${data}`;
  return `(${sec}.${String(us).padStart(6, '0')}) ${f.bus} ${body}`;
}
