import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import * as schema from '../schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** The SQL migrations this code ships (drizzle-kit's output). */
export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations');

/**
 * Opens (creating on first start) the SQLite file and applies pending migrations.
 *
 * WAL lets readers (commands, reports) run beside the single writer. `synchronous = FULL`
 * fsyncs the WAL on every commit: a 2xx from ingest promises the events are on disk, which
 * NORMAL only guarantees against a process crash, not a power loss.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') createFolder(dirname(resolve(path)));
  const db = openConnection(path);
  try {
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    closeDatabase(db);
    throw error;
  }
  return db;
}

/**
 * `mkdir -p`, one level at a time: Node 20's `mkdirSync(…, { recursive: true })` never returns
 * for a folder under /proc (`file:/proc/nope/pls.db` hung start-up instead of failing it).
 */
function createFolder(folder: string): void {
  const missing: string[] = [];
  for (let current = folder; !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Why the SQLite file at `path` could not be opened, in a few words for the start-up line
 * (README, "Environment"); null when the failure is not about the file itself.
 */
export function openFailure(error: unknown, path: string): string | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const reason = (error as Error).message.split('\n')[0];
  if (error instanceof Database.SqliteError) {
    if (code === 'SQLITE_NOTADB') return `${path} is not a SQLite database`;
    if (code === 'SQLITE_CANTOPEN' && isFolder(path)) return `${path} is a directory, not a SQLite file`;
    if (code === 'SQLITE_CANTOPEN')
      return `cannot open ${path} (${reason}: check the folder exists and is writable)`;
    if (isStorageFailure(error)) return `cannot use ${path} (${code}: ${reason})`;
    return null;
  }
  // The folder could not be created: mkdir's own words (ENOENT, EACCES, EROFS, ENOTDIR) say why.
  if (code.startsWith('E')) return `cannot create the folder of ${path} (${reason})`;
  return null;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Another connection to a database `openDatabase` opened (and migrated), with the same settings. */
export function openConnection(path: string): Db {
  const sqlite = new Database(path);
  configureConnection(sqlite);
  return drizzle({ client: sqlite, schema });
}

/** The settings every pls connection runs with (see `openDatabase`). */
export function configureConnection(sqlite: Database.Database): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
}

/** How many migrations this code ships: read once, not on every readiness probe. */
let shippedMigrations: number | null = null;

/** Whether every migration this code ships has been applied to the open database (GET /readyz). */
export function migrationsApplied(db: Db): boolean {
  if (!db.$client.open) return false;
  shippedMigrations ??= readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
  const row = db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
  return row.n >= shippedMigrations;
}

/**
 * Runs `work` (which commits) without an fsync per commit: `synchronous = NORMAL` for its
 * duration, then FULL again. Two uses:
 * - Writes derived from ones already on disk — scoring state, alert and outbox rows computed
 *   from stored events, the record of a Slack call's answer. A kill -9 loses none of them (the
 *   WAL is in the OS's cache); a power loss can lose the last ones, which re-runs their work:
 *   events stay pending until their turn's commit survives. Nothing derived reaches Slack first:
 *   the outbox sender waits for a WAL sync before each round of calls, and each post's attempt
 *   is itself a FULL commit.
 * - Ingest's group commit, whose requests are answered only after an fdatasync of the WAL
 *   (src/db/sqlite/wal-sync.ts). Either sync covers every frame written before it: it syncs the whole
 *   WAL file, and a restart of the WAL only overwrites frames a checkpoint has already copied
 *   into the database file and synced there.
 */
export function withoutFsync<T>(db: Db, work: () => T): T {
  // Not a statement prepared once: SQLite applies this pragma when it compiles it. exec, not
  // pragma(): it skips building a result (1.8 µs for the pair instead of 7.6, once a commit).
  db.$client.exec('PRAGMA synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.$client.exec('PRAGMA synchronous = FULL');
  }
}

/**
 * Whether SQLite failed as storage — locked past the busy timeout, full, read-only, I/O,
 * corrupt — rather than over what a statement asked: a retry later can succeed, and no row is
 * to blame for it.
 */
export function isStorageFailure(error: unknown): boolean {
  if (!(error instanceof Database.SqliteError)) return false;
  return STORAGE_FAILURES.some((code) => error.code === code || error.code.startsWith(`${code}_`));
}

const STORAGE_FAILURES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CORRUPT',
  'SQLITE_CANTOPEN',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
];

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}
