import { existsSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { is } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { isPgSequence, PgTable, getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { SQLiteTable, getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { databaseOf } from '../config/env.js';
import {
  isPgStorageFailure,
  migratePostgres,
  openPool,
  pgErrorCode,
  pgErrorReason,
  postgresLocation,
} from '../db/postgres/client.js';
import * as pgSchema from '../db/postgres/schema.js';
import * as sqliteSchema from '../db/schema.js';
import { MIGRATIONS_FOLDER } from '../db/sqlite/client.js';
import { type CodedError, ErrorCode } from '../domain/errors.js';
import { plural } from '../report/format.js';
import { parseFlags, requestOrExit, UsageError } from './cli-options.js';

/**
 * `npm run db:copy` (README, "Running on Postgres"): moves a SQLite pls database into an empty
 * Postgres one. The SQLite file is only read; the Postgres side is one transaction, so a copy
 * that fails anywhere leaves the target as empty as it found it, and one that succeeds leaves
 * it exactly as pls would have written it: every table, every column, and the sequences past
 * the numbers the copied rows hold.
 */

/** A copy that cannot be made, or was refused; the message says what is wrong, in one line. */
export class CopyError extends Error implements CodedError {
  override name = 'CopyError';
  readonly code = ErrorCode.CopyFailed;
}

// ---------------------------------------------------------------------------------------------
// What is copied: both schemas, held together

export interface ColumnPlan {
  name: string;
  /** The Postgres type the column's values are sent as (an array of it per batch). */
  pgType: string;
  /** SQLite's value as Postgres takes it; null when it goes as it is. */
  convert: ((value: unknown) => unknown) | null;
}

export interface TablePlan {
  name: string;
  columns: ColumnPlan[];
  /** The primary key's columns: rows are read in their order, and an error names a row by them. */
  key: string[];
  /** The identity column Postgres numbers new rows with (SQLite's rowid alias), if any. */
  identity: string | null;
}

/** A SQLite value that does not fit its Postgres column; the caller names the row. */
class ValueError extends Error {}

/** 0/1 as SQLite stores a boolean; anything else is a row written by something other than pls. */
function toBoolean(value: unknown): boolean | null {
  if (value === null) return null;
  if (value === 0n || value === 0) return false;
  if (value === 1n || value === 1) return true;
  throw new ValueError(`is ${String(value)}, not 0 or 1`);
}

/**
 * How a Postgres column is filled from its SQLite twin, by their drizzle column types. JSON
 * goes as the text SQLite holds (Postgres parses it into jsonb, so nothing is re-serialised),
 * integers as SQLite's exact 64-bit values. A pairing not listed stops the copy: a column of a
 * new kind is converted on purpose or not at all.
 */
const CONVERSIONS: Record<string, { sqlite: string; convert: ColumnPlan['convert'] }> = {
  PgText: { sqlite: 'SQLiteText', convert: null },
  PgJsonb: { sqlite: 'SQLiteTextJson', convert: null },
  PgBigInt53: { sqlite: 'SQLiteInteger', convert: null },
  PgInteger: { sqlite: 'SQLiteInteger', convert: null },
  PgDoublePrecision: { sqlite: 'SQLiteReal', convert: null },
  PgBoolean: { sqlite: 'SQLiteBoolean', convert: toBoolean },
};

/**
 * The Postgres sequences pls numbers a column from outside an identity, and the column whose
 * copied values each must continue past. A sequence the Postgres schema gains without an entry
 * here stops the copy, rather than being left to hand out numbers the copied rows already hold.
 */
const SEQUENCE_COLUMNS: Record<string, { table: string; column: string }> = {
  events_applied: { table: 'events', column: 'applied_seq' },
};

const SCHEMA_FILES = 'src/db/schema.ts and src/db/postgres/schema.ts';

function schemaMismatch(what: string): CopyError {
  return new CopyError(`the SQLite and Postgres schemas of this pls differ (${SCHEMA_FILES}): ${what}`);
}

/**
 * Every table and column of the SQLite schema with its Postgres twin, from the drizzle
 * definitions of both: a column added to one schema and not the other stops the copy here
 * instead of being left behind (test/unit/db/schema-parity.test.ts holds the two together too).
 */
export function copyPlan(): TablePlan[] {
  const sqliteTables = (Object.values(sqliteSchema) as unknown[])
    .filter((v): v is SQLiteTable => is(v, SQLiteTable))
    .map(sqliteTableConfig);
  const pgTables = new Map(
    (Object.values(pgSchema) as unknown[])
      .filter((v): v is PgTable => is(v, PgTable))
      .map((table) => [pgTableConfig(table).name, pgTableConfig(table)]),
  );
  const onlyInPg = [...pgTables.keys()].filter((name) => !sqliteTables.some((t) => t.name === name));
  if (onlyInPg.length > 0) throw schemaMismatch(`only Postgres has the table ${onlyInPg.join(', ')}`);
  for (const sequence of Object.values(pgSchema).filter(isPgSequence)) {
    if (!(sequence.seqName && sequence.seqName in SEQUENCE_COLUMNS))
      throw new CopyError(
        `the Postgres schema has the sequence ${sequence.seqName}, which db:copy does not know to set: add it to SEQUENCE_COLUMNS in src/cli/db-copy-command.ts`,
      );
  }

  return sqliteTables.map((sqliteTable) => {
    const pgTable = pgTables.get(sqliteTable.name);
    if (!pgTable) throw schemaMismatch(`only SQLite has the table ${sqliteTable.name}`);
    const pgColumns = new Map(pgTable.columns.map((column) => [column.name, column]));
    const onlyPg = pgTable.columns.filter((c) => !sqliteTable.columns.some((s) => s.name === c.name));
    if (onlyPg.length > 0)
      throw schemaMismatch(
        `only Postgres has ${onlyPg.map((c) => `${sqliteTable.name}.${c.name}`).join(', ')}`,
      );
    const columns = sqliteTable.columns.map((sqliteColumn): ColumnPlan => {
      const where = `${sqliteTable.name}.${sqliteColumn.name}`;
      const pgColumn = pgColumns.get(sqliteColumn.name);
      if (!pgColumn) throw schemaMismatch(`only SQLite has ${where}`);
      const conversion = CONVERSIONS[pgColumn.columnType];
      if (!conversion || conversion.sqlite !== sqliteColumn.columnType)
        throw new CopyError(
          `db:copy does not know how to copy ${where}, ${sqliteColumn.columnType} in SQLite and ${pgColumn.columnType} in Postgres: add the pair to CONVERSIONS in src/cli/db-copy-command.ts`,
        );
      return { name: pgColumn.name, pgType: pgColumn.getSQLType(), convert: conversion.convert };
    });
    const key =
      pgTable.primaryKeys[0]?.columns.map((c) => c.name) ??
      pgTable.columns.filter((c) => c.primary).map((c) => c.name);
    if (key.length === 0)
      throw schemaMismatch(`${sqliteTable.name} has no primary key to read it in order by`);
    return {
      name: sqliteTable.name,
      columns,
      key,
      identity: pgTable.columns.find((c) => c.generatedIdentity)?.name ?? null,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The source: a SQLite file, read-only

/**
 * Opens the SQLite file read-only and begins the read transaction every table is read in: one
 * snapshot, even if something still wrote to the file (README says to stop pls first; what it
 * writes after the snapshot is not copied). Refuses a file this pls's schema does not describe
 * exactly, since nothing is migrated here: the file is never written to.
 */
function openSource(path: string, plan: TablePlan[]): Database.Database {
  if (!existsSync(path)) throw new CopyError(`no SQLite database at ${path} (check --from)`);
  if (statSync(path).isDirectory()) throw new CopyError(`${path} is a directory, not a SQLite file`);
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new CopyError(`cannot open ${path}: ${(error as Error).message}`);
  }
  try {
    // A checkpoint of a pls still running holds the file for a moment; wait as pls does.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.exec('begin');
    checkSourceSchema(sqlite, path, plan);
    return sqlite;
  } catch (error) {
    sqlite.close();
    if (!(error instanceof Database.SqliteError)) throw error;
    if (error.code === 'SQLITE_NOTADB') throw new CopyError(`${path} is not a SQLite database`);
    throw new CopyError(`cannot read ${path} (${error.code}: ${error.message})`);
  }
}

/**
 * The file's migrations must be exactly this pls's: an older file lacks columns (and the data
 * migrations that fill them), a newer one may hold data in columns this code would not copy.
 * Then its tables must have exactly the schema's columns, whatever the migrations table says.
 */
function checkSourceSchema(sqlite: Database.Database, path: string, plan: TablePlan[]): void {
  const tables = new Set(
    sqlite.prepare<[], string>("select name from sqlite_master where type = 'table'").pluck().all(),
  );
  if (!tables.has('__drizzle_migrations'))
    throw new CopyError(`${path} is not a pls database (no migrations table)`);
  const applied = sqlite
    .prepare<[], number>('select created_at from __drizzle_migrations')
    .pluck()
    .all()
    .map(Number);
  const known = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const latestKnown = Math.max(0, ...known.map((m) => m.folderMillis));
  const unknown = applied.filter((at) => at > latestKnown).length;
  if (unknown > 0)
    throw new CopyError(
      `${path} was migrated by a newer version of pls (${plural(unknown, 'migration')} this code does not know): copy it with that version`,
    );
  const latestApplied = Math.max(0, ...applied);
  const pending = known.filter((m) => m.folderMillis > latestApplied).length;
  if (pending > 0)
    throw new CopyError(
      `${path} lacks ${plural(pending, 'migration')} of this pls: start this version of pls on it once (it migrates at start), stop it, then copy`,
    );
  const columnsOf = sqlite.prepare<[string], string>('select name from pragma_table_info(?)').pluck();
  for (const table of plan) {
    if (!tables.has(table.name))
      throw new CopyError(`${path} has no ${table.name} table: not a pls database`);
    const differences = differ(
      table.columns.map((c) => c.name),
      columnsOf.all(table.name),
    );
    if (differences)
      throw new CopyError(`${path}'s ${table.name} table is not as this pls knows it (${differences})`);
  }
}

/** What `actual` lacks and has beyond `expected`, in words; null when they are the same set. */
function differ(expected: readonly string[], actual: readonly string[]): string | null {
  const missing = expected.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !expected.includes(name));
  const parts = [
    missing.length > 0 ? `no column ${missing.join(', ')}` : '',
    extra.length > 0 ? `columns this pls does not know: ${extra.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : null;
}

/** The highest number AUTOINCREMENT has handed out for `table`, deleted rows included; 0 when none. */
function autoincrementMark(sqlite: Database.Database, table: string): bigint {
  const hasSequences = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'sqlite_sequence'")
    .get();
  if (!hasSequences) return 0n;
  const mark = sqlite
    .prepare<[string], bigint>('select seq from sqlite_sequence where name = ?')
    .pluck()
    .safeIntegers(true)
    .get(table);
  return mark ?? 0n;
}

// ---------------------------------------------------------------------------------------------
// The target: an empty Postgres database

/** A table name or column name in SQL, quoted (`trigger` and `until` are keywords somewhere). */
function quoted(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected identifier ${name}`);
  return `"${name}"`;
}

/** Which of pls's tables exist in the target and hold at least one row. */
async function tablesWithRows(db: pg.Pool | pg.PoolClient, plan: TablePlan[]): Promise<string[]> {
  const { rows: existing } = await db.query<{ name: string }>(
    'select name from unnest($1::text[]) as name where to_regclass(quote_ident(name)) is not null',
    [plan.map((t) => t.name)],
  );
  if (existing.length === 0) return [];
  const { rows } = await db.query<{ name: string }>(
    existing
      .map(({ name }) => `select '${name}' as name where exists (select 1 from ${quoted(name)})`)
      .join(' union all '),
  );
  return rows.map((row) => row.name);
}

function refuseNonEmpty(target: string, withRows: string[], changed: string): void {
  if (withRows.length === 0) return;
  throw new CopyError(
    `${target} is not empty (${withRows.join(', ')} ${withRows.length === 1 ? 'has' : 'have'} rows): db:copy copies only into an empty database; ${changed}`,
  );
}

/**
 * The target's tables must have exactly this pls's columns: a target migrated by a newer pls
 * has columns the copy would leave at their defaults.
 */
async function checkTargetSchema(client: pg.PoolClient, target: string, plan: TablePlan[]): Promise<void> {
  const { rows } = await client.query<{ table: string; column: string }>(
    `select table_name as table, column_name as column from information_schema.columns
      where table_schema = current_schema() and table_name = any($1)`,
    [plan.map((t) => t.name)],
  );
  for (const table of plan) {
    const differences = differ(
      table.columns.map((c) => c.name),
      rows.filter((row) => row.table === table.name).map((row) => row.column),
    );
    if (differences)
      throw new CopyError(
        `${target}'s ${table.name} table is not as this pls knows it (${differences}): was it migrated by a newer pls?`,
      );
  }
}

/**
 * `insert … select * from unnest($1::bigint[], $2::text[], …)`: one parameter per column
 * whatever the batch's size, each value typed by its column. Identity columns take SQLite's
 * numbers as they are (`overriding system value`).
 */
function insertSql(table: TablePlan): string {
  const names = table.columns.map((c) => quoted(c.name)).join(', ');
  const arrays = table.columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
  const overriding = table.identity ? ' overriding system value' : '';
  return `insert into ${quoted(table.name)} (${names})${overriding} select * from unnest(${arrays})`;
}

/** `events seq 4711`, `account_users account_id acct_1, user_id u_7`: a row as an error names it. */
function describeRow(table: TablePlan, row: readonly unknown[]): string {
  const key = table.key.map(
    (name) => `${name} ${String(row[table.columns.findIndex((c) => c.name === name)])}`,
  );
  return `${table.name} ${key.join(', ')}`;
}

function convertRow(table: TablePlan, row: unknown[]): unknown[] {
  table.columns.forEach((column, i) => {
    if (!column.convert) return;
    try {
      row[i] = column.convert(row[i]);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new CopyError(`${describeRow(table, row)}: ${column.name} ${error.message}; nothing was copied`);
    }
  });
  return row;
}

/** A statement Postgres refused over the values it was given (class 22, data; 23, integrity). */
function isRowError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError && /^2[23]/.test(error.code ?? '');
}

function pgReason(error: pg.DatabaseError): string {
  return error.detail ? `${error.message} (${error.detail})` : error.message;
}

/**
 * Inserts one batch. A batch Postgres refuses over its values is inserted again one row at a
 * time, to name the row: the transaction is lost either way, but "events seq 4711: …" can be
 * fixed where "a batch of 1,000 events" cannot.
 */
async function insertBatch(
  client: pg.PoolClient,
  table: TablePlan,
  sql: string,
  batch: unknown[][],
): Promise<void> {
  const asColumns = (rows: unknown[][]) => table.columns.map((_, i) => rows.map((row) => row[i]));
  await client.query('savepoint batch');
  try {
    await client.query(sql, asColumns(batch));
  } catch (error) {
    if (!isRowError(error)) throw error;
    await client.query('rollback to savepoint batch');
    for (const row of batch) {
      try {
        await client.query(sql, asColumns([row]));
      } catch (rowError) {
        if (!isRowError(rowError)) throw rowError;
        throw new CopyError(`${describeRow(table, row)}: ${pgReason(rowError)}; nothing was copied`);
      }
    }
    const [first, last] = [batch[0]!, batch.at(-1)!];
    throw new CopyError(
      `${describeRow(table, first)} to ${describeRow(table, last)}: ${pgReason(error)}; nothing was copied`,
    );
  }
  await client.query('release savepoint batch');
}

/**
 * Streams one table across, `batchSize` rows per statement: SQLite's rows are iterated, never
 * all read, so a table of any size copies in bounded memory. Integers come out as bigints, so
 * a 64-bit value is copied exactly. Returns how many rows were copied.
 */
async function copyTable(
  client: pg.PoolClient,
  sqlite: Database.Database,
  table: TablePlan,
  batchSize: number,
): Promise<number> {
  const select = sqlite
    .prepare(
      `select ${table.columns.map((c) => quoted(c.name)).join(', ')} from ${quoted(table.name)}
        order by ${table.key.map(quoted).join(', ')}`,
    )
    .raw(true)
    .safeIntegers(true);
  const insert = insertSql(table);
  let copied = 0;
  let batch: unknown[][] = [];
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    batch.push(convertRow(table, row));
    if (batch.length < batchSize) continue;
    await insertBatch(client, table, insert, batch);
    copied += batch.length;
    batch = [];
  }
  if (batch.length > 0) await insertBatch(client, table, insert, batch);
  return copied + batch.length;
}

/**
 * Sets every sequence past the numbers the copied rows hold, so the next event, outbox row or
 * audit row is numbered after them. An identity continues past SQLite's AUTOINCREMENT mark
 * when that is higher (rows deleted at the end, by an erasure): an outbox seq travels in Slack
 * message metadata, and a number handed out twice would match an old post.
 */
async function continueSequences(client: pg.PoolClient, sqlite: Database.Database, plan: TablePlan[]) {
  for (const table of plan) {
    if (!table.identity) continue;
    await client.query(
      `select setval(pg_get_serial_sequence($1, $2), greatest(coalesce(max(${quoted(table.identity)}), 0), $3::bigint) + 1, false)
         from ${quoted(table.name)}`,
      [table.name, table.identity, autoincrementMark(sqlite, table.name)],
    );
  }
  for (const [sequence, { table, column }] of Object.entries(SEQUENCE_COLUMNS)) {
    await client.query(
      `select setval($1, coalesce(max(${quoted(column)}), 0) + 1, false) from ${quoted(table)}`,
      [sequence],
    );
  }
}

export interface CopyReport {
  /** Each table with the rows copied into it, in the order they were copied. */
  tables: { name: string; rows: number }[];
  /** The target as messages name it, without credentials. */
  target: string;
  ms: number;
}

/**
 * Copies the SQLite file at `from` into the Postgres database at `to`, which must be empty
 * (pls's tables may exist, as a pls started on it leaves them, but hold no row):
 * 1. the file is opened read-only and checked against this pls's schema;
 * 2. the target is checked for rows *before* its migrations are applied, so a refused target is
 *    left exactly as it was;
 * 3. in one transaction (`inOneTransaction`) the target is checked again, every table is copied
 *    and the sequences are set; then the new rows are analysed for the planner.
 * Throws `CopyError` with a one-line reason; the target then holds nothing of the copy.
 */
export async function copyDatabase(
  from: string,
  to: string,
  options: { batchSize?: number; onTable?: (name: string, rows: number) => void } = {},
): Promise<CopyReport> {
  const started = performance.now();
  const plan = copyPlan();
  const target = postgresLocation(to);
  const sqlite = openSource(from, plan);
  const pool = openPool(to, 1);
  // An idle connection the server drops is reported by the next statement, not thrown here.
  pool.on('error', () => undefined);
  try {
    refuseNonEmpty(target, await tablesWithRows(pool, plan), 'nothing was changed');
    await migratePostgres(pool);
    const tables = await inOneTransaction(pool, plan, async (client) => {
      await checkTargetSchema(client, target, plan);
      refuseNonEmpty(target, await tablesWithRows(client, plan), 'nothing was copied');
      const copied: CopyReport['tables'] = [];
      for (const table of plan) {
        const rows = await copyTable(client, sqlite, table, options.batchSize ?? 1000);
        copied.push({ name: table.name, rows });
        options.onTable?.(table.name, rows);
      }
      await continueSequences(client, sqlite, plan);
      return copied;
    });
    // Tables just filled have no statistics until autovacuum gets to them, and pls's first
    // queries would be planned blind. Best effort: the copy is committed either way.
    await pool.query(`analyze ${plan.map((t) => quoted(t.name)).join(', ')}`).catch(() => undefined);
    return { tables, target, ms: performance.now() - started };
  } catch (error) {
    throw asCopyError(error, from, target);
  } finally {
    await pool.end();
    sqlite.close();
  }
}

/** The connection was lost during COMMIT: whether the copy happened is not known. */
class CommitLost extends Error {}

/**
 * `work` in one transaction on one connection, with pls's tables locked against writers first:
 * a pls started on the target meanwhile waits for the copy, and a copy that cannot have the
 * tables within 10 s gives up. Readers are not held. A connection that failed is destroyed, not
 * given back to the pool.
 */
async function inOneTransaction<T>(
  pool: pg.Pool,
  plan: TablePlan[],
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A connection lost between statements: the next statement fails, naming it.
  client.on('error', () => undefined);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    await client.query("set local lock_timeout = '10s'");
    await client.query(`lock table ${plan.map((t) => quoted(t.name)).join(', ')} in exclusive mode`);
    const result = await work(client);
    await client.query('commit').catch((error: unknown) => {
      throw isPgStorageFailure(error) ? new CommitLost('commit lost', { cause: error }) : error;
    });
    return result;
  } catch (error) {
    if (isPgStorageFailure(error) || error instanceof CommitLost) broken = error as Error;
    else await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** A failure at either end in one line; anything else is a bug, and keeps its stack. */
function asCopyError(error: unknown, from: string, target: string): unknown {
  if (error instanceof CopyError) return error;
  const nothing = 'nothing was copied';
  if (error instanceof CommitLost)
    return new CopyError(
      `lost Postgres at ${target} while committing the copy (${pgErrorReason(error.cause)}): run it again, which copies if nothing was and refuses the target if it holds the rows`,
    );
  // invalid_catalog_name: the server answers, the database is not there.
  if (pgErrorCode(error) === '3D000') return new CopyError(`no database at ${target} (check --to)`);
  // lock_not_available: something kept pls's tables past the lock timeout.
  if (pgErrorCode(error) === '55P03')
    return new CopyError(
      `pls's tables at ${target} stayed in use by another connection for 10 s (is pls running on it? stop it first); ${nothing}`,
    );
  // What the server said (authentication, permissions, a full disk, a shutdown): its message,
  // never the URL's.
  if (error instanceof pg.DatabaseError)
    return new CopyError(`Postgres at ${target}: ${pgReason(error)}; ${nothing}`);
  if (isPgStorageFailure(error))
    return new CopyError(`cannot reach Postgres at ${target} (${pgErrorReason(error)}); ${nothing}`);
  if (error instanceof Database.SqliteError)
    return new CopyError(`cannot read ${from} (${error.code}: ${error.message}); ${nothing}`);
  return error;
}

// ---------------------------------------------------------------------------------------------
// The command

const USAGE = `usage: npm run db:copy -- --from file:<sqlite path> --to postgres://user:password@host:5432/pls
Copies a SQLite pls database into an empty Postgres one, in one transaction: every table and
column, with the sequences set past the copied rows. Stop pls first. The SQLite file is only
read; a target with any rows is refused and left as it was. Then start pls with DATABASE_URL
set to the Postgres URL.`;

export interface CopyIo {
  output: Writable;
  errors: Writable;
}

/**
 * `npm run db:copy` (src/cli/db-copy.ts). Exit 0 = copied, 1 = nothing copied (refused, missing
 * file, unreachable or failing Postgres, a row Postgres would not take), 2 = usage.
 */
export async function runDbCopy(args: readonly string[], io: CopyIo): Promise<number> {
  const parsed = requestOrExit(() => parseRequest(args), USAGE, io);
  if ('exit' in parsed) return parsed.exit;
  const { request } = parsed;
  try {
    const report = await copyDatabase(request.from, request.to, {
      onTable: (name, rows) => io.output.write(`${name}: ${plural(rows, 'row')}\n`),
    });
    const rows = report.tables.reduce((sum, table) => sum + table.rows, 0);
    io.output.write(
      `copied ${plural(rows, 'row')} of ${plural(report.tables.length, 'table')} from ${request.from} to ${report.target} in ${(report.ms / 1000).toFixed(1)} s; start pls with DATABASE_URL set to it\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof CopyError)) throw error;
    io.errors.write(`${error.message}\n`);
    return 1;
  }
}

function parseRequest(args: readonly string[]): { from: string; to: string } | 'help' {
  const flags = parseFlags(args, { values: ['from', 'to'], switches: ['help'] });
  if (flags.has('help')) return 'help';
  const from = flags.get('from');
  const to = flags.get('to');
  if (typeof from !== 'string') throw new UsageError('name the SQLite database with --from file:<path>');
  if (typeof to !== 'string')
    throw new UsageError('name the Postgres database with --to postgres://user:password@host:5432/pls');
  if ((databaseOf(to) as { engine?: string }).engine !== 'postgres')
    // Not echoed: a database URL may carry a password.
    throw new UsageError(
      '--to must be a Postgres URL like postgres://user:password@host:5432/pls (the value given is not; it is not shown here)',
    );
  return { from: sqlitePathOf(from), to };
}

/** `file:./data/pls.db` → `./data/pls.db`, `file:///srv/pls.db` → `/srv/pls.db`, as DATABASE_URL reads them. */
function sqlitePathOf(url: string): string {
  const wrong = () =>
    new UsageError(`--from must be a SQLite file URL like file:./data/pls.db, got "${url}"`);
  if (!url.startsWith('file:') || url.length === 'file:'.length) throw wrong();
  if (!url.startsWith('file://')) return url.slice('file:'.length);
  try {
    return fileURLToPath(url);
  } catch {
    throw wrong();
  }
}
