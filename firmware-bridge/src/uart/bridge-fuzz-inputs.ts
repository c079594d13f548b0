/**
 * Seeded inputs for fuzzing the UART bridge decoders (see bridge-fuzz.ts): random bytes, random
 * COBS frames, random payloads under a correct header and CRC, valid MCU streams, and valid
 * streams with damage. `makeBridgeFuzzInput(seed, i)` is the same bytes on every machine.
 */
import { xorshift32 } from '../../../dbc/index.ts';
import { addRecord, beginBatch, finishBatch, MAX_BATCH_FRAMES, recordFits } from './bridge-batch.ts';
import { encodePacket, hexOf, PacketWriter } from './bridge-codec.ts';
import { writeHelloAck, writeMcuError, writeMcuHeartbeat, writeMcuStats, writeResult } from './bridge-payloads.ts';
import { FD_LENGTHS, FLAG_BRS, FLAG_ERR, FLAG_ESI, FLAG_EXT, FLAG_FD, FLAG_RTR, PacketType } from './bridge-protocol.ts';
import { cobsEncode, cobsMaxEncodedLength } from './cobs.ts';

export const FUZZ_MODES = ['random', 'cobs-random', 'random-crc', 'valid', 'damaged', 'damaged', 'damaged', 'damaged'] as const;
export type FuzzMode = (typeof FUZZ_MODES)[number];

export interface BridgeFuzzInput {
  index: number;
  mode: FuzzMode;
  bytes: Uint8Array;
  /** Frames (channel 0) of the packets as encoded, by key, with multiplicity. */
  sentFrames: Map<string, number>;
  /** Hex of every packet as encoded (before COBS). */
  sentPackets: Set<string>;
  /** Damage applied, in order (for the finding's report). */
  mutations: string[];
}

/** Identity of a delivered frame: id, FLAG_* bits and data. */
export function frameKey(id: number, flags: number, data: Uint8Array, start = 0, end = data.length): string {
  return `${id.toString(16)}/${flags.toString(16)}/${hexOf(data, start, end)}`;
}

/** Input `index` of the run with `seed`. */
export function makeBridgeFuzzInput(seed: number, index: number): BridgeFuzzInput {
  const rnd = xorshift32((seed * 0x9e3779b1) ^ (index * 0x85ebca6b) ^ 0x5bd1e995);
  const mode = FUZZ_MODES[index % FUZZ_MODES.length]!;
  const input: BridgeFuzzInput = { index, mode, bytes: new Uint8Array(0), sentFrames: new Map(), sentPackets: new Set(), mutations: [] };
  if (mode === 'random') input.bytes = randomBytes(rnd, rnd() % 2048, rnd() % 3 === 0 ? 16 : 256);
  else if (mode === 'cobs-random') input.bytes = cobsRandom(rnd);
  else if (mode === 'random-crc') input.bytes = randomCrc(rnd);
  else input.bytes = validStream(rnd, input);
  if (mode === 'damaged') input.bytes = damage(rnd, input.bytes, input.mutations);
  return input;
}

/** Random bytes; about one in `zeroOneIn` is 0x00 so frames of all lengths appear. */
function randomBytes(rnd: () => number, n: number, zeroOneIn: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (rnd() % zeroOneIn === 0 ? 0 : rnd() & 0xff));
}

function cobsFrame(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(raw.length) + 1);
  return out.subarray(0, cobsEncode(raw, 0, raw.length, out, 0) + 1);
}

/** Valid COBS frames of random content, mostly with a version-1 header (CRC almost never right). */
function cobsRandom(rnd: () => number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let k = 1 + (rnd() % 6); k > 0; k--) {
    const raw = randomBytes(rnd, rnd() % 64, 5);
    if (raw.length > 6 && rnd() % 2) [raw[0], raw[1], raw[4], raw[5]] = [1, PacketType.CAN_BATCH, (raw.length - 8) & 0xff, 0];
    parts.push(cobsFrame(raw));
  }
  return Buffer.concat(parts);
}

/** Packets with random payloads but correct header and CRC: the payload readers' input. */
function randomCrc(rnd: () => number): Uint8Array {
  const types = [PacketType.CAN_BATCH, PacketType.CAN_BATCH, PacketType.HEARTBEAT, PacketType.RESULT, PacketType.ERROR, PacketType.STATS, PacketType.HELLO_ACK, 0x7f];
  const parts: Uint8Array[] = [];
  for (let k = 1, n = 1 + (rnd() % 6); k <= n; k++) {
    const payload = randomBytes(rnd, rnd() % 3 === 0 ? rnd() % 40 : rnd() % 300, 4);
    if (payload.length >= 5 && rnd() % 2) payload[4] = 1 + (rnd() % 3); // plausible record counts
    parts.push(encodePacket(types[rnd() % types.length]!, k, payload));
  }
  return Buffer.concat(parts);
}

/** A valid frame's fields: FLAG_* bits consistent, id within its width, a legal length. */
function randomFrame(rnd: () => number): { id: number; flags: number; data: Uint8Array } {
  const t = rnd() % 8;
  const fd = t === 3 || t === 4;
  let flags = (t < 3 || (fd && rnd() % 2) ? FLAG_EXT : 0) | (fd ? FLAG_FD : 0) | (t === 5 ? FLAG_RTR : 0) | (t === 6 ? FLAG_ERR : 0);
  if (fd) flags |= (rnd() % 2 ? FLAG_BRS : 0) | (rnd() % 4 === 0 ? FLAG_ESI : 0);
  const id = flags & (FLAG_EXT | FLAG_ERR) ? rnd() & 0x1fffffff : rnd() & 0x7ff;
  const len = t === 5 ? 0 : fd ? FD_LENGTHS[rnd() % FD_LENGTHS.length]! : rnd() % 9;
  return { id, flags, data: randomBytes(rnd, len, 6) };
}

/** What an MCU sends in a session: batches, heartbeats, results, errors, stats, idle 00s. */
function validStream(rnd: () => number, input: BridgeFuzzInput): Uint8Array {
  const w = new PacketWriter();
  const parts: Uint8Array[] = [];
  let frameSeq = 0;
  for (let seq = 1, n = 1 + (rnd() % 6); seq <= n; seq++) {
    const r = rnd() % 10;
    let wire: Uint8Array;
    if (r < 6) {
      beginBatch(w, seq, frameSeq);
      let count = 0;
      for (let want = 1 + (rnd() % 24); count < want && count < MAX_BATCH_FRAMES; count++) {
        const f = randomFrame(rnd);
        if (!recordFits(w, f.data.length)) break;
        const channel = rnd() % 10 === 0 ? 1 : 0;
        addRecord(w, rnd(), f.id, channel, f.flags, f.data);
        if (channel === 0) bump(input.sentFrames, frameKey(f.id, f.flags, f.data));
      }
      frameSeq += count;
      wire = finishBatch(w, count);
    } else if (r === 6) wire = writeMcuHeartbeat(w, seq, { mcuTimeUs: rnd(), state: 1, nextFrameSeq: frameSeq });
    else if (r === 7) wire = writeResult(w, seq, { ackSeq: rnd() & 0xffff, ackType: PacketType.TX_REQUEST, status: rnd() % 12, detail: rnd() });
    else if (r === 8) wire = rnd() % 2 ? writeMcuError(w, seq, { code: 1 + (rnd() % 5), channel: 0, detail: rnd() }) : writeMcuStats(w, seq, { canRxFrames: 1, canRxDropped: 2, txSent: 3, txRefused: 4, txFailed: 5, hostCrcErrors: 6, hostCobsErrors: 7, hostSeqGaps: 8 });
    else wire = writeHelloAck(w, 0, { major: 1, minor: 0, result: 0, channels: 2, caps: 7, firmware: [1, 0, 0], nonce: rnd(), mcuTimeUs: rnd(), heartbeatMs: 100, allowlistCapacity: 64 });
    input.sentPackets.add(rawHexOf(wire));
    parts.push(wire.slice()); // the writer reuses its buffer
    if (rnd() % 8 === 0) parts.push(Uint8Array.of(0));
  }
  return Buffer.concat(parts);
}

/** The packet bytes (before COBS) of one encoded packet with its delimiter. */
function rawHexOf(wire: Uint8Array): string {
  const out: number[] = [];
  for (let i = 0; i < wire.length - 1; ) {
    const code = wire[i]!;
    for (let k = 1; k < code; k++) out.push(wire[i + k]!);
    i += code;
    if (code !== 0xff && i < wire.length - 1) out.push(0);
  }
  return hexOf(Uint8Array.from(out));
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Applies 1–6 random kinds of damage: what a noisy UART, a lost byte or a bad relay does. */
function damage(rnd: () => number, src: Uint8Array, log: string[]): Uint8Array {
  let b = Array.from(src);
  const at = (): number => (b.length === 0 ? 0 : rnd() % b.length);
  for (let k = 1 + (rnd() % 6); k > 0; k--) {
    const i = at();
    const j = Math.min(b.length, i + 1 + (rnd() % 48));
    const op = rnd() % 11;
    if (op === 0 && b.length) b[i]! ^= 1 << (rnd() & 7) | (rnd() % 3 === 0 ? 1 << (rnd() & 7) : 0);
    else if (op === 1 && b.length) b[i] = rnd() & 0xff;
    else if (op === 2) b.splice(i, 0, rnd() & 0xff);
    else if (op === 3) b.splice(i, 1);
    else if (op === 4) b.splice(i, 0, 0);
    else if (op === 5) b.splice(i, j - i);
    else if (op === 6) b.splice(at(), 0, ...b.slice(i, j));
    else if (op === 7) b = [...b.slice(0, i), ...b.slice(j, Math.min(b.length, j + j - i)), ...b.slice(i, j), ...b.slice(Math.min(b.length, j + j - i))];
    else if (op === 8) b = b.slice(0, i);
    else if (op === 9) b.splice(i, 0, ...randomBytes(rnd, 1 + (rnd() % 64), 8));
    else b.fill(rnd() % 2 ? 0xff : 0, i, j);
    log.push(['flip', 'replace', 'insert', 'delete', 'insert-00', 'delete-run', 'duplicate-run', 'swap-runs', 'truncate', 'garbage', 'fill'][op]! + `@${i}`);
  }
  return Uint8Array.from(b);
}
