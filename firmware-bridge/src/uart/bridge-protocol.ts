/**
 * Constants of the UART bridge protocol between the head unit and the vehicle-interface MCU.
 * The normative text is firmware-bridge/UART-BRIDGE-PROTOCOL.md; section numbers refer to it.
 * No logic here: the codec, the host link and the MCU emulator all import these names.
 *
 * ```
 *   packet (before COBS), all multi-byte fields little-endian        §3
 *   0      1      2      4      6                 6+len       8+len
 *   +------+------+------+------+-----------------+------------+
 *   | ver  | type | seq  | len  | payload (len)   | crc16      |
 *   +------+------+------+------+-----------------+------------+
 *     u8     u8     u16    u16    0..1024 bytes     CRC-16/CCITT-FALSE over bytes 0..6+len-1
 * ```
 */

/** Protocol major version this build speaks; packets of another major are dropped (§6). */
export const PROTOCOL_MAJOR = 1;
/** Protocol minor version: compatible additions only (§6). */
export const PROTOCOL_MINOR = 0;

/** Bytes before the payload: ver, type, seq (u16), len (u16). */
export const HEADER_BYTES = 6;
/** Bytes of the CRC trailer. */
export const CRC_BYTES = 2;
/** Largest payload a packet may carry. */
export const MAX_PAYLOAD = 1024;
/** Largest packet before COBS: header + payload + CRC. */
export const MAX_PACKET = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES;
/** Largest COBS-encoded packet, without the 0x00 delimiter. */
export const MAX_ENCODED = MAX_PACKET + Math.floor(MAX_PACKET / 254) + 1;
/** The frame delimiter on the wire. */
export const DELIMITER = 0x00;

/** Packet types (§4). The direction is part of the name's documentation, not of the code. */
export const PacketType = {
  /** host → MCU: start a session (versions, heartbeat, wanted channels, nonce). */
  HELLO: 0x01,
  /** MCU → host: answer to HELLO (versions, firmware, capabilities, echo of the nonce). */
  HELLO_ACK: 0x02,
  /** both ways: I am alive. MCU's carries its clock, state and next frame sequence number. */
  HEARTBEAT: 0x03,
  /** host → MCU: the ids the MCU may transmit on one channel (replaces the previous list). */
  ALLOWLIST: 0x10,
  /** host → MCU: transmit one frame (must be on the allow-list). */
  TX_REQUEST: 0x11,
  /** MCU → host: ACK (status 0) or NACK (reason) for an ALLOWLIST or TX_REQUEST packet. */
  RESULT: 0x12,
  /** MCU → host: several received CAN frames. */
  CAN_BATCH: 0x20,
  /** MCU → host: an asynchronous fault (bus-off, overrun, host lost). */
  ERROR: 0x30,
  /** host → MCU empty = request; MCU → host: the MCU's counters. */
  STATS: 0x31,
} as const;

/** HELLO and HELLO_ACK are readable by every version: the version check skips them (§6). */
export function isVersionNeutral(type: number): boolean {
  return type === PacketType.HELLO || type === PacketType.HELLO_ACK;
}

/** CAN frame record flag: 29-bit identifier. */
export const FLAG_EXT = 0x01;
/** CAN frame record flag: CAN FD frame. */
export const FLAG_FD = 0x02;
/** CAN frame record flag: CAN FD bit-rate switch (only with FLAG_FD). */
export const FLAG_BRS = 0x04;
/** CAN frame record flag: CAN FD error state indicator (only with FLAG_FD). */
export const FLAG_ESI = 0x08;
/** CAN frame record flag: remote request (classic only, no data bytes). */
export const FLAG_RTR = 0x10;
/** CAN frame record flag: error frame; the id holds SocketCAN error class bits. */
export const FLAG_ERR = 0x20;
/** Flag bits that must be zero in version 1. */
export const FLAGS_RESERVED = 0xc0;

/** HELLO_ACK capability bit: the MCU's controller does CAN FD. */
export const CAP_FD = 0x01;
/** HELLO_ACK capability bit: bit-rate switching. */
export const CAP_BRS = 0x02;
/** HELLO_ACK capability bit: the MCU forwards error frames. */
export const CAP_ERROR_FRAMES = 0x04;
/** HELLO_ACK capability bit: bench firmware that honours ALLOWLIST_ALLOW_ALL. */
export const CAP_ALLOW_ALL = 0x08;

/** ALLOWLIST flag: allow every id (bench firmware only; production firmware NACKs it). */
export const ALLOWLIST_ALLOW_ALL = 0x01;

/** MCU state in its HEARTBEAT: no session; it forwards nothing and transmits nothing. */
export const MCU_AWAITING_HELLO = 0;
/** MCU state in its HEARTBEAT: session running. */
export const MCU_RUNNING = 1;

/** HELLO_ACK result codes. */
export const HelloResult = {
  OK: 0,
  /** The MCU does not speak the host's major version; see the ACK's version fields. */
  VERSION_UNSUPPORTED: 1,
} as const;

/** RESULT status codes (§4.6): 0 is the ACK, everything else a NACK reason. */
export const Status = {
  OK: 0,
  /** TX_REQUEST for an id that is not on the session's allow-list. */
  NOT_ALLOWED: 1,
  /** ALLOWLIST names an id outside the firmware's provisioned ceiling. */
  NOT_PERMITTED: 2,
  /** ALLOWLIST_ALLOW_ALL sent to production firmware. */
  ALLOW_ALL_REFUSED: 3,
  /** ALLOWLIST longer than the MCU can store. */
  LIST_TOO_LONG: 4,
  /** TX_REQUEST frame is invalid or unsupported (length, FD without capability, channel). */
  BAD_FRAME: 5,
  /** Packet needs a session (no HELLO yet, or the MCU dropped the host). */
  NO_SESSION: 6,
  /** The CAN controller is bus-off. */
  BUS_OFF: 7,
  /** The controller's transmit mailboxes are full. */
  QUEUE_FULL: 8,
  /** The payload does not match its type's layout. */
  MALFORMED: 9,
  /** Unknown packet type. */
  UNKNOWN_TYPE: 10,
  /** The packet's sequence number is not ahead of the last one (replayed or reordered). */
  STALE_SEQ: 11,
} as const;

const STATUS_NAMES = new Map<number, string>(Object.entries(Status).map(([k, v]) => [v, k]));

/** Name of a RESULT status, `STATUS_0x..` for codes this version does not know. */
export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `STATUS_0x${status.toString(16).padStart(2, '0')}`;
}

/** ERROR packet codes (§4.8). */
export const McuErrorCode = {
  BUS_OFF: 1,
  ERROR_PASSIVE: 2,
  BUS_RECOVERED: 3,
  /** The MCU dropped received frames (its queue to the UART was full); detail = count. */
  RX_OVERRUN: 4,
  /** The MCU declared the host lost (no packet within the host timeout) and ended the session. */
  HOST_LOST: 5,
} as const;

const ERROR_NAMES = new Map<number, string>(Object.entries(McuErrorCode).map(([k, v]) => [v, k]));

/** Name of an ERROR code. */
export function mcuErrorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `ERROR_0x${code.toString(16).padStart(2, '0')}`;
}

/** Default UART speed in baud (8N1). */
export const DEFAULT_BAUD = 921600;
/** Default heartbeat period, both directions, in ms. */
export const DEFAULT_HEARTBEAT_MS = 100;
/** Default silence after which a side declares the other lost, in ms (5 heartbeats). */
export const DEFAULT_LOSS_TIMEOUT_MS = 500;
/** CAN FD payload lengths; classic frames use 0..8. */
export const FD_LENGTHS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];
