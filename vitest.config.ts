import { defineConfig } from 'vitest/config';

/**
 * Integration tests that hold only on SQLite: they crash a child process over the SQLite file,
 * or check SQLite's own start-up errors and scoring thread (Postgres's side of these has tests
 * of its own), or calibrate histories written straight into a SQLite file (calibration reads
 * Postgres through the same port: replay-calibrate and history-source run on both). Single tests that hold only on SQLite are skipped on Postgres where they stand
 * (`sqliteOnly`, test/support/engines.ts), and the other way round (`postgresOnly`).
 */
const SQLITE_ONLY = [
  'test/integration/calibrate-advice.test.ts',
  'test/integration/chaos.test.ts',
  'test/integration/crash-recovery.test.ts',
  'test/integration/scoring-thread.test.ts',
  'test/integration/start-up.test.ts',
];

/**
 * Several instances on one database (only Postgres runs more than one), Postgres outages, and
 * `npm run db:copy` (SQLite into Postgres: it needs both).
 */
const POSTGRES_ONLY = [
  'test/integration/db-copy.test.ts',
  'test/integration/instances.test.ts',
  'test/integration/postgres-outage.test.ts',
];

export default defineConfig({
  test: {
    // The Postgres server the Postgres tests make their databases on (started unless given).
    globalSetup: ['test/support/postgres-global.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests each start their own server on a free port; files run in parallel workers.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: POSTGRES_ONLY } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/integration/**/*.test.ts'],
          exclude: SQLITE_ONLY,
          env: { PLS_TEST_ENGINE: 'postgres' },
        },
      },
    ],
  },
});
