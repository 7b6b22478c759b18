import { getTableColumns, type InferSelectModel, type Table } from 'drizzle-orm';

/**
 * Turns a raw better-sqlite3 row (`select *`) into the table's select model — what drizzle's
 * `select()` returns — with drizzle's own column decoders (JSON parsed, booleans, …). For hot
 * lookups: a drizzle prepared `.get()` spent ~20 µs a call in its own machinery, even when no
 * row matched; a raw prepared `get` plus this takes 3–8 µs (BENCHMARKS.md).
 */
export function rowDecoder<T extends Table>(table: T) {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => ({
    key,
    name: column.name,
    decode: (value: unknown) => column.mapFromDriverValue(value),
  }));
  return (raw: unknown): InferSelectModel<T> | null => {
    if (raw === undefined || raw === null) return null;
    const source = raw as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const { key, name, decode } of columns) {
      const value = source[name];
      row[key] = value === null || value === undefined ? null : decode(value);
    }
    return row as InferSelectModel<T>;
  };
}
