/**
 * Reconnect delays with "equal jitter": attempt n waits between half and all of
 * min(maxMs, initialMs * 2^n), so a fleet that lost its broker at the same moment does not
 * come back at the same moment. `reset()` after a successful connection.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    readonly initialMs = 500,
    readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay (ms) and one more attempt counted. */
  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
