import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { StorageError, type Store, type Unit } from '../store.js';
import { isPgStorageFailure, pgErrorReason } from './client.js';

/**
 * What the Postgres repositories run their statements on: inside a unit of work, the unit's own
 * connection (its transaction); outside, any connection of the pool (each statement sees what
 * was committed when it started).
 */
export interface PgSession {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** The same, each row an array in the statement's column order (no object built per row). */
  rows(text: string, params?: unknown[]): Promise<unknown[][]>;
}

export interface PgStore extends Store {
  session: PgSession;
}

interface UnitContext {
  client: pg.PoolClient;
  hooks: Set<() => void>;
  unit: Unit;
  /** Set by the first statement that found Postgres unreachable: the unit's transaction is over. */
  broken?: StorageError;
}

/**
 * The store port on Postgres. A unit of work is a transaction on a connection of its own, taken
 * from the pool for the unit and given back when it ends, so units of this instance and of every
 * other run side by side; the repositories find the unit's connection through an async context.
 * Isolation is READ COMMITTED: every state change is a compare-and-set on the row as its caller
 * read it, so a unit that lost a race finds no row to change instead of overwriting (src/db/store.ts).
 * A unit that Postgres chose as a deadlock's victim, or that failed to serialise, is run again
 * (its writes were rolled back whole, and a unit calls nothing outside the store while open).
 * A commit is durable when COMMIT returns (`synchronous_commit` on, Postgres's default), so a
 * durable unit waits for nothing more.
 */
export function createPgStore(deps: {
  pool: pg.Pool;
  onHookError?: (error: unknown) => void;
  /** Told of every statement that found Postgres unreachable (for /readyz). */
  onUnavailable?: (error: StorageError) => void;
  /** Leases on the instance's own connection (src/db/postgres/instance-connection.ts). */
  lease: Store['lease'];
}): PgStore {
  const { pool } = deps;
  /**
   * Postgres unreachable, failing over or out of connections becomes the port's StorageError
   * (ingest answers 503 with Retry-After; a click is told to try again); a statement's own
   * fault is rethrown as it is.
   */
  const asStorageError = (error: unknown): never => {
    if (error instanceof StorageError) throw error;
    if (!isPgStorageFailure(error)) throw error;
    const reason = pgErrorReason(error);
    const failure = new StorageError(`Postgres is unavailable (${reason})`, { cause: error });
    deps.onUnavailable?.(failure);
    throw failure;
  };
  const context = new AsyncLocalStorage<UnitContext>();
  let savepoints = 0;

  /** `asStorageError`, and a storage failure inside a unit marks the unit broken (`active()`). */
  const failed =
    (current: UnitContext | undefined) =>
    (error: unknown): never => {
      try {
        return asStorageError(error);
      } catch (converted) {
        if (current && converted instanceof StorageError) current.broken ??= converted;
        throw converted;
      }
    };

  const session: PgSession = {
    query(text, params) {
      const current = context.getStore();
      return (current ? current.client : pool).query(text, params).catch(failed(current));
    },
    async rows(text, params) {
      const current = context.getStore();
      const result = await (current ? current.client : pool)
        .query<unknown[]>({ text, values: params, rowMode: 'array' })
        .catch(failed(current));
      return result.rows;
    },
  };

  async function savepoint<T>(client: pg.PoolClient, work: () => T | Promise<T>): Promise<T> {
    const name = `unit_${++savepoints}`;
    await client.query(`savepoint ${name}`).catch(asStorageError);
    try {
      const value = await work();
      await client.query(`release savepoint ${name}`).catch(asStorageError);
      return value;
    } catch (error) {
      await client.query(`rollback to savepoint ${name}`).catch(() => undefined);
      throw error;
    }
  }

  async function attempt<T>(work: (unit: Unit) => T | Promise<T>, hooks: Set<() => void>): Promise<T> {
    const client = await pool.connect().catch(asStorageError);
    let broken: Error | undefined;
    try {
      const unit: Unit = {
        afterCommit: (hook) => hooks.add(hook),
        savepoint: (inner) => savepoint(client, inner),
        active: () => broken === undefined && ctx.broken === undefined,
      };
      const ctx: UnitContext = { client, hooks, unit };
      await client.query('begin').catch(asStorageError);
      try {
        const value = await context.run(ctx, () => work(unit));
        await client.query('commit').catch(asStorageError);
        return value;
      } catch (error) {
        if (error instanceof StorageError || ctx.broken) broken = ctx.broken ?? (error as StorageError);
        await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      }
    } finally {
      // A connection that failed is closed rather than handed to the next unit.
      client.release(broken);
    }
  }

  return {
    session,

    async unit(work, _options) {
      const outer = context.getStore();
      if (outer) return savepoint(outer.client, () => work(outer.unit));
      for (let tries = 1; ; tries++) {
        const hooks = new Set<() => void>();
        try {
          const result = await attempt(work, hooks);
          for (const hook of hooks) {
            try {
              hook();
            } catch (error) {
              deps.onHookError?.(error);
            }
          }
          return result;
        } catch (error) {
          if (tries < RETRIES && RETRY_CODES.has((error as { code?: string }).code ?? '')) continue;
          throw error;
        }
      }
    },

    async read(work) {
      return work();
    },

    afterCommit(hook) {
      const current = context.getStore();
      if (current) current.hooks.add(hook);
      else hook();
    },

    async durable() {},

    isStorageFailure: (error) => error instanceof StorageError || isPgStorageFailure(error),

    lease: deps.lease,
  };
}

/** Deadlock victim, serialization failure: the unit rolled back whole and may run again. */
const RETRY_CODES = new Set(['40P01', '40001']);
const RETRIES = 5;
