import { is } from 'drizzle-orm';
import { PgTable, getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import { SQLiteTable, getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pg from '../../../src/db/postgres/schema.js';
import * as sqlite from '../../../src/db/schema.js';

/** Each table's columns (name, nullable, has a default) and index names, as one engine declares them. */
function shape(
  configs: {
    name: string;
    columns: { name: string; notNull: boolean; hasDefault: boolean }[];
    indexes: { config: { name?: string; unique: boolean } }[];
  }[],
) {
  return Object.fromEntries(
    configs.map((table) => [
      table.name,
      {
        columns: table.columns
          .map((c) => `${c.name}${c.notNull ? ' not null' : ''}${c.hasDefault ? ' default' : ''}`)
          .sort(),
        indexes: table.indexes.map((i) => `${i.config.unique ? 'unique ' : ''}${i.config.name}`).sort(),
      },
    ]),
  );
}

describe('the Postgres schema', () => {
  it('has the SQLite schema’s tables, columns, nullability, defaults and indexes', () => {
    const sqliteTables = (Object.values(sqlite) as unknown[])
      .filter((v): v is SQLiteTable => is(v, SQLiteTable))
      .map(sqliteConfig);
    const pgTables = (Object.values(pg) as unknown[])
      .filter((v): v is PgTable => is(v, PgTable))
      .map(pgConfig);
    expect(sqliteTables.length).toBeGreaterThanOrEqual(8);
    // A generated key (SQLite's rowid alias, Postgres's identity) is a default or not by dialect;
    // so is an integer primary key (`daily_ticks.day`), a rowid alias on SQLite.
    const generatedKey = (c: string) =>
      c === 'seq not null default' || c === 'day not null default' ? c.replace(' default', '') : c;
    const [pgShape, sqliteShape] = [shape(pgTables as never), shape(sqliteTables as never)];
    for (const table of [...Object.values(pgShape), ...Object.values(sqliteShape)])
      table.columns = table.columns.map(generatedKey);
    expect(pgShape).toEqual(sqliteShape);
  });
});
