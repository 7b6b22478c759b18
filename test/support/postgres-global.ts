import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Vitest's global setup: the Postgres the tests run against. `.ci/run` starts a throwaway
 * cluster and passes its URL in PLS_TEST_POSTGRES_URL; without one, this starts a cluster of
 * its own with the same script (.ci/postgres.sh: Postgres 15, a temp dir, a loopback port) and
 * stops it when the run ends. Each test that needs Postgres makes a database of its own in it
 * (test/support/postgres.ts).
 */
export default function setup(): (() => void) | undefined {
  if (process.env.PLS_TEST_POSTGRES_URL) return undefined;
  const script = resolve(import.meta.dirname, '../../.ci/postgres.sh');
  if (!existsSync('/usr/lib/postgresql/15/bin/initdb') && process.env.PLS_TEST_POSTGRES !== 'install')
    throw new Error(
      'The tests need Postgres 15 (Debian: apt-get install postgresql-15), or PLS_TEST_POSTGRES_URL=postgres://… naming a server they may create databases on.',
    );
  const dir = mkdtempSync(join(tmpdir(), 'pls-pg-'));
  const port = String(40_000 + (process.pid % 20_000));
  const url = execFileSync(script, ['start', dir, port], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  process.env.PLS_TEST_POSTGRES_URL = url;
  return () => {
    execFileSync(script, ['stop', dir], { stdio: 'ignore' });
  };
}
