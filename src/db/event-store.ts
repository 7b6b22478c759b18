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

  return {
    /** Durably stores the batch (committed when this returns) and says how many were new. */
    store(batch: UsageEvent[], receivedAt: number): StoreResult {
      if (batch.length === 0) return { accepted: 0, duplicates: 0 };
      return storeAll(batch, receivedAt);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

function jsonOrNull(patch: object | null): string | null {
  return patch && Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
