import { getTableColumns, type InferSelectModel, type Table } from 'drizzle-orm';

/**
 * A table's columns as the Postgres repositories write SQL with them: each model key's column
 * name, and whether it holds JSON (sent as text and cast, so an array is never taken for a
 * Postgres array and a null stays SQL null).
 */
export function tableColumns<T extends Table>(table: T) {
  const byKey = new Map(
    Object.entries(getTableColumns(table)).map(([key, column]) => [
      key,
      { name: column.name, json: column.columnType === 'PgJsonb' },
    ]),
  );

  /** `select *`'s row (snake_case) as the table's model (camelCase), the way drizzle returns it. */
  function decode(raw: Record<string, unknown> | undefined): InferSelectModel<T> | null {
    if (!raw) return null;
    const row: Record<string, unknown> = {};
    for (const [key, { name }] of byKey) row[key] = raw[name] ?? null;
    return row as InferSelectModel<T>;
  }

  /** A parameter for the column at `key`: JSON as text, the rest as is. */
  function param(key: string, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    return byKey.get(key)?.json ? JSON.stringify(value) : value;
  }

  /**
   * `name = $n, …` for every key of `values` that is not undefined (as drizzle skips them),
   * appending the parameters to `params`.
   */
  function assignments(values: Record<string, unknown>, params: unknown[]): string {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const column = byKey.get(key);
      if (!column) throw new Error(`no column for ${key}`);
      params.push(param(key, value));
      parts.push(`${column.name} = $${params.length}${column.json ? '::jsonb' : ''}`);
    }
    return parts.join(', ');
  }

  /** `(names) values ($n, …)` for an insert of `values`. */
  function insertion(values: Record<string, unknown>, params: unknown[]): string {
    const names: string[] = [];
    const slots: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const column = byKey.get(key);
      if (!column) throw new Error(`no column for ${key}`);
      params.push(param(key, value));
      names.push(column.name);
      slots.push(`$${params.length}${column.json ? '::jsonb' : ''}`);
    }
    return `(${names.join(', ')}) values (${slots.join(', ')})`;
  }

  return { decode, assignments, insertion };
}
