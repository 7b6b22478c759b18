import type { FileSync } from '../../src/db/sqlite/wal-sync.js';

/** A file sync the test finishes by hand, recording which file each call was for. */
export function manualSync(): { calls: { path: string; finish: (error?: Error) => void }[]; sync: FileSync } {
  const calls: { path: string; finish: (error?: Error) => void }[] = [];
  const sync: FileSync = (path) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ path, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, sync };
}

/** Lets the event loop run a turn: pending I/O callbacks, immediates and microtasks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether the promise has settled once pending I/O callbacks and microtasks have run. */
export async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await nextTurn();
  return settled;
}
