import type { Statement } from 'better-sqlite3';
import type { DataClass } from './categories.ts';
import type { CloudDatabase } from './cloud-db.ts';
import { OutboxFullError } from './errors.ts';
import { newMessageId } from './payload.ts';

/** What a message is; decides its priority. */
export type MessageKind = 'reply' | 'alert' | 'event' | 'state' | 'app' | 'telemetry';

/** Lower goes first: command replies and alerts, then events (and twin, app traffic), then telemetry. */
export const PRIORITY: Readonly<Record<MessageKind, number>> = { reply: 0, alert: 0, event: 1, state: 1, app: 1, telemetry: 2 };

/** A message to put in the outbox. `body` gets the message id as its first field `mid`. */
export interface OutboxInput {
  topic: string;
  body: Record<string, unknown>;
  kind: MessageKind;
  dataClass: DataClass;
  /** Drop it unsent after this long (ms; default: the outbox's default for the kind). */
  ttlMs?: number;
  retain?: boolean;
  /** Telemetry samples carried (for the ledger). */
  samples?: number;
  /** MQTT 5 response topic / correlation data (command replies carry the request's). */
  responseTopic?: string;
  correlationData?: Buffer;
  /** Use this id instead of a new one (the caller built `body` around it). */
  mid?: string;
  /**
   * Send exactly these bytes instead of `{mid, ...body}` (an app speaking a device's own schema,
   * e.g. a Home Assistant light); the id then lives only in the outbox row and the ledger.
   */
  raw?: Buffer;
}

/** A stored message, in sending order. */
export interface OutboxMessage {
  seq: number;
  mid: string;
  topic: string;
  payload: Buffer;
  kind: MessageKind;
  dataClass: DataClass;
  priority: number;
  createdMs: number;
  expiresMs: number;
  retain: boolean;
  samples: number;
  responseTopic: string | null;
  correlationData: Buffer | null;
}

export interface OutboxOptions {
  /** Bound on stored payload bytes (default 64 MiB). */
  maxBytes?: number;
  /** Default time to live per kind (ms). */
  ttlMs?: Partial<Record<MessageKind, number>>;
  clock?: () => number;
}

/** What the outbox did, since it was opened (the `/metrics` counters). */
export interface OutboxCounters {
  enqueued: number;
  acked: number;
  /** Dropped to make room, or refused for lack of room, per kind. */
  dropped: Record<string, number>;
  expired: number;
  /** Removed because consent was revoked or privacy mode switched on. */
  purged: number;
}

const DAY_MS = 86_400_000;
const DEFAULT_TTL: Record<MessageKind, number> = { reply: 300_000, alert: 7 * DAY_MS, event: 7 * DAY_MS, state: 7 * DAY_MS, app: DAY_MS, telemetry: 7 * DAY_MS };

interface Row {
  seq: number; mid: string; topic: string; payload: Buffer; kind: MessageKind; class: DataClass; priority: number;
  created_ms: number; expires_ms: number; retain: number; samples: number; response: string | null; corr: Buffer | null;
}

/**
 * The durable outbox (SQLite, WAL): every message the car means to send waits here until the
 * broker acknowledged it (PUBACK), across outages and restarts. Ordered by priority, then by
 * arrival; bounded by payload bytes — when full, the oldest message of the lowest priority not
 * above the newcomer's is dropped (oldest telemetry first) and counted; expired messages are
 * removed unsent and counted. A message id assigned on entry is in every payload.
 */
export class Outbox {
  readonly counters: OutboxCounters = { enqueued: 0, acked: 0, dropped: {}, expired: 0, purged: 0 };
  readonly maxBytes: number;
  private depthMessages = 0;
  private depthBytes = 0;
  private readonly clock: () => number;
  private readonly ttl: Record<MessageKind, number>;
  private readonly st: Record<'insert' | 'victim' | 'del' | 'next' | 'nextAfter' | 'expired' | 'delExpired' | 'purge' | 'purgeStats', Statement>;
  /** Lowest priority enqueued since the last `takeLowestNewPriority()` (a reader's cursor must rewind below it). */
  private lowestNew: number | null = null;
  private lastExpiryCheckMs = -Infinity;

  constructor(
    private readonly db: CloudDatabase,
    o: OutboxOptions = {},
  ) {
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.clock = o.clock ?? Date.now;
    this.ttl = { ...DEFAULT_TTL, ...o.ttlMs };
    this.st = {
      insert: db.prepare('INSERT INTO outbox (mid, topic, payload, kind, class, priority, created_ms, expires_ms, retain, samples, response, corr) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)'),
      victim: db.prepare('SELECT seq, kind, length(payload) AS bytes FROM outbox WHERE priority >= ? ORDER BY priority DESC, seq ASC LIMIT 1'),
      del: db.prepare('DELETE FROM outbox WHERE seq = ? RETURNING length(payload) AS bytes'),
      next: db.prepare('SELECT * FROM outbox ORDER BY priority, seq LIMIT ?'),
      nextAfter: db.prepare('SELECT * FROM outbox WHERE (priority, seq) > (?, ?) ORDER BY priority, seq LIMIT ?'),
      expired: db.prepare('SELECT count(*) AS n, coalesce(sum(length(payload)), 0) AS bytes FROM outbox WHERE expires_ms <= ?'),
      delExpired: db.prepare('DELETE FROM outbox WHERE expires_ms <= ?'),
      purge: db.prepare('DELETE FROM outbox WHERE class = ?'),
      purgeStats: db.prepare('SELECT count(*) AS n, coalesce(sum(length(payload)), 0) AS bytes FROM outbox WHERE class = ?'),
    };
    const d = db.prepare('SELECT count(*) AS n, coalesce(sum(length(payload)), 0) AS bytes FROM outbox').get() as { n: number; bytes: number };
    this.depthMessages = d.n;
    this.depthBytes = d.bytes;
  }

  /** Messages and payload bytes waiting (including those in flight). */
  get depth(): { messages: number; bytes: number } {
    return { messages: this.depthMessages, bytes: this.depthBytes };
  }

  /**
   * Stores a message (one transaction with any drops it forces).
   * @throws OutboxFullError when even dropping every lower-or-equal-priority message leaves no room (counted as dropped).
   */
  enqueue(m: OutboxInput): OutboxMessage {
    const now = this.clock();
    const mid = m.mid ?? newMessageId(now);
    const payload = m.raw ?? Buffer.from(JSON.stringify({ mid, ...m.body }), 'utf8');
    const priority = PRIORITY[m.kind];
    return this.db.transaction((): OutboxMessage => {
      this.makeRoom(payload.length, priority, m.kind);
      const expiresMs = now + (m.ttlMs ?? this.ttl[m.kind]);
      const r = this.st.insert.run(mid, m.topic, payload, m.kind, m.dataClass, priority, now, expiresMs, m.retain ? 1 : 0, m.samples ?? 0, m.responseTopic ?? null, m.correlationData ?? null);
      this.depthMessages++;
      this.depthBytes += payload.length;
      this.counters.enqueued++;
      this.lowestNew = Math.min(this.lowestNew ?? priority, priority);
      return {
        seq: Number(r.lastInsertRowid), mid, topic: m.topic, payload, kind: m.kind, dataClass: m.dataClass, priority, createdMs: now, expiresMs,
        retain: m.retain ?? false, samples: m.samples ?? 0, responseTopic: m.responseTopic ?? null, correlationData: m.correlationData ?? null,
      };
    })();
  }

  private makeRoom(bytes: number, priority: number, kind: MessageKind): void {
    if (bytes > this.maxBytes) return this.refuse(bytes, kind);
    while (this.depthBytes + bytes > this.maxBytes) {
      const v = this.st.victim.get(priority) as { seq: number; kind: string; bytes: number } | undefined;
      if (!v) return this.refuse(bytes, kind);
      this.st.del.run(v.seq);
      this.depthMessages--;
      this.depthBytes -= v.bytes;
      this.counters.dropped[v.kind] = (this.counters.dropped[v.kind] ?? 0) + 1;
    }
  }

  private refuse(bytes: number, kind: MessageKind): never {
    this.counters.dropped[kind] = (this.counters.dropped[kind] ?? 0) + 1;
    throw new OutboxFullError(bytes, kind, this.maxBytes);
  }

  /** Runs `fn` in one transaction (bulk enqueues: one commit instead of one per message). */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Up to `limit` messages in sending order, skipping the seqs in `skip` (those in flight).
   * Expired messages are removed first and counted.
   */
  next(limit: number, skip: ReadonlySet<number> = new Set(), after?: { priority: number; seq: number }): OutboxMessage[] {
    this.removeExpired();
    const rows = (after ? this.st.nextAfter.all(after.priority, after.seq, limit + skip.size) : this.st.next.all(limit + skip.size)) as Row[];
    const out: OutboxMessage[] = [];
    for (const r of rows) {
      if (skip.has(r.seq)) continue;
      out.push(toMessage(r));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The lowest priority enqueued since the last call, or null; resets. */
  takeLowestNewPriority(): number | null {
    const p = this.lowestNew;
    this.lowestNew = null;
    return p;
  }

  /** Removes expired messages (at most once a second; `next` calls it). */
  removeExpired(force = false): void {
    const now = this.clock();
    if (!force && now - this.lastExpiryCheckMs < 1000) return;
    this.lastExpiryCheckMs = now;
    const e = this.st.expired.get(now) as { n: number; bytes: number };
    if (e.n === 0) return;
    this.st.delExpired.run(now);
    this.depthMessages -= e.n;
    this.depthBytes -= e.bytes;
    this.counters.expired += e.n;
  }

  /**
   * Removes messages the broker acknowledged (one transaction); unknown seqs are ignored.
   * Committed without waiting for the disk: a removal lost to a power cut only means the
   * message is sent again, with the same id, which the cloud deduplicates.
   */
  ack(seqs: readonly number[]): void {
    const durability = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      this.removeAcked(seqs);
    } finally {
      this.db.pragma(`synchronous = ${durability}`);
    }
  }

  private removeAcked(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) {
        const r = this.st.del.get(seq) as { bytes: number } | undefined;
        if (!r) continue;
        this.depthMessages--;
        this.depthBytes -= r.bytes;
        this.counters.acked++;
      }
    })();
  }

  /** Removes every queued message of a data class (consent revoked); returns how many. */
  purge(dataClass: DataClass): number {
    return this.db.transaction(() => {
      const s = this.st.purgeStats.get(dataClass) as { n: number; bytes: number };
      this.st.purge.run(dataClass);
      this.depthMessages -= s.n;
      this.depthBytes -= s.bytes;
      this.counters.purged += s.n;
      return s.n;
    })();
  }
}

function toMessage(r: Row): OutboxMessage {
  return {
    seq: r.seq, mid: r.mid, topic: r.topic, payload: r.payload, kind: r.kind, dataClass: r.class, priority: r.priority,
    createdMs: r.created_ms, expiresMs: r.expires_ms, retain: r.retain === 1, samples: r.samples, responseTopic: r.response, correlationData: r.corr,
  };
}
