import type Database from 'better-sqlite3';

/** Longest storage key (characters). */
export const MAX_KEY_CHARS = 256;

/**
 * One app's key-value storage, durable in the platform's SQLite file (or in memory when the
 * host runs without a data folder), with the quota from its manifest (key + value bytes).
 */
export class AppStorage {
  private readonly mem = new Map<string, string>();
  private used = 0;

  constructor(
    private readonly appId: string,
    readonly quotaBytes: number,
    private readonly db: Database.Database | null,
  ) {
    const rows = db ? (db.prepare('SELECT key, value FROM storage WHERE app_id = ?').all(appId) as { key: string; value: string }[]) : [];
    for (const r of rows) {
      this.mem.set(r.key, r.value);
      this.used += Buffer.byteLength(r.key) + Buffer.byteLength(r.value);
    }
  }

  get usedBytes(): number {
    return this.used;
  }

  get(key: string): unknown {
    const v = this.mem.get(key);
    return v === undefined ? null : JSON.parse(v);
  }

  keys(): string[] {
    return [...this.mem.keys()];
  }

  /** Stores a JSON value. Returns the problem when the key or the quota does not allow it. */
  set(key: string, value: unknown): string | null {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_CHARS) return `storage keys are strings of 1..${MAX_KEY_CHARS} characters`;
    const json = JSON.stringify(value ?? null);
    const old = this.mem.get(key);
    const delta = Buffer.byteLength(key) + Buffer.byteLength(json) - (old === undefined ? 0 : Buffer.byteLength(key) + Buffer.byteLength(old));
    if (this.used + delta > this.quotaBytes) return `storage quota of ${this.quotaBytes} bytes exceeded (${this.used} used, ${delta} more asked)`;
    this.db?.prepare('INSERT INTO storage (app_id, key, value) VALUES (?, ?, ?) ON CONFLICT(app_id, key) DO UPDATE SET value = excluded.value').run(this.appId, key, json);
    this.mem.set(key, json);
    this.used += delta;
    return null;
  }

  remove(key: string): void {
    const old = this.mem.get(key);
    if (old === undefined) return;
    this.db?.prepare('DELETE FROM storage WHERE app_id = ? AND key = ?').run(this.appId, key);
    this.mem.delete(key);
    this.used -= Buffer.byteLength(key) + Buffer.byteLength(old);
  }
}
