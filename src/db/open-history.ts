import type { Database } from '../config/env.js';
import type { HistorySource } from './history.js';
import { openPostgresHistory } from './postgres/history-source.js';
import { openSqliteHistory } from './sqlite/history-source.js';

/** The history of the database `DATABASE_URL` names, read-only (src/db/history.ts). */
export function openHistorySource(database: Database): Promise<HistorySource> {
  return database.engine === 'postgres'
    ? openPostgresHistory(database.url)
    : Promise.resolve().then(() => openSqliteHistory(database.path));
}
