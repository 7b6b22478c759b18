import { closeSync, fdatasync, openSync } from 'node:fs';
import type { Db } from './client.js';

/**
 * Makes commits durable without holding the event loop. SQLite's `synchronous = FULL` fsyncs
 * the WAL inside COMMIT, and better-sqlite3 runs COMMIT on the event loop: every ingest
 * request's fsync (0.2–3 ms on the disks we run on) stopped every other request. Here the
 * commit runs with `synchronous = NORMAL` (the frames reach the OS, not the disk) and the caller
 * waits for `durable()`: an fdatasync of the whole WAL file on libuv's thread pool, after which
 * every frame written before it is on disk, which is what FULL promises. (When the WAL restarts
 * from the top it overwrites only frames a checkpoint already copied and synced into the
 * database file.)
 *
 * Callers that arrive while a sync is in flight wait for the next one (their frames may have
 * been written after it started), so concurrent requests share fsyncs: group commit. Ingest
 * goes further and holds its commit until then (`beforeNextSync`): one transaction instead of
 * one per turn, so fewer pages are written twice and the next sync has less to write.
 *
 * A failed sync is final. Linux may drop the pages it could not write and report that only
 * once, so a later sync could succeed over data that never reached the disk: from the first
 * failure on every `durable()` rejects, `failure()` says why, and `onFailure` is told once.
 * Only a restart (a fresh look at what is on disk) clears it.
 */
export function createWalSync(
  db: Db,
  options: { syncFile?: FileSync; onFailure?: (error: unknown) => void } = {},
) {
  const syncFile = options.syncFile ?? persistentDataSync();
  const walPath = db.$client.memory ? null : `${db.$client.name}-wal`;
  let inFlight = false;
  let idle: (() => void) | null = null;
  let failed: { error: unknown } | null = null;
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let beforeNext: (() => void)[] = [];

  function start(path: string): void {
    const group = waiting;
    waiting = [];
    inFlight = true;
    syncFile(path).then(
      () => settle(path, group, (w) => (failed ? w.reject(failed.error) : w.resolve())),
      (error: unknown) => {
        if (!failed) {
          failed = { error };
          options.onFailure?.(error);
        }
        settle(path, group, (w) => w.reject(error));
      },
    );
  }

  function settle(path: string, group: typeof waiting, each: (w: (typeof waiting)[number]) => void): void {
    for (const w of group) each(w);
    // Still in flight: what these commit joins the next sync instead of starting one each.
    const work = beforeNext;
    beforeNext = [];
    let thrown: { error: unknown } | null = null;
    for (const commit of work) {
      try {
        commit();
      } catch (error) {
        thrown ??= { error };
      }
    }
    inFlight = false;
    if (waiting.length > 0) start(path);
    else idle?.();
    if (thrown) throw thrown.error;
  }

  return {
    /** Resolves once everything committed before the call is on disk. */
    durable(): Promise<void> {
      if (failed) return Promise.reject(failed.error);
      if (!walPath) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!inFlight) start(walPath);
      });
    },

    /**
     * Runs `commit` now when no sync is under way, else the moment the one under way ends,
     * just before the next starts, so the writes that queued up during a sync share one
     * transaction and one sync. `commit` must settle its own requests and not throw: one that
     * throws is a bug — the others still run and the next sync still starts, then the error is
     * rethrown from the sync's callback (an unhandled rejection, which ends the process).
     */
    beforeNextSync(commit: () => void): void {
      if (inFlight) beforeNext.push(commit);
      else commit();
    },

    /** Why syncing failed for good, or null while it works. */
    failure(): unknown {
      return failed?.error ?? null;
    },

    /** Waits for the syncs under way, then lets go of the file. */
    async close(): Promise<void> {
      if (inFlight) await new Promise<void>((resolve) => (idle = resolve));
      syncFile.close?.();
    },
  };
}

export type WalSync = ReturnType<typeof createWalSync>;

/** Syncs a file's data to disk; `close` lets go of anything it holds open. */
export type FileSync = ((path: string) => Promise<void>) & { close?: () => void };

/**
 * fdatasync on one descriptor kept open (opening and closing the file each time was a third of
 * the sync's cost on the event loop). Linux syncs a file's pages through any descriptor of it,
 * read-only included; SQLite keeps the WAL file (truncating or rewriting it in place) while a
 * connection is open.
 */
function persistentDataSync(): FileSync {
  let fd: number | null = null;
  let closed = false;
  const sync: FileSync = (path) =>
    new Promise((resolve, reject) => {
      let target: number;
      try {
        // After close (nothing should sync then: the server answers its requests first), a
        // descriptor of its own rather than none.
        if (closed) target = openSync(path, 'r');
        else {
          fd ??= openSync(path, 'r');
          target = fd;
        }
      } catch (error) {
        reject(error);
        return;
      }
      fdatasync(target, (error) => {
        if (closed && target !== fd) closeSync(target);
        if (error) reject(error);
        else resolve();
      });
    });
  sync.close = () => {
    closed = true;
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  return sync;
}
