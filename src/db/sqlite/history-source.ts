import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { AlertTrigger } from '../../domain/handoff.js';
import type { StoredEventFields } from '../../domain/stored-event.js';
import type { Db } from './client.js';

/**
 * What replay and calibration read from a pls database: the event log and the live alerts with
 * their outcomes. Read-only by construction: the CLIs open the file with SQLITE_OPEN_READONLY, so
 * a replay can never change what the bot relies on, and it can run beside the bot (WAL readers
 * never block the writer).
 */

/** One row of `events`, as stored: JSON columns stay text until the replay needs them. */
export interface StoredEvent extends StoredEventFields {
  seq: number;
  receivedAt: number;
  /** When live scoring applied it (the `now` of its batch); null while pending. */
  processedAt: number | null;
}

/** A live alert as replay matching and calibration need it. */
export interface LiveAlert {
  id: string;
  accountId: string;
  /** Current tier (after any upgrade in place), as `/pls sla` counts it. */
  tier: 'hot' | 'warm';
  teamId: string;
  openedAt: number;
  closedAt: number | null;
  /** won | lost | no_response | not_a_fit | self_served | null (not closed). */
  outcome: string | null;
  outcomeDetail: Record<string, unknown> | null;
  /** The current trigger (an upgrade replaces it). */
  trigger: AlertTrigger;
  /** The event that opened the alert (from its `opened` audit row), else null. */
  openingEventId: string | null;
  /** The trigger the alert opened with, else null. */
  openingTrigger: AlertTrigger | null;
}

export class HistoryError extends Error {
  override name = 'HistoryError';
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

const NEEDED: Record<string, readonly string[]> = {
  events: [
    'seq',
    'id',
    'type',
    'account_id',
    'occurred_at',
    'received_at',
    'processed_at',
    'processing_error',
    'properties',
  ],
  alerts: ['id', 'account_id', 'tier', 'team_id', 'opened_at', 'closed_at', 'outcome', 'trigger'],
  alert_events: ['alert_id', 'kind', 'data'],
};

function checkSchema(sqlite: Database.Database, path: string): void {
  for (const [table, columns] of Object.entries(NEEDED)) {
    const have = new Set(
      (sqlite.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name),
    );
    const missing = columns.filter((c) => !have.has(c));
    if (have.size === 0 || missing.length > 0) {
      throw new HistoryError(
        `${path} is not a pls database this version can read (table ${table} ${have.size === 0 ? 'is missing' : `lacks ${missing.join(', ')}`}); start pls once to migrate it`,
      );
    }
  }
}

/** Accepts the app's drizzle handle or a raw better-sqlite3 connection. */
export type HistoryDb = Db | Database.Database;

export function sqliteOf(db: HistoryDb): Database.Database {
  return '$client' in db ? db.$client : db;
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
 * Every stored event in `seq` order (the order live scoring applied them), streamed with
 * `.iterate()` as arrays (`.raw()`): one row in memory at a time, no object per column. Events
 * live scoring quarantined (`processing_error`: they threw and were set aside, their effects
 * rolled back) are skipped, as they were live.
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

/** Account ids from `first` to `last`, inclusive (text order): one shard of a parallel replay. */
export interface AccountRange {
  first: string;
  last: string;
}

/**
 * Splits the accounts that have events into at most `parts` ranges of about as many events each
 * (an index scan of `events_account`), plus the count of events with no account.
 */
export function planShards(db: HistoryDb, parts: number): { ranges: AccountRange[]; withoutAccount: number } {
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
  const total = counts.reduce((sum, c) => sum + c.n, 0);
  const ranges: AccountRange[] = [];
  let start = 0;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i]!.n;
    const target = (total * (ranges.length + 1)) / parts;
    if ((acc >= target && ranges.length < parts - 1) || i === counts.length - 1) {
      ranges.push({ first: counts[start]!.id, last: counts[i]!.id });
      start = i + 1;
    }
  }
  return { ranges, withoutAccount };
}

interface AlertRowRaw {
  id: string;
  account_id: string;
  tier: 'hot' | 'warm';
  team_id: string;
  opened_at: number;
  closed_at: number | null;
  outcome: string | null;
  outcome_detail: string | null;
  trigger: string;
  opened_data: string | null;
}

/** Every live alert, oldest first, with the trigger it opened with (from its `opened` audit row). */
export function readLiveAlerts(db: HistoryDb): LiveAlert[] {
  const rows = sqliteOf(db)
    .prepare<[], AlertRowRaw>(
      `select a.id, a.account_id, a.tier, a.team_id, a.opened_at, a.closed_at, a.outcome, a.outcome_detail,
              a.trigger,
              (select e.data from alert_events e where e.alert_id = a.id and e.kind = 'opened'
               order by e.seq limit 1) as opened_data
       from alerts a order by a.opened_at, a.id`,
    )
    .all();
  return rows.map((row) => {
    const opened = parseJson(row.opened_data) as { trigger?: AlertTrigger } | null;
    const openingTrigger = opened?.trigger ?? null;
    return {
      id: row.id,
      accountId: row.account_id,
      tier: row.tier,
      teamId: row.team_id,
      openedAt: row.opened_at,
      closedAt: row.closed_at,
      outcome: row.outcome,
      outcomeDetail: parseJson(row.outcome_detail) as Record<string, unknown> | null,
      trigger: JSON.parse(row.trigger) as AlertTrigger,
      openingEventId: openingTrigger?.eventId ?? null,
      openingTrigger,
    };
  });
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
