import type Database from 'better-sqlite3';
import type { GrantState } from './tiers.ts';

/**
 * The driver's decisions per app and permission, durable in SQLite with an in-memory copy
 * that every capability check reads (so a revoke takes effect on the next call).
 */
export class GrantTable {
  private readonly cache = new Map<string, Map<string, GrantState>>();
  private readonly upsert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare('INSERT INTO grants (app_id, permission, state, time_ms) VALUES (?, ?, ?, ?) ON CONFLICT(app_id, permission) DO UPDATE SET state = excluded.state, time_ms = excluded.time_ms');
    const rows = db.prepare('SELECT app_id, permission, state FROM grants').all() as { app_id: string; permission: string; state: GrantState }[];
    for (const r of rows) this.mapOf(r.app_id).set(r.permission, r.state);
  }

  private mapOf(appId: string): Map<string, GrantState> {
    let m = this.cache.get(appId);
    if (!m) this.cache.set(appId, (m = new Map()));
    return m;
  }

  /** The state of one permission, or undefined when the app never declared it. */
  get(appId: string, permission: string): GrantState | undefined {
    return this.cache.get(appId)?.get(permission);
  }

  /** Every permission of an app with its state. */
  all(appId: string): Record<string, GrantState> {
    return Object.fromEntries(this.cache.get(appId) ?? []);
  }

  set(appId: string, permission: string, state: GrantState): void {
    this.mapOf(appId).set(permission, state);
    this.upsert.run(appId, permission, state, Date.now());
  }

  /** Drops an app's grants (on remove, or a permission no longer declared after an update). */
  drop(appId: string, permission?: string): void {
    if (permission === undefined) {
      this.cache.delete(appId);
      this.db.prepare('DELETE FROM grants WHERE app_id = ?').run(appId);
    } else {
      this.cache.get(appId)?.delete(permission);
      this.db.prepare('DELETE FROM grants WHERE app_id = ? AND permission = ?').run(appId, permission);
    }
  }
}
