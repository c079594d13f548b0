import { EventEmitter } from 'node:events';
import type { Logger } from '../log.ts';
import type { CloudConnection } from './connection.ts';
import type { Ledger } from './ledger.ts';
import type { Outbox, OutboxMessage } from './outbox.ts';

/** Messages published and not yet acknowledged, at most (capped by the broker's Receive Maximum). */
const DEFAULT_WINDOW = 1000;

/**
 * Moves messages from the outbox to the broker: in outbox order, up to a window in flight
 * (QoS 1), each removed from the outbox and written to the ledger only when its PUBACK
 * arrives. When the connection drops, what was in flight stays in the outbox and is sent again
 * on the next connection with the same message id. Emits `drained` when the outbox is empty.
 */
export class OutboxPublisher extends EventEmitter {
  readonly counters = { published: 0, rejected: 0 };
  private readonly inFlight = new Map<number, OutboxMessage>();
  private acked: { m: OutboxMessage; sentMs: number }[] = [];
  private ackScheduled = false;
  private pumpScheduled = false;
  private running = false;
  private readonly window: number;
  /** Where the last read stopped: the next read continues after it instead of re-reading what is in flight. */
  private cursor: { priority: number; seq: number } | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly conn: CloudConnection,
    private readonly ledger: Ledger,
    private readonly log: Logger,
    o: { window?: number } = {},
  ) {
    super();
    this.window = o.window ?? DEFAULT_WINDOW;
    conn.on('online', () => {
      this.inFlight.clear();
      this.cursor = null;
      this.kick();
    });
    conn.on('offline', () => this.inFlight.clear());
  }

  start(): void {
    this.running = true;
    this.kick();
  }

  /** Records the acknowledgements that arrived; later ones are ignored (their rows are sent again next time). */
  stop(): void {
    this.flushAcks();
    this.running = false;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Sends soon (after the current event-loop turn, so a burst of enqueues is one read). */
  kick(): void {
    if (this.pumpScheduled || !this.running) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running || !this.conn.connected) return;
    const window = Math.min(this.window, this.conn.receiveMaximum);
    const room = window - this.inFlight.size;
    // Refill in chunks: one query per quarter window, not one per acknowledgement.
    if (room <= 0 || (this.inFlight.size > 0 && room < window / 4)) return;
    const lowest = this.outbox.takeLowestNewPriority();
    if (this.cursor && lowest !== null && lowest < this.cursor.priority) this.cursor = null;
    // From the start (after a rewind), what is in flight is skipped; after the cursor nothing is in flight.
    const batch = this.outbox.next(room, this.cursor ? new Set() : new Set(this.inFlight.keys()), this.cursor ?? undefined);
    if (batch.length > 0) this.cursor = { priority: batch.at(-1)!.priority, seq: batch.at(-1)!.seq };
    if (batch.length === 0 && this.inFlight.size === 0 && this.outbox.depth.messages === 0) {
      this.emit('drained');
      return;
    }
    const gen = this.conn.generation;
    this.conn.burst(() => this.publishAll(batch, gen));
  }

  private publishAll(batch: OutboxMessage[], gen: number): void {
    for (const m of batch) {
      this.inFlight.set(m.seq, m);
      this.counters.published++;
      this.conn
        .publish(m.topic, m.payload, { qos: 1, retain: m.retain, ...(m.responseTopic ? { responseTopic: m.responseTopic } : {}), ...(m.correlationData ? { correlationData: m.correlationData } : {}) })
        .then(
          () => this.onAck(m),
          (err: Error) => this.onFail(m, gen, err),
        );
    }
  }

  private onAck(m: OutboxMessage): void {
    if (!this.running) return;
    // Stays "in flight" until its row is deleted in flushAcks, so no pump reads it again meanwhile.
    this.acked.push({ m, sentMs: Date.now() });
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      setImmediate(() => this.flushAcks());
    }
  }

  private onFail(m: OutboxMessage, gen: number, err: Error): void {
    if (!this.running || gen !== this.conn.generation || !this.conn.connected) return;
    // The broker answered and refused (PUBACK reason >= 0x80, e.g. not authorized): sending
    // it again would be refused again and hold up everything behind it. Counted and logged.
    this.inFlight.delete(m.seq);
    this.counters.rejected++;
    this.log.log('warn', 'broker refused a message', { mid: m.mid, topic: m.topic, kind: m.kind, error: err.message });
    this.outbox.ack([m.seq]);
    this.kick();
  }

  private flushAcks(): void {
    this.ackScheduled = false;
    if (this.acked.length === 0 || !this.running) return;
    const done = this.acked;
    this.acked = [];
    this.outbox.ack(done.map((a) => a.m.seq));
    for (const a of done) this.inFlight.delete(a.m.seq);
    this.ledger.record(done.map(({ m, sentMs }) => ({ sentMs, mid: m.mid, topic: m.topic, dataClass: m.dataClass, kind: m.kind, bytes: m.payload.length, samples: m.samples })));
    this.emit('acked', done.length);
    this.kick();
  }
}
