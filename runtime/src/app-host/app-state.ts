import type Database from 'better-sqlite3';
import type { VssCatalogue } from '../vss/catalogue.ts';
import { openAppDb } from './ledger/app-db.ts';
import { Ledger } from './ledger/ledger.ts';
import { AppStore } from './package/app-store.ts';
import { GrantTable } from './permissions/grants.ts';

export { dataDirFrom } from '../config/data-dir.ts';

/** The platform's durable state under one data folder. */
export interface AppState {
  dataDir: string;
  db: Database.Database;
  grants: GrantTable;
  ledger: Ledger;
  store: AppStore;
  close(): void;
}

/** Opens (creating) the app database, grants, ledger and installed-app store under `dataDir`. */
export function openAppState(dataDir: string, vss?: VssCatalogue): AppState {
  const db = openAppDb(dataDir);
  const grants = new GrantTable(db);
  const ledger = new Ledger(db);
  return { dataDir, db, grants, ledger, store: new AppStore(dataDir, grants, ledger, vss), close: () => db.close() };
}
