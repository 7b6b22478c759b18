import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { createAccountsRepo } from '../../src/db/accounts-repo.js';
import { createAlertsRepo } from '../../src/db/alerts-repo.js';
import { createCrmRepo } from '../../src/db/crm-repo.js';
import { createDailyTicksRepo } from '../../src/db/daily-ticks-repo.js';
import { createEventStore, createPendingEvents } from '../../src/db/event-store.js';
import { createOutboxRepo } from '../../src/db/outbox-repo.js';
import { openPostgresStorage } from '../../src/db/postgres/pg-storage.js';
import { createSlaReportQuery } from '../../src/db/sla-report-query.js';
import { closeDatabase, type Db, openConnection, openDatabase } from '../../src/db/sqlite/client.js';
import { createSqliteStore } from '../../src/db/sqlite/sqlite-store.js';
import { createWalSync } from '../../src/db/sqlite/wal-sync.js';
import { createWriteTurns } from '../../src/db/sqlite/write-turns.js';
import type { EventLog, Repositories } from '../../src/db/storage.js';
import { createWebhookDeliveriesRepo } from '../../src/db/webhook-deliveries-repo.js';
import { createLogger } from '../../src/obs/logger.js';
import { createTestDatabase } from './postgres.js';

/** The engines pls runs on; tests that hold for both run once each. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** The engine the integration tests start the app on: PLS_TEST_ENGINE (vitest.config.ts sets it per project). */
export function testEngine(): Engine {
  const engine = process.env.PLS_TEST_ENGINE ?? 'sqlite';
  if (!(ENGINES as readonly string[]).includes(engine))
    throw new Error(`PLS_TEST_ENGINE must be one of ${ENGINES.join(', ')}, not ${engine}`);
  return engine as Engine;
}

/**
 * Two instances of pls's storage on one database — two SQLite connections to one file, or two
 * Postgres pools on one database — each with its repositories, called outside any unit: each
 * statement commits on its own, so a test can interleave them (read A, read B, write A, write B).
 */
export interface TwoInstances {
  a: Repositories;
  b: Repositories;
  /** Ingest's event log, on instance A. */
  eventLog: EventLog;
  close(): Promise<void>;
}

export async function openTwoInstances(engine: Engine, now: () => number): Promise<TwoInstances> {
  if (engine === 'postgres') {
    const database = await createTestDatabase();
    const logger = createLogger('silent');
    const first = await openPostgresStorage(database.url, { logger, poolSize: 4 });
    const second = await openPostgresStorage(database.url, { logger, poolSize: 4 });
    return {
      a: first.repositories(),
      b: second.repositories(),
      eventLog: first.eventLog(now),
      async close() {
        await first.close();
        await second.close();
        await database.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pls-two-'));
  const path = join(dir, 'pls.db');
  const first = openDatabase(path);
  const second = openConnection(path);
  const repositories = (db: Db): Repositories => ({
    accounts: createAccountsRepo(db),
    alerts: createAlertsRepo(db),
    outbox: createOutboxRepo(db),
    events: createPendingEvents(db),
    slaReport: createSlaReportQuery(db),
    deliveries: createWebhookDeliveriesRepo(db),
    crm: createCrmRepo(db),
    ticks: createDailyTicksRepo(db),
  });
  return {
    a: repositories(first),
    b: repositories(second),
    eventLog: createEventStore(
      first,
      createWalSync(first),
      now,
      createSqliteStore({ db: first, turns: createWriteTurns() }),
    ),
    async close() {
      closeDatabase(second);
      closeDatabase(first);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `it` on SQLite; on Postgres, `it.skip` — for the few tests in an engine-neutral file that read
 * the SQLite file itself (their Postgres side, where there is one, has a test of its own).
 */
export const sqliteOnly = testEngine() === 'postgres' ? it.skip : it;

/** `it` on Postgres, `it.skip` on SQLite: what only Postgres says or does. */
export const postgresOnly = testEngine() === 'postgres' ? it : it.skip;
