import type { StoredEventFields } from '../domain/stored-event.js';
import type { UsageEvent } from '../domain/usage-event.js';
import type { Db } from './client.js';

export interface StoreResult {
  accepted: number;
  duplicates: number;
}

/**
 * The ingest side of the event log: one transaction per request, one prepared insert per event.
 * A known `id` is a redelivery: counted, never stored twice.
 */
export function createEventStore(db: Db) {
  // Raw better-sqlite3 for the hot path: drizzle's JSON columns would encode a null as 'null'.
  const insert = db.$client.prepare<unknown[], { seq: number }>(
    `insert into events (id, source, type, account_id, user_id, occurred_at, received_at, properties, account_patch, user_patch)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (id) do nothing
     returning seq`,
  );

  const storeAll = db.$client.transaction((batch: UsageEvent[], receivedAt: number): StoreResult => {
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
  });

  // The processor's side of the log: the oldest unprocessed events, and their marks.
  const pending = db.$client.prepare<[number], PendingEvent>(
    `select seq, id, source, type, account_id as accountId, user_id as userId, occurred_at as occurredAt,
            received_at as receivedAt, properties, account_patch as accountPatch, user_patch as userPatch
       from events where processed_at is null order by seq limit ?`,
  );
  const markProcessed = db.$client.prepare<[number, number]>(
    'update events set processed_at = ? where seq = ?',
  );
  const quarantine = db.$client.prepare<[number, string, number]>(
    'update events set processed_at = ?, processing_error = ? where seq = ?',
  );

  return {
    /** Up to `limit` events not yet processed, in `seq` order. */
    pending(limit: number): PendingEvent[] {
      return pending.all(limit);
    },

    /** Marks an event applied; runs inside the processor's transaction with its effects. */
    markProcessed(seq: number, now: number): void {
      markProcessed.run(now, seq);
    },

    /** Sets aside an event that could not be applied, with its error, so the ones behind it flow. */
    quarantine(seq: number, error: string, now: number): void {
      quarantine.run(now, error.slice(0, 1000), seq);
    },

    /** Durably stores the batch (committed when this returns) and says how many were new. */
    store(batch: UsageEvent[], receivedAt: number): StoreResult {
      if (batch.length === 0) return { accepted: 0, duplicates: 0 };
      return storeAll(batch, receivedAt);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

/** A stored event waiting for the processor. */
export interface PendingEvent extends StoredEventFields {
  seq: number;
  receivedAt: number;
}

function jsonOrNull(patch: object | null): string | null {
  return patch && Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
