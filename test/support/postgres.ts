import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests' databases live on (test/support/postgres-global.ts started or found it). */
export function postgresServer(): string {
  const url = process.env.PLS_TEST_POSTGRES_URL;
  if (!url)
    throw new Error(
      'PLS_TEST_POSTGRES_URL is not set: vitest.config.ts runs test/support/postgres-global.ts first',
    );
  return url;
}

/**
 * A fresh, empty database on the test server: its URL, and `drop` to remove it (connections to
 * it are ended first). Every test file gets its own, so files run in parallel.
 */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const server = postgresServer();
  const name = `pls_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(server, (admin) => admin.query(`create database ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await withAdmin(server, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin<T>(server: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
