import type { Db } from '../client.js';
import { withoutFsync } from '../client.js';
import type { Store, Unit } from '../store.js';
import type { WalSync } from '../wal-sync.js';
import type { WriteTurns } from '../write-turns.js';

/**
 * The store port on SQLite (better-sqlite3, synchronous). A unit of work runs on the main
 * thread's write turn (the scoring thread writes the same file on a connection of its own, so the
 * two take turns: src/db/write-turns.ts), as one IMMEDIATE transaction — it reads before it
 * writes, and a deferred transaction whose snapshot the other connection moved past could not
 * take the write lock. Units are synchronous, so one unit never sees another's half-done writes:
 * the event loop runs nothing else until it commits.
 *
 * Every unit commits with `synchronous = NORMAL` (no fsync inside COMMIT, on the event loop); a
 * durable one then waits for an fdatasync of the WAL on the thread pool, shared with every other
 * commit waiting for one (group commit, src/db/wal-sync.ts). That fsync covers every frame
 * written before it, so a derived unit committed without waiting is on disk after the next one.
 */
export function createSqliteStore(deps: { db: Db; wal: WalSync; turns: WriteTurns }): Store {
  const { db, wal, turns } = deps;
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
      const hooks = new Set<() => void>();
      const result = await turns.asMainAsync(() => {
        current = hooks;
        try {
          return withoutFsync(db, () => sqlite.transaction(() => work(unitOf(hooks))).immediate());
        } finally {
          current = null;
        }
      });
      for (const hook of hooks) hook();
      if (options.durable) await wal.durable();
      return result;
    },

    async read(work) {
      return work();
    },

    afterCommit(hook) {
      if (current) current.add(hook);
      else hook();
    },
  };
}
