import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The app platform's SQLite file under the data folder (WAL, so the sandbox worker can share it). */
export const APP_DB_FILE = 'apps.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  app_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_app ON ledger(app_id, seq);
CREATE TABLE IF NOT EXISTS grants (
  app_id TEXT NOT NULL,
  permission TEXT NOT NULL,
  state TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY (app_id, permission)
);
CREATE TABLE IF NOT EXISTS logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  app_id TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_app ON logs(app_id, seq);
CREATE TABLE IF NOT EXISTS storage (
  app_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (app_id, key)
);
`;

/** How often the app thread moves the WAL into the database file (ms). */
export const CHECKPOINT_EVERY_MS = 2000;

/**
 * Opens (creating) `<dataDir>/apps.db` in WAL mode with the platform's tables. No connection
 * checkpoints on commit (SQLite's default would, on whichever thread wrote the 1000th page: a
 * 5 ms stall of the decode loop when that is the main thread, as measured under hostile apps);
 * the app thread's connection checkpoints every CHECKPOINT_EVERY_MS (`checkpoint`), and SQLite
 * checkpoints when the last connection closes. Should the app thread end, the host turns the
 * main connection's own checkpoints back on (`selfCheckpoint`).
 */
export function openAppDb(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, APP_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  db.pragma('wal_autocheckpoint = 0');
  // After a checkpoint the WAL file is cut back to this size instead of staying at its largest.
  db.pragma('journal_size_limit = 8388608');
  db.exec(SCHEMA);
  return db;
}

/** Copies what the WAL holds into the database file without waiting for readers or writers. */
export function checkpoint(db: Database.Database): void {
  db.pragma('wal_checkpoint(PASSIVE)');
}

/** Back to SQLite's own checkpoints on this connection (every 1000 pages): nobody else will. */
export function selfCheckpoint(db: Database.Database): void {
  db.pragma('wal_autocheckpoint = 1000');
}
