import type { Store, Unit } from '../store.js';
import { type Db, isStorageFailure, withoutFsync } from './client.js';
import type { WalSync } from './wal-sync.js';
import type { WriteTurns } from './write-turns.js';

/**
 * The store port on SQLite (better-sqlite3, synchronous). A unit of work runs on the main
 * thread's write turn (the scoring thread writes the same file on a connection of its own, so the
 * two take turns: src/db/sqlite/write-turns.ts), as one IMMEDIATE transaction — it reads before it
 * writes, and a deferred transaction whose snapshot the other connection moved past could not
 * take the write lock. Units are synchronous, so one unit never sees another's half-done writes:
 * the event loop runs nothing else until it commits.
 *
 * Every unit commits with `synchronous = NORMAL` (no fsync inside COMMIT, on the event loop); a
 * durable one then waits for an fdatasync of the WAL on the thread pool, shared with every other
 * commit waiting for one (group commit, src/db/sqlite/wal-sync.ts). That fsync covers every frame
 * written before it, so a derived unit committed without waiting is on disk after the next one.
 */
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
}): Store {
  const { db, wal, turns } = deps;
  const scoring = deps.thread === 'scoring';
  const sqlite = db.$client;
  let current: Set<() => void> | null = null;

  function unitOf(hooks: Set<() => void>): Unit {
    return {
      afterCommit: (hook) => hooks.add(hook),
      // Called inside the unit's transaction, a better-sqlite3 transaction function is a savepoint.
      savepoint: (work) => sqlite.transaction(work)(),
      active: () => sqlite.inTransaction,
    };
  }

  return {
    async unit(work, options) {
      if (options.durable && !wal) throw new Error('a durable unit needs the WAL sync of the main thread');
      const hooks = new Set<() => void>();
      const run = () => {
        current = hooks;
        try {
          return withoutFsync(db, () => sqlite.transaction(() => work(unitOf(hooks))).immediate());
        } finally {
          current = null;
        }
      };
      const result = scoring ? turns.asScoring(run) : await turns.asMainAsync(run);
      // Committed: a hook that throws is reported, never turned into the unit's failure.
      for (const hook of hooks) {
        try {
          hook();
        } catch (error) {
          deps.onHookError?.(error);
        }
      }
      if (options.durable) await wal!.durable();
      return result;
    },

    async read(work) {
      return work();
    },

    afterCommit(hook) {
      if (current) current.add(hook);
      else hook();
    },

    durable() {
      return wal ? wal.durable() : Promise.reject(new Error('no WAL sync on this thread'));
    },

    isStorageFailure,
  };
}
