import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from '../../../src/config/manifest.js';
import { manifestWarnings } from '../../../src/config/manifest-warnings.js';
import { type Manifest, METRIC_NAMES } from '../../../src/domain/definition.js';
import { specManifest } from '../../support/domain-builders.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/manifests/${name}`, import.meta.url));
const SHIPPED = fileURLToPath(new URL('../../../manifests/pls.yml', import.meta.url));

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A valid manifest as YAML would hand it over: one signal per layer, one team, one rep. */
function base() {
  return {
    scoring: {
      signals: [
        { id: 'active', layer: 'behavioral', event: 'session_started', points: 10 },
        { id: 'invites', layer: 'organizational', event: 'teammate_invited', points: 5 },
        { id: 'limit_hit', layer: 'intent', event: 'usage_limit_hit', points: 30 },
      ] as Record<string, unknown>[],
      metrics: [] as Record<string, unknown>[],
    } as Record<string, unknown>,
    routing: {
      teams: [{ id: 'sales', channel: 'C0SALES', reps: ['U0REP'] }] as Record<string, unknown>[],
      reps: [{ id: 'U0REP' }] as Record<string, unknown>[],
      managers: ['U0BOSS'],
      escalation_channel: 'C0ESCALATE',
    } as Record<string, unknown>,
  } as Record<string, unknown> & { scoring: Record<string, unknown>; routing: Record<string, unknown> };
}

describe('the shipped manifest (manifests/pls.yml)', () => {
  const manifest = loadManifest(SHIPPED);

  it('scores the whole native event vocabulary except plan_changed (a rule, not a signal)', () => {
    const events = new Set(manifest.scoring.signals.map((signal) => signal.event));
    for (const event of [
      'signed_up',
      'activation_milestone',
      'session_started',
      'feature_used',
      'integration_connected',
      'teammate_invited',
      'pricing_page_viewed',
      'premium_feature_attempted',
      'usage_limit_approached',
      'usage_limit_hit',
      'demo_requested',
      'upgrade_started',
    ]) {
      expect(events, event).toContain(event);
    }
  });

  it('uses every metric the engine keeps', () => {
    expect(
      new Set(manifest.plays.flatMap((play) => play.scoring.metrics.map((metric) => metric.metric))),
    ).toEqual(new Set(METRIC_NAMES));
  });

  it('makes the handoff moments of the PLS literature handoffs', () => {
    const handoffOf = (event: string) =>
      manifest.scoring.signals.find((signal) => signal.event === event && signal.handoff)?.handoff;
    const once = { count: 1, within: null, distinct: null };
    expect(handoffOf('pricing_page_viewed')).toEqual({ count: 3, within: 7 * DAY, distinct: null });
    expect(handoffOf('premium_feature_attempted')).toEqual(once);
    expect(handoffOf('usage_limit_hit')).toEqual(once);
    expect(handoffOf('demo_requested')).toEqual(once);
    expect(handoffOf('teammate_invited')).toEqual(once);
    expect(handoffOf('usage_limit_approached')).toEqual({ count: 3, within: 14 * DAY, distinct: 'day' });
  });

  it('has no handoff signal that cannot fire on its own', () => {
    expect(manifestWarnings(manifest)).toEqual([]);
  });

  it('routes by size across three teams with the rules of engagement', () => {
    expect(manifest.routing.teams.map((team) => team.id)).toEqual(['enterprise', 'mid-market', 'growth']);
    expect(manifest.routing.default_team).toBe('mid-market');
    expect(manifest.scoring.rules).toEqual({
      cooldown: 14 * DAY,
      converting_window: 24 * HOUR,
      min_employees: 20,
      min_active_users_when_size_unknown: 3,
      team_only_claims: true,
      exclude_plans: ['enterprise'],
      back_off: 7 * DAY,
      stale_after: 24 * HOUR,
      paid_plans: ['team', 'business', 'enterprise'],
    });
  });

  it('is frozen all the way down', () => {
    expect(Object.isFrozen(manifest)).toBe(true);
    expect(Object.isFrozen(manifest.routing.teams[0]!.hours.days)).toBe(true);
    expect(Object.isFrozen(manifest.scoring.metrics[0]!.steps[0])).toBe(true);
    expect(() => {
      (manifest.scoring.tiers as { hot: number }).hot = 1;
    }).toThrow(TypeError);
  });
});

describe('a manifest with only the required keys', () => {
  it('gets every documented default', () => {
    const expected: Omit<Manifest, 'plays' | 'teams'> = {
      timezone: 'America/New_York',
      labels: {},
      retention: 180 * DAY,
      scoring: {
        half_life: 3 * DAY,
        tiers: { hot: 70, warm: 40 },
        gates: { behavioral: 10, organizational: 5, intent: 10 },
        signals: [
          {
            id: 'active',
            layer: 'behavioral',
            event: 'session_started',
            points: 10,
            cap: null,
            handoff: null,
            says: null,
            label: 'Active',
            opener: null,
            where: null,
          },
          {
            id: 'invites',
            layer: 'organizational',
            event: 'teammate_invited',
            points: 5,
            cap: null,
            handoff: null,
            says: null,
            label: 'Invites',
            opener: null,
            where: null,
          },
          {
            id: 'limit_hit',
            layer: 'intent',
            event: 'usage_limit_hit',
            points: 30,
            cap: null,
            handoff: { count: 1, within: null, distinct: null },
            says: null,
            label: 'Limit hit',
            opener: null,
            where: null,
          },
        ],
        metrics: [],
        rules: {
          cooldown: 14 * DAY,
          converting_window: 24 * HOUR,
          min_employees: 20,
          min_active_users_when_size_unknown: 3,
          team_only_claims: true,
          exclude_plans: ['enterprise'],
          back_off: 7 * DAY,
          stale_after: 24 * HOUR,
          paid_plans: ['team', 'business', 'enterprise'],
        },
        labels: {},
      },
      routing: {
        strategy: ['owner', 'territory', 'tier', 'round_robin'],
        default_team: 'sales',
        teams: [
          {
            id: 'sales',
            channel: 'C0SALES',
            match: {},
            hours: { tz: 'America/New_York', days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60 },
            reps: [],
          },
        ],
        reps: [
          {
            id: 'U0REP',
            email: null,
            capacity: 15,
            tiers: ['hot', 'warm'],
            countries: null,
            hours: null,
            weight: 1,
          },
        ],
        managers: ['U0BOSS'],
        escalation_channel: 'C0ESCALATE',
      },
      sla: {
        sweep_every: 30_000,
        business_hours: true,
        tiers: {
          hot: { claim: 15 * MINUTE, first_touch: 2 * HOUR },
          warm: { claim: 4 * HOUR, first_touch: 24 * HOUR },
        },
        escalation: [
          { at: 0.5, do: 'remind' },
          { at: 1, do: 'escalate' },
          { at: 2, do: 'reassign' },
        ],
      },
      integrations: {
        webhooks: [],
        hubspot: {
          owner_routing: true,
          write_back: true,
          refresh_owner_after: 24 * HOUR,
          property_group: 'pls',
        },
      },
    };
    const { plays, teams, ...manifest } = loadManifest(fixture('minimal.yml'));
    expect(manifest).toEqual(expected);
    expect(teams).toEqual(expected.routing.teams);
    // Without `plays:`, the top level is the one play, and it judges every account.
    expect(plays).toEqual([
      {
        id: 'new_business',
        label: 'New business',
        applies_to: null,
        prospects_only: false,
        opener: null,
        scoring: expected.scoring,
        routing: expected.routing,
        sla: expected.sla,
      },
    ]);
  });

  it('fills a partly given section key by key', () => {
    const raw = base();
    raw.scoring.tiers = { hot: 80 };
    raw.scoring.rules = { cooldown: '7d' };
    raw.sla = { tiers: { warm: { claim: '1h' } } };
    const manifest = parseManifest(raw);
    expect(manifest.scoring.tiers).toEqual({ hot: 80, warm: 40 });
    expect(manifest.scoring.rules.cooldown).toBe(7 * DAY);
    expect(manifest.scoring.rules.back_off).toBe(7 * DAY);
    expect(manifest.sla.tiers.warm).toEqual({ claim: HOUR, first_touch: 24 * HOUR });
    expect(manifest.sla.tiers.hot).toEqual({ claim: 15 * MINUTE, first_touch: 2 * HOUR });
  });
});

describe('conversions', () => {
  it('turns every duration into milliseconds, short or ISO 8601', () => {
    const raw = base();
    raw.retention = 'P90D';
    raw.scoring.half_life = '36h';
    raw.sla = { sweep_every: 'PT1M', tiers: { hot: { claim: '10m', first_touch: 'PT1H30M' } } };
    const manifest = parseManifest(raw);
    expect(manifest.retention).toBe(90 * DAY);
    expect(manifest.scoring.half_life).toBe(36 * HOUR);
    expect(manifest.sla.sweep_every).toBe(MINUTE);
    expect(manifest.sla.tiers.hot).toEqual({ claim: 10 * MINUTE, first_touch: 90 * MINUTE });
  });

  it('turns escalation percentages into fractions, sorted by when they fire', () => {
    const raw = base();
    raw.sla = {
      escalation: [
        { at: '150%', do: 'reassign' },
        { at: 0.25, do: 'remind' },
        { at: '75 %', do: 'escalate' },
      ],
    };
    expect(parseManifest(raw).sla.escalation).toEqual([
      { at: 0.25, do: 'remind' },
      { at: 0.75, do: 'escalate' },
      { at: 1.5, do: 'reassign' },
    ]);
  });

  it('accepts an empty escalation ladder', () => {
    const raw = base();
    raw.sla = { escalation: [] };
    expect(parseManifest(raw).sla.escalation).toEqual([]);
  });

  it.each([
    ['mon-fri', [1, 2, 3, 4, 5]],
    ['mon,wed,fri', [1, 3, 5]],
    [
      ['sat', 'sun'],
      [6, 7],
    ],
    ['fri-mon', [1, 5, 6, 7]],
    ['Mon-Wed, fri', [1, 2, 3, 5]],
    [
      ['tue', 'mon'],
      [1, 2],
    ],
  ])('reads working days %j as luxon weekdays %j', (days, weekdays) => {
    const raw = base();
    (raw.routing.teams as Record<string, unknown>[])[0]!.hours = { tz: 'Europe/Paris', days };
    expect(parseManifest(raw).routing.teams[0]!.hours.days).toEqual(weekdays);
  });

  it('reads times as minutes since midnight, allowing 24:00 as the end', () => {
    const raw = base();
    (raw.routing.teams as Record<string, unknown>[])[0]!.hours = {
      tz: 'Asia/Tokyo',
      from: '7:30',
      to: '24:00',
    };
    expect(parseManifest(raw).routing.teams[0]!.hours).toEqual({
      tz: 'Asia/Tokyo',
      days: [1, 2, 3, 4, 5],
      from: 7 * 60 + 30,
      to: 24 * 60,
    });
  });

  it('gives hours without a tz the top-level timezone, for teams and reps', () => {
    const raw = base();
    raw.timezone = 'Europe/Berlin';
    raw.routing.teams = [
      {
        id: 'dach',
        channel: 'C0DACH',
        match: { country: { in: ['DE', 'AT', 'CH'] } },
        hours: { from: '08:00' },
      },
      { id: 'rest', channel: 'C0REST' },
    ];
    raw.routing.reps = [{ id: 'U0REP', hours: { days: 'mon-thu', from: '10:00', to: '16:00' } }];
    const manifest = parseManifest(raw);
    expect(manifest.routing.teams[0]!.hours).toEqual({
      tz: 'Europe/Berlin',
      days: [1, 2, 3, 4, 5],
      from: 480,
      to: 1080,
    });
    expect(manifest.routing.teams[1]!.hours).toEqual({
      tz: 'Europe/Berlin',
      days: [1, 2, 3, 4, 5],
      from: 540,
      to: 1080,
    });
    expect(manifest.routing.reps[0]!.hours).toEqual({
      tz: 'Europe/Berlin',
      days: [1, 2, 3, 4],
      from: 600,
      to: 960,
    });
  });

  it('normalises handoff: true, an object, false or absent', () => {
    const raw = base();
    raw.scoring.signals = [
      { id: 'a', layer: 'behavioral', event: 'x', points: 20, handoff: true },
      { id: 'b', layer: 'organizational', event: 'x', points: 20, handoff: { count: 3, within: '7d' } },
      { id: 'c', layer: 'intent', event: 'x', points: 20, handoff: { count: 2 } },
      { id: 'd', layer: 'intent', event: 'x', points: 20, handoff: false },
      { id: 'e', layer: 'intent', event: 'x', points: 20 },
    ];
    expect(parseManifest(raw).scoring.signals.map((signal) => signal.handoff)).toEqual([
      { count: 1, within: null, distinct: null },
      { count: 3, within: 7 * DAY, distinct: null },
      { count: 2, within: null, distinct: null },
      null,
      null,
    ]);
  });

  it('keeps cap, says and where, or makes them null', () => {
    const raw = base();
    raw.scoring.signals = [
      ...(raw.scoring.signals as Record<string, unknown>[]),
      {
        id: 'sso',
        layer: 'intent',
        event: 'premium_feature_attempted',
        points: 8,
        cap: 16,
        says: 'tried {feature}',
        where: { feature: { in: ['sso', 'scim'] }, seats: { gte: 10 } },
      },
    ];
    const [first, , , sso] = parseManifest(raw).scoring.signals;
    expect(first).toMatchObject({ cap: null, says: null, where: null });
    expect(sso).toMatchObject({
      cap: 16,
      says: 'tried {feature}',
      where: { feature: { in: ['sso', 'scim'] }, seats: { gte: 10 } },
    });
  });

  it('sorts metric steps by threshold', () => {
    const raw = base();
    raw.scoring.metrics = [
      {
        id: 'size',
        layer: 'organizational',
        metric: 'employees',
        steps: [
          [500, 15],
          [50, 8],
          [200, 12],
        ],
      },
    ];
    expect(parseManifest(raw).scoring.metrics[0]!.steps).toEqual([
      [50, 8],
      [200, 12],
      [500, 15],
    ]);
  });

  it('defaults default_team to the first team and keeps an explicit one', () => {
    const raw = base();
    raw.routing.teams = [
      { id: 'enterprise', channel: 'C0ENT', match: { employees: { gte: 1000 } } },
      { id: 'mid-market', channel: 'C0MID' },
    ];
    expect(parseManifest(raw).routing.default_team).toBe('enterprise');
    raw.routing.default_team = 'mid-market';
    expect(parseManifest(raw).routing.default_team).toBe('mid-market');
  });

  it('lower-cases rep emails, since CRM owners are matched on them', () => {
    const raw = base();
    raw.routing.reps = [{ id: 'U0REP', email: 'Ana.Lee@Seller.com', countries: ['US', 'CA'], weight: 0.5 }];
    expect(parseManifest(raw).routing.reps[0]).toMatchObject({
      email: 'ana.lee@seller.com',
      countries: ['US', 'CA'],
      weight: 0.5,
    });
  });

  it('keeps match conditions as written', () => {
    const raw = base();
    raw.routing.teams = [
      {
        id: 'sales',
        channel: 'C0SALES',
        match: {
          employees: { gte: 20, lt: 1000 },
          plan: { in: ['free', 'trial'] },
          domain: { eq: 'acme.com' },
        },
      },
    ];
    expect(parseManifest(raw).routing.teams[0]!.match).toEqual({
      employees: { gte: 20, lt: 1000 },
      plan: { in: ['free', 'trial'] },
      domain: { eq: 'acme.com' },
    });
  });
});

describe('manifestWarnings', () => {
  it('names a handoff signal that, at its cap and alone on its layer, cannot pass the gate', () => {
    const weak = specManifest({
      scoring: {
        signals: [
          { id: 'sessions', layer: 'behavioral', event: 'session_started', points: 2 },
          {
            id: 'invite',
            layer: 'intent',
            event: 'teammate_invited',
            points: 4,
            cap: 8,
            handoff: { count: 3 },
          },
          { id: 'pricing', layer: 'intent', event: 'pricing_page_viewed', points: 4, handoff: { count: 3 } },
        ],
      },
    });
    expect(manifestWarnings(weak)).toEqual([
      'scoring.signals.1 (invite): a handoff signal that cannot fire on its own: at best it earns 8 points, alone on the intent layer, under the intent gate of 10 (2 short)',
    ]);
  });
});

describe('handoff distinct: day', () => {
  it('needs a window to count the days in', () => {
    const signals = [
      {
        id: 'near',
        layer: 'intent',
        event: 'usage_limit_approached',
        points: 8,
        handoff: { count: 3, distinct: 'day' },
      },
    ];
    expect(() => specManifest({ scoring: { signals } })).toThrow(
      'scoring.signals.0.handoff.distinct: distinct: day needs within (the days are counted within it)',
    );
  });
});

describe('openers and labels', () => {
  it('refuses an opener that quotes tracking at the prospect, naming the key', () => {
    const signals = [
      {
        id: 'hit',
        layer: 'intent',
        event: 'usage_limit_hit',
        points: 30,
        opener: 'Hi {first_name}, you used {used} of {quota}.',
      },
    ];
    expect(() => specManifest({ scoring: { signals } })).toThrow(
      'scoring.signals.0.opener: quotes tracking at the prospect ({used}, {quota}): use {first_name}, {account}, {limit}, {feature}, {plan}, {invitee_domain}',
    );
  });

  it('names a signal for people by its label, else its id in words', () => {
    const signals = [
      { id: 'usage_limit_hit', layer: 'intent', event: 'usage_limit_hit', points: 30 },
      { id: 'sso', layer: 'intent', event: 'premium_feature_attempted', points: 10, label: 'SSO attempt' },
    ];
    expect(specManifest({ scoring: { signals } }).scoring.signals.map((s) => s.label)).toEqual([
      'Usage limit hit',
      'SSO attempt',
    ]);
  });
});
