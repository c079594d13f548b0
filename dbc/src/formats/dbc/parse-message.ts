import type { ParsedDbc, ParsedMessage, ParsedSignal } from './parsed.ts';
import type { Scanner } from './scanner.ts';

/** Bit 31 of a BO_ id marks a 29-bit identifier. */
export const EXTENDED_ID_FLAG = 0x80000000;
/** Largest 29-bit identifier. */
export const MAX_EXTENDED_ID = 0x1fffffff;
/** Largest 11-bit identifier. */
export const MAX_STANDARD_ID = 0x7ff;
/** Vector's pseudo-message that parks signals not sent in any frame. */
export const INDEPENDENT_SIGNALS_ID = 0xc0000000;
/** Its name, which some exporters pair with other ids (0x40000000). */
export const INDEPENDENT_SIGNALS_NAME = 'VECTOR__INDEPENDENT_SIG_MSG';
/** Largest frame payload (CAN FD). */
export const MAX_FRAME_BYTES = 64;

/**
 * `BO_ <id> <name> : <size> <transmitter>`
 *
 * Tolerated: a space before `:`, names starting with a digit, a 29-bit id written without the
 * 0x80000000 flag (warned), a missing transmitter.
 */
export function parseMessage(s: Scanner, out: ParsedDbc, start: number): ParsedMessage {
  const location = s.location(start);
  const idAt = (s.skipSpace(), s.pos);
  const rawId = s.uint('message id (decimal)');
  if (rawId > 0xffffffff) throw s.error('message id of at most 32 bits', idAt);
  const name = s.ident('message name');
  s.expect(':', "':' after the message name");
  const sizeAt = (s.skipSpace(), s.pos);
  const length = s.uint('message size in bytes');
  if (length > MAX_FRAME_BYTES) throw s.error(`message size of at most ${MAX_FRAME_BYTES} bytes`, sizeAt);
  const senders: string[] = [];
  if (!s.atLineEnd()) {
    const tx = s.tryIdent();
    if (tx === null) throw s.error('transmitter node name or end of line');
    if (tx !== 'Vector__XXX') senders.push(tx);
  }

  const { id, extended } = resolveId(s, out, rawId, name, idAt, location);
  return {
    id,
    rawId,
    extended,
    name,
    length,
    isFd: length > 8,
    senders,
    signals: [],
    comment: null,
    attributes: {},
    cycleTimeMs: null,
    signalGroups: [],
    location,
  };
}

/** Bits 29 and 30 of a BO_ id, which no CAN id uses; some exporters leave them set. */
const RESERVED_ID_BITS = 0x60000000;

/** Splits a BO_ id into the CAN id and its format, warning about what real files get wrong. */
function resolveId(
  s: Scanner,
  out: ParsedDbc,
  rawId: number,
  name: string,
  idAt: number,
  location: ParsedMessage['location'],
): { id: number; extended: boolean } {
  if (rawId === INDEPENDENT_SIGNALS_ID || name === INDEPENDENT_SIGNALS_NAME) return { id: rawId, extended: true };
  const flagged = rawId >= EXTENDED_ID_FLAG;
  const unflagged = flagged ? rawId - EXTENDED_ID_FLAG : rawId;
  if (!flagged && unflagged <= MAX_STANDARD_ID) return { id: unflagged, extended: false };
  if (unflagged & RESERVED_ID_BITS) {
    const id = unflagged & MAX_EXTENDED_ID;
    out.warnings.push({
      code: 'ID_RESERVED_BITS',
      message: `message ${name}: id ${rawId} (0x${rawId.toString(16)}) sets bits 29-30; read as 29-bit id 0x${id.toString(16)}`,
      location,
    });
    return { id, extended: true };
  }
  if (unflagged > MAX_EXTENDED_ID) throw s.error('a CAN id (11-bit, or 29-bit with or without flag 0x80000000)', idAt);
  if (!flagged) {
    out.warnings.push({
      code: 'EXTENDED_ID_WITHOUT_FLAG',
      message: `message ${name}: id ${rawId} (0x${rawId.toString(16)}) exceeds 11 bits; read as a 29-bit id`,
      location,
    });
  }
  return { id: unflagged, extended: true };
}

/**
 * ` SG_ <name> [M|mN|mNM] : <start>|<length>@<0|1><+|-> (<factor>,<offset>) [<min>|<max>] "<unit>" <receivers>`
 */
export function parseSignal(s: Scanner, out: ParsedDbc, start: number): ParsedSignal {
  const location = s.location(start);
  const name = s.ident('signal name');
  let isMultiplexer = false;
  let muxValue: number | null = null;
  if (s.peek() !== ':') {
    const at = s.pos;
    const ind = s.ident("multiplexer indicator (M, mN or mNM) or ':'");
    let m = /^(?:(M)|m(\d+)(M)?)$/.exec(ind);
    if (!m && ind === 'm') {
      // vw_pq.dbc writes a switch as a lone lower-case `m`.
      out.warnings.push({ code: 'MUX_INDICATOR_CASE', message: `signal ${name}: lone 'm' read as switch 'M'`, location });
      m = /(M)/.exec('M');
    }
    if (!m) throw s.error("multiplexer indicator (M, mN or mNM) or ':'", at);
    isMultiplexer = m[1] === 'M' || m[3] === 'M';
    muxValue = m[2] === undefined ? null : Number(m[2]);
  }
  s.expect(':', "':' before the signal's bit layout");
  const startAt = (s.skipSpace(), s.pos);
  const startBit = s.uint('start bit');
  // Beyond bit 511 no frame has the bit; larger numbers would also wrap in 32-bit arithmetic.
  if (startBit > MAX_FRAME_BYTES * 8 - 1) throw s.error(`start bit 0..${MAX_FRAME_BYTES * 8 - 1}`, startAt);
  s.expect('|', "'|' between start bit and length");
  const lenAt = (s.skipSpace(), s.pos);
  const length = s.uint('signal length in bits');
  if (length < 1 || length > 64) throw s.error('signal length of 1 to 64 bits', lenAt);
  s.expect('@', "'@' before the byte order");
  const order = s.peek();
  if (order !== '0' && order !== '1') throw s.error("byte order '0' (Motorola) or '1' (Intel)");
  s.pos++;
  const sign = s.peek();
  if (sign !== '+' && sign !== '-') throw s.error("'+' (unsigned) or '-' (signed)");
  s.pos++;
  s.expect('(', "'(' before factor,offset");
  const factor = s.number('factor');
  s.expect(',', "',' between factor and offset");
  const offset = s.number('offset');
  s.expect(')', "')' after the offset");
  const [minimum, maximum] = s.range();
  const unit = s.string('unit string in double quotes');
  const receivers: string[] = [];
  while (!s.atLineEnd()) {
    if (s.accept(',')) continue;
    const r = s.tryIdent();
    if (r === null) throw s.error('receiver node name or end of line');
    if (r !== 'Vector__XXX') receivers.push(r);
  }
  return {
    name,
    startBit,
    length,
    byteOrder: order === '1' ? 'little_endian' : 'big_endian',
    signed: sign === '-',
    valueType: 'integer',
    factor,
    offset,
    minimum,
    maximum,
    unit,
    receivers,
    isMultiplexer,
    multiplexerSignal: null,
    multiplexerIds: null,
    muxValue,
    choices: null,
    comment: null,
    attributes: {},
    initialRaw: null,
    location,
  };
}
