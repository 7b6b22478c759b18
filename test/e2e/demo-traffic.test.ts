import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoStory, type Persona } from '../../src/sandbox/demo-story.js';
import { eventually } from '../support/harness.js';
import { startTestSandbox, type TestSandbox } from './browser.js';

/**
 * The demo story played through the real, signed webhook into the real pls, fast: the alerts it
 * raises are the ones it was written to raise, and the rules of engagement hold the rest back.
 */
const SEED = 42;
let running: TestSandbox;

function query<T>(sql: string): T[] {
  const db = new Database(running.databasePath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  running = await startTestSandbox({ traffic: true, speed: 200, seed: SEED });
});
afterAll(async () => {
  await running?.stop();
});

describe('the demo traffic', () => {
  it('plays a few hundred accounts, and pls alerts on exactly the hot and warm ones', async () => {
    const story = createDemoStory({ now: Date.now(), seed: SEED });
    await eventually(() => running.sandbox.traffic.status().finished, 'the story to finish', 20_000);
    const status = running.sandbox.traffic.status();
    expect(status).toMatchObject({ sent: story.events.length, accounts: 300, lastError: null });
    await eventually(
      () =>
        query<{ n: number }>(
          `select (select count(*) from events where processed_at is null)
                + (select count(*) from outbox where sent_at is null and failed_at is null) as n`,
        )[0]!.n === 0,
      'every event scored and every Slack call made',
      20_000,
    );

    const alerts = query<{ account_id: string; tier: string; state: string; outcome: string | null }>(
      'select account_id, tier, state, outcome from alerts',
    );
    const personaOf = new Map(story.accounts.map((a) => [a.id, a.persona]));
    const alerted = (persona: Persona) => alerts.filter((a) => personaOf.get(a.account_id) === persona);
    const cast = (persona: Persona) => story.accounts.filter((a) => a.persona === persona).length;

    expect(alerted('hot').map((a) => a.tier)).toEqual(Array(cast('hot')).fill('hot'));
    expect(alerted('warm')).toHaveLength(cast('warm'));
    expect(alerted('late_converter').map((a) => a.outcome)).toEqual(
      Array(cast('late_converter')).fill('self_served'),
    );
    for (const quiet of ['cold', 'hero', 'quiet_converter'] as const)
      expect(alerted(quiet), quiet).toEqual([]);
    expect(cast('hero')).toBeGreaterThan(10);
    expect(cast('cold')).toBeGreaterThan(200);

    // Each alert is in Slack, in its team's channel.
    const posted = ['C0ENTPLS01', 'C0MIDMARKET', 'C0GROWTHPLS'].flatMap((c) =>
      running.sandbox.emulator.messages(c),
    );
    expect(posted).toHaveLength(alerts.length);
  }, 60_000);
});
