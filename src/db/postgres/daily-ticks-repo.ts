import { type DailyTicksRepo, KEPT_DAYS } from '../daily-ticks-repo.js';
import { ACCOUNT_LOCK_SPACE } from './events.js';
import type { PgSession } from './pg-store.js';

/** The daily re-score's progress on Postgres: the same calls as src/db/daily-ticks-repo.ts. */
export function createPgDailyTicksRepo(db: PgSession): DailyTicksRepo {
  return {
    async latest() {
      const { rows } = await db.query<{ day: number; cursor: string; finishedAt: number | null }>(
        'select day, cursor, finished_at as "finishedAt" from daily_ticks order by day desc limit 1',
      );
      return rows[0] ?? null;
    },
    async begin(day) {
      await db.query('insert into daily_ticks (day) values ($1) on conflict (day) do nothing', [day]);
      await db.query('delete from daily_ticks where day < $1', [day - KEPT_DAYS]);
    },
    async advance(day, from, to, finishedAt) {
      const { rowCount } = await db.query(
        'update daily_ticks set cursor = $1, finished_at = $2 where day = $3 and cursor = $4 and finished_at is null',
        [to, finishedAt, day, from],
      );
      return rowCount === 1;
    },
    async accountsAfter(cursor, limit) {
      const { rows } = await db.query<{ id: string }>(
        'select id from accounts where id > $1 order by id limit $2',
        [cursor, limit],
      );
      return rows.map((row) => row.id);
    },
    async lastAppliedReceivedAt() {
      const { rows } = await db.query<{ at: string }>(
        'select received_at as at from events where processed_at is not null order by received_at desc limit 1',
      );
      return rows[0] ? Number(rows[0].at) : null;
    },
    /**
     * The account locks event processors take (src/db/postgres/events.ts), waited for: a
     * processor holds an account for one short turn, and never waits for one itself.
     */
    async hold(accountIds) {
      if (accountIds.length === 0) return;
      await db.query(
        `select pg_advisory_xact_lock(${ACCOUNT_LOCK_SPACE}, hashtext(key)) from unnest($1::text[]) as key order by key`,
        [accountIds],
      );
    },
  };
}
