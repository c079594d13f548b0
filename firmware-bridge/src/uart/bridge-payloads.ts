/**
 * Payload layouts of the UART bridge packet types (UART-BRIDGE-PROTOCOL.md §4), little-endian.
 * Writers append to a `PacketWriter`; readers take the decoder's buffer and return the value,
 * or a reason string when the payload breaks its layout (the caller counts it as `malformed`).
 * Fixed-layout payloads may be longer than this version knows: minor versions append fields.
 * CAN_BATCH has its own allocation-free reader in bridge-batch.ts.
 */
import type { PacketWriter } from './bridge-codec.ts';
import { CAP_FD, FD_LENGTHS, FLAG_BRS, FLAG_ERR, FLAG_ESI, FLAG_EXT, FLAG_FD, FLAG_RTR, FLAGS_RESERVED, PacketType } from './bridge-protocol.ts';

/** ALLOWLIST entry bit: the id is a 29-bit identifier. */
const ENTRY_EXT = 0x80000000;
/** Largest 29-bit identifier. */
const MAX_EXT_ID = 0x1fffffff;
/** Largest 11-bit identifier. */
const MAX_STD_ID = 0x7ff;
/** Valid CAN FD lengths as a lookup (index = length). */
const IS_FD_LENGTH = Uint8Array.from({ length: 65 }, (_, n) => (FD_LENGTHS.includes(n) ? 1 : 0));

/** Little-endian u16 at `b[i]`. */
export const u16At = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8);
/** Little-endian u32 at `b[i]` (unsigned). */
export const u32At = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** HELLO, host → MCU, 12 bytes. */
export interface Hello {
  major: number;
  minor: number;
  /** Bit n set: forward frames of MCU channel n. */
  channelMask: number;
  /** Period of the host's heartbeats, ms. */
  heartbeatMs: number;
  /** Silence after which the MCU ends the session, ms. */
  timeoutMs: number;
  /** Random; echoed in HELLO_ACK so an old answer is not taken for the new one. */
  nonce: number;
}

/** HELLO_ACK, MCU → host, 20 bytes. */
export interface HelloAck {
  major: number;
  minor: number;
  /** HelloResult. */
  result: number;
  /** CAN channels on the MCU. */
  channels: number;
  /** CAP_* bits. */
  caps: number;
  firmware: [major: number, minor: number, patch: number];
  nonce: number;
  /** MCU clock at sending, µs (wraps at 2^32). */
  mcuTimeUs: number;
  /** Period of the MCU's heartbeats, ms. */
  heartbeatMs: number;
  /** Most allow-list entries the MCU can store per channel. */
  allowlistCapacity: number;
}

export interface AllowEntry {
  id: number;
  extended: boolean;
}

/** ALLOWLIST, host → MCU: 4 + 4 × count bytes. */
export interface AllowList {
  channel: number;
  /** ALLOWLIST_* bits. */
  flags: number;
  entries: AllowEntry[];
}

/** TX_REQUEST, host → MCU: 7 + len bytes. */
export interface TxRequest {
  id: number;
  channel: number;
  /** FLAG_* bits. */
  flags: number;
  data: Uint8Array;
}

/** RESULT, MCU → host, 8 bytes. */
export interface ResultPayload {
  /** Sequence number of the host packet answered. */
  ackSeq: number;
  /** Type of the host packet answered. */
  ackType: number;
  /** Status: 0 = ACK. */
  status: number;
  detail: number;
}

/** HEARTBEAT, MCU → host, 9 bytes (the host's heartbeat has an empty payload). */
export interface McuHeartbeat {
  mcuTimeUs: number;
  /** MCU_AWAITING_HELLO or MCU_RUNNING. */
  state: number;
  /** Frame sequence number the next CAN_BATCH will start with. */
  nextFrameSeq: number;
}

/** ERROR, MCU → host, 6 bytes. */
export interface McuError {
  code: number;
  channel: number;
  detail: number;
}

/** STATS, MCU → host, 8 × u32 (counters since the MCU booted). */
export const MCU_STATS_FIELDS = ['canRxFrames', 'canRxDropped', 'txSent', 'txRefused', 'txFailed', 'hostCrcErrors', 'hostCobsErrors', 'hostSeqGaps'] as const;
export type McuStats = Record<(typeof MCU_STATS_FIELDS)[number], number>;

/** Builds HELLO (§4.1); the header's version byte is `h.major`. Returns the writer's view (see PacketWriter.finish). */
export function writeHello(w: PacketWriter, seq: number, h: Hello): Uint8Array {
  return w.begin(PacketType.HELLO, seq, h.major).u8(h.major).u8(h.minor).u8(h.channelMask).u8(0).u16(h.heartbeatMs).u16(h.timeoutMs).u32(h.nonce).finish();
}

/** Reads a HELLO payload at `b[o, o + len)`; a string says why it is malformed. */
export function readHello(b: Uint8Array, o: number, len: number): Hello | string {
  if (len < 12) return `HELLO payload of ${len} bytes, expected 12`;
  return { major: b[o]!, minor: b[o + 1]!, channelMask: b[o + 2]!, heartbeatMs: u16At(b, o + 4), timeoutMs: u16At(b, o + 6), nonce: u32At(b, o + 8) };
}

/** Builds HELLO_ACK (§4.2); the header's version byte is `a.major`, `seq` is normally 0. */
export function writeHelloAck(w: PacketWriter, seq: number, a: HelloAck): Uint8Array {
  w.begin(PacketType.HELLO_ACK, seq, a.major).u8(a.major).u8(a.minor).u8(a.result).u8(a.channels).u8(a.caps);
  w.u8(a.firmware[0]).u8(a.firmware[1]).u8(a.firmware[2]).u32(a.nonce).u32(a.mcuTimeUs).u16(a.heartbeatMs).u16(a.allowlistCapacity);
  return w.finish();
}

/** Reads a HELLO_ACK payload; a string says why it is malformed. */
export function readHelloAck(b: Uint8Array, o: number, len: number): HelloAck | string {
  if (len < 20) return `HELLO_ACK payload of ${len} bytes, expected 20`;
  return {
    major: b[o]!,
    minor: b[o + 1]!,
    result: b[o + 2]!,
    channels: b[o + 3]!,
    caps: b[o + 4]!,
    firmware: [b[o + 5]!, b[o + 6]!, b[o + 7]!],
    nonce: u32At(b, o + 8),
    mcuTimeUs: u32At(b, o + 12),
    heartbeatMs: u16At(b, o + 16),
    allowlistCapacity: u16At(b, o + 18),
  };
}

/** Builds ALLOWLIST (§4.7). Throws RangeError past 255 entries (one packet's worth). */
export function writeAllowList(w: PacketWriter, seq: number, a: AllowList): Uint8Array {
  w.begin(PacketType.ALLOWLIST, seq).u8(a.channel).u8(a.flags).u16(a.entries.length);
  for (const e of a.entries) w.u32(e.extended ? (e.id | ENTRY_EXT) >>> 0 : e.id);
  return w.finish();
}

/** Reads an ALLOWLIST payload (exact length, valid ids); a string says why it is malformed. */
export function readAllowList(b: Uint8Array, o: number, len: number): AllowList | string {
  if (len < 4) return `ALLOWLIST payload of ${len} bytes, expected at least 4`;
  const count = u16At(b, o + 2);
  if (len !== 4 + 4 * count) return `ALLOWLIST says ${count} entries but carries ${len - 4} bytes`;
  const entries: AllowEntry[] = [];
  for (let k = 0; k < count; k++) {
    const v = u32At(b, o + 4 + 4 * k);
    const extended = (v & ENTRY_EXT) !== 0;
    const id = v & 0x7fffffff;
    if (id > (extended ? MAX_EXT_ID : MAX_STD_ID)) return `ALLOWLIST entry ${k} (0x${v.toString(16)}) is not a valid ${extended ? '29' : '11'}-bit id`;
    entries.push({ id, extended });
  }
  return { channel: b[o]!, flags: b[o + 1]!, entries };
}

/** Builds TX_REQUEST (§4.7); `t.data` must already satisfy `frameProblem`. */
export function writeTxRequest(w: PacketWriter, seq: number, t: TxRequest): Uint8Array {
  return w.begin(PacketType.TX_REQUEST, seq).u32(t.id).u8(t.channel).u8(t.flags).u8(t.data.length).bytes(t.data).finish();
}

/** Reads a TX_REQUEST payload (exact length, frame rules of §4.4); `data` is a copy. */
export function readTxRequest(b: Uint8Array, o: number, len: number): TxRequest | string {
  if (len < 7) return `TX_REQUEST payload of ${len} bytes, expected at least 7`;
  const id = u32At(b, o);
  const flags = b[o + 5]!;
  const n = b[o + 6]!;
  if (len !== 7 + n) return `TX_REQUEST says ${n} data bytes but carries ${len - 7}`;
  const problem = frameProblem(id, flags, n);
  if (problem) return `TX_REQUEST ${problem}`;
  return { id, channel: b[o + 4]!, flags, data: b.slice(o + 7, o + 7 + n) };
}

/** Builds RESULT (§4.6): status 0 = ACK, else the NACK reason. */
export function writeResult(w: PacketWriter, seq: number, r: ResultPayload): Uint8Array {
  return w.begin(PacketType.RESULT, seq).u16(r.ackSeq).u8(r.ackType).u8(r.status).u32(r.detail).finish();
}

/** Reads a RESULT payload; a string says why it is malformed. */
export function readResult(b: Uint8Array, o: number, len: number): ResultPayload | string {
  if (len < 8) return `RESULT payload of ${len} bytes, expected 8`;
  return { ackSeq: u16At(b, o), ackType: b[o + 2]!, status: b[o + 3]!, detail: u32At(b, o + 4) };
}

/** Builds the MCU's HEARTBEAT (§4.3). The host's heartbeat has an empty payload. */
export function writeMcuHeartbeat(w: PacketWriter, seq: number, h: McuHeartbeat): Uint8Array {
  return w.begin(PacketType.HEARTBEAT, seq).u32(h.mcuTimeUs).u8(h.state).u32(h.nextFrameSeq).finish();
}

/** Reads the MCU's HEARTBEAT payload; a string says why it is malformed. */
export function readMcuHeartbeat(b: Uint8Array, o: number, len: number): McuHeartbeat | string {
  if (len < 9) return `HEARTBEAT payload of ${len} bytes, expected 9`;
  return { mcuTimeUs: u32At(b, o), state: b[o + 4]!, nextFrameSeq: u32At(b, o + 5) };
}

/** Builds ERROR (§4.8). */
export function writeMcuError(w: PacketWriter, seq: number, e: McuError): Uint8Array {
  return w.begin(PacketType.ERROR, seq).u8(e.code).u8(e.channel).u32(e.detail).finish();
}

/** Reads an ERROR payload; a string says why it is malformed. */
export function readMcuError(b: Uint8Array, o: number, len: number): McuError | string {
  if (len < 6) return `ERROR payload of ${len} bytes, expected 6`;
  return { code: b[o]!, channel: b[o + 1]!, detail: u32At(b, o + 2) };
}

/** Builds the MCU's STATS report (§4.9). */
export function writeMcuStats(w: PacketWriter, seq: number, s: McuStats): Uint8Array {
  w.begin(PacketType.STATS, seq);
  for (const f of MCU_STATS_FIELDS) w.u32(s[f]);
  return w.finish();
}

/** Reads a STATS report; a string says why it is malformed. */
export function readMcuStats(b: Uint8Array, o: number, len: number): McuStats | string {
  if (len < 4 * MCU_STATS_FIELDS.length) return `STATS payload of ${len} bytes, expected ${4 * MCU_STATS_FIELDS.length}`;
  const s = {} as McuStats;
  MCU_STATS_FIELDS.forEach((f, k) => (s[f] = u32At(b, o + 4 * k)));
  return s;
}

/** FLAG_* bits of a frame as the link's callers describe it. */
export function flagsOf(f: { extended: boolean; fd?: boolean; brs?: boolean; rtr?: boolean }): number {
  return (f.extended ? FLAG_EXT : 0) | (f.fd ? FLAG_FD : 0) | (f.fd && f.brs ? FLAG_BRS : 0) | (f.rtr ? FLAG_RTR : 0);
}

/** FLAG_* bits to send `f` through an MCU with capability bits `caps`, or why it cannot be sent. */
export function txFlags(f: { id: number; extended: boolean; data: Uint8Array; fd?: boolean; brs?: boolean; rtr?: boolean }, caps: number): number | string {
  const fd = f.fd === true || f.data.length > 8;
  if (fd && (caps & CAP_FD) === 0) return `the MCU has no CAN FD; cannot send a ${f.data.length}-byte frame`;
  const flags = flagsOf({ ...f, fd });
  const problem = frameProblem(f.id, flags, f.data.length);
  return problem ? `frame ${problem}` : flags;
}

/**
 * Why a frame record's fields are impossible (§4.4), or null when they are fine: reserved flag
 * bits, an id too wide for its format, a length that is not a CAN/CAN FD length, BRS/ESI
 * without FD, RTR with FD or with data. Error frames (FLAG_ERR) carry up to 29 bits of class.
 */
export function frameProblem(id: number, flags: number, len: number): string | null {
  if ((flags & FLAGS_RESERVED) !== 0) return `has reserved flag bits set (flags 0x${flags.toString(16)})`;
  const wide = (flags & FLAG_EXT) !== 0 || (flags & FLAG_ERR) !== 0;
  if (id > (wide ? MAX_EXT_ID : MAX_STD_ID)) return `id 0x${id.toString(16)} does not fit ${wide ? 29 : 11} bits`;
  if ((flags & FLAG_FD) !== 0) {
    if (len > 64 || IS_FD_LENGTH[len] === 0) return `has ${len} data bytes, not a CAN FD length`;
    if ((flags & FLAG_RTR) !== 0) return 'is a CAN FD frame with RTR';
    return null;
  }
  if (len > 8) return `has ${len} data bytes in a classic CAN frame`;
  if ((flags & (FLAG_BRS | FLAG_ESI)) !== 0) return 'has BRS/ESI without FD';
  if ((flags & FLAG_RTR) !== 0 && len !== 0) return 'is a remote request with data';
  return null;
}
