import { describe, expect, it, vi } from 'vitest';
import { createSqliteStore } from '../../../src/db/sqlite/sqlite-store.js';
import { createWalSync, type FileSync } from '../../../src/db/sqlite/wal-sync.js';
import { createWriteTurns } from '../../../src/db/sqlite/write-turns.js';
import type { Store } from '../../../src/db/store.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-store-');

/** The store over the temp database, with the WAL syncs it asks for counted. */
function setUp(): { store: Store; syncs: () => number } {
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
  it('runs overlapping units one at a time: neither sees the other’s half-done writes', async () => {
    const { store } = setUp();
    const seen: Record<string, number[]> = { a: [], b: [] };
    const unit = (name: 'a' | 'b') =>
      store.unit(
        () => {
          seen[name]!.push(count());
          insert(`U0${name.toUpperCase()}1`);
          seen[name]!.push(count());
          insert(`U0${name.toUpperCase()}2`);
          seen[name]!.push(count());
          if (name === 'b') throw new Error('b gives up half-way');
        },
        { durable: false },
      );
    const results = await Promise.allSettled([unit('a'), unit('b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    // Each saw only committed rows plus its own; b's rows rolled back whole.
    expect(seen).toEqual({ a: [0, 1, 2], b: [2, 3, 4] });
    expect(count()).toBe(2);
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
      (unit) => {
        insert('U0A');
        expect(() =>
          unit.savepoint(() => {
            insert('U0B');
            throw new Error('only this part');
          }),
        ).toThrow('only this part');
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
