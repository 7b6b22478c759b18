import {
  EARLIER_OF_ALERT,
  type Lease,
  type WebhookDeliveriesRepo,
  type WebhookDelivery,
} from '../webhook-deliveries-repo.js';
import type { PgSession } from './pg-store.js';

const COLUMNS = `seq, message_id as "messageId", url, type, account_id as "accountId", alert_id as "alertId",
  payload, created_at as "createdAt", attempts, next_attempt_at as "nextAttemptAt"`;

/** Outbound webhook deliveries on Postgres: the same calls and compare-and-set as src/db/webhook-deliveries-repo.ts. */
export function createPgWebhookDeliveriesRepo(
  db: PgSession,
  options: { onQueued?: () => void } = {},
): WebhookDeliveriesRepo {
  /** The attempt `take` leased settles the row: a compare-and-set on its number and lease. */
  async function settle(lease: Lease, assignments: string, values: unknown[]): Promise<void> {
    await db.query(
      `update webhook_deliveries set ${assignments}
        where seq = $1 and attempts = $2 and next_attempt_at = $3 and sent_at is null and failed_at is null`,
      [lease.seq, lease.attempt, lease.until, ...values],
    );
  }
  let enqueued = 0;
  return {
    async deleteExpired(cutoff, limit) {
      const { rowCount } = await db.query(
        `delete from webhook_deliveries where seq in (
           select seq from webhook_deliveries
            where created_at < $1 order by created_at limit $2)`,
        [cutoff, limit],
      );
      return rowCount ?? 0;
    },
    enqueuedSoFar: () => enqueued,
    async enqueue(d) {
      await db.query(
        `insert into webhook_deliveries (message_id, url, type, account_id, alert_id, payload, created_at, next_attempt_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7) on conflict (message_id, url) do nothing`,
        [d.messageId, d.url, d.type, d.accountId, d.alertId, d.payload, d.createdAt],
      );
      enqueued++;
      options.onQueued?.();
    },
    async due(url, now, limit) {
      const { rows } = await db.query<WebhookDelivery>(
        `select ${COLUMNS} from webhook_deliveries d
          where sent_at is null and failed_at is null and next_attempt_at <= $1 and url = $2
            and not exists (${EARLIER_OF_ALERT})
          order by next_attempt_at, seq limit $3`,
        [now, url, limit],
      );
      return rows;
    },
    async nextDueAt(urls) {
      const { rows } = await db.query<{ at: number | null }>(
        `select min(next_attempt_at) as at from webhook_deliveries d
          where sent_at is null and failed_at is null and url = any($1::text[])
            and not exists (${EARLIER_OF_ALERT})`,
        [urls],
      );
      return rows[0]?.at ?? null;
    },
    async take(row, leaseUntil) {
      const { rowCount } = await db.query(
        `update webhook_deliveries set attempts = attempts + 1, next_attempt_at = $1
          where seq = $2 and attempts = $3 and next_attempt_at = $4 and sent_at is null and failed_at is null`,
        [leaseUntil, row.seq, row.attempts, row.nextAttemptAt],
      );
      return rowCount === 1;
    },
    sent: (lease, now) => settle(lease, 'sent_at = $4, last_error = null', [now]),
    retry: (lease, at, error) =>
      settle(lease, 'next_attempt_at = $4, last_error = $5', [at, error.slice(0, 1000)]),
    putOff: (lease, at, error) =>
      settle(lease, 'attempts = attempts - 1, next_attempt_at = $4, last_error = $5', [
        at,
        error.slice(0, 1000),
      ]),
    failed: (lease, now, error) =>
      settle(lease, 'failed_at = $4, last_error = $5', [now, error.slice(0, 1000)]),
    async rest(url, until) {
      await db.query(
        `update webhook_deliveries set next_attempt_at = greatest(next_attempt_at, $1)
          where url = $2 and sent_at is null and failed_at is null`,
        [until, url],
      );
    },
    async depth() {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from webhook_deliveries where sent_at is null and failed_at is null',
      );
      return rows[0]?.n ?? 0;
    },
  };
}
