import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';
import { ErrorCode } from '../../domain/errors.js';
import {
  type AccountEraser,
  type AccountSelector,
  DataLifecycleError,
  type ForgetReport,
  LOCKED_MESSAGE,
  onlyAccountOf,
  pendingMigrations,
  selectedDomain,
} from '../data-lifecycle.js';
import {
  isPgStorageFailure,
  migratePostgres,
  openPool,
  PG_MIGRATIONS_FOLDER,
  pgErrorCode,
  pgErrorReason,
  postgresLocation,
} from './client.js';

/**
 * `npm run forget` on Postgres (`DATABASE_URL=postgres://…`): the same lookup, the same
 * statements in the same order and the same report as the SQLite erasure
 * (src/db/data-lifecycle.ts `forgetAccount`), on one connection of a pool of its own. There is
 * no `secure_delete` here: the deleted rows' bytes stay in their pages until (auto)vacuum
 * reuses the space, and in the WAL and backups, as with any Postgres delete.
 */

/**
 * Every table the erasure deletes from, locked against other writers for its transaction (SHARE
 * ROW EXCLUSIVE: readers go on, writers wait). This is what SQLite's IMMEDIATE transaction gives
 * the erasure: under READ COMMITTED each statement sees what committed before it started, so a
 * scoring turn of any instance that committed between two of them could leave a membership or a
 * person of the erased account behind, or the preview could count other rows than the erasure
 * removes. Every writer (ingest, scoring, sweeps, clicks, on every instance) waits while the
 * erasure runs, as on SQLite; readers are not held.
 */
const ERASED_TABLES =
  'events, accounts, account_users, users, alerts, alert_events, outbox, webhook_deliveries, crm_accounts, crm_tasks, crm_notes';

/** How long the lock may be waited for: SQLite's `busy_timeout`, and the message says 5 s. */
const LOCK_TIMEOUT = '5s';

/** How often an erasure chosen as a deadlock's victim (taking its locks) is run again. */
const ATTEMPTS = 3;

/**
 * Opens the Postgres database `url` names for the erasure: it must already be pls's (a
 * maintenance command never creates the tables), pending migrations are applied as `npm start`
 * would, and one migrated by a newer pls is refused (`pendingMigrations`). Failing to connect is
 * one line (`DataLifecycleError`), naming the database as host:port/dbname, never the password.
 */
export async function openPostgresEraser(url: string): Promise<AccountEraser> {
  const where = postgresLocation(url);
  const pool = openPool(url, 2);
  // A connection the server drops while idle is reported by the next statement on it.
  pool.on('error', () => undefined);
  let migrated: number;
  try {
    migrated = await bringUpToDate(pool, where);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw openFailure(error, where);
  }
  return {
    where,
    migrated,
    async forget(selector, options = {}) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await inErasure(pool, options.dryRun ?? false, (client) => eraseAccount(client, selector));
        } catch (error) {
          if (pgErrorCode(error) === '40P01' && attempt < ATTEMPTS) continue;
          throw erasureFailure(error, where);
        }
      }
    },
    close: () => pool.end(),
  };
}

async function bringUpToDate(pool: pg.Pool, where: string): Promise<number> {
  const { rows } = await pool.query<{ present: boolean }>(
    "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
  );
  if (!rows[0]?.present) {
    throw new DataLifecycleError(
      ErrorCode.NotAPlsDatabase,
      `${where} is not a pls database (no migrations table)`,
    );
  }
  const applied = await pool.query<{ at: number }>(
    'select created_at as at from drizzle.__drizzle_migrations',
  );
  const migrated = pendingMigrations(
    where,
    applied.rows.map((row) => Number(row.at)),
    readMigrationFiles({ migrationsFolder: PG_MIGRATIONS_FOLDER }),
  );
  if (migrated > 0) await migratePostgres(pool);
  return migrated;
}

/** The connection was lost during COMMIT: whether the erasure happened is not known. */
class CommitLost extends Error {}

/**
 * `work` in one transaction on one connection, with every erased table locked first
 * (`ERASED_TABLES`); committed unless `dryRun`, or `work` found nothing to erase. A connection
 * that failed is destroyed, not given back to the pool.
 */
async function inErasure(
  pool: pg.Pool,
  dryRun: boolean,
  work: (client: pg.PoolClient) => Promise<ForgetReport | null>,
): Promise<ForgetReport | null> {
  const client = await pool.connect();
  // A connection lost between statements: the next statement fails, naming it.
  const onError = () => undefined;
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    await client.query(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
    await client.query(`lock table ${ERASED_TABLES} in share row exclusive mode`);
    const report = await work(client);
    if (report === null || dryRun) {
      await client.query('rollback');
      return report;
    }
    await client.query('commit').catch((error: unknown) => {
      throw isPgStorageFailure(error) ? new CommitLost('commit failed', { cause: error }) : error;
    });
    return report;
  } catch (error) {
    if (error instanceof CommitLost || isPgStorageFailure(error)) broken = error as Error;
    else await client.query('rollback').catch((failed: Error) => (broken = failed));
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** The statements of `forgetAccount` (src/db/data-lifecycle.ts), in its order, in Postgres's SQL. */
async function eraseAccount(client: pg.PoolClient, selector: AccountSelector): Promise<ForgetReport | null> {
  const target = await resolveAccount(client, selector);
  if (!target) return null;
  const id = target.id;
  const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;

  const posted = await client.query<{ channel: string; ts: string }>(
    `select channel, message_ts as ts from alerts
     where account_id = $1 and message_ts is not null order by opened_at`,
    [id],
  );
  const alertEvents = await run(
    'delete from alert_events where alert_id in (select id from alerts where account_id = $1)',
    [id],
  );
  const outbox = await run(
    'delete from outbox where alert_id in (select id from alerts where account_id = $1)',
    [id],
  );
  const alerts = await run('delete from alerts where account_id = $1', [id]);
  const webhookDeliveries = await run('delete from webhook_deliveries where account_id = $1', [id]);
  const crmCompanyId =
    (
      await client.query<{ id: string | null }>(
        'select company_id as id from crm_accounts where account_id = $1',
        [id],
      )
    ).rows[0]?.id ?? null;
  const crmLinks =
    (await run('delete from crm_accounts where account_id = $1', [id])) +
    (await run('delete from crm_tasks where account_id = $1', [id])) +
    (await run('delete from crm_notes where account_id = $1', [id]));

  // The account's people who are in no other account (see forgetAccount).
  const erasable = await client.query<{ userId: string }>(
    `select user_id as "userId" from account_users where account_id = $1
     union
     select user_id from events where account_id = $1 and user_id is not null
     except
     select user_id from account_users where account_id <> $1
     except
     select user_id from events
     where processed_at is null and account_id is not null and account_id <> $1 and user_id is not null`,
    [id],
  );
  const userIds = erasable.rows.map((row) => row.userId);

  const events =
    (await run('delete from events where account_id = $1', [id])) +
    (await run('delete from events where account_id is null and user_id = any($1::text[])', [userIds]));
  const accountUsers = await run('delete from account_users where account_id = $1', [id]);
  const users = await run('delete from users where id = any($1::text[])', [userIds]);
  await run('delete from accounts where id = $1', [id]);

  return {
    accountId: id,
    domain: target.domain,
    events,
    users,
    accountUsers,
    alerts,
    alertEvents,
    outbox,
    webhookDeliveries,
    crmLinks,
    crmCompanyId,
    postedMessages: posted.rows,
  };
}

async function resolveAccount(
  client: pg.PoolClient,
  selector: AccountSelector,
): Promise<{ id: string; domain: string | null } | null> {
  if ('id' in selector) {
    const byId = await client.query<{ id: string; domain: string | null }>(
      'select id, domain from accounts where id = $1',
      [selector.id],
    );
    if (byId.rows[0]) return byId.rows[0];
    // Known only from events not yet processed, or alerts: erased too (see forgetAccount).
    const known = await client.query<{ known: boolean }>(
      `select exists (select 1 from events where account_id = $1)
           or exists (select 1 from alerts where account_id = $1) as known`,
      [selector.id],
    );
    return known.rows[0]?.known ? { id: selector.id, domain: null } : null;
  }
  const domain = selectedDomain(selector);
  // In byte order, as SQLite sorts: the ids a refusal names are the same on both engines.
  const matches = await client.query<{ id: string; domain: string | null }>(
    'select id, domain from accounts where domain = $1 order by id collate "C" limit 6',
    [domain],
  );
  return onlyAccountOf(domain, matches.rows);
}

/** Connecting or reading the migrations failed: one line, the database named without credentials. */
function openFailure(error: unknown, where: string): unknown {
  if (error instanceof DataLifecycleError) return error;
  // invalid_catalog_name: the server answers, the database is not there.
  if (pgErrorCode(error) === '3D000')
    return new DataLifecycleError(ErrorCode.NoDatabase, `no database at ${where} (check DATABASE_URL)`);
  if (isPgStorageFailure(error)) return unreachable(error, where);
  // A refusal the server sent (authentication, permissions): its message, never the URL's.
  if (error instanceof pg.DatabaseError)
    return new DataLifecycleError(ErrorCode.NoDatabase, `cannot open ${where}: ${error.message}`);
  return error;
}

function erasureFailure(error: unknown, where: string): unknown {
  if (error instanceof DataLifecycleError) return error;
  // lock_not_available: another writer kept a table past LOCK_TIMEOUT.
  if (pgErrorCode(error) === '55P03') return new DataLifecycleError(ErrorCode.DatabaseLocked, LOCKED_MESSAGE);
  if (error instanceof CommitLost) {
    return new DataLifecycleError(
      ErrorCode.DatabaseUnreachable,
      `lost Postgres at ${where} while committing the erasure (${pgErrorReason(error.cause)}): run the command again to see whether the account is still there`,
    );
  }
  if (isPgStorageFailure(error)) return unreachable(error, where);
  return error;
}

function unreachable(error: unknown, where: string): DataLifecycleError {
  return new DataLifecycleError(
    ErrorCode.DatabaseUnreachable,
    `cannot reach Postgres at ${where} (${pgErrorReason(error)}); nothing was erased`,
  );
}
