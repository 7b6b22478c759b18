import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach } from 'vitest';
import { MIGRATIONS_FOLDER, openConnection } from '../../src/db/sqlite/client.js';

/**
 * A SQLite database migrated up to, not including, migration `tag` ('0020'): a data migration's
 * test gives it rows as the older pls wrote them, then migrates on with MIGRATIONS_FOLDER. The
 * directories go after each test.
 */
export function useDatabaseBefore(prefix: string): (tag: string) => ReturnType<typeof openConnection> {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (tag) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    const older = join(dir, 'migrations');
    cpSync(MIGRATIONS_FOLDER, older, { recursive: true });
    const journalPath = join(older, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((entry) => entry.tag < tag);
    writeFileSync(journalPath, JSON.stringify(journal));
    const db = openConnection(join(dir, 'pls.db'));
    migrate(db, { migrationsFolder: older });
    return db;
  };
}
