import type { UsageEvent } from '../../domain/usage-event.js';
import type { PendingEvent, PendingEvents, StoreResult } from '../event-store.js';
import type { EventLog } from '../storage.js';
import { StorageError } from '../store.js';
import type { PgSession } from './pg-store.js';

/**
 * Ingest's side of the event log on Postgres, a group commit: a request's batch is stored at once
 * when fewer than `IN_FLIGHT` inserts are under way, else it waits with the others that arrive
 * meanwhile and they are stored together, one statement (the rows as arrays, `unnest`ed) and one
 * commit — one WAL flush — for all of them. Each request's promise resolves after that commit, so
 * a 2xx still means "committed". A known `id` is a redelivery, counted and never stored twice.
 * Without the group, a request is a commit, and a pool's connections all waiting on WAL flushes
 * cap ingest at (connections ÷ flush time), far below what the CPU allows (BENCHMARKS.md).
 * `onStored` runs after a commit that stored something (the other instances' wake-up).
 */
export function createPgEventLog(db: PgSession, now: () => number, onStored: () => void): EventLog {
  let queue: Waiting[] = [];
  let inFlight = 0;

  const start = () => {
    while (inFlight < IN_FLIGHT && queue.length > 0) {
      let events = 0;
      let taken = 0;
      while (taken < queue.length && (taken === 0 || events + queue[taken]!.batch.length <= GROUP_EVENTS))
        events += queue[taken++]!.batch.length;
      const group = queue.slice(0, taken);
      queue = queue.slice(taken);
      inFlight++;
      storeGroup(group)
        // Whatever fails past the statement (a wake-up, the counting) fails the group's requests
        // rather than leaving them unanswered.
        .catch((error: unknown) => {
          for (const waiting of group) waiting.reject(error);
        })
        .finally(() => {
          inFlight--;
          start();
        });
    }
  };

  /** The group in one statement; if it fails for a reason of its own, each request alone, so a bad one fails alone. */
  async function storeGroup(group: Waiting[]): Promise<void> {
    let stored: Set<string>;
    try {
      stored = await insert(group.flatMap((waiting) => waiting.batch));
    } catch (error) {
      if (group.length === 1 || error instanceof StorageError) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      for (const waiting of group) await storeGroup([waiting]);
      return;
    }
    if (stored.size > 0) onStored();
    // An id two requests of the group both carry (a redelivery racing its original) is the first one's.
    for (const waiting of group) {
      let accepted = 0;
      for (const event of waiting.batch) if (stored.delete(event.id)) accepted++;
      waiting.resolve({ accepted, duplicates: waiting.batch.length - accepted });
    }
  }

  /** Stores the events and answers the ids that were new. */
  async function insert(batch: UsageEvent[]): Promise<Set<string>> {
    const { rows } = await db.query<{ id: string }>(
      `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
       select id, source, type, account_id, user_id, occurred_at, $7, properties::jsonb, account_patch::jsonb, user_patch::jsonb
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $8::text[], $9::text[], $10::text[])
           as e(id, source, type, account_id, user_id, occurred_at, properties, account_patch, user_patch)
       on conflict (id) do nothing
       returning id`,
      [
        batch.map((e) => e.id),
        batch.map((e) => e.source),
        batch.map((e) => e.type),
        batch.map((e) => e.accountId),
        batch.map((e) => e.userId),
        batch.map((e) => e.occurredAt),
        now(),
        batch.map((e) => JSON.stringify(e.properties)),
        batch.map((e) => jsonOrNull(e.account)),
        batch.map((e) => jsonOrNull(e.user)),
      ],
    );
    return new Set(rows.map((row) => row.id));
  }

  return {
    commit(batch: UsageEvent[]): Promise<StoreResult> {
      if (batch.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
      return new Promise((resolve, reject) => {
        queue.push({ batch, resolve, reject });
        start();
      });
    },
  };
}

interface Waiting {
  batch: UsageEvent[];
  resolve: (result: StoreResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Inserts under way at once: two keep a flush and the next group's statement overlapping, and
 * leave the rest of the pool to scoring, the outbox and clicks.
 */
const IN_FLIGHT = 2;
/** Events one group statement carries at most (a request's batch is never split). */
const GROUP_EVENTS = 2_000;

/**
 * What an event's application is ordered by: its account, else its person, else itself (an
 * event that names neither changes nothing another event reads).
 */
const EVENT_KEY = `coalesce(account_id, 'user:' || user_id, 'event:' || id)`;
/** The first key of pls's advisory locks on events (the second is the hash of the event key). */
export const ACCOUNT_LOCK_SPACE = 0x706c7302;
/** How many pending events a processor looks through for accounts no other processor holds. */
const LOOK_AHEAD = 2_000;
/** How many slices of accounts one `pending` tries to lock before it settles for what it has. */
const LOCK_ROUNDS = 4;

/** The processor's side of the log on Postgres: the same calls as src/db/event-store.ts's. */
export function createPgPendingEvents(db: PgSession): PendingEvents {
  return {
    /**
     * Up to `limit` pending events of the accounts this unit takes, in seq order. Inside a unit
     * it takes each account it returns events of with a transaction-scoped advisory lock, so the
     * processors of every instance work on different accounts side by side and an account's
     * events are applied by one processor at a time, in the order they committed (recorded in
     * `applied_seq`). Accounts another processor holds are skipped, not waited for: the
     * accounts of the oldest pending events are tried in order, a slice at a time, until the
     * ones taken cover `limit` events or the look-ahead window runs out.
     */
    async pending(limit) {
      const { rows: accounts } = await db.query<{ key: string; n: number; last: number }>(
        `select key, count(*)::int as n, max(seq) as last from (
           select ${EVENT_KEY} as key, seq from events where processed_at is null order by seq limit $1
         ) waiting group by key order by min(seq)`,
        [Math.max(limit * 4, LOOK_AHEAD)],
      );
      const mine: string[] = [];
      let wanted = limit;
      let last = 0;
      for (let next = 0, round = 0; wanted > 0 && next < accounts.length && round < LOCK_ROUNDS; round++) {
        const slice: typeof accounts = [];
        for (let covered = 0; covered < wanted && next < accounts.length; next++) {
          slice.push(accounts[next]!);
          covered += accounts[next]!.n;
        }
        const { rows: taken } = await db.query<{ key: string }>(
          `select key from unnest($1::text[]) as key where pg_try_advisory_xact_lock(${ACCOUNT_LOCK_SPACE}, hashtext(key))`,
          [slice.map((account) => account.key)],
        );
        const got = new Set(taken.map((row) => row.key));
        for (const account of slice)
          if (got.has(account.key)) {
            mine.push(account.key);
            wanted -= account.n;
            last = Math.max(last, account.last);
          }
      }
      if (mine.length === 0) return [];
      const { rows } = await db.query<PendingEvent>(
        `select seq, id, source, type, account_id as "accountId", user_id as "userId", occurred_at as "occurredAt",
                received_at as "receivedAt", properties::text as properties,
                account_patch::text as "accountPatch", user_patch::text as "userPatch"
           from events
          where processed_at is null and seq <= $2 and ${EVENT_KEY} = any($1::text[])
          order by seq limit $3`,
        [mine, last, limit],
      );
      return rows;
    },

    async markProcessed(seq, now) {
      const { rowCount } = await db.query(
        `update events set processed_at = $1, applied_seq = nextval('events_applied')
          where seq = $2 and processed_at is null`,
        [now, seq],
      );
      return rowCount === 1;
    },

    async quarantine(seq, error, now) {
      const { rowCount } = await db.query(
        `update events set processed_at = $1, processing_error = $2, applied_seq = nextval('events_applied')
          where seq = $3 and processed_at is null`,
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
