import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Postgres server the Postgres tests make their databases on (started unless given).
    globalSetup: ['test/support/postgres-global.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests each start their own server on a free port; files run in parallel workers.
    pool: 'forks',
  },
});
