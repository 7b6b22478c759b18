import { open } from 'node:fs/promises';
import type { Db } from './client.js';

/**
 * Makes commits durable without holding the event loop. SQLite's `synchronous = FULL` fsyncs
 * the WAL inside COMMIT, and better-sqlite3 runs COMMIT on the event loop: every ingest
 * request's fsync (0.2–3 ms on the disks we run on) stopped every other request. Here the
 * commit runs with `synchronous = NORMAL` (the frames reach the OS, not the disk) and the caller
 * waits for `durable()`: an fdatasync of the WAL file on libuv's thread pool, after which every
 * frame written before it — the WAL is append-only — is on disk, which is what FULL promises.
 *
 * Callers that arrive while a sync is in flight wait for the next one (their frames may have
 * been written after it started), so concurrent requests share fsyncs: group commit.
 */
export function createWalSync(db: Db, syncFile: (path: string) => Promise<void> = dataSync) {
  const walPath = db.$client.memory ? null : `${db.$client.name}-wal`;
  let inFlight = false;
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  function start(path: string): void {
    const group = waiting;
    waiting = [];
    inFlight = true;
    syncFile(path).then(
      () => settle(path, group, (w) => w.resolve()),
      (error: unknown) => settle(path, group, (w) => w.reject(error)),
    );
  }

  function settle(path: string, group: typeof waiting, each: (w: (typeof waiting)[number]) => void): void {
    inFlight = false;
    for (const w of group) each(w);
    if (waiting.length > 0) start(path);
  }

  return {
    /** Resolves once everything committed before the call is on disk. */
    durable(): Promise<void> {
      if (!walPath) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!inFlight) start(walPath);
      });
    },
  };
}

export type WalSync = ReturnType<typeof createWalSync>;

async function dataSync(path: string): Promise<void> {
  // Linux syncs a file's pages through any descriptor of it, read-only included.
  const handle = await open(path, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
