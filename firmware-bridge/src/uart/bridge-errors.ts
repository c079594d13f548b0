/**
 * Errors specific to the UART bridge, extending the package tree in ../errors.ts:
 *
 * ```
 * ProtocolError
 * └── BridgeFramingError   a received frame was discarded; `kind` says which check failed
 * TxFailedError
 * └── BridgeNackError      the MCU answered a TX_REQUEST/ALLOWLIST with a NACK; `status`
 * BridgeError
 * └── McuFaultError        the MCU reported a fault in an ERROR packet (bus-off, overrun, ...)
 * ```
 */
import { BridgeError, ProtocolError, TxFailedError } from '../errors.ts';
import { mcuErrorName, statusName } from './bridge-protocol.ts';

/**
 * Why the decoder discarded a frame:
 * `cobs` invalid stuffing, `overlong` no delimiter within the largest packet, `short` fewer
 * bytes than header + CRC, `crc` checksum mismatch, `length` the length field disagrees with
 * the bytes received, `version` a protocol major this link does not speak,
 * `malformed` CRC-good packet whose payload breaks its type's layout (counted by the link).
 */
export type FramingErrorKind = 'cobs' | 'overlong' | 'short' | 'crc' | 'length' | 'version' | 'malformed';

export class BridgeFramingError extends ProtocolError {
  override name = 'BridgeFramingError';
  constructor(
    source: string,
    readonly kind: FramingErrorKind,
    /** Offset in the received byte stream of the frame's first byte. */
    offset: number,
    reason: string,
    /** The decoded bytes so far, hex (empty when not kept). */
    bytesHex: string,
  ) {
    super(source, offset, reason, bytesHex);
  }
}

export class BridgeNackError extends TxFailedError {
  override name = 'BridgeNackError';
  /** Status name from UART-BRIDGE-PROTOCOL.md §4.6, e.g. `NOT_ALLOWED`. */
  readonly status: string;
  constructor(
    link: string,
    /** The numeric status the MCU sent. */
    readonly statusCode: number,
    /** What was refused, e.g. `TX_REQUEST id 0x124` or `ALLOWLIST`. */
    readonly what: string,
    /** The status detail word (for NOT_PERMITTED: the first id outside the ceiling). */
    readonly detail: number,
  ) {
    super(link, `the MCU refused ${what}: ${statusName(statusCode)}${detail ? ` (detail 0x${detail.toString(16)})` : ''}`);
    this.status = statusName(statusCode);
  }
}

export class McuFaultError extends BridgeError {
  override name = 'McuFaultError';
  constructor(
    link: string,
    /** Numeric ERROR code (§4.8). */
    readonly mcuCode: number,
    readonly channel: number,
    readonly detail: number,
  ) {
    super(`${link}: the MCU reports ${mcuErrorName(mcuCode)} on channel ${channel}${detail ? ` (detail ${detail})` : ''}`, 'MCU_FAULT', link);
  }
}
