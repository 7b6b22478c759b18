import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutFsync } from '../../../src/db/client.js';
import { createWalSync } from '../../../src/db/wal-sync.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-wal-');

/** A file sync the test finishes by hand, recording which file and when it was asked. */
function manualSync() {
  const calls: { path: string; finish: (error?: Error) => void }[] = [];
  const sync = (path: string) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ path, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, sync };
}

const settledYet = async (promise: Promise<unknown>) => {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

describe('WAL sync', () => {
  it('syncs the WAL file, and callers that arrive during a sync wait for the next one', async () => {
    const { calls, sync } = manualSync();
    const wal = createWalSync(temp.db, sync);
    const first = wal.durable();
    const second = wal.durable(); // arrives while the first sync runs: its frames may be newer
    expect(calls.map((c) => c.path)).toEqual([join(temp.dir, 'pls.db-wal')]);

    calls[0]!.finish();
    await first;
    expect(await settledYet(second)).toBe(false);
    expect(calls).toHaveLength(2);

    const third = wal.durable(); // arrives during the second sync
    calls[1]!.finish();
    await second;
    expect(await settledYet(third)).toBe(false);
    calls[2]!.finish();
    await third;
    expect(calls).toHaveLength(3);
  });

  it('callers waiting together share one sync, and share its failure', async () => {
    const { calls, sync } = manualSync();
    const wal = createWalSync(temp.db, sync);
    const blocker = wal.durable();
    const waiting = [wal.durable(), wal.durable(), wal.durable()];
    calls[0]!.finish();
    await blocker;
    expect(calls).toHaveLength(2);
    calls[1]!.finish(new Error('EIO'));
    for (const result of await Promise.allSettled(waiting))
      expect(result).toEqual({ status: 'rejected', reason: new Error('EIO') });
  });

  it('really syncs the file on disk by default, on one descriptor until closed', async () => {
    temp.db.$client.exec('create table t (x)');
    const wal = createWalSync(temp.db);
    await expect(wal.durable()).resolves.toBeUndefined();
    await expect(wal.durable()).resolves.toBeUndefined();
    const open = wal.durable();
    await wal.close(); // waits for the sync under way
    await expect(open).resolves.toBeUndefined();
    // A request still finishing at shutdown is synced through a descriptor of its own.
    await expect(wal.durable()).resolves.toBeUndefined();
  });
});

describe('withoutFsync', () => {
  it('commits inside it with synchronous = NORMAL and restores FULL after, even when it throws', () => {
    const synchronous = () => temp.db.$client.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(2); // FULL
    expect(withoutFsync(temp.db, synchronous)).toBe(1); // NORMAL
    expect(synchronous()).toBe(2);
    expect(() =>
      withoutFsync(temp.db, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(synchronous()).toBe(2);
  });
});
