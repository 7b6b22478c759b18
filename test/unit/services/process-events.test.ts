import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { createAccountsRepo } from '../../../src/db/accounts-repo.js';
import { createAlertsRepo } from '../../../src/db/alerts-repo.js';
import { createEventStore, createPendingEvents } from '../../../src/db/event-store.js';
import { createOutboxRepo } from '../../../src/db/outbox-repo.js';
import { createSqliteStore } from '../../../src/db/sqlite/sqlite-store.js';
import { createWalSync } from '../../../src/db/sqlite/wal-sync.js';
import { createWriteTurns } from '../../../src/db/sqlite/write-turns.js';
import { createWebhookDeliveriesRepo } from '../../../src/db/webhook-deliveries-repo.js';
import { createEventProcessor } from '../../../src/services/process-events.js';
import { TEST_MANIFEST } from '../../support/harness.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-process-');
const NOW = Date.parse('2026-11-23T15:00:00Z');

function setUp(options: { yieldNow?: () => boolean } = {}) {
  const turns = createWriteTurns();
  const events = createEventStore(
    temp.db,
    createWalSync(temp.db),
    () => NOW,
    createSqliteStore({ db: temp.db, turns }),
  );
  const processor = createEventProcessor({
    ...options,
    store: createSqliteStore({ db: temp.db, turns, thread: 'scoring' }),
    events: createPendingEvents(temp.db),
    accounts: createAccountsRepo(temp.db),
    alerts: createAlertsRepo(temp.db),
    outbox: createOutboxRepo(temp.db),
    deliveries: createWebhookDeliveriesRepo(temp.db),
    manifest: loadManifest(TEST_MANIFEST),
    now: () => NOW,
  });
  const pending = () =>
    temp.db.$client.prepare('select count(*) from events where processed_at is null').pluck().get();
  return { events, processor, pending };
}

const event = (id: string, accountId = 'acct_1') => ({
  id,
  source: 'webhook' as const,
  type: 'feature_used',
  accountId,
  occurredAt: NOW - 1_000,
  account: null,
  userId: `u_${accountId}`,
  user: null,
  properties: { feature: 'reports' },
});

describe('event processor', () => {
  it('ends a turn after the event it is on when a main-thread write waits, and says more are pending', async () => {
    let waiting = false;
    const { events, processor, pending } = setUp({ yieldNow: () => waiting });
    await events.commit([event('evt_1'), event('evt_2'), event('evt_3', 'acct_2')]);
    waiting = true;
    expect(await processor.processPending()).toMatchObject({ processed: 1, more: true });
    expect(pending()).toBe(2);
    waiting = false;
    expect(await processor.processPending()).toMatchObject({ processed: 2 });
    expect(pending()).toBe(0);
  });

  it('a locked database sets nothing aside: the events stay pending and are applied once it frees', async () => {
    const { events, processor, pending } = setUp();
    await events.commit([event('evt_1'), event('evt_2')]);
    temp.db.$client.pragma('busy_timeout = 20');
    const other = new Database(`${temp.dir}/pls.db`);
    other.exec('begin immediate'); // another process (npm run forget, say) holds the write lock
    try {
      await expect(processor.processPending()).rejects.toThrow(/locked|busy/i);
      expect(pending()).toBe(2);
    } finally {
      other.exec('rollback');
      other.close();
    }
    expect(await processor.processPending()).toMatchObject({ processed: 2 });
    expect(pending()).toBe(0);
    const errors = temp.db.$client.prepare('select count(*) from events where processing_error is not null');
    expect(errors.pluck().get()).toBe(0);
  });

  it('a full disk sets nothing aside either: the events wait for space', async () => {
    const { events, processor, pending } = setUp();
    // Enough new accounts and people that scoring needs pages the file does not have.
    await events.commit(Array.from({ length: 30 }, (_, i) => event(`evt_${i}`, `acct_${i}`)));
    const pages = temp.db.$client.pragma('page_count', { simple: true }) as number;
    temp.db.$client.pragma(`max_page_count = ${pages}`); // no room for the account the events create
    // A turn ends on its time budget, so a slow machine may commit a few events in the pages
    // there are before a turn needs one more: turns run until the disk is full.
    await expect(
      (async () => {
        while ((await processor.processPending()).processed > 0);
      })(),
    ).rejects.toThrow(/full/i);
    const waiting = pending();
    expect(waiting).toBeGreaterThan(0);
    temp.db.$client.pragma('max_page_count = 1073741823');
    let processed = 0;
    for (
      let turn = await processor.processPending();
      turn.processed > 0;
      turn = await processor.processPending()
    )
      processed += turn.processed;
    expect(processed).toBe(waiting);
    expect(pending()).toBe(0);
    const errors = temp.db.$client.prepare('select count(*) from events where processing_error is not null');
    expect(errors.pluck().get()).toBe(0);
  });
});
