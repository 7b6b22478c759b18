import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, type Db, openDatabase } from '../../../src/db/client.js';
import { rowDecoder } from '../../../src/db/row-decoder.js';
import { alerts, repStatus } from '../../../src/db/schema.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pls-rows-'));
  db = openDatabase(join(dir, 'pls.db'));
});
afterEach(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('rowDecoder', () => {
  it("decodes a raw select * row exactly as drizzle's select() does: JSON, nulls, booleans", () => {
    db.insert(alerts)
      .values({
        id: 'al_1',
        accountId: 'acct_1',
        state: 'open',
        tier: 'hot',
        teamId: 'mid',
        channel: 'C1',
        trigger: { signalId: 'limit', text: 'hit the limit', nested: [1, { a: null }] },
        baseScore: 10,
        score: 81.5,
        openedAt: 1,
        tierSetAt: 1,
        claimDueAt: 2,
        policy: { hours: null, claim: 900_000 },
        updatedAt: 1,
      })
      .run();
    db.insert(repStatus).values({ repId: 'U1', ooo: true, updatedAt: 3 }).run();

    const raw = db.$client.prepare('select * from alerts where id = ?').get('al_1');
    expect(rowDecoder(alerts)(raw)).toStrictEqual(
      db.select().from(alerts).where(eq(alerts.id, 'al_1')).get(),
    );
    const rawRep = db.$client.prepare('select * from rep_status').get();
    expect(rowDecoder(repStatus)(rawRep)).toStrictEqual(db.select().from(repStatus).get());
    expect(rowDecoder(alerts)(undefined)).toBeNull();
  });
});
