import { type CodedError, ErrorCode } from '../domain/errors.js';
import type { AlertTrigger } from '../domain/handoff.js';
import type { StoredEventFields } from '../domain/stored-event.js';

/**
 * What replay and calibration read from a pls database, on either engine: the event log in the
 * order live scoring applied it and the live alerts with their outcomes. Read-only by
 * construction — SQLite is opened with SQLITE_OPEN_READONLY, a Postgres session is
 * `default_transaction_read_only` — so a replay can never change what the bot relies on, and it
 * can run beside the bot. The SQLite source is src/db/sqlite/history-source.ts, the Postgres one
 * src/db/postgres/history-source.ts; `openHistorySource` (src/db/open-history.ts) picks one.
 */
export interface HistorySource {
  /** The database in words for messages: a file path, or host:port/dbname (never a password). */
  readonly where: string;
  /** Events live scoring did not quarantine: what `events()` yields. */
  countEvents(): Promise<number>;
  /**
   * Those events in the order live scoring applied them (`applied_seq`; still pending ones after,
   * in the order they were stored), a page at a time; only the accounts of `range` when given.
   * Events live scoring quarantined (`processing_error`: they threw and were set aside, their
   * effects rolled back) are skipped, as they were live.
   */
  events(range?: AccountRange): EventPages;
  /**
   * Splits the accounts that have events into at most `parts` ranges of about as many events
   * each (in the database's own text order, which `events(range)` uses too), plus the count of
   * events with no account.
   */
  planShards(parts: number): Promise<ShardPlan>;
  /** Every live alert, oldest first, with the trigger it opened with (from its `opened` audit row). */
  liveAlerts(): Promise<LiveAlert[]>;
  close(): Promise<void>;
}

/** An event history a page at a time: a page keeps the cost of awaiting out of the per-event loop. */
export type EventPages = AsyncIterable<readonly StoredEvent[]>;

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
  play: string;
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

/** Account ids from `first` to `last`, inclusive (the database's text order): one shard of a parallel replay. */
export interface AccountRange {
  first: string;
  last: string;
}

export interface ShardPlan {
  ranges: AccountRange[];
  withoutAccount: number;
}

export class HistoryError extends Error implements CodedError {
  override name = 'HistoryError';
  readonly code = ErrorCode.HistoryUnreadable;
}

/** The tables and columns a history is read from: a database without them was never migrated this far. */
export const HISTORY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  events: [
    'seq',
    'id',
    'type',
    'account_id',
    'occurred_at',
    'received_at',
    'processed_at',
    'processing_error',
    'applied_seq',
    'properties',
  ],
  alerts: ['id', 'account_id', 'play', 'tier', 'team_id', 'opened_at', 'closed_at', 'outcome', 'trigger'],
  alert_events: ['alert_id', 'kind', 'data'],
};

/** Why `table`, with the columns `have` (empty: no such table), cannot be read as history; null when it can. */
export function historySchemaProblem(
  where: string,
  table: string,
  have: ReadonlySet<string>,
): HistoryError | null {
  const missing = (HISTORY_COLUMNS[table] ?? []).filter((c) => !have.has(c));
  if (have.size > 0 && missing.length === 0) return null;
  return new HistoryError(
    `${where} is not a pls database this version can read (table ${table} ${have.size === 0 ? 'is missing' : `lacks ${missing.join(', ')}`}); start pls once to migrate it`,
  );
}

/** How many events a page holds: enough to make the await per page cost nothing, small enough to stream. */
export const HISTORY_PAGE = 4096;

/**
 * The live alerts' query, the same on both engines: JSON columns as text (`asText` wraps a
 * column for the engine: SQLite stores text, Postgres jsonb).
 */
export function liveAlertsQuery(asText: (column: string) => string): string {
  return `select a.id, a.account_id, a.play, a.tier, a.team_id, a.opened_at, a.closed_at, a.outcome,
            ${asText('a.outcome_detail')} as outcome_detail, ${asText('a.trigger')} as trigger,
            (select ${asText('e.data')} from alert_events e where e.alert_id = a.id and e.kind = 'opened'
             order by e.seq limit 1) as opened_data
          from alerts a order by a.opened_at, a.id`;
}

/** One row of `liveAlertsQuery`. */
export interface LiveAlertRow {
  id: string;
  account_id: string;
  play: string;
  tier: 'hot' | 'warm';
  team_id: string;
  opened_at: number;
  closed_at: number | null;
  outcome: string | null;
  outcome_detail: string | null;
  trigger: string;
  opened_data: string | null;
}

export function liveAlertOf(row: LiveAlertRow): LiveAlert {
  const opened = parseJson(row.opened_data) as { trigger?: AlertTrigger } | null;
  const openingTrigger = opened?.trigger ?? null;
  return {
    id: row.id,
    accountId: row.account_id,
    play: row.play,
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
}

/**
 * Account ranges of about as many events each from per-account counts in text order: the
 * counts' running total is cut at every `total / parts`.
 */
export function rangesOf(counts: readonly { id: string; n: number }[], parts: number): AccountRange[] {
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
  return ranges;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
