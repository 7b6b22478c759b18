import type { Db } from './sqlite/client.js';

/** A day's re-score of the plays whose score moves with time (table `daily_ticks`). */
export interface DailyTick {
  /** UTC day index: the re-score scores every account as of this day's start. */
  day: number;
  /** The last account id done (accounts go in id order); '' before the first. */
  cursor: string;
  finishedAt: number | null;
}

/**
 * The daily re-score's progress (src/services/process-events.ts, `tickIfDue`): which day is
 * under way or done, and the accounts still to do. Every write runs inside the caller's unit;
 * `advance` is a compare-and-set, so of two instances ticking one page only one commits.
 */
export interface DailyTicksRepo {
  /** The newest day begun, finished or not; null before the first. */
  latest(): Promise<DailyTick | null>;
  /** Begins `day` (nothing when it is begun already), and forgets the days `KEPT_DAYS` before it. */
  begin(day: number): Promise<void>;
  /** The cursor moves from `from` to `to`, and the day ends when `finishedAt` is set; false when it had moved. */
  advance(day: number, from: string, to: string, finishedAt: number | null): Promise<boolean>;
  /** Up to `limit` account ids after `cursor`, in id order. */
  accountsAfter(cursor: string, limit: number): Promise<string[]>;
  /**
   * When the newest event already applied was received; null when none is. Events stored but
   * not yet applied (a producer's buffer resent as the bot comes back) do not count.
   */
  lastAppliedReceivedAt(): Promise<number | null>;
  /** Holds these accounts against other processors until the unit ends (Postgres; SQLite has one writer). */
  hold(accountIds: readonly string[]): Promise<void>;
}

/** Days of re-scores the table keeps: enough to read what ran lately, bounded however long pls runs. */
export const KEPT_DAYS = 60;

export function createDailyTicksRepo(db: Db): DailyTicksRepo {
  const sqlite = db.$client;
  const latestOf = sqlite.prepare<[], DailyTick>(
    'select day, cursor, finished_at as finishedAt from daily_ticks order by day desc limit 1',
  );
  const beginOf = sqlite.prepare<[number]>(
    'insert into daily_ticks (day) values (?) on conflict (day) do nothing',
  );
  const forgetBefore = sqlite.prepare<[number]>('delete from daily_ticks where day < ?');
  const advanceOf = sqlite.prepare<[string, number | null, number, string]>(
    'update daily_ticks set cursor = ?, finished_at = ? where day = ? and cursor = ? and finished_at is null',
  );
  // Down the received index from the newest: the few events not yet applied are passed over.
  const lastAppliedOf = sqlite
    .prepare<[], number>(
      'select received_at from events where processed_at is not null order by received_at desc limit 1',
    )
    .pluck();
  const accountsAfterOf = sqlite
    .prepare<[string, number], string>('select id from accounts where id > ? order by id limit ?')
    .pluck();
  return {
    async latest() {
      return latestOf.get() ?? null;
    },
    async begin(day) {
      beginOf.run(day);
      forgetBefore.run(day - KEPT_DAYS);
    },
    async advance(day, from, to, finishedAt) {
      return advanceOf.run(to, finishedAt, day, from).changes === 1;
    },
    async accountsAfter(cursor, limit) {
      return accountsAfterOf.all(cursor, limit);
    },
    async lastAppliedReceivedAt() {
      return lastAppliedOf.get() ?? null;
    },
    async hold() {},
  };
}
