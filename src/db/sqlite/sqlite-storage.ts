import type { Logger } from 'pino';
import type { Store } from '../store.js';
import { startCheckpointer } from './checkpointer.js';
import { closeDatabase, type Db, migrationsApplied, openDatabase } from './client.js';
import { createSqliteStore } from './sqlite-store.js';
import { createWalSync, type WalSync } from './wal-sync.js';
import { createWriteTurns, type WriteTurns } from './write-turns.js';

/**
 * pls's storage on SQLite, opened whole: the file (migrated), the main thread's and the scoring
 * thread's write turns, the WAL's syncs, the checkpointer thread and the store port over them.
 * The app builds its repositories and services on it; nothing outside src/db deals with write
 * turns, fsyncs or checkpoints.
 */
export interface SqliteStorage {
  /** The connection the repositories are built on (src/db/*-repo.ts). */
  db: Db;
  /** The store port: units of work and reads (src/db/store.ts). */
  store: Store;
  /** Shared with the scoring thread, which the adapter starts (src/db/sqlite/scoring-thread.ts). */
  turns: WriteTurns;
  /** Ingest's group commit waits on it (src/db/event-store.ts). */
  wal: WalSync;
  /** For GET /readyz: the file is open, every migration applied, and syncing has not failed. */
  health(): { database: boolean; migrations: boolean; storage: boolean };
  /** Waits for the syncs under way, stops the checkpointer and closes the file. */
  close(): Promise<void>;
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
  const checkpointer = options.checkpoints === false ? null : startCheckpointer(db, logger, turns);
  const wal = createWalSync(db, {
    onFailure: (error) =>
      logger.fatal(
        { err: error },
        'fdatasync of the WAL failed: ingest refuses every request until pls is restarted',
      ),
  });
  return {
    db,
    turns,
    wal,
    store: createSqliteStore({
      db,
      wal,
      turns,
      onHookError: (error) => logger.error({ err: error }, 'after-commit hook failed'),
    }),
    health: () => ({
      database: db.$client.open,
      migrations: migrationsApplied(db),
      storage: wal.failure() === null,
    }),
    async close() {
      await wal.close();
      await checkpointer?.stop();
      closeDatabase(db);
    },
  };
}
