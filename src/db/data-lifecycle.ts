import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { type MigrationMeta, readMigrationFiles } from 'drizzle-orm/migrator';
import { type CodedError, ErrorCode } from '../domain/errors.js';
import { normaliseDomain } from '../domain/usage-event.js';
import * as schema from './schema.js';
import { closeDatabase, configureConnection, type Db, MIGRATIONS_FOLDER } from './sqlite/client.js';

/**
 * The data lifecycle (README, "Operating it"): events older than the manifest's `retention`
 * expire, and an account's data can be erased on request. Raw SQL on the better-sqlite3 handle,
 * like the event store: these are bulk deletes driven by sub-selects, which read more plainly in
 * SQL than in the query builder.
 */

// ---------------------------------------------------------------------------------------------
// Retention

/**
 * One batch: the oldest expired events by arrival, from `after` on (a cursor, so events kept by
 * an earlier batch are not scanned again).
 *
 * Expired means occurred *and* received before the cutoff, and already processed:
 * - `processed_at is not null`: an event is never dropped before it has been scored.
 * - `received_at < cutoff` walks `events_received` instead of scanning the whole table (there is
 *   no index on `occurred_at` alone). It also keeps an event that arrived already older than
 *   the retention (a backfill) for one retention period after arrival, so its id still
 *   deduplicates a redelivery instead of scoring it twice; scores are kept incrementally and
 *   never re-read the log.
 */
export const EXPIRED_BATCH_SQL = `
  delete from events where seq in (
    select seq from events
    where received_at >= @after and received_at < @cutoff
      and occurred_at < @cutoff and processed_at is not null
    order by received_at
    limit @limit
  )
  returning received_at`;

interface BatchParams {
  after: number;
  cutoff: number;
  limit: number;
}

function expiredBatch(db: Db) {
  const statement = db.$client.prepare<BatchParams, { received_at: number }>(EXPIRED_BATCH_SQL);
  // IMMEDIATE: take the write lock up front rather than upgrading a read lock, which can fail
  // with SQLITE_BUSY (not retried by busy_timeout) when another connection writes meanwhile.
  return db.$client.transaction((params: BatchParams) => statement.all(params)).immediate;
}

/**
 * Deletes at most `batchSize` expired events in one short transaction; returns how many. For a
 * caller that wants to yield between batches (better-sqlite3 is synchronous, so a long loop
 * would hold the event loop, not just the write lock).
 */
export function deleteExpiredEventsBatch(db: Db, cutoff: number, batchSize = 5000): number {
  checkBatchSize(batchSize);
  return expiredBatch(db)({ after: Number.MIN_SAFE_INTEGER, cutoff, limit: batchSize }).length;
}

/**
 * Deletes every event that expired before `cutoff` (epoch ms; the caller passes
 * `now - manifest.retention`), `batchSize` per transaction so a large backlog never holds the
 * write lock for long. Returns how many were deleted.
 */
export function deleteExpiredEvents(db: Db, cutoff: number, batchSize = 5000): number {
  checkBatchSize(batchSize);
  const batch = expiredBatch(db);
  let after = Number.MIN_SAFE_INTEGER;
  let total = 0;
  for (;;) {
    const rows = batch({ after, cutoff, limit: batchSize });
    total += rows.length;
    if (rows.length < batchSize) return total;
    // Every row before the last arrival time seen was deleted or rejected by this pass; ties
    // at that instant may remain, hence `>=`. Progress is certain: the batch deleted rows.
    for (const row of rows) after = Math.max(after, row.received_at);
  }
}

function checkBatchSize(batchSize: number): void {
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
}

// ---------------------------------------------------------------------------------------------
// Erasure

export interface ForgetReport {
  accountId: string;
  /** The account's domain, when pls knew it. */
  domain: string | null;
  /** The account's events, plus account-less events (Segment `identify`) of the users erased. */
  events: number;
  /** People erased: those who belonged to no other account. */
  users: number;
  accountUsers: number;
  alerts: number;
  /** Audit trail rows of those alerts. */
  alertEvents: number;
  /** Slack calls of those alerts, queued or sent. */
  outbox: number;
  /** Outbound webhook deliveries about the account, sent or still queued (those are never sent). */
  webhookDeliveries: number;
  /** What pls kept of the account in HubSpot: its company and owner, and its alerts' tasks (HubSpot keeps the records). */
  crmLinks: number;
  /** The HubSpot company pls wrote to, whose pls properties, tasks and notes stay in HubSpot. */
  crmCompanyId: string | null;
  /** Alert messages already posted: they stay in Slack, and after this pls no longer knows where. */
  postedMessages: { channel: string; ts: string }[];
}

/**
 * A problem the operator fixes (bad reference, wrong or newer database) or waits out (a database
 * locked or out of reach); the message says how, in one line.
 */
export class DataLifecycleError extends Error implements CodedError {
  override name = 'DataLifecycleError';
  constructor(
    readonly code:
      | typeof ErrorCode.AmbiguousAccount
      | typeof ErrorCode.NotADomain
      | typeof ErrorCode.NoDatabase
      | typeof ErrorCode.NotAPlsDatabase
      | typeof ErrorCode.NewerSchema
      | typeof ErrorCode.DatabaseLocked
      | typeof ErrorCode.DatabaseUnreachable,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Which account to erase, said explicitly: an id is only ever an id and a domain only a domain,
 * so `--domain victim.com` can never erase an account whose id happens to be "victim.com".
 */
export type AccountSelector = { id: string } | { domain: string };

/**
 * What `npm run forget` needs of an engine (src/cli/forget-command.ts): the database opened and
 * brought up to this code's schema, and an account looked up and erased — or, with `dryRun`,
 * counted by the same statements and rolled back — in one transaction each. The prompts and
 * what is printed are the command's, the same on every engine.
 */
export interface AccountEraser {
  /** The database as messages name it: the SQLite file's path, or Postgres's host:port/dbname (no credentials). */
  readonly where: string;
  /** Migrations this code knows that the database lacked, applied on open (as `npm start` would). */
  readonly migrated: number;
  /** `forgetAccount`'s contract: null when pls knows no such account. */
  forget(selector: AccountSelector, options?: { dryRun?: boolean }): Promise<ForgetReport | null>;
  close(): Promise<void>;
}

/** The one message for a database another writer kept locked past the wait, on either engine. */
export const LOCKED_MESSAGE =
  'the database stayed locked by another writer for 5 s; nothing was erased, try again';

/**
 * The erasure on a SQLite file (`openExistingDatabase`, `forgetAccount`): the WAL is
 * checkpointed after a real erasure, and a write lock that stayed taken past `busy_timeout` is
 * a `DataLifecycleError(ErrorCode.DatabaseLocked)`.
 */
export function openSqliteEraser(path: string): AccountEraser {
  const { db, migrated } = lockedAsError(() => openExistingDatabase(path));
  return {
    where: path,
    migrated,
    async forget(selector, options = {}) {
      const report = lockedAsError(() => forgetAccount(db, selector, options));
      if (report && !options.dryRun) checkpointErased(db);
      return report;
    },
    async close() {
      closeDatabase(db);
    },
  };
}

function lockedAsError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY')
      throw new DataLifecycleError(ErrorCode.DatabaseLocked, LOCKED_MESSAGE);
    throw error;
  }
}

/** The selector's domain as ingest stores it (src/domain/usage-event.ts); throws when it is none. */
export function selectedDomain(selector: { domain: string }): string {
  const domain = normaliseDomain(selector.domain);
  if (!domain) throw new DataLifecycleError(ErrorCode.NotADomain, `not a domain: "${selector.domain}"`);
  return domain;
}

/**
 * The one account `domain` names, from the accounts with that domain in id order (six at most:
 * five are named, the sixth says there are more); throws when there are several.
 */
export function onlyAccountOf<T extends { id: string }>(domain: string, matches: readonly T[]): T | null {
  if (matches.length > 1) {
    const ids = matches.slice(0, 5).map((m) => m.id);
    throw new DataLifecycleError(
      ErrorCode.AmbiguousAccount,
      `${domain} is the domain of several accounts (${ids.join(', ')}${matches.length > 5 ? ', …' : ''}): give the account id with --id`,
    );
  }
  return matches[0] ?? null;
}

interface Target {
  id: string;
  domain: string | null;
}

function resolveAccount(db: Db, selector: AccountSelector): Target | null {
  const client = db.$client;
  if ('id' in selector) {
    const byId = client
      .prepare<[string], Target>('select id, domain from accounts where id = ?')
      .get(selector.id);
    if (byId) return byId;
    // Events not yet processed (or alerts) may name an account whose row does not exist yet:
    // erasing "nothing" would let the processor recreate it from those events afterwards.
    const known = client
      .prepare<[string, string], { found: 1 }>(
        `select 1 as found where exists (select 1 from events where account_id = ?)
                            or exists (select 1 from alerts where account_id = ?)`,
      )
      .get(selector.id, selector.id);
    return known ? { id: selector.id, domain: null } : null;
  }
  const domain = selectedDomain(selector);
  const matches = client
    .prepare<[string], Target>('select id, domain from accounts where domain = ? order by id limit 6')
    .all(domain);
  return onlyAccountOf(domain, matches);
}

/** Thrown inside the erasure's transaction to roll a dry run back, carrying what it would have erased. */
class DryRun {
  constructor(readonly report: ForgetReport) {}
}

/**
 * Erases everything pls holds about an account, in one transaction: its events, its people
 * (those in no other account, with their account-less events), its memberships, the account row
 * (firmographics and scoring state), and its alerts with their audit trail and Slack outbox.
 * Null when pls knows no such account; throws `DataLifecycleError(ErrorCode.AmbiguousAccount)` when a
 * domain names several.
 *
 * With `dryRun` the same statements run and are rolled back: what the preview lists is what the
 * erasure would remove at that moment, counted by the very SQL that removes it.
 *
 * `secure_delete` overwrites the freed pages so the erased text does not linger in the file.
 */
export function forgetAccount(
  db: Db,
  selector: AccountSelector,
  options: { dryRun?: boolean } = {},
): ForgetReport | null {
  const client = db.$client;
  const run = (sql: string, ...params: unknown[]) => client.prepare(sql).run(...params).changes;

  const erase = client.transaction((): ForgetReport | null => {
    const target = resolveAccount(db, selector);
    if (!target) return null;
    const id = target.id;

    const postedMessages = client
      .prepare<[string], { channel: string; ts: string }>(
        `select channel, message_ts as ts from alerts
         where account_id = ? and message_ts is not null order by opened_at`,
      )
      .all(id);
    const alertEvents = run(
      'delete from alert_events where alert_id in (select id from alerts where account_id = ?)',
      id,
    );
    const outbox = run(
      'delete from outbox where alert_id in (select id from alerts where account_id = ?)',
      id,
    );
    const alerts = run('delete from alerts where account_id = ?', id);
    const webhookDeliveries = run('delete from webhook_deliveries where account_id = ?', id);
    const crmCompanyId =
      client
        .prepare<[string], string | null>('select company_id from crm_accounts where account_id = ?')
        .pluck()
        .get(id) ?? null;
    const crmLinks =
      run('delete from crm_accounts where account_id = ?', id) +
      run('delete from crm_tasks where account_id = ?', id) +
      run('delete from crm_notes where account_id = ?', id);

    // The account's people who are in no other account. Processed events are all reflected in
    // account_users; unprocessed events of another account will make the person a member there.
    const erasable = client
      .prepare<[string, string, string, string], { userId: string }>(
        `select user_id as userId from account_users where account_id = ?
         union
         select user_id from events where account_id = ? and user_id is not null
         except
         select user_id from account_users where account_id <> ?
         except
         select user_id from events
         where processed_at is null and account_id is not null and account_id <> ? and user_id is not null`,
      )
      .all(id, id, id, id)
      .map((row) => row.userId);
    const userList = JSON.stringify(erasable);

    const events =
      run('delete from events where account_id = ?', id) +
      run(
        'delete from events where account_id is null and user_id in (select value from json_each(?))',
        userList,
      );
    const accountUsers = run('delete from account_users where account_id = ?', id);
    const users = run('delete from users where id in (select value from json_each(?))', userList);
    run('delete from accounts where id = ?', id);

    const report = {
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
      postedMessages,
    };
    if (options.dryRun) throw new DryRun(report);
    return report;
  });

  const secureDelete = client.pragma('secure_delete', { simple: true });
  if (!options.dryRun) client.pragma('secure_delete = on');
  try {
    return erase.immediate();
  } catch (error) {
    if (error instanceof DryRun) return error.report;
    throw error;
  } finally {
    client.pragma(`secure_delete = ${Number(secureDelete)}`);
  }
}

/**
 * Moves erased pages out of the WAL into the (secure-deleted) database file and truncates the
 * WAL, so what `forgetAccount` erased is gone from both; best effort while the bot runs (a reader
 * or writer in the way leaves some frames for the next checkpoint).
 */
export function checkpointErased(db: Db): void {
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
}

// ---------------------------------------------------------------------------------------------
// Opening an existing database (for the maintenance CLI)

export interface OpenedDatabase {
  db: Db;
  /** Migrations this code knows that the database lacked, applied on open (as `npm start` would). */
  migrated: number;
}

/**
 * Opens a pls database that must already exist (a maintenance command never creates an empty
 * one) with the same settings as `openDatabase`, and brings its schema up to this code's:
 * - missing file, or a file that is not a pls database → `DataLifecycleError`;
 * - migrations pending → applied, as start-up does (there is no separate migrate step, and the
 *   command's SQL is written against the current schema);
 * - migrated by a newer pls → refused: that version may keep account data in tables this code
 *   does not know, so an erasure run from here could silently leave some behind.
 */
export function openExistingDatabase(
  path: string,
  options: { migrationsFolder?: string } = {},
): OpenedDatabase {
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  if (path === ':memory:' || !existsSync(path)) {
    throw new DataLifecycleError(ErrorCode.NoDatabase, `no database at ${path} (check DATABASE_URL)`);
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { fileMustExist: true });
  } catch (error) {
    throw new DataLifecycleError(ErrorCode.NoDatabase, `cannot open ${path}: ${(error as Error).message}`);
  }
  try {
    const db: Db = drizzle({ client: sqlite, schema });
    const migrated = pendingMigrations(
      path,
      appliedMigrations(sqlite, path),
      readMigrationFiles({ migrationsFolder }),
    );
    configureConnection(sqlite);
    if (migrated > 0) migrate(db, { migrationsFolder });
    return { db, migrated };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * How many of the `known` migrations a database whose applied migrations were made at `applied`
 * (their `created_at`) lacks, as drizzle's migrator counts them (those after the latest applied);
 * throws when it has migrations this code does not know (see `openExistingDatabase`).
 */
export function pendingMigrations(where: string, applied: number[], known: MigrationMeta[]): number {
  const latestKnown = Math.max(0, ...known.map((m) => m.folderMillis));
  const unknown = applied.filter((at) => at > latestKnown).length;
  if (unknown > 0) {
    throw new DataLifecycleError(
      ErrorCode.NewerSchema,
      `${where} was migrated by a newer version of pls (${unknown} migration${unknown === 1 ? '' : 's'} this code does not know): run this command from that version`,
    );
  }
  const latestApplied = Math.max(0, ...applied);
  return known.filter((m) => m.folderMillis > latestApplied).length;
}

/** `created_at` of every applied migration; throws when the file is not a migrated pls database. */
function appliedMigrations(sqlite: Database.Database, path: string): number[] {
  const notPls = (why: string) =>
    new DataLifecycleError(ErrorCode.NotAPlsDatabase, `${path} is not a pls database (${why})`);
  let hasTable: boolean;
  try {
    hasTable =
      sqlite
        .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
        .get() !== undefined;
  } catch (error) {
    throw notPls((error as Error).message);
  }
  if (!hasTable) throw notPls('no migrations table');
  return sqlite
    .prepare<[], { at: number }>('select created_at as at from __drizzle_migrations')
    .all()
    .map((row) => Number(row.at));
}
