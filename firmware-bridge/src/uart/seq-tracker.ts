/**
 * Packet sequence numbers of one direction (UART-BRIDGE-PROTOCOL.md §5): u16, +1 per packet,
 * restarting with each session. Used by the host for the MCU's packets and by the MCU for the
 * host's.
 */

/**
 * `accept()` says whether a packet is new (in order, or after a gap whose size is added to
 * `lost`) or stale (not ahead of the last one: reordered or replayed; counted in `stale`, to be
 * dropped).
 */
export class SeqTracker {
  /** Packets that never arrived (sum of gap sizes). */
  lost = 0;
  /** Packets dropped because they were not ahead of the previous one. */
  stale = 0;
  private expected = 0;

  /** Starts a session: the next packet should carry `next`. */
  reset(next: number): void {
    this.expected = next & 0xffff;
  }

  /** @returns true when the packet is new; false when it is stale and must be dropped. */
  accept(seq: number): boolean {
    const ahead = (seq - this.expected) & 0xffff;
    if (ahead >= 0x8000) {
      this.stale++;
      return false;
    }
    this.lost += ahead;
    this.expected = (seq + 1) & 0xffff;
    return true;
  }
}
