import { RuntimeError } from '../errors.ts';

/**
 * Errors of cloud sync.
 *
 * ```
 * RuntimeError (../errors.ts)
 * └── CloudError               base of cloud sync: `code`
 *     ├── CloudUrlError        a broker URL or TLS file is unusable (url, reason)
 *     ├── TopicError           an id that cannot be a topic level (value, what)
 *     ├── ConsentError         an unknown data category or a malformed consent change (category)
 *     ├── OutboxFullError      the outbox bound left no room for a message (bytes, kind)
 *     └── CommandRefusedError  a remote command was refused before it ran (reason code, command, nonce)
 * ```
 */
export class CloudError extends RuntimeError {
  override name = 'CloudError';
}

export class CloudUrlError extends CloudError {
  override name = 'CloudUrlError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cloud url ${JSON.stringify(url)}: ${reason}`, 'CLOUD_URL');
  }
}

export class TopicError extends CloudError {
  override name = 'TopicError';
  constructor(
    readonly value: string,
    /** What the value was meant to be: `vehicle id`, `app id`, `command name`, `topic suffix`. */
    readonly what: string,
  ) {
    super(`${what} ${JSON.stringify(value)} cannot be used in a topic (needs 1-64 of [A-Za-z0-9._-]${what === 'topic suffix' ? ' per level' : ''})`, 'TOPIC');
  }
}

export class ConsentError extends CloudError {
  override name = 'ConsentError';
  constructor(
    readonly category: string,
    reason: string,
  ) {
    super(`consent ${JSON.stringify(category)}: ${reason}`, 'CONSENT');
  }
}

export class OutboxFullError extends CloudError {
  override name = 'OutboxFullError';
  constructor(
    /** Size of the refused message (bytes). */
    readonly bytes: number,
    readonly kind: string,
    /** The outbox bound (bytes). */
    readonly maxBytes: number,
  ) {
    super(`outbox full: a ${kind} message of ${bytes} bytes does not fit in ${maxBytes} bytes even after dropping lower-priority messages`, 'OUTBOX_FULL');
  }
}

export class CommandRefusedError extends CloudError {
  override name = 'CommandRefusedError';
  constructor(
    /** Stable code: MALFORMED, UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE, EXPIRED, EXPIRY_TOO_FAR, REPLAY, UNKNOWN_COMMAND, NOT_PERMITTED. */
    readonly reason: string,
    readonly command: string,
    readonly detail: string,
    readonly nonce: string | null = null,
  ) {
    super(`command ${command}: ${reason}: ${detail}`, 'COMMAND_REFUSED');
  }
}
