import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** The cloud's SQLite database (better-sqlite3). */
export type CloudDatabase = Database.Database;

/** `FULL` survives power loss at one fsync per commit; `NORMAL` survives a process crash. */
export type Durability = 'FULL' | 'NORMAL';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  mid        TEXT    NOT NULL,
  topic      TEXT    NOT NULL,
  payload    BLOB    NOT NULL,
  kind       TEXT    NOT NULL,
  class      TEXT    NOT NULL,
  priority   INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  retain     INTEGER NOT NULL DEFAULT 0,
  samples    INTEGER NOT NULL DEFAULT 0,
  response   TEXT,
  corr       BLOB
);
CREATE INDEX IF NOT EXISTS outbox_order ON outbox (priority, seq);
CREATE INDEX IF NOT EXISTS outbox_class ON outbox (class);
CREATE INDEX IF NOT EXISTS outbox_expiry ON outbox (expires_ms);
CREATE TABLE IF NOT EXISTS ledger (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  sent_ms  INTEGER NOT NULL,
  mid      TEXT    NOT NULL,
  topic    TEXT    NOT NULL,
  class    TEXT    NOT NULL,
  kind     TEXT    NOT NULL,
  bytes    INTEGER NOT NULL,
  samples  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS consent (
  category   TEXT PRIMARY KEY,
  granted    INTEGER NOT NULL,
  changed_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (
  nonce      TEXT PRIMARY KEY,
  expires_ms INTEGER NOT NULL
);
`;

/**
 * Opens (creating when needed) the cloud database: WAL journal, the given durability, and the
 * tables of the outbox, the ledger, consent and the command nonces. `:memory:` works for tests
 * that do not restart.
 */
export function openCloudDb(file: string, durability: Durability = 'FULL'): CloudDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability}`);
  db.exec(SCHEMA);
  return db;
}
