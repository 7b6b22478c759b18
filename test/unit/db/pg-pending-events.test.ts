import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStorage, type PgStorage } from '../../../src/db/postgres/pg-storage.js';
import type { EventLog, Repositories } from '../../../src/db/storage.js';
import type { UsageEvent } from '../../../src/domain/usage-event.js';
import { createLogger } from '../../../src/obs/logger.js';
import { createTestDatabase } from '../../support/postgres.js';

const T = Date.UTC(2026, 11, 7, 12);

let storage: PgStorage;
let repositories: Repositories;
let eventLog: EventLog;
let drop: () => Promise<void>;
beforeEach(async () => {
  const database = await createTestDatabase();
  storage = await openPostgresStorage(database.url, { logger: createLogger('silent'), poolSize: 6 });
  repositories = storage.repositories();
  eventLog = storage.eventLog(() => T);
  drop = database.drop;
});
afterEach(async () => {
  await storage.close();
  await drop();
});

function event(id: string, accountId: string | null, userId: string | null = null): UsageEvent {
  const base = { source: 'webhook', type: 'feature_used', occurredAt: T, properties: {} } as const;
  return { ...base, id, accountId, account: null, userId, user: null };
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A processor's turn that reads `limit` pending events and holds its unit open until `hold` opens. */
function holdingTurn(limit: number, hold: Promise<void>) {
  const read = gate();
  let ids: string[] = [];
  const done = storage.store.unit(
    async () => {
      ids = (await repositories.events.pending(limit)).map((row) => row.id);
      read.open();
      await hold;
    },
    { durable: false },
  );
  return { done, read: read.opened.then(() => ids) };
}

const pendingIds = (limit: number) =>
  storage.store.unit(async () => (await repositories.events.pending(limit)).map((row) => row.id), {
    durable: false,
  });

describe('pending events on Postgres, several processors', () => {
  it('gives each account to one processor at a time; the others take the accounts left', async () => {
    await eventLog.commit([
      event('a1', 'acct_a'),
      event('a2', 'acct_a'),
      event('b1', 'acct_b'),
      event('u1', null, 'u_1'),
      event('c1', 'acct_c'),
    ]);
    const hold = gate();
    const first = holdingTurn(2, hold.opened);
    try {
      expect(await first.read).toEqual(['a1', 'a2']);
      // acct_a is the first turn's until it ends; the others are free.
      expect(await pendingIds(10)).toEqual(['b1', 'u1', 'c1']);
    } finally {
      hold.open();
      await first.done;
    }
    // Nothing was marked applied: once the first turn ends, every account is free again.
    expect(await pendingIds(10)).toEqual(['a1', 'a2', 'b1', 'u1', 'c1']);
  });

  it('gives two processors asking for the same number different accounts', async () => {
    await eventLog.commit([
      event('a1', 'acct_a'),
      event('a2', 'acct_a'),
      event('b1', 'acct_b'),
      event('c1', 'acct_c'),
      event('c2', 'acct_c'),
      event('d1', 'acct_d'),
    ]);
    const hold = gate();
    const first = holdingTurn(3, hold.opened);
    try {
      expect(await first.read).toEqual(['a1', 'a2', 'b1']);
      expect(await pendingIds(3)).toEqual(['c1', 'c2', 'd1']);
    } finally {
      hold.open();
      await first.done;
    }
  });

  it('records the order events were applied in, which is not seq order when one commits late', async () => {
    const { store } = storage;
    const { events } = repositories;
    // `late` takes its seq first but commits after `early` was stored and applied.
    const stored = gate();
    const commit = gate();
    const late = store.unit(
      async () => {
        await eventLog.commit([event('late', 'acct_a')]);
        stored.open();
        await commit.opened;
      },
      { durable: true },
    );
    await stored.opened;
    await eventLog.commit([event('early', 'acct_a')]);
    const apply = () =>
      store.unit(
        async () => {
          const rows = await events.pending(10);
          for (const row of rows) await events.markProcessed(row.seq, T);
          return rows.map((row) => row.id);
        },
        { durable: false },
      );
    expect(await apply()).toEqual(['early']);
    commit.open();
    await late;
    expect(await apply()).toEqual(['late']);
    const { rows } = await store.session.query<{ id: string }>('select id from events order by applied_seq');
    expect(rows.map((row) => row.id)).toEqual(['early', 'late']);
    const bySeq = await store.session.query<{ id: string }>('select id from events order by seq');
    expect(bySeq.rows.map((row) => row.id)).toEqual(['late', 'early']);
  });
});
