/**
 * Errors of the links to the buses.
 *
 * ```
 * BridgeError                 base: `code`, optional `link` (the link URL); itself thrown with
 *                               LINK_UNAVAILABLE when a link kind's native addon cannot load
 * ├── LinkUrlError            a link URL does not follow the grammar (column of the problem)
 * ├── LinkOpenError           a link cannot open; `code` says why:
 * │                             NO_CAN_SUPPORT   the kernel has no AF_CAN (no SocketCAN at all)
 * │                             NO_SUCH_INTERFACE no network interface of that name
 * │                             INTERFACE_DOWN   the interface exists but is not up
 * │                             NO_SUCH_DEVICE   no serial device at that path
 * │                             ADAPTER_SILENT   the adapter did not answer the open sequence
 * │                             HANDSHAKE_FAILED the MCU refused or garbled the version handshake
 * ├── LinkClosedError         send/iterate on a link that is closed
 * ├── TxDeniedError           the frame's id is not on the link's transmit allow-list
 * ├── TxFailedError           the adapter/kernel refused the frame (BEL, ENOBUFS, NACK)
 * └── ProtocolError           bytes from an adapter or MCU that break its protocol (byte offset)
 * ```
 */
export class BridgeError extends Error {
  override name = 'BridgeError';
  constructor(
    message: string,
    readonly code: string,
    readonly link: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class LinkUrlError extends BridgeError {
  override name = 'LinkUrlError';
  constructor(
    readonly url: string,
    /** 1-based column in the URL where the problem is. */
    readonly column: number,
    readonly expected: string,
  ) {
    super(`link URL ${JSON.stringify(url)} at column ${column}: expected ${expected}`, 'LINK_URL', url);
  }
}

export type LinkOpenCode =
  | 'NO_CAN_SUPPORT'
  | 'NO_SUCH_INTERFACE'
  | 'INTERFACE_DOWN'
  | 'NO_SUCH_DEVICE'
  | 'PERMISSION'
  | 'ADAPTER_SILENT'
  | 'HANDSHAKE_FAILED'
  | 'OPEN_FAILED';

export class LinkOpenError extends BridgeError {
  override name = 'LinkOpenError';
  constructor(link: string, code: LinkOpenCode, message: string, options?: { cause?: unknown }) {
    super(`${link}: ${message}`, code, link, options);
  }
}

export class LinkClosedError extends BridgeError {
  override name = 'LinkClosedError';
  constructor(link: string, what: string) {
    super(`${link}: ${what} on a closed link`, 'LINK_CLOSED', link);
  }
}

export class TxDeniedError extends BridgeError {
  override name = 'TxDeniedError';
  constructor(
    link: string,
    readonly id: number,
    readonly extended: boolean,
  ) {
    super(`${link}: id 0x${id.toString(16)}${extended ? ' (29-bit)' : ''} is not on this link's transmit allow-list`, 'TX_DENIED', link);
  }
}

export class TxFailedError extends BridgeError {
  override name = 'TxFailedError';
  constructor(link: string, message: string, options?: { cause?: unknown }) {
    super(`${link}: ${message}`, 'TX_FAILED', link, options);
  }
}

export class ProtocolError extends BridgeError {
  override name = 'ProtocolError';
  constructor(
    link: string,
    /** Byte offset in the received stream where the bad data starts. */
    readonly offset: number,
    readonly reason: string,
    /** The offending bytes, hex. */
    readonly bytesHex: string,
  ) {
    super(`${link}@${offset}: ${reason}${bytesHex ? ` (${bytesHex.slice(0, 64)})` : ''}`, 'PROTOCOL', link);
  }
}
