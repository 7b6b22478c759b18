import { statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../src/db/sqlite/checkpointer.js';
import { eventually } from '../../support/harness.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-checkpoint-');

const silent = pino({ level: 'silent' });
/** What the store's line does for the checkpointer's finishing pass, with nothing else to wait for. */
const exclusive = async <T>(write: () => T): Promise<T> => write();
const autocheckpoint = () => temp.db.$client.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpointer', () => {
  it('moves committed pages into the database file from its own thread, and hands back on stop', async () => {
    const checkpointer = startCheckpointer(temp.db, silent, exclusive, { intervalMs: 20 });
    expect(autocheckpoint()).toBe(0); // commits no longer checkpoint on the event loop
    const sizeBefore = statSync(join(temp.dir, 'pls.db')).size;
    temp.db.$client.exec('create table filler (x text)');
    const insert = temp.db.$client.prepare('insert into filler values (?)');
    temp.db.$client.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(500));
    })();
    // Only a checkpoint writes pages into the main file, and this connection runs one only once
    // the WAL holds restartFrames (4,000; this commit writes a few hundred): the worker's.
    await eventually(() => statSync(join(temp.dir, 'pls.db')).size > sizeBefore + 500_000, 'a checkpoint');
    await checkpointer.stop();
    expect(autocheckpoint()).toBe(1000);
  });

  it('keeps the WAL small while commits never pause', async () => {
    // Commits keep landing while the worker copies, so SQLite alone would never restart the WAL:
    // it would hold all 40 MB written (46 MB measured without the finishing pass). Each commit
    // here fsyncs (synchronous = FULL), so the worker, whose pass costs two or three fsyncs, sees
    // a few commits land per pass on any disk.
    // The thread's start-up is not the bound under test: the writes begin once it says it runs.
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const checkpointer = startCheckpointer(temp.db, logger, exclusive, {
      intervalMs: 5,
      restartFrames: 500,
    });
    await eventually(() => lines.some((line) => line.includes('checkpointer thread started')), 'the thread');
    temp.db.$client.exec('create table filler (x text)');
    const insert = temp.db.$client.prepare('insert into filler values (?)');
    const commit = temp.db.$client.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run('x'.repeat(1_000));
    });
    const walSize = () => statSync(join(temp.dir, 'pls.db-wal')).size;
    let largest = 0;
    for (let round = 0; round < 400; round++) {
      commit();
      largest = Math.max(largest, walSize());
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpointer.stop();
    expect(temp.db.$client.prepare('select count(*) as n from filler').get()).toEqual({ n: 40_000 });
    expect(largest).toBeLessThan(12 * 1024 * 1024);
  });
});
