import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/domain/definition.js';
import { type RepLoad, type RoutableAccount, routeAlert, routeTeam } from '../../../src/domain/routing.js';
import { MONDAY_10AM_NY, manifestFrom } from '../../support/domain-builders.js';

/** Monday 10:00 in New York = 16:00 in Berlin: both offices open. */
const NOW = MONDAY_10AM_NY;
/** Monday 02:00 in New York = 08:00 in Berlin: both closed; Berlin opens first (03:00 New York). */
const NIGHT = Date.parse('2026-11-23T07:00:00Z');

const ROUTING_YAML = `
timezone: America/New_York
scoring:
  gates: { behavioral: 0, organizational: 0 }
  tiers: { hot: 20, warm: 10 }
  signals: [{ id: s, layer: intent, event: e, points: 30 }]
routing:
  teams:
    - { id: enterprise, channel: C0ENT, match: { employees: { gte: 1000 } }, reps: [U0ENT] }
    - id: emea
      channel: C0EMEA
      match: { country: { in: [DE, FR, GB] } }
      hours: { tz: Europe/Berlin }
      reps: [U0CAM]
    - { id: mid-market, channel: C0MID, match: { employees: { gte: 20, lt: 1000 } }, reps: [U0ANA, U0BEN, U0CAM] }
    - { id: growth, channel: C0GROWTH, match: { employees: { lt: 20 } } }
  default_team: mid-market
  reps:
    - { id: U0ANA, email: ana@seller.com, tiers: [hot, warm], countries: [US, CA] }
    - { id: U0BEN, email: ben@seller.com, capacity: 10, tiers: [warm] }
    - { id: U0CAM, email: cam@seller.com, countries: [DE], hours: { tz: Europe/Berlin } }
    - { id: U0ENT, email: ent@seller.com }
  managers: [U0MGR]
  escalation_channel: C0ESCALATE
`;

const routing = (patch: Record<string, unknown> = {}) =>
  manifestFrom(ROUTING_YAML, { routing: patch }).routing;

/** Only the mid-market team (New York hours; ANA in US/CA, BEN warm-only, CAM in DE on Berlin hours). */
const midMarket = (patch: Record<string, unknown> = {}) =>
  routing({
    teams: [{ id: 'mid-market', channel: 'C0MID', reps: ['U0ANA', 'U0BEN', 'U0CAM'] }],
    default_team: 'mid-market',
    ...patch,
  });

const account = (fields: Partial<RoutableAccount> = {}): RoutableAccount => ({
  employees: 250,
  country: 'US',
  industry: 'software',
  plan: 'free',
  domain: 'acme.com',
  owner: null,
  ...fields,
});

function loads(overrides: Record<string, Partial<RepLoad>> = {}) {
  return (repId: string): RepLoad => ({ ooo: false, open: 0, routed: 0, ...overrides[repId] });
}

const route = (
  fields: Partial<RoutableAccount> = {},
  options: Partial<Parameters<typeof routeAlert>[0]> = {},
) =>
  routeAlert({
    account: account(fields),
    tier: 'warm',
    routing: routing(),
    loads: loads(),
    now: NOW,
    ...options,
  });

describe('routeTeam', () => {
  const r = routing();

  it('takes the first team whose match fits', () => {
    // 2,000 employees in Germany fits both enterprise and emea: enterprise comes first.
    expect(routeTeam(account({ employees: 2000, country: 'DE' }), r).id).toBe('enterprise');
    expect(routeTeam(account({ employees: 50, country: 'DE' }), r).id).toBe('emea');
    expect(routeTeam(account({ employees: 50, country: 'US' }), r).id).toBe('mid-market');
    expect(routeTeam(account({ employees: 5, country: 'US' }), r).id).toBe('growth');
  });

  it('compares text case-insensitively', () => {
    expect(routeTeam(account({ employees: 50, country: 'de' }), r).id).toBe('emea');
  });

  it('sends an account that matches no team to default_team', () => {
    // Unknown size and a country no team names: no size band matches a missing value.
    expect(routeTeam(account({ employees: null, country: 'BR' }), r).id).toBe('mid-market');
    const growthDefault = routing({ default_team: 'growth' });
    expect(routeTeam(account({ employees: null, country: 'BR' }), growthDefault).id).toBe('growth');
  });

  it('defaults default_team to the first team', () => {
    const manifest: Manifest = manifestFrom(ROUTING_YAML);
    const raw = manifestFrom(ROUTING_YAML.replace('  default_team: mid-market\n', ''));
    expect(manifest.routing.default_team).toBe('mid-market');
    expect(routeTeam(account({ employees: null, country: 'BR' }), raw.routing).id).toBe('enterprise');
  });
});

describe('routeAlert: the account owner', () => {
  it('gives the alert to the owner named by Slack id or by email (any case)', () => {
    expect(route({ owner: 'U0BEN' }, { tier: 'warm' })).toMatchObject({
      rep: { id: 'U0BEN' },
      reason: 'account owner',
    });
    expect(route({ owner: ' Ben@Seller.COM ' }).rep?.id).toBe('U0BEN');
  });

  it('keeps the tier over the owner: a warm-only owner gets a hot alert only when no hot rep can take it', () => {
    // BEN takes warm only; ANA takes hot.
    expect(route({ owner: 'U0BEN' }, { tier: 'hot' })).toMatchObject({
      rep: { id: 'U0ANA' },
      outsideTier: false,
    });
    const anaAway = loads({ U0ANA: { ooo: true } });
    const r = midMarket({
      reps: [
        { id: 'U0ANA', tiers: ['hot'] },
        { id: 'U0BEN', tiers: ['warm'] },
        { id: 'U0CAM', tiers: ['warm'] },
      ],
    });
    expect(route({ owner: 'U0BEN' }, { routing: r, tier: 'hot', loads: anaAway })).toMatchObject({
      rep: { id: 'U0BEN' },
      reason: 'account owner; no rep who takes hot alerts can take it, so it goes outside the tier',
      outsideTier: true,
    });
  });

  it('routes to the owner only when they are a rep of the alert’s team (SPEC §5: the play’s team)', () => {
    expect(route({ owner: 'ent@seller.com' })).toMatchObject({
      team: { id: 'mid-market' },
      reason: 'round-robin',
      ownerFrom: null,
    });
    expect(route({ owner: 'ent@seller.com' }).rep?.id).not.toBe('U0ENT');
    // The CRM's owner of another team is passed over, and the card says why.
    expect(route({ crmOwner: 'U0ENT' })).toMatchObject({
      ownerFrom: null,
      crmOwnerSkipped: { rep: 'U0ENT', why: 'is not a rep of the mid-market team' },
    });
  });

  it('skips an owner who is out of office, at capacity, outside hours or excluded', () => {
    expect(route({ owner: 'U0BEN' }, { loads: loads({ U0BEN: { ooo: true } }) }).rep?.id).not.toBe('U0BEN');
    expect(route({ owner: 'U0BEN' }, { loads: loads({ U0BEN: { open: 10 } }) }).rep?.id).not.toBe('U0BEN');
    expect(route({ owner: 'U0CAM', country: 'DE' }, { now: NOW + 4 * 3_600_000 }).reason).not.toBe(
      'account owner',
    );
    expect(route({ owner: 'U0BEN' }, { exclude: ['U0BEN'] }).rep?.id).not.toBe('U0BEN');
  });

  it("offers the CRM's owner second: after an owner the event names, and only when they are a rep", () => {
    expect(route({ crmOwner: 'U0BEN' })).toMatchObject({ rep: { id: 'U0BEN' }, ownerFrom: 'crm' });
    expect(route({ crmOwner: 'ben@seller.com' }).ownerFrom).toBe('crm');
    expect(route({ owner: 'U0ANA', crmOwner: 'U0BEN' })).toMatchObject({
      rep: { id: 'U0ANA' },
      ownerFrom: 'event',
    });
    // An event owner who is away does not hand the alert to the CRM's owner: routing goes on.
    const away = route({ owner: 'U0ANA', crmOwner: 'U0BEN' }, { loads: loads({ U0ANA: { ooo: true } }) });
    expect(away.ownerFrom).toBeNull();
    expect(route({ crmOwner: 'someone@else.com' })).toMatchObject({ reason: 'round-robin', ownerFrom: null });
  });

  it("says why the CRM's owner was passed over", () => {
    // Ben takes warm alerts only.
    expect(route({ crmOwner: 'U0BEN' }, { tier: 'hot' })).toMatchObject({
      ownerFrom: null,
      crmOwnerSkipped: { rep: 'U0BEN', name: 'ben@seller.com', why: 'does not take hot alerts' },
    });
    expect(route({ crmOwner: 'U0BEN' }, { loads: loads({ U0BEN: { ooo: true } }) }).crmOwnerSkipped).toEqual({
      rep: 'U0BEN',
      name: 'ben@seller.com',
      why: 'out of office or at capacity',
    });
    expect(route({ crmOwner: 'U0BEN' }).crmOwnerSkipped).toBeNull();
  });

  it('ignores an unknown owner, and the owner altogether when the strategy leaves `owner` out', () => {
    expect(route({ owner: 'someone@else.com' }).reason).toBe('round-robin');
    const noOwner = routing({ strategy: ['territory', 'tier', 'round_robin'] });
    expect(route({ owner: 'U0BEN' }, { routing: noOwner }).rep?.id).toBe('U0ANA');
  });
});

describe('routeAlert: territory and tier filters', () => {
  it('keeps reps whose territory includes the account’s country, and reps without one', () => {
    expect(route({ country: 'US' }).rep?.id).toBe('U0ANA');
    // DE: CAM's territory. ANA (US, CA) is filtered out; BEN has no territory and stays.
    const r = midMarket();
    const de = route({ country: 'DE' }, { routing: r, loads: loads({ U0CAM: { routed: 5 } }) });
    expect(de.rep?.id).toBe('U0BEN');
    expect(route({ country: 'DE' }, { routing: r, loads: loads({ U0BEN: { routed: 5 } }) }).rep?.id).toBe(
      'U0CAM',
    );
    expect(route({ country: 'US' }, { routing: r, loads: loads({ U0ANA: { routed: 5 } }) }).rep?.id).toBe(
      'U0BEN',
    );
  });

  it('compares countries case-insensitively', () => {
    const lower = routing({
      reps: [
        { id: 'U0ANA', email: 'ana@seller.com', countries: ['us'] },
        { id: 'U0BEN', email: 'ben@seller.com', countries: ['ca'] },
        { id: 'U0CAM', email: 'cam@seller.com', countries: ['de'] },
        { id: 'U0ENT' },
      ],
    });
    expect(route({ country: 'US' }, { routing: lower, loads: loads({ U0ANA: { routed: 9 } }) }).rep?.id).toBe(
      'U0ANA',
    );
  });

  it('keeps only reps who take the alert’s tier', () => {
    const r = routing({ strategy: ['tier', 'round_robin'] });
    const busyAna = loads({ U0ANA: { routed: 10 } });
    expect(route({}, { routing: r, tier: 'warm', loads: busyAna }).rep?.id).toBe('U0BEN');
    expect(route({}, { routing: r, tier: 'hot', loads: busyAna }).rep?.id).not.toBe('U0BEN');
  });

  it('skips a filter that nobody satisfies instead of emptying the pool', () => {
    // Nobody covers Brazil: the territory filter is skipped, and the tier filter still applies.
    expect(route({ country: 'BR' }, { tier: 'hot' }).rep).not.toBeNull();
    const onlyTerritories = routing({
      reps: [
        { id: 'U0ANA', countries: ['US'] },
        { id: 'U0BEN', countries: ['CA'] },
        { id: 'U0CAM', countries: ['DE'] },
        { id: 'U0ENT' },
      ],
    });
    expect(route({ country: 'BR' }, { routing: onlyTerritories }).rep).not.toBeNull();
    expect(route({ country: null }, { routing: onlyTerritories }).rep).not.toBeNull();
  });

  it('never leaves an alert unrouted because the filtered reps are unavailable while others are free', () => {
    // Managers are told only when no rep can take it at all. ANA is the only US rep and the
    // only one who takes hot alerts; she is out of office, BEN and CAM are free.
    const away = loads({ U0ANA: { ooo: true } });
    const warm = route({ country: 'US' }, { loads: away });
    expect(warm.rep?.id).toBeDefined();
    expect(warm.rep?.id).not.toBe('U0ANA');
    const hot = route({ country: 'US' }, { tier: 'hot', loads: away });
    expect(hot.rep).not.toBeNull();
    expect(hot.rep?.id).not.toBe('U0ANA');
  });

  it('keeps the tier a promise: a hot alert waits for a hot rep whose hours start later', () => {
    // ANA is the only hot rep, on Berlin hours here; at 10:00 New York (16:00 Berlin) she is in
    // hours, at 13:00 New York (19:00 Berlin) she is not, while BEN (warm only) is.
    const r = midMarket({
      reps: [
        { id: 'U0ANA', tiers: ['hot', 'warm'], hours: { tz: 'Europe/Berlin' } },
        { id: 'U0BEN', tiers: ['warm'] },
        { id: 'U0CAM', tiers: ['warm'] },
        { id: 'U0ENT' },
      ],
    });
    const evening = Date.parse('2026-11-23T18:00:00Z');
    const hot = route({ country: 'DE' }, { routing: r, tier: 'hot', now: evening });
    expect(hot.rep?.id).toBe('U0ANA');
    expect(hot.reason).toMatch(/^nobody in hours; next in hours at /);
    // It waits for her Tuesday 09:00 Berlin, and the managers are told why: BEN is in hours.
    expect(hot).toMatchObject({
      waitsUntil: Date.parse('2026-11-24T08:00:00Z'),
      heldForTier: true,
      outsideTier: false,
    });
    // A warm alert is anyone's in hours.
    expect(route({ country: 'DE' }, { routing: r, tier: 'warm', now: evening }).rep?.id).not.toBe('U0ANA');
  });

  it('goes outside the tier only when no rep of the tier can take it, and says so', () => {
    const r = midMarket({
      reps: [
        { id: 'U0ANA', tiers: ['hot', 'warm'] },
        { id: 'U0BEN', tiers: ['warm'] },
        { id: 'U0CAM', tiers: ['warm'] },
        { id: 'U0ENT' },
      ],
    });
    const away = loads({ U0ANA: { ooo: true } });
    const hot = route({}, { routing: r, tier: 'hot', loads: away });
    expect(hot.rep?.id).toBeDefined();
    expect(hot.rep?.id).not.toBe('U0ANA');
    expect(hot.reason).toBe(
      'round-robin; no rep who takes hot alerts can take it, so it goes outside the tier',
    );
    expect(hot).toMatchObject({ outsideTier: true, heldForTier: false, waitsUntil: null });
  });

  it('prefers a rep in hours over a territory rep outside hours', () => {
    // The next-opening fallback is for when no rep can take the alert now.
    // At 13:00 New York (19:00 Berlin) CAM, the only DE rep, is closed; ANA and BEN (US) are in hours.
    const territories = midMarket({
      reps: [
        { id: 'U0ANA', countries: ['US'] },
        { id: 'U0BEN', countries: ['US'] },
        { id: 'U0CAM', countries: ['DE'], hours: { tz: 'Europe/Berlin' } },
        { id: 'U0ENT' },
      ],
    });
    const evening = Date.parse('2026-11-23T18:00:00Z');
    const result = route({ country: 'DE' }, { routing: territories, now: evening });
    expect(result.rep?.id).toBe('U0ANA');
    expect(result.reason).toBe('round-robin');
    // Once Berlin opens (Tuesday 09:00 Berlin = 03:00 New York), nobody else is in hours: CAM gets it.
    const berlinMorning = Date.parse('2026-11-24T08:30:00Z');
    expect(route({ country: 'DE' }, { routing: territories, now: berlinMorning }).rep?.id).toBe('U0CAM');
  });
});

describe('routeAlert: availability', () => {
  it('skips reps out of office', () => {
    expect(route({}, { loads: loads({ U0ANA: { ooo: true } }) }).rep?.id).not.toBe('U0ANA');
  });

  it('skips reps at capacity, and keeps one a slot below', () => {
    expect(route({}, { loads: loads({ U0ANA: { open: 15 } }) }).rep?.id).not.toBe('U0ANA');
    expect(route({}, { loads: loads({ U0ANA: { open: 14 } }) }).rep?.id).toBe('U0ANA');
  });

  it('skips reps outside their own hours, or the team’s when they have none', () => {
    // 19:00 New York on a Monday: the team (New York 09–18) is closed; Berlin is closed too.
    const late = Date.parse('2026-11-24T00:00:00Z');
    const result = route({ country: 'US' }, { now: late });
    expect(result.reason).toMatch(/^nobody in hours; next in hours at /);
  });

  it('gives the alert to the rep whose hours start next when nobody is in hours', () => {
    const result = route(
      { country: null },
      { routing: midMarket({ strategy: ['round_robin'] }), now: NIGHT },
    );
    // CAM's Berlin day starts at 08:00 UTC; ANA and BEN open at 14:00 UTC (09:00 New York).
    expect(result).toMatchObject({
      rep: { id: 'U0CAM' },
      reason: 'nobody in hours; next in hours at 2026-11-23T08:00:00.000Z',
    });
  });

  it('round-robins among the reps who open next', () => {
    const r = routing({
      reps: [
        { id: 'U0ANA', email: 'ana@seller.com' },
        { id: 'U0BEN', email: 'ben@seller.com' },
        { id: 'U0CAM', email: 'cam@seller.com', hours: { tz: 'Europe/Berlin', from: '16:00', to: '17:00' } },
        { id: 'U0ENT' },
      ],
    });
    // 02:00 New York: ANA and BEN open at 09:00 New York (14:00 UTC), CAM at 16:00 Berlin (15:00 UTC).
    const result = route({}, { routing: r, now: NIGHT, loads: loads({ U0ANA: { routed: 3 } }) });
    expect(result.rep?.id).toBe('U0BEN');
    expect(result.reason).toBe('nobody in hours; next in hours at 2026-11-23T14:00:00.000Z');
  });

  it('routes to nobody (managers are told) only when every rep is out of office or at capacity', () => {
    const everyoneAway = loads({ U0ANA: { ooo: true }, U0BEN: { open: 10 }, U0CAM: { ooo: true } });
    expect(route({}, { loads: everyoneAway })).toMatchObject({
      team: { id: 'mid-market' },
      rep: null,
      reason: 'nobody available: all out of office or at capacity',
    });
    expect(route({}, { loads: everyoneAway, now: NIGHT }).rep).toBeNull();
  });

  it('skips excluded reps (a reassignment) and routes to nobody when all are excluded', () => {
    expect(route({}, { exclude: ['U0ANA'] }).rep?.id).not.toBe('U0ANA');
    expect(route({}, { exclude: ['U0ANA', 'U0BEN', 'U0CAM'] }).rep).toBeNull();
  });

  it('uses every rep for a team that lists none', () => {
    const growth = route({ employees: 5 });
    expect(growth.team.id).toBe('growth');
    expect(growth.rep?.id).toBe('U0ANA');
  });
});

describe('routeAlert: weighted round-robin', () => {
  function simulate(weights: Record<string, number>, picks: number, strategy = ['round_robin']) {
    const r = routing({
      strategy,
      teams: [{ id: 'everyone', channel: 'C0ALL', hours: { days: 'mon-sun', from: '00:00', to: '24:00' } }],
      default_team: 'everyone',
      reps: Object.entries(weights).map(([id, weight]) => ({ id, weight })),
    });
    const routed: Record<string, number> = Object.fromEntries(Object.keys(weights).map((id) => [id, 0]));
    const order: string[] = [];
    for (let i = 0; i < picks; i++) {
      const { rep } = routeAlert({
        account: account(),
        tier: 'warm',
        routing: r,
        loads: (id) => ({ ooo: false, open: 0, routed: routed[id]! }),
        now: NOW,
      });
      routed[rep!.id]!++;
      order.push(rep!.id);
    }
    return { routed, order };
  }

  it('shares alerts equally between equal weights, alternating', () => {
    const { routed, order } = simulate({ U0A: 1, U0B: 1, U0C: 1 }, 300);
    expect(routed).toEqual({ U0A: 100, U0B: 100, U0C: 100 });
    expect(order.slice(0, 6)).toEqual(['U0A', 'U0B', 'U0C', 'U0A', 'U0B', 'U0C']);
  });

  it('shares alerts in proportion to weight over many picks', () => {
    const { routed } = simulate({ U0A: 1, U0B: 0.5, U0C: 1.5 }, 600);
    expect(routed.U0A).toBeGreaterThanOrEqual(199);
    expect(routed.U0A).toBeLessThanOrEqual(201);
    expect(routed.U0B).toBeGreaterThanOrEqual(99);
    expect(routed.U0B).toBeLessThanOrEqual(101);
    expect(routed.U0C).toBeGreaterThanOrEqual(299);
    expect(routed.U0C).toBeLessThanOrEqual(301);
  });

  it('never lets a rep run far ahead of their share (smooth)', () => {
    const { order } = simulate({ U0A: 2, U0B: 1 }, 90);
    let a = 0;
    for (const [i, id] of order.entries()) {
      if (id === 'U0A') a++;
      expect(Math.abs(a - ((i + 1) * 2) / 3)).toBeLessThanOrEqual(1);
    }
  });

  it('without round_robin, always takes the first rep that can take it', () => {
    const { routed } = simulate({ U0A: 1, U0B: 1 }, 10, ['tier']);
    expect(routed).toEqual({ U0A: 10, U0B: 0 });
  });
});
