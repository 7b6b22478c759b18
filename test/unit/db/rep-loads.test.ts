import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { createAccountsRepo } from '../../../src/db/accounts-repo.js';
import { createAlertsRepo } from '../../../src/db/alerts-repo.js';
import { type RepLoad, routeAlert } from '../../../src/domain/routing.js';
import { createAlertRouting } from '../../../src/services/alert-routing.js';
import { useTempDatabase } from '../../support/temp-database.js';

/** The shipped manifest: three teams, seven reps with their own hours, territories and tiers. */
const manifest = loadManifest(resolve(import.meta.dirname, '../../../manifests/pls.yml'));
const DAY = 86_400_000;
const MONDAY_NOON_NY = Date.parse('2026-11-23T17:00:00Z');
const SATURDAY_NOON_NY = Date.parse('2026-11-28T17:00:00Z');

const temp = useTempDatabase('pls-loads-');

describe('routing over the database’s view of the reps', () => {
  it('picks the rep the per-rep questions (isOoo, heldBy, suggestedSince) pick, whatever the state', async () => {
    const accounts = createAccountsRepo(temp.db);
    const alerts = createAlertsRepo(temp.db);
    // A router keeps a rep's round-robin count for a minute and adds its own picks: each case
    // asks a fresh one, which counts in the database as the eager questions do.
    const freshRouter = () => createAlertRouting({ accounts, alerts, manifest });
    const reps = manifest.routing.reps.map((r) => r.id);
    // Uneven loads: rep i holds i alerts and was suggested to some recently and i long ago; one
    // rep is at capacity and two are away.
    let n = 0;
    const add = async (rep: string, state: 'open' | 'claimed' | 'contacted' | 'closed', openedAt: number) => {
      n++;
      await alerts.insert(
        {
          id: `al_${n}`,
          accountId: `acct_load_${n}`,
          state,
          tier: 'hot',
          teamId: 't',
          channel: 'C',
          suggestedRep: rep,
          claimedBy: state === 'open' ? null : rep,
          trigger: {},
          baseScore: 0,
          score: 80,
          openedAt,
          tierSetAt: openedAt,
          claimDueAt: openedAt,
          policy: {},
          updatedAt: openedAt,
        },
        null,
        {},
      );
    };
    for (const [i, rep] of reps.entries()) {
      for (let k = 0; k < i; k++) await add(rep, k % 2 ? 'claimed' : 'contacted', MONDAY_NOON_NY - DAY);
      for (let k = 0; k < 3 * ((i * 5) % 7); k++) await add(rep, 'closed', MONDAY_NOON_NY - 2 * DAY);
      for (let k = 0; k < i; k++) await add(rep, 'closed', MONDAY_NOON_NY - 30 * DAY);
    }
    const full = manifest.routing.reps[3]!;
    for (let k = 0; k < full.capacity; k++) await add(full.id, 'claimed', MONDAY_NOON_NY - DAY);
    await alerts.setOoo(reps[1]!, true, 0);
    await alerts.setOoo(reps[4]!, true, 0);
    const firms = [
      { id: 'acct_ent_us', employees: 5000, country: 'US', owner: 'ana@seller.com' },
      { id: 'acct_ent_de', employees: 2000, country: 'DE', owner: null },
      { id: 'acct_mid_us', employees: 300, country: 'US', owner: reps[5]! },
      { id: 'acct_mid_gb', employees: 300, country: 'gb', owner: null },
      { id: 'acct_growth', employees: 40, country: null, owner: null },
      { id: 'acct_unknown', employees: null, country: null, owner: null },
    ];
    for (const f of firms)
      await accounts.upsert(
        f.id,
        { employees: f.employees ?? undefined, country: f.country ?? undefined, owner: f.owner ?? undefined },
        0,
      );

    const picked = new Set<string | null>();
    for (const f of firms)
      for (const tier of ['hot', 'warm'] as const)
        for (const now of [MONDAY_NOON_NY, SATURDAY_NOON_NY])
          for (const exclude of [[], [reps[2]!], reps.slice(0, 3)])
            for (const reroute of [false, true]) {
              // The per-rep questions, asked for every rep before routing reads them.
              const asked = new Map<string, RepLoad>();
              for (const repId of reps)
                asked.set(repId, {
                  ooo: await alerts.isOoo(repId),
                  open: await alerts.heldBy(repId),
                  routed: await alerts.suggestedSince(repId, now - 7 * DAY),
                });
              const eager = routeAlert({
                account: {
                  employees: f.employees,
                  country: f.country,
                  industry: null,
                  plan: null,
                  domain: null,
                  owner: reroute ? null : f.owner,
                },
                tier,
                routing: manifest.routing,
                loads: (repId) => asked.get(repId)!,
                now,
                exclude,
              });
              expect(await freshRouter().route(f.id, tier, now, { exclude, reroute })).toEqual(eager);
              picked.add(eager.rep?.id ?? null);
            }
    // The grid reaches four reps, and the case where nobody can take the alert.
    expect(picked).toEqual(new Set(['U0ANA', 'U0BEN', 'U0FAY', 'U0GUS', null]));
  });
});

describe('the round-robin count a router keeps', () => {
  it('adds its own picks between counts, and sees other routers’ after a minute', async () => {
    const accounts = createAccountsRepo(temp.db);
    const alerts = createAlertsRepo(temp.db);
    const router = createAlertRouting({ accounts, alerts, manifest });
    await accounts.upsert('acct_1', { employees: 300, country: 'US' }, 0);
    // With nothing in the database, picks still rotate: each pick counts for the rep picked.
    const pick = async (at: number) => (await router.route('acct_1', 'warm', at)).rep!.id;
    const rotation = new Set<string>();
    for (let k = 0; k < 6; k++) rotation.add(await pick(MONDAY_NOON_NY));
    expect(rotation.size).toBeGreaterThan(1);
    // Another router (the scoring thread, say) routes 100 alerts to everyone but one rep.
    const [spared, ...others] = [...rotation];
    let n = 0;
    for (const rep of others)
      for (let k = 0; k < 100; k++)
        await alerts.insert(
          {
            id: `al_rr_${n++}`,
            accountId: `acct_rr_${n}`,
            state: 'closed',
            tier: 'warm',
            teamId: 't',
            channel: 'C',
            suggestedRep: rep,
            trigger: {},
            baseScore: 0,
            score: 50,
            openedAt: MONDAY_NOON_NY,
            tierSetAt: MONDAY_NOON_NY,
            claimDueAt: MONDAY_NOON_NY,
            policy: {},
            updatedAt: MONDAY_NOON_NY,
          },
          null,
          {},
        );
    // Within the minute this router still rotates; after it, it counts again and sees them.
    const withinTheMinute = new Set<string>();
    for (let k = 0; k < 6; k++) withinTheMinute.add(await pick(MONDAY_NOON_NY + 59_000));
    expect(withinTheMinute.size).toBeGreaterThan(1);
    expect([await pick(MONDAY_NOON_NY + 60_000), await pick(MONDAY_NOON_NY + 60_000)]).toEqual([
      spared,
      spared,
    ]);
  });
});
