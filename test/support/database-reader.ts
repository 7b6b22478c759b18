import Database from 'better-sqlite3';
import pg from 'pg';
import type { Engine } from './engines.js';

/**
 * What a test reads the app's database with: a connection of its own (what is committed, not
 * what the app holds in memory), and rows that look the same on both engines. Tests write
 * SQLite's dialect (`?` parameters, `json_extract(col, '$.a')`); on Postgres the reader
 * rewrites it, and returns booleans as 1/0, JSON as its text and bigints as numbers, the way
 * SQLite returns them.
 */
export interface DatabaseReader {
  query<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  /**
   * Runs `sql` once for each list of parameters, all in one transaction: rows a test plants as
   * an earlier run or an old version would have left them.
   */
  write(sql: string, rows: unknown[][]): Promise<void>;
  close(): Promise<void>;
}

/** `DATABASE_URL` as the app gets it: `file:<path>` or `postgres://…`. */
export function openReader(engine: Engine, databaseUrl: string): DatabaseReader {
  return engine === 'postgres'
    ? postgresReader(databaseUrl)
    : sqliteReader(databaseUrl.replace(/^file:/, ''));
}

function sqliteReader(path: string): DatabaseReader {
  return {
    async query<T>(sql: string, ...params: unknown[]) {
      return readFile<T>(path, sql, ...params);
    },
    async write(sql, rows) {
      const db = new Database(path);
      try {
        db.pragma('busy_timeout = 5000');
        const statement = db.prepare(sql);
        db.transaction(() => {
          for (const params of rows) statement.run(...params);
        })();
      } finally {
        db.close();
      }
    },
    async close() {},
  };
}

/** Reads a SQLite file through a connection of its own, opened for this one statement. */
export function readFile<T>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const AS_SQLITE_RETURNS: pg.CustomTypesConfig = {
  getTypeParser(oid, format) {
    switch (oid) {
      case pg.types.builtins.INT8:
        return (value: string) => Number(value);
      case pg.types.builtins.BOOL:
        return (value: string) => (value === 't' ? 1 : 0);
      case pg.types.builtins.JSON:
      case pg.types.builtins.JSONB:
        return (value: string) => value;
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
};

function postgresReader(url: string): DatabaseReader {
  const pool = new pg.Pool({ connectionString: url, max: 2, types: AS_SQLITE_RETURNS });
  // The test drops the database when it ends, which ends these connections: not a failure.
  pool.on('error', () => {});
  return {
    async query<T>(sql: string, ...params: unknown[]) {
      const result = await pool.query(toPostgres(sql), params);
      return result.rows as T[];
    },
    async write(sql, rows) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        for (const params of rows) await client.query(toPostgres(sql), params);
        await client.query('commit');
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** SQLite's dialect as the tests write it, in Postgres's. */
export function toPostgres(sql: string): string {
  let n = 0;
  return sql
    .replace(/\?/g, () => `$${++n}`)
    .replace(/json_extract\((\w+),\s*'\$\.(\w+)'\)/g, "($1 #>> '{$2}')")
    .replace(/\bas ([a-z]+[A-Z]\w*)/g, 'as "$1"');
}
