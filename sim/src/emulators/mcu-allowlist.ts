/**
 * The MCU's transmit gate (UART-BRIDGE-PROTOCOL.md §7), as the firmware must implement it. The
 * MCU is the last line of defence: the head unit runs third-party apps and may be compromised,
 * so the MCU does not simply trust the list the host sends.
 *
 * ```
 *   firmware ceiling (provisioned per vehicle, not changeable over the UART)
 *     ⊇ session allow-list (ALLOWLIST from the host, per channel, cleared by every HELLO
 *       and by host loss; a refused ALLOWLIST leaves it empty: fail closed)
 *     ∋ every TX_REQUEST id, checked before the frame is even parsed further
 * ```
 */
import { txKey } from '../../../firmware-bridge/index.ts';
import { ALLOWLIST_ALLOW_ALL, Status, type AllowList } from '../../../firmware-bridge/src/uart/protocol.ts';

/** ALLOWLIST / NACK detail: bit 31 marks a 29-bit id. */
const DETAIL_EXT = 0x80000000;

export interface AllowDecision {
  /** A `Status` code: OK or the NACK reason. */
  status: number;
  /** NACK detail word (the offending id with bit 31 for 29-bit, or a limit). */
  detail: number;
}

export interface McuAllowListOptions {
  /** Ids (txKey form) the firmware may ever allow; null = unprovisioned development firmware (any id). */
  ceiling: ReadonlySet<string> | null;
  /** Most entries stored per channel. */
  capacity: number;
  /** Bench firmware: honours ALLOWLIST_ALLOW_ALL. Production firmware refuses it. */
  benchBuild: boolean;
  /** CAN channels on the MCU. */
  channels: number;
}

export class McuAllowList {
  private readonly lists = new Map<number, ReadonlySet<string> | 'all'>();

  constructor(private readonly options: McuAllowListOptions) {}

  /** The session's list for a channel (empty set when none was accepted). */
  list(channel: number): ReadonlySet<string> | 'all' {
    return this.lists.get(channel) ?? new Set<string>();
  }

  /** Ends the session's permissions (HELLO, host lost, reboot). */
  clear(): void {
    this.lists.clear();
  }

  /** Applies an ALLOWLIST packet; on any refusal the channel's list is left empty. */
  apply(a: AllowList): AllowDecision {
    this.lists.delete(a.channel);
    if (a.channel >= this.options.channels) return { status: Status.MALFORMED, detail: a.channel };
    if ((a.flags & ALLOWLIST_ALLOW_ALL) !== 0) {
      if (!this.options.benchBuild) return { status: Status.ALLOW_ALL_REFUSED, detail: 0 };
      this.lists.set(a.channel, 'all');
      return { status: Status.OK, detail: 0 };
    }
    if (a.entries.length > this.options.capacity) return { status: Status.LIST_TOO_LONG, detail: this.options.capacity };
    const keys = new Set<string>();
    for (const e of a.entries) {
      const key = txKey(e.id, e.extended);
      if (this.options.ceiling && !this.options.ceiling.has(key)) return { status: Status.NOT_PERMITTED, detail: detailOf(e.id, e.extended) };
      keys.add(key);
    }
    this.lists.set(a.channel, keys);
    return { status: Status.OK, detail: 0 };
  }

  /** May this id be sent on this channel now? */
  check(channel: number, id: number, extended: boolean): AllowDecision {
    if (channel >= this.options.channels) return { status: Status.BAD_FRAME, detail: channel };
    const list = this.lists.get(channel);
    const ok = list === 'all' || (list !== undefined && list.has(txKey(id, extended)) && (!this.options.ceiling || this.options.ceiling.has(txKey(id, extended))));
    return ok ? { status: Status.OK, detail: 0 } : { status: Status.NOT_ALLOWED, detail: detailOf(id, extended) };
  }
}

function detailOf(id: number, extended: boolean): number {
  return extended ? (id | DETAIL_EXT) >>> 0 : id;
}
