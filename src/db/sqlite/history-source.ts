import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  type AccountRange,
  HISTORY_COLUMNS,
  HISTORY_PAGE,
  HistoryError,
  type HistorySource,
  historySchemaProblem,
  type LiveAlert,
  type LiveAlertRow,
  liveAlertOf,
  liveAlertsQuery,
  rangesOf,
  type ShardPlan,
  type StoredEvent,
} from '../history.js';
import type { Db } from './client.js';

/**
 * The history (src/db/history.ts) of a SQLite file, opened with SQLITE_OPEN_READONLY: WAL readers
 * never block the writer, so a replay runs beside the bot. The synchronous readers below serve
 * the source and the tests and bench that read a file directly.
 */
export function openSqliteHistory(path: string): HistorySource {
  const sqlite = openHistory(path);
  return {
    where: path,
    countEvents: async () => countEvents(sqlite),
    events: (range) => pages(readEvents(sqlite, range)),
    planShards: async (parts) => planShards(sqlite, parts),
    liveAlerts: async () => readLiveAlerts(sqlite),
    close: async () => {
      sqlite.close();
    },
  };
}

/** Opens an existing pls database read-only; throws `HistoryError` with a sentence when it cannot. */
export function openHistory(path: string): Database.Database {
  if (path === ':memory:' || !existsSync(path)) {
    throw new HistoryError(`no database at ${path} (check DATABASE_URL)`);
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new HistoryError(`cannot open ${path}: ${(error as Error).message}`);
  }
  try {
    sqlite.pragma('busy_timeout = 5000');
    checkSchema(sqlite, path);
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

function checkSchema(sqlite: Database.Database, path: string): void {
  for (const table of Object.keys(HISTORY_COLUMNS)) {
    const have = new Set((sqlite.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    const problem = historySchemaProblem(path, table, have);
    if (problem) throw problem;
  }
}

/** Accepts the app's drizzle handle or a raw better-sqlite3 connection. */
export type HistoryDb = Db | Database.Database;

export function sqliteOf(db: HistoryDb): Database.Database {
  return '$client' in db ? db.$client : db;
}

function countEvents(db: HistoryDb): number {
  return (
    sqliteOf(db).prepare('select count(*) as n from events where processing_error is null').get() as {
      n: number;
    }
  ).n;
}

/** A synchronous stream in pages of `HISTORY_PAGE`. */
async function* pages(rows: Iterable<StoredEvent>): AsyncGenerator<readonly StoredEvent[]> {
  let page: StoredEvent[] = [];
  for (const row of rows) {
    page.push(row);
    if (page.length === HISTORY_PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

type RawEvent = [
  number,
  string,
  'webhook' | 'segment',
  string,
  string | null,
  string | null,
  number,
  number,
  number | null,
  string,
  string | null,
  string | null,
];

/**
 * Every stored event but the quarantined in `seq` order — on SQLite the order live scoring
 * applied them (one writer stores and applies in seq order: `applied_seq` = `seq`) — streamed
 * with `.iterate()` as arrays (`.raw()`): one row in memory at a time, no object per column.
 */
export function* readEvents(db: HistoryDb, accounts?: AccountRange): Generator<StoredEvent> {
  const columns = `seq, id, source, type, account_id, user_id, occurred_at, received_at, processed_at,
              properties, account_patch, user_patch`;
  const sqlite = sqliteOf(db);
  const rows = accounts
    ? sqlite
        .prepare<[string, string], RawEvent>(
          `select ${columns} from events
           where account_id >= ? and account_id <= ? and processing_error is null order by seq`,
        )
        .raw(true)
        .iterate(accounts.first, accounts.last)
    : sqlite
        .prepare<[], RawEvent>(`select ${columns} from events where processing_error is null order by seq`)
        .raw(true)
        .iterate();
  for (const r of rows) {
    yield {
      seq: r[0],
      id: r[1],
      source: r[2],
      type: r[3],
      accountId: r[4],
      userId: r[5],
      occurredAt: r[6],
      receivedAt: r[7],
      processedAt: r[8],
      properties: r[9],
      accountPatch: r[10],
      userPatch: r[11],
    };
  }
}

/** `HistorySource.planShards` on a file (an index scan of `events_account`). */
export function planShards(db: HistoryDb, parts: number): ShardPlan {
  const sqlite = sqliteOf(db);
  const counts = sqlite
    .prepare<[], { id: string; n: number }>(
      `select account_id as id, count(*) as n from events
       where account_id is not null and processing_error is null group by account_id order by account_id`,
    )
    .all();
  const withoutAccount =
    sqlite
      .prepare<[], { n: number }>(
        'select count(*) as n from events where account_id is null and processing_error is null',
      )
      .get()?.n ?? 0;
  return { ranges: rangesOf(counts, parts), withoutAccount };
}

/** Every live alert, oldest first, with the trigger it opened with (from its `opened` audit row). */
export function readLiveAlerts(db: HistoryDb): LiveAlert[] {
  return sqliteOf(db)
    .prepare<[], LiveAlertRow>(liveAlertsQuery((column) => column))
    .all()
    .map(liveAlertOf);
}
