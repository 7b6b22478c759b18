import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageEvent } from '../support/events.js';
import { deliver } from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { slashCommand } from '../support/slack-requests.js';

/**
 * Issue 18: names from events (user ids, features, limits) key the account's state. Every name
 * JavaScript gives objects — `__proto__`, `constructor`, `toString`, `hasOwnProperty`, … — must be
 * counted like any other, before and after the state has been stored and read back.
 */
const SEED = 20261218;

const BUILT_IN_NAMES = [
  ...new Set([
    ...Object.getOwnPropertyNames(Object.prototype),
    ...Object.getOwnPropertyNames(Function.prototype),
    ...Object.getOwnPropertyNames(Array.prototype),
    ...Object.getOwnPropertyNames(String.prototype),
  ]),
].sort();

let pls: Harness;
beforeAll(async () => {
  pls = await startHarness();
});
afterAll(async () => {
  await pls.stop();
});

interface StoredState {
  activeUsers: Record<string, unknown>;
  features: Record<string, unknown>;
  limits: Record<string, { used: unknown; quota: unknown }>;
  gatedFeatures: Record<string, { plan: unknown }>;
}

/** The account's state as the database holds it, read through a connection of our own. */
async function storedState(accountId: string): Promise<StoredState> {
  const [row] = await pls.query<{ state: string }>('select state from accounts where id = ?', accountId);
  return JSON.parse(row!.state) as StoredState;
}

/** Each name as a user id, a feature used, a limit hit and a premium feature tried. */
function eventsNaming(accountId: string, names: readonly string[]) {
  const account = { id: accountId, name: 'Builtins Inc', employees: 250 };
  return names.flatMap((name) => [
    usageEvent({
      type: 'session_started',
      account,
      user: { id: name, email: undefined, name: undefined, title: undefined },
    }),
    usageEvent({ type: 'feature_used', account, user: null, properties: { feature: name } }),
    usageEvent({
      type: 'usage_limit_hit',
      account,
      user: null,
      properties: { limit: name, used: 10, quota: 10 },
    }),
    usageEvent({
      type: 'premium_feature_attempted',
      account,
      user: null,
      properties: { feature: name, plan: 'business' },
    }),
  ]);
}

/** Webhook batches stop at 500 events. */
async function deliverAll(events: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 400) await deliver(pls, { events: events.slice(i, i + 400) });
}

describe('names JavaScript objects already have', () => {
  it('are counted as users, features and limits, across a restart', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(BUILT_IN_NAMES, { minLength: 1 }), async (first) => {
        const accountId = `acct_builtins_${++run}`;
        await deliverAll(eventsNaming(accountId, first));
        // The second half lands on state read back from the database, as after any restart.
        await pls.restart();
        await deliverAll(eventsNaming(accountId, BUILT_IN_NAMES));

        const state = await storedState(accountId);
        for (const map of [state.activeUsers, state.features]) {
          expect(Object.keys(map).sort()).toEqual(BUILT_IN_NAMES);
          for (const at of Object.values(map)) expect(typeof at).toBe('number');
        }
        expect(Object.keys(state.limits).sort()).toEqual(BUILT_IN_NAMES);
        for (const limit of Object.values(state.limits)) expect(limit).toMatchObject({ used: 10, quota: 10 });
        expect(Object.keys(state.gatedFeatures).sort()).toEqual(BUILT_IN_NAMES);
        for (const gated of Object.values(state.gatedFeatures)) expect(gated.plan).toBe('business');

        const reply = await slashCommand(pls.url, 'U0ANA', `account ${accountId}`);
        expect(JSON.stringify(reply.body.blocks)).toContain(`${BUILT_IN_NAMES.length} · `);
      }),
      { seed: SEED, numRuns: 4 },
    );
  });
});
