import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createEventStore } from '../../../src/db/event-store.js';
import { createSqliteStore } from '../../../src/db/sqlite/sqlite-store.js';
import { createWalSync } from '../../../src/db/sqlite/wal-sync.js';
import { createWriteTurns } from '../../../src/db/sqlite/write-turns.js';
import type { UsageEvent } from '../../../src/domain/usage-event.js';
import { manualSync, nextTurn, settledYet } from '../../support/manual-sync.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-events-');

const event = (id: string, properties: Record<string, unknown> = {}): UsageEvent => ({
  id,
  source: 'webhook',
  type: 'feature_used',
  accountId: 'acct_1',
  occurredAt: 1_000,
  account: null,
  userId: null,
  user: null,
  properties,
});

/** What another connection (another process) sees on disk. */
function storedOnDisk(): { id: string; receivedAt: number }[] {
  const reader = new Database(join(temp.dir, 'pls.db'), { readonly: true });
  try {
    return reader.prepare('select id, received_at as receivedAt from events order by seq').all() as {
      id: string;
      receivedAt: number;
    }[];
  } finally {
    reader.close();
  }
}

describe('event store group commit', () => {
  it('stores the batches of one turn in one commit', async () => {
    let clock = 5_000;
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db),
      () => clock++,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const results = await Promise.all([
      store.commit([event('evt_a'), event('evt_b')]),
      store.commit([event('evt_c')]),
      store.commit([event('evt_a')]),
    ]);
    expect(results).toEqual([
      { accepted: 2, duplicates: 0 },
      { accepted: 1, duplicates: 0 },
      { accepted: 0, duplicates: 1 },
    ]);
    // One group, one clock reading: the three requests shared a transaction.
    expect(storedOnDisk()).toEqual([
      { id: 'evt_a', receivedAt: 5_000 },
      { id: 'evt_b', receivedAt: 5_000 },
      { id: 'evt_c', receivedAt: 5_000 },
    ]);
  });

  it('a request that cannot be stored fails alone; the others of its group are committed', async () => {
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db),
      () => 7_000,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const unstorable = event('evt_bad', { big: 1n }); // JSON.stringify throws on a BigInt
    const [first, bad, last] = await Promise.allSettled([
      store.commit([event('evt_1')]),
      store.commit([event('evt_2'), unstorable]),
      store.commit([event('evt_3')]),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: { accepted: 1, duplicates: 0 } });
    expect(bad.status).toBe('rejected');
    expect(last).toEqual({ status: 'fulfilled', value: { accepted: 1, duplicates: 0 } });
    // Nothing of the failed request was kept, not even its valid first event.
    expect(storedOnDisk().map((row) => row.id)).toEqual(['evt_1', 'evt_3']);
  });

  it('batches of later turns commit in their own groups', async () => {
    let clock = 1;
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db),
      () => clock++,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    await store.commit([event('evt_1')]);
    await store.commit([event('evt_2')]);
    expect(storedOnDisk()).toEqual([
      { id: 'evt_1', receivedAt: 1 },
      { id: 'evt_2', receivedAt: 2 },
    ]);
    expect(await store.commit([])).toEqual({ accepted: 0, duplicates: 0 });
  });

  it('answers a request only once a sync that started after its commit has finished', async () => {
    const { calls, sync } = manualSync();
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db, { syncFile: sync }),
      () => 1,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const first = store.commit([event('evt_1')]);
    await nextTurn(); // the group commits and its sync starts
    expect(calls).toHaveLength(1);
    const second = store.commit([event('evt_2')]); // commits while the first sync runs
    await nextTurn();
    expect(await settledYet(first)).toBe(false);
    calls[0]!.finish();
    expect(await first).toEqual({ accepted: 1, duplicates: 0 });
    expect(await settledYet(second)).toBe(false); // its frames may be newer than that sync
    expect(calls).toHaveLength(2);
    calls[1]!.finish();
    expect(await second).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('requests that arrive while a sync runs are committed together when it ends, then synced', async () => {
    const { calls, sync } = manualSync();
    let clock = 1;
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db, { syncFile: sync }),
      () => clock++,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const first = store.commit([event('evt_1')]);
    await nextTurn();
    const second = store.commit([event('evt_2')]);
    await nextTurn();
    const third = store.commit([event('evt_3'), event('evt_1')]); // a later turn, same sync
    await nextTurn();
    expect(storedOnDisk().map((row) => row.id)).toEqual(['evt_1']); // held, not committed
    calls[0]!.finish();
    expect(await first).toEqual({ accepted: 1, duplicates: 0 });
    // One transaction (one clock reading) for both, and a sync that started after it.
    expect(storedOnDisk()).toEqual([
      { id: 'evt_1', receivedAt: 1 },
      { id: 'evt_2', receivedAt: 2 },
      { id: 'evt_3', receivedAt: 2 },
    ]);
    expect(calls).toHaveLength(2);
    expect(await settledYet(Promise.race([second, third]))).toBe(false);
    calls[1]!.finish();
    expect(await Promise.all([second, third])).toEqual([
      { accepted: 1, duplicates: 0 },
      { accepted: 1, duplicates: 1 },
    ]);
  });

  it('a request held during a sync is answered after the next sync, even when another caller starts it', async () => {
    const { calls, sync } = manualSync();
    const wal = createWalSync(temp.db, { syncFile: sync });
    const store = createEventStore(
      temp.db,
      wal,
      () => 1,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const first = store.commit([event('evt_1')]);
    await nextTurn();
    const held = store.commit([event('evt_2')]);
    await nextTurn();
    const other = wal.durable(); // the outbox sender, say, waits for the same file
    calls[0]!.finish();
    await first;
    expect(calls).toHaveLength(2); // one sync for the other caller and the held request alike
    calls[1]!.finish();
    await other;
    expect(await held).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('after a failed sync stores nothing more: the request fails and later ones are refused', async () => {
    const { calls, sync } = manualSync();
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db, { syncFile: sync }),
      () => 1,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const first = store.commit([event('evt_1')]);
    await nextTurn();
    calls[0]!.finish(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    await expect(store.commit([event('evt_2')])).rejects.toThrow('failed to sync');
    expect(storedOnDisk().map((row) => row.id)).toEqual(['evt_1']); // evt_2 was never written
  });

  it('requests held during a sync that fails are refused and not stored', async () => {
    const { calls, sync } = manualSync();
    const store = createEventStore(
      temp.db,
      createWalSync(temp.db, { syncFile: sync }),
      () => 1,
      createSqliteStore({ db: temp.db, turns: createWriteTurns() }),
    );
    const first = store.commit([event('evt_1')]);
    await nextTurn();
    const held = store.commit([event('evt_2')]); // accepted for the next sync, not yet written
    await nextTurn();
    calls[0]!.finish(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    await expect(held).rejects.toThrow('failed to sync');
    expect(storedOnDisk().map((row) => row.id)).toEqual(['evt_1']);
    expect(calls).toHaveLength(1); // nothing more was synced either
  });
});
