import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './child.js';

/**
 * The Postgres `npm run bench -- --db=postgres` measures on: PLS_BENCH_POSTGRES_URL (a server
 * it may create databases on), else a throwaway Postgres 15 cluster of its own on a loopback
 * port (.ci/postgres.sh, with Postgres's durable defaults: fsync and synchronous_commit on, as
 * a production server runs). Every phase gets a fresh database.
 */
export interface BenchPostgres {
  /** What the server is, for the report. */
  describe: string;
  /** A fresh, empty database: its URL. */
  database(name: string): Promise<string>;
  /** Rows of `sql` on the database at `url` (a connection of its own per call). */
  query<T>(url: string, sql: string, params?: unknown[]): Promise<T[]>;
  stop(): void;
}

export async function startBenchPostgres(log: (message: string) => void): Promise<BenchPostgres> {
  const given = process.env.PLS_BENCH_POSTGRES_URL;
  let server = given;
  let stop = () => {};
  if (!server) {
    const dir = mkdtempSync(join(tmpdir(), 'pls-bench-pg-'));
    const script = join(ROOT, '.ci/postgres.sh');
    server = execFileSync(script, ['start', dir, '54331'], {
      encoding: 'utf8',
      env: { ...process.env, PLS_PG_DURABLE: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    stop = () => execFileSync(script, ['stop', dir], { stdio: 'ignore' });
    log(`postgres: a throwaway Postgres 15 cluster on 127.0.0.1:54331 (fsync on)`);
  }
  const base = server;
  const query = async <T>(url: string, sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    describe: given
      ? 'the Postgres server in PLS_BENCH_POSTGRES_URL'
      : 'a throwaway Postgres 15 cluster on the same machine (Debian defaults, fsync and synchronous_commit on)',
    async database(name) {
      const db = `pls_bench_${name.replace(/\W/g, '_')}_${Date.now().toString(36)}`;
      await query(base, `create database ${db}`);
      const url = new URL(base);
      url.pathname = `/${db}`;
      return url.toString();
    },
    query,
    stop,
  };
}
