import type { UsageEvent } from '../../domain/usage-event.js';
import type { PendingEvent, PendingEvents, StoreResult } from '../event-store.js';
import type { EventLog } from '../storage.js';
import type { PgSession } from './pg-store.js';

/**
 * Ingest's side of the event log on Postgres: a request's batch is one statement (the rows as
 * arrays, `unnest`ed), committed when it returns, and a known `id` is a redelivery, counted and
 * never stored twice. No group commit: Postgres makes concurrent commits share its WAL flushes
 * itself.
 */
export function createPgEventLog(db: PgSession, now: () => number): EventLog {
  return {
    async commit(batch: UsageEvent[]): Promise<StoreResult> {
      if (batch.length === 0) return { accepted: 0, duplicates: 0 };
      const receivedAt = now();
      const { rowCount } = await db.query(
        `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
         select id, source, type, account_id, user_id, occurred_at, $7, properties::jsonb, account_patch::jsonb, user_patch::jsonb
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $8::text[], $9::text[], $10::text[])
             as e(id, source, type, account_id, user_id, occurred_at, properties, account_patch, user_patch)
         on conflict (id) do nothing`,
        [
          batch.map((e) => e.id),
          batch.map((e) => e.source),
          batch.map((e) => e.type),
          batch.map((e) => e.accountId),
          batch.map((e) => e.userId),
          batch.map((e) => e.occurredAt),
          receivedAt,
          batch.map((e) => JSON.stringify(e.properties)),
          batch.map((e) => jsonOrNull(e.account)),
          batch.map((e) => jsonOrNull(e.user)),
        ],
      );
      const accepted = rowCount ?? 0;
      return { accepted, duplicates: batch.length - accepted };
    },
  };
}

/** The processor's side of the log on Postgres: the same calls as src/db/event-store.ts's. */
export function createPgPendingEvents(db: PgSession): PendingEvents {
  return {
    async pending(limit) {
      const { rows } = await db.query<PendingEvent>(
        `select seq, id, source, type, account_id as "accountId", user_id as "userId", occurred_at as "occurredAt",
                received_at as "receivedAt", properties::text as properties,
                account_patch::text as "accountPatch", user_patch::text as "userPatch"
           from events where processed_at is null order by seq limit $1`,
        [limit],
      );
      return rows;
    },

    async markProcessed(seq, now) {
      const { rowCount } = await db.query(
        'update events set processed_at = $1 where seq = $2 and processed_at is null',
        [now, seq],
      );
      return rowCount === 1;
    },

    async quarantine(seq, error, now) {
      const { rowCount } = await db.query(
        'update events set processed_at = $1, processing_error = $2 where seq = $3 and processed_at is null',
        [now, error.slice(0, 1000), seq],
      );
      return rowCount === 1;
    },

    async deleteExpired(cutoff, limit) {
      const { rowCount } = await db.query(
        `delete from events where seq in (
           select seq from events
            where received_at < $1 and occurred_at < $1 and processed_at is not null
            order by received_at limit $2)`,
        [cutoff, limit],
      );
      return rowCount ?? 0;
    },
  };
}

function jsonOrNull(patch: object | null): string | null {
  return patch && Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
