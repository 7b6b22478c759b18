import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rep, Routing } from '../../../src/domain/definition.js';
import { assignableTier, type RepLoad, type RouteResult, routeAlert } from '../../../src/domain/routing.js';
import { MONDAY_10AM_NY, manifestFrom } from '../../support/domain-builders.js';

/**
 * The tier is a promise, whatever happens to an alert after it opens: a rep limited to other
 * tiers never receives it while a rep of its tier can take it — when it opens, after a Release,
 * after the ladder reassigns it, or when a manager assigns it — and when it does go outside the
 * tier, the result says so. Random teams, hours, loads and histories, one fixed seed.
 */

const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'] as const;
const TIERS = ['hot', 'warm'] as const;
type AlertTier = (typeof TIERS)[number];

interface RepSpec {
  tiers: AlertTier[];
  zone: (typeof ZONES)[number];
  capacity: number;
  countries: string[] | null;
}

type Op =
  | { op: 'open'; tier: AlertTier; owner: number | null; country: 'US' | 'DE' }
  | { op: 'claim'; alert: number; rep: number }
  | { op: 'release'; alert: number }
  | { op: 'reassign'; alert: number }
  | { op: 'assign'; alert: number; rep: number }
  | { op: 'ooo'; rep: number }
  | { op: 'wait'; hours: number };

const repSpec: fc.Arbitrary<RepSpec> = fc.record({
  tiers: fc.constantFrom<AlertTier[]>(['hot'], ['warm'], ['hot', 'warm']),
  zone: fc.constantFrom(...ZONES),
  capacity: fc.integer({ min: 1, max: 3 }),
  countries: fc.constantFrom(null, ['US'], ['DE']),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('open' as const),
      tier: fc.constantFrom(...TIERS),
      owner: fc.option(fc.nat(5), { nil: null }),
      country: fc.constantFrom('US' as const, 'DE' as const),
    }),
  },
  fc.record({ op: fc.constant('claim' as const), alert: fc.nat(20), rep: fc.nat(5) }),
  fc.record({ op: fc.constant('release' as const), alert: fc.nat(20) }),
  fc.record({ op: fc.constant('reassign' as const), alert: fc.nat(20) }),
  fc.record({ op: fc.constant('assign' as const), alert: fc.nat(20), rep: fc.nat(5) }),
  fc.record({ op: fc.constant('ooo' as const), rep: fc.nat(5) }),
  fc.record({ op: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 11 }) }),
);

function routingOf(specs: readonly RepSpec[], strategy: readonly string[]): Routing {
  const reps = specs.map((spec, i) => ({
    id: `U0R${i}`,
    tiers: spec.tiers,
    capacity: spec.capacity,
    hours: { tz: spec.zone },
    ...(spec.countries ? { countries: spec.countries } : {}),
  }));
  return manifestFrom(
    `
scoring:
  signals: [{ id: s, layer: intent, event: e, points: 30 }]
  gates: { behavioral: 0, organizational: 0 }
  tiers: { hot: 20, warm: 10 }
routing:
  teams: [{ id: sales, channel: C0SALES }]
  reps: []
  managers: [U0MGR]
  escalation_channel: C0ESC
`,
    { routing: { reps, strategy } },
  ).routing;
}

interface ModelAlert {
  tier: AlertTier;
  owner: string | null;
  country: string;
  suggested: string | null;
  holder: string | null;
  /** Reps passed over: a release excludes the holder, a reassignment the suggested rep. */
  exclude: string[];
  closed: boolean;
}

describe('routing keeps the tier a promise over opening, release, reassignment and assignment (seeded)', () => {
  it('never gives an alert outside its tier while a rep of the tier can take it, and says when it does', () => {
    const scenario = fc.record({
      reps: fc.array(repSpec, { minLength: 2, maxLength: 6 }),
      strategy: fc.constantFrom(
        ['owner', 'territory', 'tier', 'round_robin'],
        ['tier', 'round_robin'],
        ['owner', 'tier'],
      ),
      ops: fc.array(op, { minLength: 1, maxLength: 40 }),
    });
    let routed = 0;
    let outside = 0;
    let refused = 0;
    fc.assert(
      fc.property(scenario, ({ reps: specs, strategy, ops }) => {
        const routing = routingOf(specs, strategy);
        const team = routing.teams[0]!;
        const reps = routing.reps;
        const ooo = new Set<string>();
        const alerts: ModelAlert[] = [];
        let now = MONDAY_10AM_NY;
        const loads = (repId: string): RepLoad => ({
          ooo: ooo.has(repId),
          open: alerts.filter((a) => !a.closed && a.holder === repId).length,
          routed: alerts.filter((a) => a.suggested === repId).length,
        });
        const canTake = (rep: Rep, exclude: readonly string[]) => {
          const load = loads(rep.id);
          return !exclude.includes(rep.id) && !load.ooo && load.open < rep.capacity;
        };

        /** Routes the alert as the services do, and checks the promise on the result. */
        const routeAndCheck = (alert: ModelAlert, reroute: boolean): RouteResult => {
          const result = routeAlert({
            account: {
              employees: 100,
              country: alert.country,
              industry: null,
              plan: 'free',
              domain: 'acme.com',
              owner: reroute ? null : alert.owner,
            },
            tier: alert.tier,
            routing,
            loads,
            now,
            exclude: alert.exclude,
          });
          routed++;
          const inTierTakers = reps.filter((r) => r.tiers.includes(alert.tier) && canTake(r, alert.exclude));
          if (result.rep) {
            const inTier = result.rep.tiers.includes(alert.tier);
            // The promise: outside the tier only when nobody of the tier can take it...
            if (!inTier) expect(inTierTakers).toEqual([]);
            // ...and the result says so exactly then.
            expect(result.outsideTier).toBe(!inTier);
            if (!inTier) {
              outside++;
              expect(result.reason).toMatch(/so it goes outside the tier$/);
            }
            expect(canTake(result.rep, alert.exclude)).toBe(true);
          } else {
            expect(reps.filter((r) => canTake(r, alert.exclude))).toEqual([]);
          }
          if (result.heldForTier) {
            expect(result.waitsUntil).not.toBeNull();
            expect(result.rep?.tiers).toContain(alert.tier);
          }
          return result;
        };

        for (const step of ops) {
          const alert = 'alert' in step ? alerts[step.alert % Math.max(1, alerts.length)] : undefined;
          switch (step.op) {
            case 'open': {
              const owner = step.owner === null ? null : (reps[step.owner % reps.length]?.id ?? null);
              const opened: ModelAlert = {
                tier: step.tier,
                owner,
                country: step.country,
                suggested: null,
                holder: null,
                exclude: [],
                closed: false,
              };
              opened.suggested = routeAndCheck(opened, false).rep?.id ?? null;
              alerts.push(opened);
              break;
            }
            case 'claim':
              if (alert && !alert.closed && alert.holder === null && alert.suggested)
                alert.holder = alert.suggested;
              break;
            case 'release':
              if (alert && !alert.closed && alert.holder) {
                alert.exclude = [alert.holder];
                alert.holder = null;
                alert.suggested = routeAndCheck(alert, true).rep?.id ?? null;
              }
              break;
            case 'reassign':
              if (alert && !alert.closed && alert.holder === null && alert.suggested) {
                alert.exclude = [alert.suggested];
                const next = routeAndCheck(alert, true).rep;
                if (next) alert.suggested = next.id;
              }
              break;
            case 'assign': {
              if (!alert || alert.closed) break;
              const rep = reps[step.rep % reps.length]!;
              const verdict = assignableTier(rep, alert.tier, team, routing);
              const anyoneOfTier = reps.some((r) => r.tiers.includes(alert.tier));
              if (rep.tiers.includes(alert.tier)) expect(verdict).toEqual({ ok: true, outsideTier: false });
              else if (anyoneOfTier) {
                refused++;
                expect(verdict.ok).toBe(false);
              } else expect(verdict).toEqual({ ok: true, outsideTier: true });
              if (verdict.ok) {
                alert.holder = rep.id;
                alert.suggested = rep.id;
              }
              break;
            }
            case 'ooo': {
              const id = reps[step.rep % reps.length]!.id;
              if (ooo.has(id)) ooo.delete(id);
              else ooo.add(id);
              break;
            }
            case 'wait':
              now += step.hours * 3_600_000;
              break;
          }
        }
      }),
      { seed: 19, numRuns: 300 },
    );
    // The runs reached every case: alerts routed, some outside the tier, some assignments refused.
    expect(routed).toBeGreaterThan(500);
    expect(outside).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});
