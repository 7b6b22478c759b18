import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowDecoder } from '../../../src/db/row-decoder.js';
import { alerts, repStatus } from '../../../src/db/schema.js';
import { useTempDatabase } from '../../support/temp-database.js';

const temp = useTempDatabase('pls-rows-');

describe('rowDecoder', () => {
  it("decodes a raw select * row exactly as drizzle's select() does: JSON, nulls, booleans", () => {
    temp.db
      .insert(alerts)
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
    temp.db.insert(repStatus).values({ repId: 'U1', ooo: true, updatedAt: 3 }).run();

    const raw = temp.db.$client.prepare('select * from alerts where id = ?').get('al_1');
    expect(rowDecoder(alerts)(raw)).toStrictEqual(
      temp.db.select().from(alerts).where(eq(alerts.id, 'al_1')).get(),
    );
    const rawRep = temp.db.$client.prepare('select * from rep_status').get();
    expect(rowDecoder(repStatus)(rawRep)).toStrictEqual(temp.db.select().from(repStatus).get());
    expect(rowDecoder(alerts)(undefined)).toBeNull();
  });
});
