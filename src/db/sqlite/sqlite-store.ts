import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store, Unit } from '../store.js';
import { type Db, isStorageFailure } from './client.js';
import type { WalSync } from './wal-sync.js';
import type { WriteTurns } from './write-turns.js';

/**
 * The store port on SQLite (better-sqlite3, synchronous, one connection per thread). The
 * connection cannot keep one transaction apart from another, so the adapter runs one unit of
 * work at a time: a unit waits for the one before it, takes the thread's write turn (the scoring
 * thread writes the same file on a connection of its own, so the two take turns:
 * src/db/sqlite/write-turns.ts), opens an IMMEDIATE transaction — it reads before it writes, and
 * a deferred transaction whose snapshot the other connection moved past could not take the write
 * lock — and keeps both across its awaits until it commits or rolls back. A read outside a unit
 * waits its turn in the same line, so it sees only committed state. Repositories are called only
 * inside a unit or a read (`inside()` tells them; src/db/sqlite/sqlite-storage.ts checks it).
 *
 * Every unit commits with `synchronous = NORMAL` (no fsync inside COMMIT, on the event loop); a
 * durable one then waits for an fdatasync of the WAL on the thread pool, shared with every other
 * commit waiting for one (group commit, src/db/sqlite/wal-sync.ts). That fsync covers every frame
 * written before it, so a derived unit committed without waiting is on disk after the next one.
 */
export interface SqliteStore extends Store {
  /**
   * Runs `write` (synchronous, with its own transaction) in the units' line, holding the write
   * turn: ingest's group commit and the checkpointer's finishing checkpoint.
   */
  exclusive<T>(write: () => T): Promise<T>;
  /** Whether the caller runs inside a unit or a read of this store. */
  inside(): boolean;
}

type Context = { kind: 'read' } | { kind: 'unit'; hooks: Set<() => void>; unit: Unit; durable: boolean };

export function createSqliteStore(deps: {
  db: Db;
  /** The WAL's syncs; none on the scoring thread, whose units are all derived. */
  wal?: WalSync;
  turns: WriteTurns;
  /**
   * Whose write turn a unit takes: the main thread's (waiting without holding the event loop),
   * or the scoring thread's (src/db/sqlite/scoring-worker.ts: it has nothing else to serve, and
   * ends its turn after the event it is on when the main thread waits).
   */
  thread?: 'main' | 'scoring';
  /** Told of an after-commit hook that threw (the unit itself committed). */
  onHookError?: (error: unknown) => void;
}): SqliteStore {
  const { db, wal, turns } = deps;
  const sqlite = db.$client;
  const context = new AsyncLocalStorage<Context>();
  const holdTurn = deps.thread === 'scoring' ? async () => turns.holdScoring() : () => turns.holdMain();
  let savepoints = 0;

  /** The line every unit, read and exclusive write waits in: one at a time on this connection. */
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  function inLine<T>(work: () => Promise<T>): Promise<T> {
    queued++;
    const turn = tail.then(work).finally(() => queued--);
    tail = turn.catch(() => undefined);
    return turn;
  }

  async function savepoint<T>(work: () => T | Promise<T>): Promise<T> {
    const name = `unit_${++savepoints}`;
    sqlite.exec(`SAVEPOINT ${name}`);
    try {
      const value = await work();
      sqlite.exec(`RELEASE ${name}`);
      return value;
    } catch (error) {
      // Some failures (SQLITE_FULL, I/O) end the whole transaction: then there is nothing to undo.
      if (sqlite.inTransaction) sqlite.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    }
  }

  async function transaction<T>(work: () => T | Promise<T>): Promise<T> {
    const release = await holdTurn();
    try {
      sqlite.exec('PRAGMA synchronous = NORMAL');
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        try {
          const value = await work();
          sqlite.exec('COMMIT');
          return value;
        } catch (error) {
          if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
          throw error;
        }
      } finally {
        sqlite.exec('PRAGMA synchronous = FULL');
      }
    } finally {
      release();
    }
  }

  const leased = new Set<string>();
  return {
    async unit(work, options) {
      const outer = context.getStore();
      if (outer?.kind === 'unit') {
        // A unit inside a unit is a savepoint of it, and makes it durable if it must be.
        outer.durable ||= options.durable;
        return savepoint(() => work(outer.unit));
      }
      if (outer) throw new Error('a unit of work cannot start inside a read');
      if (options.durable && !wal) throw new Error('a durable unit needs the WAL sync of the main thread');
      const hooks = new Set<() => void>();
      const unit: Unit = {
        afterCommit: (hook) => hooks.add(hook),
        savepoint,
        active: () => sqlite.inTransaction,
      };
      const own: Context = { kind: 'unit', hooks, unit, durable: options.durable };
      const result = await inLine(() => transaction(() => context.run(own, () => work(unit))));
      // Committed: a hook that throws is reported, never turned into the unit's failure.
      for (const hook of hooks) {
        try {
          hook();
        } catch (error) {
          deps.onHookError?.(error);
        }
      }
      if (own.durable) await wal!.durable();
      return result;
    },

    async read(work) {
      if (context.getStore()) return work();
      return inLine(async () => context.run({ kind: 'read' }, work));
    },

    afterCommit(hook) {
      const current = context.getStore();
      if (current?.kind === 'unit') current.hooks.add(hook);
      else hook();
    },

    durable() {
      return wal ? wal.durable() : Promise.reject(new Error('no WAL sync on this thread'));
    },

    exclusive(write) {
      // Nobody in line and the turn free: now, before the caller goes on. Ingest's group commit
      // counts on it: a group committed as a WAL sync ends shares the next sync (wal-sync.ts).
      const now = queued === 0 && deps.thread !== 'scoring' ? turns.tryHoldMain() : null;
      if (now) {
        try {
          return Promise.resolve(write());
        } catch (error) {
          return Promise.reject(error);
        } finally {
          now();
        }
      }
      return inLine(async () => {
        const release = await holdTurn();
        try {
          return write();
        } finally {
          release();
        }
      });
    },

    inside: () => context.getStore() !== undefined,

    isStorageFailure,

    // One process uses the file: a lease is this process's alone to hand out.
    async lease(key) {
      if (leased.has(key)) return null;
      leased.add(key);
      return async () => {
        leased.delete(key);
      };
    },
  };
}
