import type { Logger } from 'pino';
import { createAccountsRepo } from '../accounts-repo.js';
import { createAlertsRepo } from '../alerts-repo.js';
import { createCrmRepo } from '../crm-repo.js';
import { createDailyTicksRepo } from '../daily-ticks-repo.js';
import { createEventStore, createPendingEvents } from '../event-store.js';
import { createOutboxRepo } from '../outbox-repo.js';
import { createSlaReportQuery } from '../sla-report-query.js';
import type { Repositories, RepositoryOptions, Storage } from '../storage.js';
import { createWebhookDeliveriesRepo } from '../webhook-deliveries-repo.js';
import { startCheckpointer } from './checkpointer.js';
import { closeDatabase, type Db, migrationsApplied, openDatabase } from './client.js';
import { startScoringThread } from './scoring-thread.js';
import { createSqliteStore, type SqliteStore } from './sqlite-store.js';
import { createWalSync } from './wal-sync.js';
import { createWriteTurns } from './write-turns.js';

/**
 * pls's storage on SQLite, opened whole: the file (migrated), the main thread's and the scoring
 * thread's write turns, the WAL's syncs, the checkpointer thread and the store port over them.
 */
export interface SqliteStorage extends Storage {
  store: SqliteStore;
  /** The connection, for tools and tests that read the file directly (replay's history, seeds). */
  db: Db;
}

export function openSqliteStorage(
  path: string,
  options: { logger: Logger; checkpoints?: boolean },
): SqliteStorage {
  return sqliteStorageOn(openDatabase(path), options);
}

/**
 * The same over a file already open (the benchmark seeds one first). `checkpoints: false` leaves
 * checkpoints to SQLite's own (a process that will not live long enough to need the thread).
 */
export function sqliteStorageOn(db: Db, options: { logger: Logger; checkpoints?: boolean }): SqliteStorage {
  const { logger } = options;
  const turns = createWriteTurns();
  const wal = createWalSync(db, {
    onFailure: (error) =>
      logger.fatal(
        { err: error },
        'fdatasync of the WAL failed: ingest refuses every request until pls is restarted',
      ),
  });
  const store = createSqliteStore({
    db,
    wal,
    turns,
    onHookError: (error) => logger.error({ err: error }, 'after-commit hook failed'),
  });
  const checkpointer = options.checkpoints === false ? null : startCheckpointer(db, logger, store.exclusive);
  return {
    db,
    store,
    repositories: (repositoryOptions = {}) => repositoriesOn(db, store, repositoryOptions),
    eventLog: (now) => createEventStore(db, wal, now, store),
    startScoring: (deps) => startScoringThread({ ...deps, turns, databasePath: db.$client.name }),
    health() {
      const checks = {
        database: db.$client.open,
        migrations: migrationsApplied(db),
        storage: wal.failure() === null,
      };
      const problems = [
        checks.database ? null : `the database ${db.$client.name} is closed`,
        checks.migrations ? null : `the database ${db.$client.name} lacks migrations this version ships`,
        checks.storage
          ? null
          : `writing ${db.$client.name} failed (${errorText(wal.failure())}): restart pls once the disk is fixed`,
      ].filter((problem) => problem !== null);
      return { checks, problems };
    },
    watchOutbox: () => () => {},
    async close() {
      await wal.close();
      await checkpointer?.stop();
      closeDatabase(db);
    },
  };
}

/**
 * The repositories over one connection, each method refusing to run outside a unit or a read of
 * `store`: on one connection, a read between another unit's statements would see its half-done
 * writes (src/db/sqlite/sqlite-store.ts).
 */
export function repositoriesOn(db: Db, store: SqliteStore, options: RepositoryOptions = {}): Repositories {
  return {
    accounts: inStore(store, 'accounts', createAccountsRepo(db)),
    alerts: inStore(store, 'alerts', createAlertsRepo(db)),
    outbox: inStore(store, 'outbox', createOutboxRepo(db, { onQueued: options.onQueued })),
    events: inStore(store, 'events', createPendingEvents(db)),
    slaReport: inStore(store, 'slaReport', createSlaReportQuery(db)),
    deliveries: inStore(
      store,
      'deliveries',
      createWebhookDeliveriesRepo(db, { onQueued: options.onDeliveryQueued }),
    ),
    crm: inStore(store, 'crm', createCrmRepo(db)),
    ticks: inStore(store, 'ticks', createDailyTicksRepo(db)),
  };
}

/** Methods that touch no table (a counter kept in memory) and may run anywhere. */
const IN_MEMORY = new Set(['enqueuedSoFar']);

function inStore<T extends object>(store: SqliteStore, name: string, repository: T): T {
  const guarded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(repository)) {
    if (typeof value !== 'function' || IN_MEMORY.has(key)) {
      guarded[key] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    guarded[key] = (...args: unknown[]) => {
      if (!store.inside())
        throw new Error(`${name}.${key} was called outside a unit of work or a read of the store`);
      return method.apply(repository, args);
    };
  }
  return guarded as T;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
