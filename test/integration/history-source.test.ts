import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, databaseOf } from '../../src/config/env.js';
import type { HistorySource, StoredEvent } from '../../src/db/history.js';
import { openHistorySource } from '../../src/db/open-history.js';
import { postgresOnly } from '../support/engines.js';
import { numberedAccount, usageEvent } from '../support/events.js';
import { deliver, settled } from '../support/flows.js';
import { type Harness, startHarness, WRITE_KEY } from '../support/harness.js';

/**
 * What replay and calibration read (src/db/history.ts), on the database the real app wrote, on
 * either engine: every event once, in the order live scoring applied them, quarantined ones left
 * out, pending ones last; the shards of a parallel replay cover every account once.
 */
let pls: Harness;
let history: HistorySource;
const accounts = Array.from({ length: 12 }, (_, i) => numberedAccount('history', i + 1));

beforeAll(async () => {
  pls = await startHarness();
  // More events than a page holds, so the cursor is read in several pages.
  for (let round = 0; round < 9; round++) {
    await deliver(pls, {
      events: Array.from({ length: 500 }, (_, i) =>
        usageEvent({ type: 'feature_used', account: accounts[i % accounts.length]!, properties: { n: i } }),
      ),
    });
  }
  // A person with no account (Segment's identify): stored, scored nowhere.
  const identify = await fetch(`${pls.url}/v1/identify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    body: JSON.stringify({ type: 'identify', userId: 'u_nobody', messageId: 'm_nobody', traits: {} }),
  });
  expect(identify.status).toBe(200);
  await pls.emulator.waitFor(
    async () => (await pls.query('select seq from events where processed_at is null')).length === 0,
    { description: 'every event applied' },
  );
  await settled(pls);
  // The history is read with the app stopped: the tests below change rows its scoring would touch.
  await pls.server.stop();
  history = await openHistorySource(databaseOf(pls.databaseUrl) as Database);
}, 120_000);

afterAll(async () => {
  await history?.close();
  await pls?.stop();
});

async function readAll(pages: AsyncIterable<readonly StoredEvent[]>): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

describe('the history of the database the app wrote', () => {
  it('yields every stored event once, in the order live scoring applied them', async () => {
    const rows = await pls.query<{ seq: number; applied_seq: number }>(
      'select seq, applied_seq from events order by applied_seq',
    );
    expect(rows).toHaveLength(4501);
    const events = await readAll(history.events());
    expect(events.map((e) => e.seq)).toEqual(rows.map((r) => r.seq));
    expect(await history.countEvents()).toBe(4501);
    expect(events.every((e) => e.processedAt !== null)).toBe(true);
    expect(JSON.parse(events[0]!.properties)).toEqual({ n: 0 });
  });

  it('splits the accounts into shards that together hold every account event once', async () => {
    const plan = await history.planShards(3);
    expect(plan.ranges).toHaveLength(3);
    expect(plan.withoutAccount).toBe(1);
    const sharded = (await Promise.all(plan.ranges.map((range) => readAll(history.events(range))))).flat();
    expect(sharded).toHaveLength(4500);
    expect(new Set(sharded.map((e) => e.id)).size).toBe(4500);
  });

  it('leaves out quarantined events and yields pending ones with no processing time', async () => {
    const [first] = await pls.query<{ id: string }>('select id from events order by seq limit 1');
    const [last] = await pls.query<{ id: string }>('select id from events order by seq desc limit 1');
    await pls.write("update events set processing_error = 'boom' where id = ?", [[first!.id]]);
    await pls.write('update events set processed_at = null, applied_seq = null where id = ?', [[last!.id]]);
    try {
      const events = await readAll(history.events());
      expect(events).toHaveLength(4500);
      expect(events.some((e) => e.id === first!.id)).toBe(false);
      expect(events.at(-1)).toMatchObject({ id: last!.id, processedAt: null });
      expect(await history.countEvents()).toBe(4500);
    } finally {
      await pls.write('update events set processing_error = null where id = ?', [[first!.id]]);
      await pls.write('update events set processed_at = received_at, applied_seq = seq where id = ?', [
        [last!.id],
      ]);
    }
  });

  postgresOnly(
    'follows applied_seq, not seq: an event that committed late was applied late, pending ones last',
    async () => {
      // As when two ingests race: the lower-numbered event commits (and is applied) after the other.
      const [a, b] = await pls.query<{ seq: number; applied_seq: number }>(
        'select seq, applied_seq from events where account_id = ? order by seq limit 2',
        accounts[0]!.id,
      );
      await pls.write('update events set applied_seq = ? where seq = ?', [
        [-1, a!.seq],
        [a!.applied_seq, b!.seq],
        [b!.applied_seq, a!.seq],
      ]);
      const seqs = (await readAll(history.events())).map((e) => e.seq);
      expect(seqs.indexOf(b!.seq)).toBeLessThan(seqs.indexOf(a!.seq));
      // A lower-numbered event still pending comes after every applied one (it will be applied last).
      await pls.write('update events set processed_at = null, applied_seq = null where seq = ?', [[b!.seq]]);
      expect((await readAll(history.events())).at(-1)!.seq).toBe(b!.seq);
    },
  );
});
