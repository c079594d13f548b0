/**
 * Pure encode/decode of UART bridge packets (UART-BRIDGE-PROTOCOL.md §2-3): `PacketWriter`
 * builds one packet in a reusable buffer and COBS-encodes it; `PacketDecoder` takes byte chunks
 * as they arrive, decodes COBS in place, and hands on only packets whose COBS, size, CRC,
 * length field and version are right. Everything else is counted by kind and, when the caller
 * asks, reported as a `BridgeFramingError` with the stream offset. No I/O, no timers.
 *
 * Hot path: the decoder allocates nothing per packet; the packet it hands on is a view into its
 * own buffer, valid only during the callback.
 */
import { cobsEncode } from './cobs.ts';
import { crc16 } from './crc16.ts';
import { BridgeFramingError, type FramingErrorKind } from './bridge-errors.ts';
import { CRC_BYTES, HEADER_BYTES, isVersionNeutral, MAX_ENCODED, MAX_PACKET, MAX_PAYLOAD, PROTOCOL_MAJOR } from './bridge-protocol.ts';

/** A received packet. Reused between callbacks: copy what you keep. */
export interface PacketView {
  version: number;
  type: number;
  seq: number;
  /** The decoder's buffer; the payload is `buf[payloadOffset, payloadOffset + payloadLength)`. */
  buf: Uint8Array;
  payloadOffset: number;
  payloadLength: number;
  /** Offset in the received stream of the packet's first encoded byte. */
  offset: number;
}

/** What a decoder has seen since it was created. */
export interface DecoderCounts {
  /** Bytes pushed. */
  bytes: number;
  /** Packets handed on. */
  packets: number;
  /** Zero-length frames (`00 00`): allowed as idle/resync filler, not errors. */
  emptyFrames: number;
  cobsErrors: number;
  overlongErrors: number;
  shortErrors: number;
  crcErrors: number;
  lengthErrors: number;
  versionErrors: number;
}

export interface DecoderOptions {
  /** Name used in error messages (the link URL). */
  source?: string;
  /** Protocol major to accept (HELLO/HELLO_ACK are accepted whatever their version). */
  version?: number;
  /** Called for each discarded frame. Without it the decoder only counts (no allocation). */
  onError?: (err: BridgeFramingError) => void;
}

/**
 * Incremental decoder over a byte stream. Push chunks of any size; `onPacket` runs
 * synchronously for each good packet. A bad frame never reaches `onPacket`: it is counted and
 * the decoder resynchronises at the next 0x00.
 */
export class PacketDecoder {
  readonly counts: DecoderCounts = { bytes: 0, packets: 0, emptyFrames: 0, cobsErrors: 0, overlongErrors: 0, shortErrors: 0, crcErrors: 0, lengthErrors: 0, versionErrors: 0 };
  private readonly buf = new Uint8Array(MAX_PACKET + 1);
  private readonly view: PacketView;
  private readonly source: string;
  private readonly version: number;
  private readonly onError: ((err: BridgeFramingError) => void) | undefined;
  /** Decoded bytes of the current frame. */
  private n = 0;
  /** Encoded bytes of the current frame seen so far. */
  private raw = 0;
  /** Data bytes still expected in the current COBS block (0 = next byte is a code byte). */
  private left = 0;
  /** Current block's code byte; 0xFF at a frame start so the first block implies no zero. */
  private code = 0xff;
  /** Stream offset of the current frame's first byte. */
  private frameStart = 0;

  constructor(
    private readonly onPacket: (p: PacketView) => void,
    options: DecoderOptions = {},
  ) {
    this.source = options.source ?? 'bridge';
    this.version = options.version ?? PROTOCOL_MAJOR;
    this.onError = options.onError;
    this.view = { version: 0, type: 0, seq: 0, buf: this.buf, payloadOffset: HEADER_BYTES, payloadLength: 0, offset: 0 };
  }

  /** Drops a partly received frame (e.g. after reopening the port). Counts stay. */
  reset(): void {
    this.frameStart = this.counts.bytes;
    this.n = 0;
    this.raw = 0;
    this.left = 0;
    this.code = 0xff;
  }

  /** Feeds received bytes. Never throws for any input. */
  push(chunk: Uint8Array): void {
    const buf = this.buf;
    const base = this.counts.bytes;
    let n = this.n;
    let raw = this.raw;
    let left = this.left;
    let code = this.code;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0) {
        this.n = n;
        this.raw = raw;
        this.left = left;
        this.endFrame(base + i);
        n = 0;
        raw = 0;
        left = 0;
        code = 0xff;
        continue;
      }
      raw++;
      if (n > MAX_PACKET) continue; // overlong: skip to the next delimiter
      if (left === 0) {
        if (code !== 0xff) buf[n++] = 0;
        code = b;
        left = b - 1;
      } else {
        buf[n++] = b;
        left--;
      }
    }
    this.n = n;
    this.raw = raw;
    this.left = left;
    this.code = code;
    this.counts.bytes = base + chunk.length;
  }

  /** A delimiter at stream offset `at` ended the current frame. */
  private endFrame(at: number): void {
    const start = this.frameStart;
    this.frameStart = at + 1;
    const n = this.n;
    if (this.raw === 0) {
      this.counts.emptyFrames++;
      return;
    }
    if (n > MAX_PACKET || this.raw > MAX_ENCODED) return this.fail('overlong', start, `frame of ${this.raw} bytes is longer than the largest packet (${MAX_PACKET} bytes decoded); skipped to the next 0x00`, 0);
    if (this.left !== 0) return this.fail('cobs', start, `bad COBS: the frame ends ${this.left} byte(s) inside a block`, n);
    if (n < HEADER_BYTES + CRC_BYTES) return this.fail('short', start, `packet of ${n} bytes is shorter than header + CRC (${HEADER_BYTES + CRC_BYTES} bytes)`, n);
    const buf = this.buf;
    const carried = buf[n - 2]! | (buf[n - 1]! << 8);
    const computed = crc16(buf, 0, n - 2);
    if (carried !== computed) return this.fail('crc', start, `CRC mismatch: packet carries 0x${hex4(carried)}, bytes give 0x${hex4(computed)}`, n);
    const len = buf[4]! | (buf[5]! << 8);
    if (len !== n - HEADER_BYTES - CRC_BYTES || len > MAX_PAYLOAD) return this.fail('length', start, `length field says ${len} payload bytes, packet carries ${n - HEADER_BYTES - CRC_BYTES}`, n);
    const version = buf[0]!;
    const type = buf[1]!;
    if (version !== this.version && !isVersionNeutral(type)) return this.fail('version', start, `protocol version ${version} packet (type 0x${type.toString(16).padStart(2, '0')}) on a version ${this.version} link`, n);
    const v = this.view;
    v.version = version;
    v.type = type;
    v.seq = buf[2]! | (buf[3]! << 8);
    v.payloadLength = len;
    v.offset = start;
    this.counts.packets++;
    this.onPacket(v);
  }

  private fail(kind: Exclude<FramingErrorKind, 'malformed'>, offset: number, reason: string, keep: number): void {
    this.counts[COUNT_OF[kind]]++;
    if (this.onError) this.onError(new BridgeFramingError(this.source, kind, offset, reason, hexOf(this.buf, 0, Math.min(keep, 32))));
  }
}

const COUNT_OF = {
  cobs: 'cobsErrors',
  overlong: 'overlongErrors',
  short: 'shortErrors',
  crc: 'crcErrors',
  length: 'lengthErrors',
  version: 'versionErrors',
} as const;

function hex4(v: number): string {
  return v.toString(16).toUpperCase().padStart(4, '0');
}

/** Hex of `bytes[start, end)`, lower case, no separators. */
export function hexOf(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/**
 * Builds packets in a reusable buffer. `begin()`, then the payload writers, then `finish()`
 * (length, CRC, COBS, delimiter). Payload writers throw RangeError past MAX_PAYLOAD: that is a
 * caller bug, the protocol has no larger packets.
 */
export class PacketWriter {
  private readonly raw = new Uint8Array(MAX_PACKET);
  private readonly out = new Uint8Array(MAX_ENCODED + 1);
  private n = HEADER_BYTES;

  /** Starts a packet. `version` defaults to this build's major (tests send others). */
  begin(type: number, seq: number, version = PROTOCOL_MAJOR): this {
    const r = this.raw;
    r[0] = version;
    r[1] = type;
    r[2] = seq & 0xff;
    r[3] = (seq >>> 8) & 0xff;
    this.n = HEADER_BYTES;
    return this;
  }

  /** Sets the sequence number of the packet being built (e.g. assigned only when it is sent). */
  setSeq(seq: number): this {
    this.raw[2] = seq & 0xff;
    this.raw[3] = (seq >>> 8) & 0xff;
    return this;
  }

  /** Payload bytes written so far. */
  get payloadLength(): number {
    return this.n - HEADER_BYTES;
  }

  /** Payload bytes still free. */
  get room(): number {
    return MAX_PAYLOAD - this.payloadLength;
  }

  u8(v: number): this {
    this.need(1);
    this.raw[this.n++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.need(2);
    const r = this.raw;
    r[this.n++] = v & 0xff;
    r[this.n++] = (v >>> 8) & 0xff;
    return this;
  }

  u32(v: number): this {
    this.need(4);
    const r = this.raw;
    r[this.n++] = v & 0xff;
    r[this.n++] = (v >>> 8) & 0xff;
    r[this.n++] = (v >>> 16) & 0xff;
    r[this.n++] = (v >>> 24) & 0xff;
    return this;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): this {
    this.need(end - start);
    for (let i = start; i < end; i++) this.raw[this.n++] = src[i]!;
    return this;
  }

  /** Overwrites one payload byte already written (e.g. a count known only at the end). */
  patchU8(payloadIndex: number, v: number): this {
    this.raw[HEADER_BYTES + payloadIndex] = v & 0xff;
    return this;
  }

  /**
   * Completes the packet and returns it COBS-encoded with its 0x00 delimiter: a view into the
   * writer's buffer, valid until the next `begin()` (copy it before an asynchronous write).
   */
  finish(): Uint8Array {
    const r = this.raw;
    const len = this.n - HEADER_BYTES;
    r[4] = len & 0xff;
    r[5] = (len >>> 8) & 0xff;
    const crc = crc16(r, 0, this.n);
    r[this.n] = crc & 0xff;
    r[this.n + 1] = crc >>> 8;
    const m = cobsEncode(r, 0, this.n + CRC_BYTES, this.out, 0);
    this.out[m] = 0;
    return this.out.subarray(0, m + 1);
  }

  /** `finish()` into a fresh Buffer the caller owns. */
  finishCopy(): Buffer {
    return Buffer.from(this.finish());
  }

  private need(k: number): void {
    if (this.n + k > HEADER_BYTES + MAX_PAYLOAD) throw new RangeError(`packet payload would exceed ${MAX_PAYLOAD} bytes`);
  }
}

/** Encodes one packet with the given payload into a fresh Buffer (tests, tools, fuzzing). */
export function encodePacket(type: number, seq: number, payload: Uint8Array, version = PROTOCOL_MAJOR): Buffer {
  return new PacketWriter().begin(type, seq, version).bytes(payload).finishCopy();
}
