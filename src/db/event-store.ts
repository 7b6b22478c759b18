import type { StoredEventFields } from '../domain/stored-event.js';
import type { UsageEvent } from '../domain/usage-event.js';
import { EXPIRED_BATCH_SQL } from './data-lifecycle.js';
import { type Db, isStorageFailure, withoutFsync } from './sqlite/client.js';
import type { SqliteStore } from './sqlite/sqlite-store.js';
import type { WalSync } from './sqlite/wal-sync.js';
import { StorageError } from './store.js';

export interface StoreResult {
  accepted: number;
  duplicates: number;
}

/**
 * The ingest side of the event log, one prepared insert per event. A known `id` is a
 * redelivery: counted, never stored twice.
 *
 * Requests go through `commit`, a group commit: the batches of every request whose body was
 * read in the same turn of the event loop — or, while a WAL sync runs, before it ends — are
 * stored in one transaction, whose fsync runs off the event loop (`createWalSync`);
 * each request's promise resolves only after its events are on disk, so a 2xx still means
 * "on disk". `now` stamps the group's `received_at` when it commits.
 */
export function createEventStore(db: Db, wal: WalSync, now: () => number, store: SqliteStore) {
  // Raw better-sqlite3 for the hot path: drizzle's JSON columns would encode a null as 'null'.
  const insert = db.$client.prepare<unknown[], { seq: number }>(
    `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (id) do nothing
     returning seq`,
  );

  const storeOne = (batch: UsageEvent[], receivedAt: number): StoreResult => {
    let accepted = 0;
    for (const event of batch) {
      const row = insert.get(
        event.id,
        event.source,
        event.type,
        event.accountId,
        event.userId,
        event.occurredAt,
        receivedAt,
        JSON.stringify(event.properties),
        jsonOrNull(event.account),
        jsonOrNull(event.user),
      );
      if (row) accepted++;
    }
    return { accepted, duplicates: batch.length - accepted };
  };
  const storeAll = db.$client.transaction(storeOne).immediate;
  const storeGroup = db.$client.transaction((group: Waiting[], receivedAt: number) =>
    group.map((waiting) => storeOne(waiting.batch, receivedAt)),
  ).immediate;

  let queue: Waiting[] = [];
  /**
   * Scheduled by the first request of a turn; waits for a sync under way (see `beforeNextSync`)
   * and then for the write lock. Requests that arrive meanwhile join the same group: the group is
   * what is queued when the lock is taken, so groups commit in arrival order.
   */
  const flush = () => wal.beforeNextSync(() => void commitQueue());
  async function commitQueue(): Promise<void> {
    let group: Waiting[] | null = null;
    let committed: {
      taken: Waiting[];
      outcomes: (StoreResult | { error: unknown })[];
      synced: Promise<void>;
    };
    try {
      // In the store's line, on the main thread's write turn; the event loop keeps serving while
      // a unit under way or a scoring turn ends (src/db/sqlite/sqlite-store.ts).
      committed = await store.exclusive(() => {
        const taken = queue;
        group = taken;
        queue = [];
        // The sync these requests waited behind may have failed: then nothing more is stored.
        if (wal.failure())
          return { taken, outcomes: taken.map(() => ({ error: syncFailed() })), synced: Promise.resolve() };
        const receivedAt = now();
        const outcomes = withoutFsync(db, () => storeEach(taken, receivedAt));
        // Asked for in the same turn as the commit: the next sync to start covers it.
        return { taken, outcomes, synced: wal.durable() };
      });
    } catch (error) {
      // The writer stayed busy (nothing queued was written), or the connection itself failed.
      const failed = group ?? queue;
      if (!group) queue = [];
      for (const waiting of failed) waiting.reject(error);
      return;
    }
    const { taken, outcomes, synced } = committed;
    synced.then(
      () => {
        for (const [i, waiting] of taken.entries()) {
          const outcome = outcomes[i]!;
          if ('error' in outcome) waiting.reject(outcome.error);
          else waiting.resolve(outcome);
        }
      },
      (error: unknown) => {
        for (const waiting of taken) waiting.reject(syncFailed(error));
      },
    );
  }

  /**
   * One transaction for the group; if it fails, one each, so a bad request fails alone. A
   * failure of the storage itself (full, I/O, locked) is no request's fault: it fails the group
   * (nothing of it was written) instead of being met again once a request, as the processor does.
   */
  function storeEach(group: Waiting[], receivedAt: number): (StoreResult | { error: unknown })[] {
    try {
      return storeGroup(group, receivedAt);
    } catch (error) {
      if (isStorageFailure(error)) throw error;
      return group.map((waiting) => {
        try {
          return storeAll(waiting.batch, receivedAt);
        } catch (error) {
          return { error };
        }
      });
    }
  }

  return {
    /**
     * Durably stores a request's batch with the others of this turn and says how many were new;
     * resolves once they are on disk.
     */
    commit(batch: UsageEvent[]): Promise<StoreResult> {
      if (batch.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
      // Storage that failed to sync stores nothing more until a restart (see createWalSync).
      if (wal.failure()) return Promise.reject(syncFailed());
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ batch, resolve, reject });
      });
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

/**
 * The processor's side of the log: the oldest unprocessed events, and their marks. The scoring
 * thread opens it on its own connection (src/db/sqlite/scoring-thread.ts).
 */
export function createPendingEvents(db: Db) {
  const pending = db.$client.prepare<[number], PendingEvent>(
    `select seq, id, source, type, account_id as accountId, user_id as userId, occurred_at as occurredAt,
            received_at as receivedAt, properties, account_patch as accountPatch, user_patch as userPatch
       from events where processed_at is null order by seq limit ?`,
  );
  // Compare-and-set on "still pending": of two processors that read the same event, one applies it.
  const markProcessed = db.$client.prepare<[number, number]>(
    // One writer stores and applies in seq order: the order applied is seq (see events.applied_seq).
    'update events set processed_at = ?, applied_seq = seq where seq = ? and processed_at is null',
  );
  const quarantine = db.$client.prepare<[number, string, number]>(
    'update events set processed_at = ?, processing_error = ?, applied_seq = seq where seq = ? and processed_at is null',
  );
  const expired = db.$client.prepare<{ after: number; cutoff: number; limit: number }>(EXPIRED_BATCH_SQL);

  return {
    /** Up to `limit` events not yet processed, in `seq` order. */
    async pending(limit: number): Promise<PendingEvent[]> {
      return pending.all(limit);
    },

    /**
     * Marks an event applied; runs inside the processor's unit with its effects. False when
     * another processor applied it since this one read it: the unit must roll back.
     */
    async markProcessed(seq: number, now: number): Promise<boolean> {
      return markProcessed.run(now, seq).changes === 1;
    },

    /** Sets aside an event that could not be applied, with its error, so the ones behind it flow. */
    async quarantine(seq: number, error: string, now: number): Promise<boolean> {
      return quarantine.run(now, error.slice(0, 1000), seq).changes === 1;
    },

    /**
     * Retention: deletes up to `limit` events that expired before `cutoff` (see
     * `EXPIRED_BATCH_SQL`), the oldest first; how many.
     */
    async deleteExpired(cutoff: number, limit: number): Promise<number> {
      return expired.all({ after: Number.MIN_SAFE_INTEGER, cutoff, limit }).length;
    },
  };
}

export type PendingEvents = ReturnType<typeof createPendingEvents>;

const syncFailed = (cause?: unknown) =>
  new StorageError(
    `the event log failed to sync to disk${cause instanceof Error ? ` (${cause.message})` : ''}`,
    { cause },
  );

interface Waiting {
  batch: UsageEvent[];
  resolve: (result: StoreResult) => void;
  reject: (error: unknown) => void;
}

/** A stored event waiting for the processor. */
export interface PendingEvent extends StoredEventFields {
  seq: number;
  receivedAt: number;
}

function jsonOrNull(patch: object | null): string | null {
  return patch && Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
