import type Database from 'better-sqlite3';

/** Log lines kept per app in the database. */
const MAX_LOG_ROWS_PER_APP = 1000;
/** Lines held before they are written at once, whatever the timer. */
const MAX_PENDING = 500;

/**
 * The apps' console lines, written to `logs` in one transaction per `flush()` (the host calls it
 * every second, before reading, and at stop) instead of one commit per line on the decode thread.
 * Each app keeps its newest MAX_LOG_ROWS_PER_APP lines.
 */
export class AppLogs {
  private pending: [number, string, string, string][] = [];
  private readonly insert: Database.Statement;
  private readonly trim: Database.Statement;
  private readonly write: (rows: [number, string, string, string][]) => void;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO logs (time_ms, app_id, level, message) VALUES (?, ?, ?, ?)');
    this.trim = db.prepare('DELETE FROM logs WHERE app_id = ? AND seq <= (SELECT seq FROM logs WHERE app_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)');
    this.write = db.transaction((rows: [number, string, string, string][]) => {
      const apps = new Set<string>();
      for (const r of rows) {
        this.insert.run(...r);
        apps.add(r[1]);
      }
      for (const a of apps) this.trim.run(a, a, MAX_LOG_ROWS_PER_APP);
    });
  }

  /** One line; `timeMs` is when the app wrote it. */
  add(appId: string, level: string, message: string, timeMs = Date.now()): void {
    this.pending.push([timeMs, appId, level, message]);
    if (this.pending.length >= MAX_PENDING) this.flush();
  }

  /** Writes the held lines. */
  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.write(rows);
  }
}
