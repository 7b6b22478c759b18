import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** Postgres's SQL migrations (drizzle-kit's output for src/db/postgres/schema.ts). */
export const PG_MIGRATIONS_FOLDER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../migrations/postgres',
);

/**
 * Result types as pls reads them: `bigint` (times in milliseconds, sequence numbers, counts) as
 * numbers — every one of them is far inside a double's exact integers — and everything else as
 * node-postgres reads it (jsonb parsed, booleans, double precision as numbers).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return Number;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/**
 * The pool of one pls instance (`DATABASE_POOL_SIZE` connections). TLS and its options come from
 * the connection string (`?sslmode=require`, `sslrootcert=…`), as node-postgres reads them.
 */
export function openPool(
  url: string,
  size: number,
  access: {
    readOnly?: boolean;
    /** False for a reader whose statements are long by nature (a replay's sort of every event). */
    queryTimeout?: boolean;
  } = {},
): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: size,
    // Every transaction of every connection read-only, from the first statement on.
    ...(access.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    types,
    // A connection that cannot be had in 10 s is an outage, not a queue: the caller answers 503.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // A server that stops answering (a partition, a frozen host) fails the statement instead of
    // holding a request for ever: ingest answers 503. No pls statement runs near this long.
    ...(access.queryTimeout === false ? {} : { query_timeout: QUERY_TIMEOUT_MS }),
    keepAlive: true,
    application_name: access.readOnly ? 'pls-reader' : 'pls',
  });
}

/**
 * Where a Postgres URL points, as `host:port/dbname` (node-postgres resolves PG* variables and
 * defaults): what messages and `npm run check` name, never the password the URL may carry.
 */
export function postgresLocation(url: string): string {
  const { host, port, database } = new pg.Client({ connectionString: url });
  return `${host}:${port}/${database ?? ''}`;
}

/** How long a statement may go unanswered before pls gives up on the connection. */
export const QUERY_TIMEOUT_MS = 30_000;

/** Any key will do as long as every instance takes the same one. */
const MIGRATION_LOCK = 0x706c7301;

/**
 * Applies pending migrations, one instance at a time: instances that start together take an
 * advisory lock in turn, and the later ones find nothing left to apply.
 */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: PG_MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** How many migrations this code ships (read from disk once). */
const shipped = (() => {
  let count: number | null = null;
  return () => (count ??= readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_FOLDER }).length);
})();

/** Whether every migration this code ships has been applied. */
export async function pgMigrationsApplied(pool: pg.Pool): Promise<boolean> {
  const expected = shipped();
  const { rows } = await pool.query<{ n: number }>(
    'select count(*)::int as n from drizzle.__drizzle_migrations',
  );
  return (rows[0]?.n ?? 0) >= expected;
}

/**
 * Whether `error` is Postgres being unreachable or out of resources rather than a statement's
 * fault: the connection failed or was cut, the server is shutting down or starting, the pool
 * could not hand out a connection in time. Trying again later can succeed.
 */
export function isPgStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // Classes 08 (connection exception), 53 (insufficient resources), 57P (operator
    // intervention: admin shutdown, crash shutdown, cannot connect now), 58 (system error).
    if (/^(08|53|57P|58)/.test(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /timeout exceeded when trying to connect|Query read timeout|Connection terminated|connection is insecure|Client has encountered a connection error/i.test(
    message,
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** The error's code (ECONNREFUSED, 57P01) or else the first line of its message: what messages name. */
export function pgErrorReason(error: unknown): string {
  const code = pgErrorCode(error);
  if (code) return code;
  return ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').trim();
}

/** A Postgres SQLSTATE or a Node network code, when the error carries one. */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
