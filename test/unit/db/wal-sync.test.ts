import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutFsync } from '../../../src/db/sqlite/client.js';
import { createWalSync } from '../../../src/db/sqlite/wal-sync.js';
import { manualSync, settledYet } from '../../support/manual-sync.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-wal-');

describe('WAL sync', () => {
  it('syncs the WAL file, and callers that arrive during a sync wait for the next one', async () => {
    const { calls, sync } = manualSync();
    const wal = createWalSync(temp.db, { syncFile: sync });
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

  it('beforeNextSync runs at once when idle, else when the sync ends and before the next starts', async () => {
    const { calls, sync } = manualSync();
    const wal = createWalSync(temp.db, { syncFile: sync });
    const order: string[] = [];
    wal.beforeNextSync(() => order.push('idle: at once'));
    expect(order).toEqual(['idle: at once']);

    const first = wal.durable();
    let joined: Promise<void> | null = null;
    wal.beforeNextSync(() => {
      order.push(`held: ${calls.length} sync started`);
      joined = wal.durable(); // what it commits joins the next sync
    });
    expect(order).toHaveLength(1); // held while the first sync runs
    calls[0]!.finish();
    await first;
    expect(order).toEqual(['idle: at once', 'held: 1 sync started']);
    expect(calls).toHaveLength(2); // the next sync started after the held work, for it
    expect(await settledYet(joined!)).toBe(false);
    calls[1]!.finish();
    await joined;
  });

  it('callers waiting together share one sync, and share its failure, which is final', async () => {
    const { calls, sync } = manualSync();
    const failures: unknown[] = [];
    const wal = createWalSync(temp.db, { syncFile: sync, onFailure: (error) => failures.push(error) });
    const blocker = wal.durable();
    const waiting = [wal.durable(), wal.durable(), wal.durable()];
    calls[0]!.finish();
    await blocker;
    expect(calls).toHaveLength(2);
    expect(wal.failure()).toBeNull();
    calls[1]!.finish(new Error('EIO'));
    for (const result of await Promise.allSettled(waiting))
      expect(result).toEqual({ status: 'rejected', reason: new Error('EIO') });
    // A later sync could succeed over pages the kernel dropped: nothing is durable any more.
    await expect(wal.durable()).rejects.toThrow('EIO');
    expect(calls).toHaveLength(2);
    expect(wal.failure()).toEqual(new Error('EIO'));
    expect(failures).toEqual([new Error('EIO')]);
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
