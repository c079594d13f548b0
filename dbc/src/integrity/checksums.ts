import { readRawUnsigned, writeRawUnsigned } from '../codec/bit-layout.ts';
import { FrameDecodeError, FrameEncodeError } from '../errors.ts';
import type { DbcWarning } from '../model/database.ts';
import type { Message } from '../model/message.ts';
import {
  chryslerChecksum, hondaChecksum, hyundaiCanFdChecksum, subaruChecksum, teslaChecksum, toyotaChecksum,
  vwMqbChecksum, xorChecksum,
} from './checksum-algorithms.ts';
import type { ChecksumScheme } from './checksum-schemes.ts';
import { assertMessageIndex, planMessage, type MessagePlan } from './integrity-plan.ts';

export { CHECKSUM_SCHEMES, checksumSchemeForFile, type ChecksumScheme } from './checksum-schemes.ts';

/** `check()` result: the frame passed every check that applies to it. */
export const INTEGRITY_OK = 0;
/** Bit flag: the checksum signal does not match the checksum computed over the frame. */
export const INTEGRITY_BAD_CHECKSUM = 1;
/** Bit flag: the counter did not advance by exactly 1 (mod 2^bits) since the previous good frame. */
export const INTEGRITY_BAD_COUNTER = 2;
/** Bit flag: the frame is shorter than the DBC's length, so nothing was checked. */
export const INTEGRITY_TRUNCATED = 4;

/** Highest 11-bit id; opendbc's Honda checksum treats any higher id as extended. */
const MAX_STANDARD_ID = 0x7ff;
/** No counter seen yet for a message (counter values are never negative). */
const NO_COUNTER = -1;

/** Counts kept by an `IntegrityChecker` since it was constructed. */
export interface IntegrityStats {
  /** Frames of covered messages passed to `check()`. */
  checked: number;
  badChecksum: number;
  badCounter: number;
  truncated: number;
}

function toHex(d: Uint8Array, off: number, len: number): string {
  const end = Math.min(Math.max(off, 0) + Math.max(len, 0), d.length);
  return Buffer.from(d.subarray(Math.max(off, 0), end)).toString('hex');
}

/**
 * Validates and writes the checksums and rolling counters of one DBC's messages under one
 * opendbc checksum scheme.
 *
 * Which signals take part is decided by name, as opendbc does (`CHECKSUM` / `COUNTER`, for
 * Tesla also `…Checksum` / `…Counter`). A checksum the scheme's algorithm cannot handle where
 * the DBC puts it, a multiplexed one, or a "counter" wider than 8 bits is left out and
 * reported in `warnings`. The algorithms run over exactly `message.length` bytes: a longer
 * frame's extra bytes (CAN FD padding) are ignored, a shorter one is `INTEGRITY_TRUNCATED`.
 *
 * `check()` and `seal()` allocate nothing on success.
 */
export class IntegrityChecker {
  /** Counts since construction; `reset()` leaves them alone. */
  readonly stats: IntegrityStats = { checked: 0, badChecksum: 0, badCounter: 0, truncated: 0 };
  /** Checksum/counter signals found by name but not used, one entry each, with the reason. */
  readonly warnings: readonly DbcWarning[];
  readonly #messages: readonly Message[];
  readonly #scheme: ChecksumScheme;
  readonly #plans: (MessagePlan | null)[];
  readonly #lastCounter: Float64Array;

  /** Works out, once, what to check in each message. Does not throw. */
  constructor(messages: readonly Message[], scheme: ChecksumScheme) {
    const warnings: DbcWarning[] = [];
    this.#messages = messages;
    this.#scheme = scheme;
    this.#plans = messages.map((m) => planMessage(scheme, m, warnings));
    this.#lastCounter = new Float64Array(messages.length).fill(NO_COUNTER);
    this.warnings = warnings;
  }

  /** The scheme this checker applies. */
  get scheme(): ChecksumScheme {
    return this.#scheme;
  }

  /**
   * True when `messages[messageIndex]` has a usable checksum or counter under this scheme.
   * @throws DbcError `BAD_MESSAGE_INDEX` when the index is not a message index.
   */
  covers(messageIndex: number): boolean {
    assertMessageIndex(messageIndex, this.#plans.length);
    return this.#plans[messageIndex] !== null;
  }

  /**
   * Validates one received frame `d[off .. off+len-1]` of `messages[messageIndex]`.
   *
   * Checks the checksum first. A frame with a bad checksum is treated as lost: its counter is
   * neither judged nor remembered, so the next good frame will usually report a skipped counter.
   * Otherwise the counter must be the previous good frame's counter + 1 modulo 2^bits; the first
   * frame (and the first after `reset()`) is accepted as it is. Uncovered messages return
   * `INTEGRITY_OK` and are not counted.
   *
   * @returns `INTEGRITY_OK` or a combination of `INTEGRITY_BAD_CHECKSUM`, `INTEGRITY_BAD_COUNTER`,
   *   `INTEGRITY_TRUNCATED`.
   * @throws DbcError `BAD_MESSAGE_INDEX` for an unknown index; FrameDecodeError `BAD_INPUT` when
   *   `off`/`len` do not lie inside `d`.
   */
  check(messageIndex: number, d: Uint8Array, off: number, len: number): number {
    assertMessageIndex(messageIndex, this.#plans.length);
    const plan = this.#plans[messageIndex]!;
    if (plan === null) return INTEGRITY_OK;
    const msg = this.#messages[messageIndex]!;
    if (!(off >= 0 && len >= 0 && off + len <= d.length)) {
      throw new FrameDecodeError(`${msg.name}: frame at offset ${off}, length ${len} does not fit a ${d.length}-byte buffer`,
        'BAD_INPUT', msg.id, toHex(d, off, len));
    }
    this.stats.checked++;
    if (len < plan.frameLength) {
      this.stats.truncated++;
      return INTEGRITY_TRUNCATED;
    }
    if (plan.checksumLayout && readRawUnsigned(plan.checksumLayout, d, off) !== this.#compute(plan, msg, d, off)) {
      this.stats.badChecksum++;
      return INTEGRITY_BAD_CHECKSUM;
    }
    if (!plan.counterLayout) return INTEGRITY_OK;
    const value = readRawUnsigned(plan.counterLayout, d, off);
    const previous = this.#lastCounter[messageIndex]!;
    this.#lastCounter[messageIndex] = value;
    if (previous === NO_COUNTER || value === (previous + 1) % plan.counterModulo) return INTEGRITY_OK;
    this.stats.badCounter++;
    return INTEGRITY_BAD_COUNTER;
  }

  /**
   * For senders (simulator, actuator encoder): writes `counter` (when given) and then the
   * checksum into the frame `d[off .. off+len-1]` in place. `counter` may be any non-negative
   * integer, e.g. a running frame number: it is written modulo 2^bits. Does not touch this
   * checker's counter state. A message the scheme does not cover is left as it is (when no
   * counter is given).
   *
   * @throws DbcError `BAD_MESSAGE_INDEX` for an unknown index; FrameEncodeError `OUT_OF_RANGE` when
   *   the frame is shorter than the DBC length or outside `d`, or `counter` is negative;
   *   `NOT_A_NUMBER` when `counter` is not an integer; `MISSING_SIGNAL` when a counter is given
   *   but the message has no usable counter.
   */
  seal(messageIndex: number, d: Uint8Array, off: number, len: number, counter?: number): void {
    assertMessageIndex(messageIndex, this.#plans.length);
    const plan = this.#plans[messageIndex]!;
    const msg = this.#messages[messageIndex]!;
    if (plan === null) {
      if (counter === undefined) return;
      throw this.#noCounter(msg);
    }
    if (!(off >= 0 && len >= plan.frameLength && off + plan.frameLength <= d.length)) {
      throw new FrameEncodeError(
        `${msg.name}: needs ${plan.frameLength} bytes at offset ${off}, got length ${len} in a ${d.length}-byte buffer`,
        'OUT_OF_RANGE', msg.name, (plan.checksum ?? plan.counter)!.name);
    }
    if (counter !== undefined) this.#writeCounter(plan, msg, d, off, counter);
    if (plan.checksumLayout) writeRawUnsigned(plan.checksumLayout, d, off, this.#compute(plan, msg, d, off));
  }

  /** Forgets every message's last counter (e.g. after link loss); keeps `stats`. */
  reset(): void {
    this.#lastCounter.fill(NO_COUNTER);
  }

  #noCounter(msg: Message): FrameEncodeError {
    return new FrameEncodeError(`${msg.name}: has no counter to write under scheme ${this.#scheme}`,
      'MISSING_SIGNAL', msg.name, 'COUNTER');
  }

  #writeCounter(plan: MessagePlan, msg: Message, d: Uint8Array, off: number, counter: number): void {
    if (plan.counterLayout === null) throw this.#noCounter(msg);
    const name = plan.counter!.name;
    if (!Number.isInteger(counter)) {
      throw new FrameEncodeError(`${msg.name}.${name}: counter ${counter} is not an integer`, 'NOT_A_NUMBER', msg.name, name);
    }
    if (counter < 0) {
      throw new FrameEncodeError(`${msg.name}.${name}: counter ${counter} is negative`, 'OUT_OF_RANGE', msg.name, name);
    }
    writeRawUnsigned(plan.counterLayout, d, off, counter % plan.counterModulo);
  }

  #compute(plan: MessagePlan, msg: Message, d: Uint8Array, off: number): number {
    const len = plan.frameLength;
    switch (this.#scheme) {
      case 'toyota': return toyotaChecksum(msg.id, d, off, len);
      case 'honda': return hondaChecksum(msg.id, msg.extended || msg.id > MAX_STANDARD_ID, d, off, len);
      case 'vw_mqb': return vwMqbChecksum(d, off, len, plan.magic);
      case 'vw_pq': return xorChecksum(d, off, len, plan.checksumByte);
      case 'hyundai_canfd': return hyundaiCanFdChecksum(msg.id, d, off, len);
      case 'subaru': return subaruChecksum(msg.id, d, off, len);
      case 'tesla': return teslaChecksum(msg.id, d, off, len, plan.checksumByte);
      case 'chrysler': return chryslerChecksum(d, off, len);
      case 'none': return 0;
    }
  }
}
