import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/**
 * A Postgres cluster of this test's own (.ci/postgres.sh, as the shared one), for tests that
 * stop Postgres under pls: `halt` stops it with its data kept, `resume` starts it again on the
 * same port (each does nothing when it already is so), `stop` stops it and removes it.
 */
export async function startOwnCluster(): Promise<{
  url: string;
  halt(): void;
  resume(): void;
  stop(): void;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'pls-pg-own-'));
  const port = await freePort();
  const run = (...args: string[]) =>
    execFileSync(SCRIPT, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const server = run('start', dir, String(port));
  const url = new URL(server);
  url.pathname = '/pls';
  await withAdmin(server, (admin) => admin.query('create database pls'));
  let running = true;
  return {
    url: url.toString(),
    halt() {
      if (running) run('halt', dir);
      running = false;
    },
    resume() {
      if (!running) run('resume', dir);
      running = true;
    },
    stop: () => void run('stop', dir),
  };
}

const SCRIPT = resolve(import.meta.dirname, '../../.ci/postgres.sh');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}
