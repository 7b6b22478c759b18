import type { OutboxMessage, OutboxRepo, OutboxRow } from '../outbox-repo.js';
import { tableColumns } from './columns.js';
import type { PgSession } from './pg-store.js';
import { outbox } from './schema.js';

/** The Slack outbox on Postgres: the same calls and compare-and-sets as src/db/outbox-repo.ts. */
export function createPgOutboxRepo(db: PgSession, options: { onQueued?: () => void } = {}): OutboxRepo {
  const { onQueued } = options;
  const columns = tableColumns(outbox);
  let enqueued = 0;
  const changed = async (text: string, params: unknown[]): Promise<boolean> =>
    (await db.query(text, params)).rowCount === 1;
  const exists = async (text: string, params: unknown[]): Promise<boolean> =>
    (await db.query(text, params)).rows.length > 0;

  async function enqueue(message: OutboxMessage, now: number): Promise<void> {
    const { kind, alertId, ...payload } = message;
    await db.query(
      'insert into outbox (kind, alert_id, payload, created_at, next_attempt_at) values ($1, $2, $3::jsonb, $4, $4)',
      [kind, alertId, JSON.stringify(payload), now],
    );
    enqueued++;
    onQueued?.();
  }

  return {
    enqueue,

    async notify(alertId, notice, targets, now) {
      for (const to of targets) if (to) await enqueue({ kind: 'notice', alertId, to, notice }, now);
    },

    async noticeManagers(managers, text, now) {
      for (const manager of managers)
        await enqueue({ kind: 'message', alertId: null, channel: manager, text, notice: true }, now);
    },

    enqueuedSoFar: () => enqueued,

    async pending(limit) {
      const { rows } = await db.query(
        'select * from outbox where sent_at is null and failed_at is null order by seq limit $1',
        [limit],
      );
      return rows.map((row) => columns.decode(row) as OutboxRow);
    },

    supersededUpdate: (alertId, seq) =>
      exists(
        `select 1 from outbox where alert_id = $1 and kind = 'alert.update' and seq > $2
            and sent_at is null and failed_at is null limit 1`,
        [alertId, seq],
      ),

    async refreshHomes(userIds, now) {
      for (const userId of new Set(userIds.filter((id): id is string => !!id)))
        await enqueue({ kind: 'home', alertId: null, userId }, now);
    },

    supersededHome: (userId, seq) =>
      exists(
        `select 1 from outbox where kind = 'home' and seq > $1 and payload ->> 'userId' = $2
            and sent_at is null and failed_at is null limit 1`,
        [seq, userId],
      ),

    markSent: (seq, now) =>
      changed('update outbox set sent_at = $1 where seq = $2 and sent_at is null and failed_at is null', [
        now,
        seq,
      ]),

    async failPendingOf(alertId, error, now) {
      await db.query(
        `update outbox set failed_at = $1, last_error = $2
          where alert_id = $3 and sent_at is null and failed_at is null`,
        [now, error, alertId],
      );
    },

    markFailed: (seq, error, now) =>
      changed(
        'update outbox set failed_at = $1, last_error = $2 where seq = $3 and sent_at is null and failed_at is null',
        [now, error, seq],
      ),

    markAttempt: (seq, read, now) =>
      changed(
        `update outbox set attempted_at = $1
          where seq = $2 and sent_at is null and failed_at is null and attempted_at is not distinct from $3`,
        [now, seq, read],
      ),

    async retryLater(seq, error, at, outcomeKnown) {
      await db.query(
        `update outbox set attempts = attempts + 1, next_attempt_at = $1, last_error = $2${outcomeKnown ? ', attempted_at = null' : ''}
          where seq = $3`,
        [at, error, seq],
      );
    },

    async depth() {
      const { rows } = await db.query<{ pending: number; oldest: number | null }>(
        'select count(*)::int as pending, min(created_at) as oldest from outbox where sent_at is null and failed_at is null',
      );
      return rows[0] ?? { pending: 0, oldest: null };
    },

    async unsettled(seq) {
      const { rows } = await db.query(
        'select * from outbox where seq = $1 and sent_at is null and failed_at is null',
        [seq],
      );
      return rows[0] ? (columns.decode(rows[0]) as OutboxRow) : undefined;
    },

    async pausedUntil() {
      const { rows } = await db.query<{ until: number }>(
        "select until from rate_limits where scope = 'outbox'",
      );
      return rows[0]?.until ?? 0;
    },

    async pauseUntil(until) {
      await db.query(
        `insert into rate_limits (scope, until) values ('outbox', $1)
           on conflict (scope) do update set until = greatest(rate_limits.until, excluded.until)`,
        [until],
      );
    },
  };
}
