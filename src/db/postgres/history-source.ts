import type pg from 'pg';
import {
  type AccountRange,
  HISTORY_COLUMNS,
  HISTORY_PAGE,
  HistoryError,
  type HistorySource,
  historySchemaProblem,
  type LiveAlertRow,
  liveAlertOf,
  liveAlertsQuery,
  rangesOf,
  type StoredEvent,
} from '../history.js';
import { openPool, postgresLocation } from './client.js';

/**
 * The history (src/db/history.ts) of a Postgres database. Every session is
 * `default_transaction_read_only`, so nothing here can write; the bot's instances go on beside
 * it (readers never block writers). Events stream through a cursor in one read-only transaction:
 * a consistent snapshot, `HISTORY_PAGE` rows in memory at a time.
 *
 * The transaction holds one snapshot for as long as the replay reads, which keeps Postgres's
 * vacuum from clearing what changed since: run long replays off-peak, or against a replica.
 *
 * The order is the one live scoring recorded (`applied_seq`, taken when an event is applied):
 * sequences are not commit-ordered on Postgres, so an event stored late may have been applied
 * after a later-numbered one, and `seq` order would replay a different history. Events still
 * pending come last, in `seq` order, as they will be applied.
 */
export async function openPostgresHistory(url: string): Promise<HistorySource> {
  const where = postgresLocation(url);
  // No statement timeout: the cursor's first FETCH sorts every event by applied_seq (an index
  // would cost every scored event a write), minutes on a history of millions.
  const pool = openPool(url, 2, { readOnly: true, queryTimeout: false });
  // A connection the server drops while idle is reported by the next statement on it.
  pool.on('error', () => undefined);
  try {
    await checkSchema(pool, where);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof HistoryError) throw error;
    throw new HistoryError(`cannot read ${where}: ${(error as Error).message}`);
  }
  return {
    where,
    async countEvents() {
      const { rows } = await pool.query<{ n: number }>(
        'select count(*) as n from events where processing_error is null',
      );
      return rows[0]?.n ?? 0;
    },
    events: (range) => readEvents(pool, range),
    async planShards(parts) {
      const counts = await pool.query<{ id: string; n: number }>(
        `select account_id as id, count(*) as n from events
         where account_id is not null and processing_error is null group by account_id order by account_id`,
      );
      const without = await pool.query<{ n: number }>(
        'select count(*) as n from events where account_id is null and processing_error is null',
      );
      return { ranges: rangesOf(counts.rows, parts), withoutAccount: without.rows[0]?.n ?? 0 };
    },
    async liveAlerts() {
      const { rows } = await pool.query<LiveAlertRow>(liveAlertsQuery((column) => `${column}::text`));
      return rows.map(liveAlertOf);
    },
    close: () => pool.end(),
  };
}

async function checkSchema(pool: pg.Pool, where: string): Promise<void> {
  const { rows } = await pool.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
     where table_schema = current_schema() and table_name = any($1)`,
    [Object.keys(HISTORY_COLUMNS)],
  );
  for (const table of Object.keys(HISTORY_COLUMNS)) {
    const have = new Set(rows.filter((r) => r.table_name === table).map((r) => r.column_name));
    const problem = historySchemaProblem(where, table, have);
    if (problem) throw problem;
  }
}

async function* readEvents(pool: pg.Pool, range?: AccountRange): AsyncGenerator<readonly StoredEvent[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let open = false;
  try {
    await client.query('begin isolation level repeatable read read only');
    open = true;
    await client.query(
      `declare history no scroll cursor for
       select seq, id, source, type, account_id as "accountId", user_id as "userId",
              occurred_at as "occurredAt", received_at as "receivedAt", processed_at as "processedAt",
              properties::text as properties, account_patch::text as "accountPatch", user_patch::text as "userPatch"
       from events
       where processing_error is null ${range ? 'and account_id >= $1 and account_id <= $2' : ''}
       order by applied_seq nulls last, seq`,
      range ? [range.first, range.last] : [],
    );
    for (;;) {
      const { rows } = await client.query<StoredEvent>(`fetch ${HISTORY_PAGE} from history`);
      if (rows.length > 0) yield rows;
      if (rows.length < HISTORY_PAGE) break;
    }
    await client.query('commit');
    open = false;
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A reader that stopped early (`break` in its loop) ends here with the transaction open.
    if (open && !broken) await client.query('rollback').catch((error: Error) => (broken = error));
    client.release(broken);
  }
}
