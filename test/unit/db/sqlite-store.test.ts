import { describe, expect, it, vi } from 'vitest';
import { repositoriesOn } from '../../../src/db/sqlite/sqlite-storage.js';
import { createSqliteStore, type SqliteStore } from '../../../src/db/sqlite/sqlite-store.js';
import { createWalSync, type FileSync } from '../../../src/db/sqlite/wal-sync.js';
import { createWriteTurns } from '../../../src/db/sqlite/write-turns.js';
import { nextTurn } from '../../support/manual-sync.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-store-');

/** The store over the temp database, with the WAL syncs it asks for counted. */
function setUp(): { store: SqliteStore; syncs: () => number } {
  let syncs = 0;
  const syncFile: FileSync = async () => {
    syncs++;
  };
  const wal = createWalSync(temp.db, { syncFile });
  return { store: createSqliteStore({ db: temp.db, wal, turns: createWriteTurns() }), syncs: () => syncs };
}

const count = () => temp.db.$client.prepare('select count(*) from rep_status').pluck().get() as number;
const insert = (id: string) =>
  temp.db.$client.prepare('insert into rep_status (rep_id, ooo, updated_at) values (?, 0, 0)').run(id);

describe('the SQLite store', () => {
  it('runs overlapping units one at a time: neither sees the other’s half-done writes, across awaits', async () => {
    const { store } = setUp();
    const seen: Record<string, number[]> = { a: [], b: [], read: [] };
    const unit = (name: 'a' | 'b') =>
      store.unit(
        async () => {
          seen[name]!.push(count());
          insert(`U0${name.toUpperCase()}1`);
          // A whole turn of the event loop between two writes: the other unit and a read are
          // both waiting, and neither may run on this connection until this unit has ended.
          await nextTurn();
          seen[name]!.push(count());
          insert(`U0${name.toUpperCase()}2`);
          await nextTurn();
          seen[name]!.push(count());
          if (name === 'b') throw new Error('b gives up half-way');
        },
        { durable: false },
      );
    const a = unit('a');
    const b = unit('b');
    const read = store.read(() => seen.read!.push(count()));
    const results = await Promise.allSettled([a, b, read]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Each saw only committed rows plus its own; the read saw a's commit and b's rollback; b's
    // rows rolled back whole.
    expect(seen).toEqual({ a: [0, 1, 2], b: [2, 3, 4], read: [2] });
    expect(count()).toBe(2);
  });

  it('makes a unit inside a unit its savepoint, and a read inside a unit sees the unit’s own writes', async () => {
    const { store } = setUp();
    await store.unit(
      async () => {
        insert('U0A');
        await expect(
          store.unit(
            () => {
              insert('U0B');
              throw new Error('inner gives up');
            },
            { durable: false },
          ),
        ).rejects.toThrow('inner gives up');
        expect(await store.read(count)).toBe(1);
      },
      { durable: false },
    );
    expect(count()).toBe(1);
  });

  it('refuses a repository call outside a unit or a read: on one connection it could see half-done writes', async () => {
    const { store } = setUp();
    const { alerts } = repositoriesOn(temp.db, store);
    expect(() => alerts.isOoo('U0A')).toThrow('alerts.isOoo was called outside a unit of work or a read');
    expect(await store.read(() => alerts.isOoo('U0A'))).toBe(false);
    await store.unit(() => alerts.setOoo('U0A', true, 1), { durable: false });
    expect(await store.read(() => alerts.isOoo('U0A'))).toBe(true);
  });

  it('runs after-commit hooks once each after the commit, never after a rollback', async () => {
    const { store } = setUp();
    const woken: string[] = [];
    const wake = () => woken.push(`woken with ${count()} rows`);
    await store.unit(
      (unit) => {
        insert('U0A');
        unit.afterCommit(wake);
        store.afterCommit(wake); // what a repository does: the same hook, once
        expect(woken).toEqual([]);
      },
      { durable: false },
    );
    expect(woken).toEqual(['woken with 1 rows']);
    await expect(
      store.unit(
        (unit) => {
          unit.afterCommit(wake);
          throw new Error('no');
        },
        { durable: false },
      ),
    ).rejects.toThrow('no');
    expect(woken).toHaveLength(1);
    store.afterCommit(wake); // outside a unit: at once
    expect(woken).toHaveLength(2);
  });

  it('resolves a durable unit only once a WAL sync has finished; a derived one does not wait', async () => {
    let finish: (() => void) | null = null;
    const syncFile: FileSync = () => new Promise<void>((resolve) => (finish = resolve));
    const store = createSqliteStore({
      db: temp.db,
      wal: createWalSync(temp.db, { syncFile }),
      turns: createWriteTurns(),
    });
    await store.unit(() => insert('U0A'), { durable: false });
    expect(finish).toBeNull();
    let resolved = false;
    const durable = store.unit(() => insert('U0B'), { durable: true }).then(() => (resolved = true));
    await vi.waitFor(() => expect(finish).not.toBeNull());
    expect(resolved).toBe(false); // committed, not yet on disk: not answered
    finish!();
    await durable;
    expect(resolved).toBe(true);
  });

  it('rolls back a savepoint alone', async () => {
    const { store } = setUp();
    await store.unit(
      async (unit) => {
        insert('U0A');
        await expect(
          unit.savepoint(() => {
            insert('U0B');
            throw new Error('only this part');
          }),
        ).rejects.toThrow('only this part');
        expect(unit.active()).toBe(true);
        insert('U0C');
      },
      { durable: false },
    );
    expect(temp.db.$client.prepare('select rep_id from rep_status order by rep_id').pluck().all()).toEqual([
      'U0A',
      'U0C',
    ]);
  });
});
