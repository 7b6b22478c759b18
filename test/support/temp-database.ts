import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { closeDatabase, type Db, openDatabase } from '../../src/db/sqlite/client.js';

/**
 * A fresh SQLite file with pls's migrations applied, in its own temp dir, for each test of the
 * file that calls this; closed and removed after each test. Read `db` and `dir` inside tests.
 */
export function useTempDatabase(prefix = 'pls-test-'): { readonly db: Db; readonly dir: string } {
  let current: { db: Db; dir: string } | null = null;
  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    current = { dir, db: openDatabase(join(dir, 'pls.db')) };
  });
  afterEach(() => {
    if (!current) return;
    closeDatabase(current.db);
    rmSync(current.dir, { recursive: true, force: true });
    current = null;
  });
  const now = () => {
    if (!current) throw new Error('useTempDatabase: read db and dir inside a test');
    return current;
  };
  return {
    get db() {
      return now().db;
    },
    get dir() {
      return now().dir;
    },
  };
}
