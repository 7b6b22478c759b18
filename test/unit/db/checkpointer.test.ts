import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../src/db/checkpointer.js';
import { closeDatabase, type Db, openDatabase } from '../../../src/db/client.js';
import { eventually } from '../../support/harness.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-checkpoint-'));
  db = openDatabase(join(dir, 'pls.db'));
});
afterEach(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

const autocheckpoint = () => db.$client.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpointer', () => {
  it('moves committed pages into the database file from its own thread, and hands back on stop', async () => {
    const checkpointer = startCheckpointer(db, pino({ level: 'silent' }), 20);
    expect(autocheckpoint()).toBe(0); // commits no longer checkpoint on the event loop
    const sizeBefore = statSync(join(dir, 'pls.db')).size;
    db.$client.exec('create table filler (x text)');
    const insert = db.$client.prepare('insert into filler values (?)');
    db.$client.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(500));
    })();
    // Only a checkpoint writes pages into the main file; this connection never runs one now.
    await eventually(() => statSync(join(dir, 'pls.db')).size > sizeBefore + 500_000, 'a checkpoint');
    await checkpointer.stop();
    expect(autocheckpoint()).toBe(1000);
  });
});
