import type Database from 'better-sqlite3';

/**
 * What the ledger records, per app:
 * install, update, remove, grant, revoke, consent-request, read (dangerous reads, aggregated
 * per minute), action (every actuator request and its decision), egress (every byte sent
 * out, by channel), denied (a capability used without a grant), strike, quarantine, restart,
 * stopped, ui-invalid, notify, app (a record the app wrote with `app.audit`).
 */
export type LedgerKind =
  | 'install' | 'update' | 'remove' | 'grant' | 'revoke' | 'consent-request' | 'read' | 'action'
  | 'egress' | 'denied' | 'strike' | 'quarantine' | 'restart' | 'stopped' | 'ui-invalid' | 'notify' | 'app';

export interface LedgerRecord {
  seq: number;
  timeMs: number;
  appId: string;
  kind: LedgerKind;
  detail: Record<string, unknown>;
}

/** Length of the window dangerous reads are counted in before one `read` record is written (ms). */
export const READ_WINDOW_MS = 60_000;

/**
 * The driver-readable audit ledger (durable, SQLite). Dangerous reads are counted in memory
 * and written once per minute per (app, path); everything else is written as it happens.
 */
export class Ledger {
  private readonly insert: Database.Statement;
  private readonly reads = new Map<string, { appId: string; path: string; count: number; fromMs: number }>();
  private readonly listeners = new Set<(r: LedgerRecord) => void>();

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number = Date.now,
  ) {
    this.insert = db.prepare('INSERT INTO ledger (time_ms, app_id, kind, detail) VALUES (?, ?, ?, ?)');
  }

  /** Writes one record now; returns it. */
  record(appId: string, kind: LedgerKind, detail: Record<string, unknown>): LedgerRecord {
    const timeMs = this.clock();
    const info = this.insert.run(timeMs, appId, kind, JSON.stringify(detail));
    const r: LedgerRecord = { seq: Number(info.lastInsertRowid), timeMs, appId, kind, detail };
    for (const l of this.listeners) l(r);
    return r;
  }

  /** Counts `n` dangerous reads of `path` by `appId`; flushed as one record per minute. */
  countRead(appId: string, path: string, n = 1): void {
    const key = `${appId}\u0000${path}`;
    const now = this.clock();
    const cur = this.reads.get(key);
    if (cur && now - cur.fromMs < READ_WINDOW_MS) {
      cur.count += n;
      return;
    }
    if (cur) this.record(appId, 'read', { path, count: cur.count, fromMs: cur.fromMs, toMs: now });
    this.reads.set(key, { appId, path, count: n, fromMs: now });
  }

  /** Writes every pending read count (on a timer and at shutdown). */
  flushReads(force = false): void {
    const now = this.clock();
    for (const [key, r] of this.reads) {
      if (!force && now - r.fromMs < READ_WINDOW_MS) continue;
      this.record(r.appId, 'read', { path: r.path, count: r.count, fromMs: r.fromMs, toMs: now });
      this.reads.delete(key);
    }
  }

  /** Records, newest last; `appId` filters, `afterSeq` pages. */
  query(o: { appId?: string; limit?: number; afterSeq?: number; kind?: string } = {}): LedgerRecord[] {
    const where: string[] = ['seq > ?'];
    const args: unknown[] = [o.afterSeq ?? 0];
    if (o.appId) {
      where.push('app_id = ?');
      args.push(o.appId);
    }
    if (o.kind) {
      where.push('kind = ?');
      args.push(o.kind);
    }
    const rows = this.db
      .prepare(`SELECT seq, time_ms, app_id, kind, detail FROM ledger WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`)
      .all(...args, o.limit ?? 200) as { seq: number; time_ms: number; app_id: string; kind: LedgerKind; detail: string }[];
    return rows.reverse().map((r) => ({ seq: r.seq, timeMs: r.time_ms, appId: r.app_id, kind: r.kind, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Calls `fn` for every record written from now on; returns the unsubscribe. */
  onRecord(fn: (r: LedgerRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** One line per record for `headunit ledger`. */
export function formatRecord(r: LedgerRecord): string {
  const d = Object.entries(r.detail).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${new Date(r.timeMs).toISOString()} ${r.appId} ${r.kind} ${d}`;
}
