import type { Statement } from 'better-sqlite3';
import type { DataClass } from './categories.ts';
import type { CloudDatabase } from './cloud-db.ts';

/** One message that left the car. */
export interface LedgerEntry {
  sentMs: number;
  mid: string;
  topic: string;
  dataClass: DataClass;
  kind: string;
  bytes: number;
  samples: number;
}

/** Per data class since a time: messages, bytes, samples. */
export interface LedgerTotals {
  [dataClass: string]: { messages: number; bytes: number; samples: number };
}

/**
 * The ledger of what left the car: each message the broker acknowledged, when, to which
 * topic, of which data class, how big. Kept for `retentionMs` (default 90 days) and at most
 * `maxRows` rows (oldest pruned first).
 */
export class Ledger {
  private readonly insert: Statement;
  private sinceLastPrune = 0;

  constructor(
    private readonly db: CloudDatabase,
    private readonly o: { retentionMs?: number; maxRows?: number } = {},
  ) {
    this.insert = db.prepare('INSERT INTO ledger (sent_ms, mid, topic, class, kind, bytes, samples) VALUES (?,?,?,?,?,?,?)');
  }

  /** Records acknowledged messages (one transaction). */
  record(entries: readonly LedgerEntry[]): void {
    this.db.transaction(() => {
      for (const e of entries) this.insert.run(e.sentMs, e.mid, e.topic, e.dataClass, e.kind, e.bytes, e.samples);
    })();
    this.sinceLastPrune += entries.length;
    if (this.sinceLastPrune > 10_000) this.prune(Date.now());
  }

  /** Newest first, at most `limit`, optionally only one data class, only after `sinceMs`. */
  list(o: { limit?: number; dataClass?: string; sinceMs?: number } = {}): LedgerEntry[] {
    const rows = this.db
      .prepare(`SELECT sent_ms, mid, topic, class, kind, bytes, samples FROM ledger WHERE sent_ms >= ? ${o.dataClass ? 'AND class = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...[o.sinceMs ?? 0, ...(o.dataClass ? [o.dataClass] : []), o.limit ?? 100]) as { sent_ms: number; mid: string; topic: string; class: DataClass; kind: string; bytes: number; samples: number }[];
    return rows.map((r) => ({ sentMs: r.sent_ms, mid: r.mid, topic: r.topic, dataClass: r.class, kind: r.kind, bytes: r.bytes, samples: r.samples }));
  }

  totals(sinceMs = 0): LedgerTotals {
    const out: LedgerTotals = {};
    const rows = this.db.prepare('SELECT class, count(*) AS n, sum(bytes) AS b, sum(samples) AS s FROM ledger WHERE sent_ms >= ? GROUP BY class').all(sinceMs) as { class: string; n: number; b: number; s: number }[];
    for (const r of rows) out[r.class] = { messages: r.n, bytes: r.b, samples: r.s };
    return out;
  }

  /** Drops entries older than the retention and beyond the row bound. */
  prune(nowMs: number): void {
    this.sinceLastPrune = 0;
    this.db.prepare('DELETE FROM ledger WHERE sent_ms < ?').run(nowMs - (this.o.retentionMs ?? 90 * 86_400_000));
    this.db.prepare('DELETE FROM ledger WHERE id <= (SELECT max(id) FROM ledger) - ?').run(this.o.maxRows ?? 1_000_000);
  }
}
