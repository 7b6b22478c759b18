import { statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../src/db/checkpointer.js';
import { eventually } from '../../support/harness.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-checkpoint-');

const autocheckpoint = () => temp.db.$client.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpointer', () => {
  it('moves committed pages into the database file from its own thread, and hands back on stop', async () => {
    const checkpointer = startCheckpointer(temp.db, pino({ level: 'silent' }), 20);
    expect(autocheckpoint()).toBe(0); // commits no longer checkpoint on the event loop
    const sizeBefore = statSync(join(temp.dir, 'pls.db')).size;
    temp.db.$client.exec('create table filler (x text)');
    const insert = temp.db.$client.prepare('insert into filler values (?)');
    temp.db.$client.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(500));
    })();
    // Only a checkpoint writes pages into the main file; this connection never runs one now.
    await eventually(() => statSync(join(temp.dir, 'pls.db')).size > sizeBefore + 500_000, 'a checkpoint');
    await checkpointer.stop();
    expect(autocheckpoint()).toBe(1000);
  });
});
