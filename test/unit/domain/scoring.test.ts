import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { type AccountState, applyEvent, emptyAccountState } from '../../../src/domain/account-state.js';
import { type Manifest, METRIC_NAMES, type MetricName } from '../../../src/domain/definition.js';
import { CHANGE_METRICS } from '../../../src/domain/metrics.js';
import {
  EMPTY_SCORE,
  type Firmographics,
  metricValue,
  readyForSales,
  scoreAccount,
  tierFor,
} from '../../../src/domain/scoring.js';
import {
  DAY,
  HOUR,
  MINUTE,
  MONDAY_10AM_NY,
  manifestFrom,
  specManifest,
  usageEvent,
} from '../../support/domain-builders.js';

const NOW = MONDAY_10AM_NY;
const ACME: Firmographics = { employees: 250, domain: 'acme.com', plan: 'free' };
const LIMIT = { limit: 'API calls', used: 10_000, quota: 10_000 };

type Event = ReturnType<typeof usageEvent>;

function stateOf(manifest: Manifest, events: Event[], now = NOW): AccountState {
  const state = emptyAccountState();
  for (const event of events) {
    applyEvent(state, event, manifest.scoring.signals, manifest.scoring.half_life, now);
  }
  return state;
}

const times = (n: number, make: (i: number) => Event) => Array.from({ length: n }, (_, i) => make(i));

describe('scoreAccount: signal points', () => {
  const manifest = specManifest({ scoring: { metrics: [] } });

  it('adds signal points and decays them with the half-life', () => {
    const state = stateOf(manifest, [usageEvent('usage_limit_hit', NOW, { properties: LIMIT })]);
    const at = (t: number) => scoreAccount(state, ACME, manifest.scoring, t).layers.intent;
    expect(at(NOW)).toBe(30);
    expect(at(NOW + 3 * DAY)).toBeCloseTo(15, 9);
    expect(at(NOW + 6 * DAY)).toBeCloseTo(7.5, 9);
  });

  it('never lets a signal hold more than its cap, however many events arrive', () => {
    const state = stateOf(manifest, [
      ...times(20, (i) => usageEvent('session_started', NOW - i * MINUTE)),
      ...times(5, (i) => usageEvent('pricing_page_viewed', NOW - i * MINUTE)),
    ]);
    const score = scoreAccount(state, ACME, manifest.scoring, NOW);
    expect(score.contributions.find((c) => c.id === 'sessions')!.points).toBe(10);
    expect(score.contributions.find((c) => c.id === 'pricing_repeat')!.points).toBe(18);
  });

  it('applies the cap to the decayed total: a capped signal starts losing points only once decay brings it under', () => {
    const state = stateOf(
      manifest,
      times(10, () => usageEvent('session_started', NOW)),
    ); // 20 points, cap 10
    const sessions = (t: number) =>
      scoreAccount(state, ACME, manifest.scoring, t).contributions.find((c) => c.id === 'sessions')?.points;
    expect(sessions(NOW + 3 * DAY)).toBe(10); // 20 → 10, still at the cap
    expect(sessions(NOW + 6 * DAY)).toBeCloseTo(5, 9);
  });

  it('drops a signal that has decayed to nothing', () => {
    const state = stateOf(manifest, [usageEvent('session_started', NOW)]);
    expect(scoreAccount(state, ACME, manifest.scoring, NOW + 60 * DAY).contributions).toEqual([]);
  });

  it('describes a signal with its `says` and `{count}` of the count window', () => {
    const state = stateOf(manifest, [
      ...times(3, (i) => usageEvent('pricing_page_viewed', NOW - i * HOUR)),
      usageEvent('usage_limit_hit', NOW, { properties: LIMIT }),
      usageEvent('custom_event', NOW),
    ]);
    const score = scoreAccount(state, ACME, manifest.scoring, NOW);
    const text = (id: string) => score.contributions.find((c) => c.id === id)?.text;
    expect(text('pricing_repeat')).toBe('viewed pricing 3× in 7 days');
    expect(text('usage_limit_hit')).toBe('hit the API calls limit (10,000/10,000)');
    expect(score.contributions.find((c) => c.id === 'pricing_repeat')!.value).toBe(3);
    expect(score.contributions.find((c) => c.id === 'usage_limit_hit')!.lastAt).toBe(NOW);
  });

  it('describes a signal without `says` as its event in words with the weekly count', () => {
    const plain = manifestFrom(
      `
scoring:
  gates: { behavioral: 0, organizational: 0, intent: 0 }
  tiers: { hot: 10, warm: 5 }
  signals: [{ id: demo, layer: intent, event: demo_requested, points: 40 }]
routing: { teams: [{ id: t, channel: C0T }], reps: [{ id: U0R }], managers: [U0M], escalation_channel: C0E }
`,
    );
    const state = stateOf(plain, [
      usageEvent('demo_requested', NOW - DAY),
      usageEvent('demo_requested', NOW),
    ]);
    expect(scoreAccount(state, ACME, plain.scoring, NOW).contributions[0]!.text).toBe(
      'demo requested (2× this week)',
    );
  });

  it('sorts contributions by points, highest first', () => {
    const state = stateOf(manifest, [
      usageEvent('session_started', NOW),
      usageEvent('usage_limit_hit', NOW, { properties: LIMIT }),
      usageEvent('teammate_invited', NOW),
    ]);
    const points = scoreAccount(state, ACME, manifest.scoring, NOW).contributions.map((c) => c.points);
    expect(points).toEqual([30, 4, 2]);
  });
});

describe('metricValue: every metric the manifest docs name', () => {
  it('is tested here for each of the thirteen', () => {
    expect(METRIC_NAMES).toHaveLength(13);
  });

  const manifest = specManifest();
  const value = (name: MetricName, events: Event[], firm: Firmographics = ACME, now = NOW) =>
    metricValue(name, stateOf(manifest, events, now), firm, now);

  it('active_days_14d: distinct days with activity in the last 14, today included', () => {
    const events = [0, 0, 1, 3, 13, 14, 20].map((d) => usageEvent('feature_used', NOW - d * DAY));
    expect(value('active_days_14d', events)).toBe(4); // today, -1, -3, -13; not -14 or -20
  });

  it('active_users_14d: distinct users seen in the last 14 days', () => {
    const events = [
      usageEvent('session_started', NOW, { userId: 'a' }),
      usageEvent('session_started', NOW - DAY, { userId: 'a' }),
      usageEvent('session_started', NOW - 13 * DAY, { userId: 'b' }),
      usageEvent('session_started', NOW - 15 * DAY, { userId: 'c' }),
      usageEvent('session_started', NOW, { userId: null }),
    ];
    expect(value('active_users_14d', events)).toBe(2);
  });

  it('sessions_7d: sessions in the last 7 days', () => {
    const events = [0, 1, 2, 6, 8].map((d) => usageEvent('session_started', NOW - d * DAY));
    expect(value('sessions_7d', events)).toBe(4);
  });

  it('features_30d: distinct features used in the last 30 days', () => {
    const events = [
      usageEvent('feature_used', NOW, { properties: { feature: 'dashboards' } }),
      usageEvent('feature_used', NOW - DAY, { properties: { feature: 'dashboards' } }),
      usageEvent('feature_used', NOW - 29 * DAY, { properties: { feature: 'alerts' } }),
      usageEvent('feature_used', NOW - 31 * DAY, { properties: { feature: 'exports' } }),
    ];
    expect(value('features_30d', events)).toBe(2);
  });

  it('integrations: integrations connected', () => {
    const events = ['github', 'slack', 'github'].map((integration) =>
      usageEvent('integration_connected', NOW, { properties: { integration } }),
    );
    expect(value('integrations', events)).toBe(2);
  });

  it('invites_30d: teammates invited in the last 30 days', () => {
    const events = [0, 10, 29, 31].map((d) =>
      usageEvent('teammate_invited', NOW - d * DAY, { properties: { invitee_email: `p${d}@acme.com` } }),
    );
    expect(value('invites_30d', events)).toBe(3);
  });

  it('pricing_views_7d: pricing page views in the last 7 days', () => {
    const events = [0, 0, 3, 8].map((d) => usageEvent('pricing_page_viewed', NOW - d * DAY));
    expect(value('pricing_views_7d', events)).toBe(3);
  });

  it('usage_ratio: the highest used/quota of the last 30 days, at most 1', () => {
    const limit = (limit: string, used: number, quota: number, at = NOW) =>
      usageEvent('usage_limit_approached', at, { properties: { limit, used, quota } });
    expect(value('usage_ratio', [limit('seats', 4, 5), limit('api', 50, 100)])).toBeCloseTo(0.8, 9);
    expect(value('usage_ratio', [limit('api', 150, 100)])).toBe(1);
    expect(value('usage_ratio', [limit('api', 99, 100, NOW - 31 * DAY)])).toBe(0);
    expect(value('usage_ratio', [])).toBe(0);
  });

  it('limit_pressure_days_14d: days of the last 14 with a usage reading at or past 80 % of its quota', () => {
    const reading = (daysAgo: number, used: number) =>
      usageEvent('usage_limit_approached', NOW - daysAgo * DAY, {
        properties: { limit: 'api', used, quota: 100 },
      });
    const events = [
      reading(0, 80),
      reading(0, 95),
      reading(2, 79),
      reading(3, 100),
      reading(13, 90),
      reading(15, 99),
    ];
    expect(value('limit_pressure_days_14d', events)).toBe(3);
    expect(
      value('limit_pressure_days_14d', [
        usageEvent('usage_limit_hit', NOW, { properties: { used: 10, quota: 10 } }),
      ]),
    ).toBe(1);
  });

  it('employees: from the firmographics, 0 when unknown', () => {
    expect(value('employees', [], ACME)).toBe(250);
    expect(value('employees', [], { ...ACME, employees: null })).toBe(0);
  });

  it('active_users_change_28d: (users of the last 14 days − the 14 before) ÷ the 14 before, out-of-order events too', () => {
    const events = [
      // Before: a, b, c, d (days 14–27 ago); recently: a and e. Days 14 and 27 are the edges.
      usageEvent('session_started', NOW - 14 * DAY, { userId: 'a' }),
      usageEvent('session_started', NOW - 27 * DAY, { userId: 'b' }),
      usageEvent('session_started', NOW - 20 * DAY, { userId: 'c' }),
      usageEvent('session_started', NOW - 28 * DAY, { userId: 'x' }), // out of both windows
      usageEvent('session_started', NOW - 13 * DAY, { userId: 'e' }),
      usageEvent('session_started', NOW - 16 * DAY, { userId: 'd' }),
      usageEvent('session_started', NOW, { userId: 'a' }),
    ];
    expect(value('active_users_change_28d', events)).toBeCloseTo((2 - 4) / 4);
    expect(value('active_users_change_28d', events.slice(0, 2))).toBe(0); // 2 before: no base
  });

  it('sessions_change_28d: (sessions of the last 14 days − the 14 before) ÷ the 14 before', () => {
    const events = [
      ...times(12, (i) => usageEvent('session_started', NOW - 15 * DAY - i * HOUR)),
      ...times(18, (i) => usageEvent('session_started', NOW - 2 * DAY - i * HOUR)),
    ];
    expect(value('sessions_change_28d', events)).toBeCloseTo(0.5);
  });

  it('business_domain: 1 unless the domain (else the first user’s email domain) is free mail', () => {
    expect(value('business_domain', [], ACME)).toBe(1);
    expect(value('business_domain', [], { ...ACME, domain: 'gmail.com' })).toBe(0);
    const noDomain = { ...ACME, domain: null };
    expect(
      value('business_domain', [usageEvent('session_started', NOW, { email: 'kim@acme.com' })], noDomain),
    ).toBe(1);
    expect(
      value('business_domain', [usageEvent('session_started', NOW, { email: 'kim@GMAIL.com' })], noDomain),
    ).toBe(0);
    expect(value('business_domain', [], noDomain)).toBe(0);
  });
});

describe('scoreAccount: metric steps', () => {
  /** One metric of `name` with the given steps; a gate-free manifest so only the steps matter. */
  function stepsManifest(name: MetricName, steps: number[][]) {
    return manifestFrom(
      `
scoring:
  gates: { behavioral: 0, organizational: 0, intent: 0 }
  tiers: { hot: 90, warm: 50 }
  signals: [{ id: anything, layer: intent, event: never_sent, points: 100 }]
routing: { teams: [{ id: t, channel: C0T }], reps: [{ id: U0R }], managers: [U0M], escalation_channel: C0E }
`,
      { scoring: { metrics: [{ id: 'm', layer: 'behavioral', metric: name, steps }] } },
    );
  }

  /** The metrics a count of events moves up; the falling (change) metrics have tests of their own. */
  type CountedMetric = Exclude<MetricName, 'active_users_change_28d' | 'sessions_change_28d'>;

  /** Events that make `name` worth `n` (firmographics carry employees and business_domain). */
  function eventsFor(name: CountedMetric, n: number): { events: Event[]; firm: Firmographics } {
    const range = (make: (i: number) => Event) => times(n, make);
    switch (name) {
      case 'active_days_14d':
        return { events: range((i) => usageEvent('feature_used', NOW - i * DAY)), firm: ACME };
      case 'active_users_14d':
        return { events: range((i) => usageEvent('session_started', NOW, { userId: `u${i}` })), firm: ACME };
      case 'sessions_7d':
        return { events: range((i) => usageEvent('session_started', NOW - i * MINUTE)), firm: ACME };
      case 'features_30d':
        return {
          events: range((i) => usageEvent('feature_used', NOW, { properties: { feature: `f${i}` } })),
          firm: ACME,
        };
      case 'integrations':
        return {
          events: range((i) =>
            usageEvent('integration_connected', NOW, { properties: { integration: `i${i}` } }),
          ),
          firm: ACME,
        };
      case 'invites_30d':
        return { events: range(() => usageEvent('teammate_invited', NOW)), firm: ACME };
      case 'pricing_views_7d':
        return { events: range(() => usageEvent('pricing_page_viewed', NOW)), firm: ACME };
      case 'usage_ratio':
        return {
          events: [
            usageEvent('usage_limit_approached', NOW, { properties: { limit: 'api', used: n, quota: 100 } }),
          ],
          firm: ACME,
        };
      case 'limit_pressure_days_14d':
        return {
          events: range((i) =>
            usageEvent('usage_limit_approached', NOW - i * DAY, {
              properties: { limit: 'api', used: 85, quota: 100 },
            }),
          ),
          firm: ACME,
        };
      case 'employees':
        return { events: [], firm: { ...ACME, employees: n } };
      case 'business_domain':
        return { events: [], firm: { ...ACME, domain: n >= 1 ? 'acme.com' : 'gmail.com' } };
    }
  }

  const ladders: Record<CountedMetric, { steps: number[][]; cases: [value: number, points: number][] }> = {
    active_days_14d: {
      steps: [
        [5, 8],
        [10, 15],
      ],
      cases: [
        [4, 0],
        [5, 8],
        [9, 8],
        [10, 15],
        [14, 15],
      ],
    },
    active_users_14d: {
      steps: [
        [3, 10],
        [5, 15],
      ],
      cases: [
        [2, 0],
        [3, 10],
        [4, 10],
        [5, 15],
        [9, 15],
      ],
    },
    sessions_7d: {
      steps: [
        [10, 3],
        [25, 6],
      ],
      cases: [
        [9, 0],
        [10, 3],
        [25, 6],
        [40, 6],
      ],
    },
    features_30d: {
      steps: [
        [3, 3],
        [6, 6],
      ],
      cases: [
        [2, 0],
        [3, 3],
        [5, 3],
        [6, 6],
      ],
    },
    integrations: {
      steps: [
        [1, 4],
        [3, 8],
      ],
      cases: [
        [0, 0],
        [1, 4],
        [2, 4],
        [3, 8],
      ],
    },
    invites_30d: {
      steps: [
        [3, 3],
        [10, 6],
      ],
      cases: [
        [2, 0],
        [3, 3],
        [10, 6],
      ],
    },
    limit_pressure_days_14d: {
      steps: [[3, 20]],
      cases: [
        [2, 0],
        [3, 20],
        [5, 20],
      ],
    },
    pricing_views_7d: {
      steps: [[5, 4]],
      cases: [
        [4, 0],
        [5, 4],
        [8, 4],
      ],
    },
    // usage_ratio is used/100 here: 79 → 0.79.
    usage_ratio: {
      steps: [
        [0.8, 5],
        [1, 10],
      ],
      cases: [
        [79, 0],
        [80, 5],
        [99, 5],
        [100, 10],
        [250, 10],
      ],
    },
    employees: {
      steps: [
        [20, 4],
        [50, 8],
        [200, 12],
        [1000, 15],
      ],
      cases: [
        [0, 0],
        [19, 0],
        [20, 4],
        [199, 8],
        [200, 12],
        [999, 12],
        [1000, 15],
        [50_000, 15],
      ],
    },
    business_domain: {
      steps: [[1, 5]],
      cases: [
        [0, 0],
        [1, 5],
      ],
    },
  };

  for (const name of METRIC_NAMES.filter((m): m is CountedMetric => !CHANGE_METRICS.has(m))) {
    it(`${name}: earns the points of the highest step reached`, () => {
      const { steps, cases } = ladders[name];
      const manifest = stepsManifest(name, steps);
      for (const [n, points] of cases) {
        const { events, firm } = eventsFor(name, n);
        const score = scoreAccount(stateOf(manifest, events), firm, manifest.scoring, NOW);
        expect(score.layers.behavioral, `${name} = ${n}`).toBe(points);
        expect(score.contributions.filter((c) => c.kind === 'metric').length, `${name} = ${n}`).toBe(
          points > 0 ? 1 : 0,
        );
      }
    });
  }

  describe('falling metrics (below: true)', () => {
    const falling = (name: MetricName) =>
      manifestFrom(
        `
scoring:
  gates: { behavioral: 0, organizational: 0, intent: 0 }
  tiers: { hot: 30, warm: 20 }
  signals: [{ id: none, layer: behavioral, event: never_sent, points: 0 }]
  metrics: [{ id: m, layer: intent, metric: ${name}, below: true, steps: [[-0.3, 10], [-0.5, 30]] }]
routing: { teams: [{ id: t, channel: C0T }], reps: [{ id: U0R }], managers: [U0M], escalation_channel: C0E }
`,
      );
    /** `before` users active 15–27 days ago, `recent` of them again in the last 14 days. */
    const team = (before: number, recent: number): Event[] => [
      ...times(before, (i) => usageEvent('session_started', NOW - (20 + (i % 5)) * DAY, { userId: `u${i}` })),
      ...times(recent, (i) => usageEvent('session_started', NOW - (2 + (i % 5)) * DAY, { userId: `u${i}` })),
    ];
    const pointsOf = (name: MetricName, events: Event[], now = NOW) => {
      const manifest = falling(name);
      return scoreAccount(stateOf(manifest, events), ACME, manifest.scoring, now).layers.intent;
    };

    it('active_users_change_28d: scores the most severe step the users have fallen to', () => {
      expect(pointsOf('active_users_change_28d', team(10, 10))).toBe(0); // unchanged
      expect(pointsOf('active_users_change_28d', team(10, 8))).toBe(0); // −20 %
      expect(pointsOf('active_users_change_28d', team(10, 7))).toBe(10); // −30 %: on the step
      expect(pointsOf('active_users_change_28d', team(10, 6))).toBe(10); // −40 %
      expect(pointsOf('active_users_change_28d', team(10, 5))).toBe(30); // −50 %
      expect(pointsOf('active_users_change_28d', team(10, 0))).toBe(30); // everyone gone
    });

    it('active_users_change_28d: 0 without a real base (fewer than 3 users the 14 days before)', () => {
      expect(pointsOf('active_users_change_28d', team(2, 0))).toBe(0);
      expect(pointsOf('active_users_change_28d', team(3, 0))).toBe(30);
    });

    it('moves with time, not only with events: a team that stops is down 100 % two weeks later', () => {
      const events = times(4, (i) => usageEvent('session_started', NOW - DAY, { userId: `u${i}` }));
      expect(pointsOf('active_users_change_28d', events)).toBe(0); // nobody before them
      expect(pointsOf('active_users_change_28d', events, NOW + 15 * DAY)).toBe(30);
      // 28 days on, the base has left the window too: no base, no change.
      expect(pointsOf('active_users_change_28d', events, NOW + 29 * DAY)).toBe(0);
    });

    it('sessions_change_28d: sessions in the last 14 days against the 14 before, from 10 sessions', () => {
      const sessions = (before: number, recent: number): Event[] => [
        ...times(before, (i) => usageEvent('session_started', NOW - 20 * DAY - i * HOUR)),
        ...times(recent, (i) => usageEvent('session_started', NOW - 3 * DAY - i * HOUR)),
      ];
      expect(pointsOf('sessions_change_28d', sessions(20, 20))).toBe(0);
      expect(pointsOf('sessions_change_28d', sessions(20, 13))).toBe(10); // −35 %
      expect(pointsOf('sessions_change_28d', sessions(20, 9))).toBe(30); // −55 %
      expect(pointsOf('sessions_change_28d', sessions(9, 0))).toBe(0); // no real base
    });

    it('says the change in words', () => {
      const manifest = falling('active_users_change_28d');
      const score = scoreAccount(stateOf(manifest, team(10, 4)), ACME, manifest.scoring, NOW);
      expect(score.contributions[0]!.text).toBe(
        'active users down 60 % over the last two weeks against the two before',
      );
    });
  });

  it('reads steps written in any order', () => {
    const manifest = stepsManifest('employees', [
      [500, 15],
      [50, 8],
    ]);
    const points = (employees: number) =>
      scoreAccount(emptyAccountState(), { ...ACME, employees }, manifest.scoring, NOW).layers.behavioral;
    expect([points(49), points(50), points(499), points(500)]).toEqual([0, 8, 8, 15]);
  });

  it('counts the highest step reached, even when a lower step is worth more', () => {
    const manifest = stepsManifest('employees', [
      [10, 12],
      [100, 5],
    ]);
    const score = scoreAccount(emptyAccountState(), { ...ACME, employees: 500 }, manifest.scoring, NOW);
    expect(score.layers.behavioral).toBe(5);
  });

  it('describes metrics in words with their numbers', () => {
    const manifest = specManifest();
    const state = stateOf(manifest, [
      ...times(6, (i) => usageEvent('session_started', NOW - i * DAY, { userId: `u${i}` })),
    ]);
    const score = scoreAccount(state, { ...ACME, employees: 1250 }, manifest.scoring, NOW);
    const text = (id: string) => score.contributions.find((c) => c.id === id)?.text;
    expect(text('active_days')).toBe('active 6 of the last 14 days');
    expect(text('seats')).toBe('6 active users in 14 days');
    expect(text('company_size')).toBe('1,250 employees');
  });
});

describe('scoreAccount: layers, gates and tiers', () => {
  const manifest = specManifest();

  it('sums points per layer and caps the total at 100', () => {
    const state = stateOf(manifest, [
      ...times(3, (i) => usageEvent('usage_limit_hit', NOW - i * MINUTE, { properties: LIMIT })),
      ...times(5, (i) => usageEvent('session_started', NOW - i * DAY, { userId: `u${i}` })),
      ...times(10, (i) => usageEvent('session_started', NOW, { userId: `u${i % 5}` })),
      ...times(3, (i) => usageEvent('feature_used', NOW, { properties: { feature: `f${i}` } })),
    ]);
    const score = scoreAccount(state, ACME, manifest.scoring, NOW);
    // sessions at their cap 10, features 3 × 3, 5 active days → 8; 5 users → 15, 250 employees → 8.
    expect(score.layers.intent).toBeCloseTo(90, 1); // three hits minutes apart, barely decayed
    expect(score.layers.behavioral).toBe(10 + 9 + 8);
    expect(score.layers.organizational).toBe(15 + 8);
    expect(score.total).toBe(100);
    expect(score.tier).toBe('hot');
  });

  it('makes an account that fails any gate cold whatever its score', () => {
    // 100 points of behaviour and intent, but nothing organizational: gmail, nobody else, unknown size.
    const state = stateOf(manifest, [
      ...times(4, (i) => usageEvent('usage_limit_hit', NOW - i * MINUTE, { properties: LIMIT })),
      ...times(14, (i) => usageEvent('session_started', NOW - i * DAY, { email: 'solo@gmail.com' })),
    ]);
    const score = scoreAccount(state, { employees: null, domain: null, plan: 'free' }, manifest.scoring, NOW);
    expect(score.total).toBe(100);
    expect(score.gates.organizational).toEqual({ points: 0, min: 5, passed: false });
    expect(score.gates.intent.passed).toBe(true);
    expect(score.gates.behavioral.passed).toBe(true);
    expect(score.tier).toBe('cold');
  });

  it('passes a gate at exactly its minimum', () => {
    const gated = specManifest({ scoring: { gates: { behavioral: 2, organizational: 8, intent: 30 } } });
    const state = stateOf(gated, [
      usageEvent('usage_limit_hit', NOW, { properties: LIMIT }),
      usageEvent('session_started', NOW),
    ]);
    const score = scoreAccount(state, { ...ACME, employees: 50 }, gated.scoring, NOW);
    expect(score.gates).toEqual({
      behavioral: { points: 2, min: 2, passed: true },
      organizational: { points: 8, min: 8, passed: true },
      intent: { points: 30, min: 30, passed: true },
    });
    expect(score.total).toBe(40);
    expect(score.tier).toBe('warm'); // exactly the warm threshold
  });
});

describe('tierFor', () => {
  it('uses the thresholds inclusively', () => {
    const scoring = specManifest().scoring;
    expect(tierFor(100, scoring)).toBe('hot');
    expect(tierFor(70, scoring)).toBe('hot');
    expect(tierFor(69.99, scoring)).toBe('warm');
    expect(tierFor(40, scoring)).toBe('warm');
    expect(tierFor(39.99, scoring)).toBe('cold');
    expect(tierFor(0, scoring)).toBe('cold');
  });

  it('follows the manifest’s thresholds', () => {
    const scoring = specManifest({ scoring: { tiers: { hot: 50, warm: 20 } } }).scoring;
    expect([tierFor(19, scoring), tierFor(20, scoring), tierFor(49, scoring), tierFor(50, scoring)]).toEqual([
      'cold',
      'warm',
      'warm',
      'hot',
    ]);
  });
});

describe('the shipped manifest, through the real engine', () => {
  const shipped = loadManifest(fileURLToPath(new URL('../../../manifests/pls.yml', import.meta.url)));

  it('keeps a self-serve hero (one power user, 5 people, gmail) cold while scoring high', () => {
    const events: Event[] = [];
    for (let d = 0; d < 14; d++) {
      for (let s = 0; s < 3; s++) {
        events.push(usageEvent('session_started', NOW - d * DAY - s * HOUR, { email: 'hero@gmail.com' }));
      }
      events.push(usageEvent('feature_used', NOW - d * DAY, { properties: { feature: `f${d % 8}` } }));
    }
    events.push(
      ...['github', 'slack', 'jira'].map((integration) =>
        usageEvent('integration_connected', NOW - DAY, { properties: { integration } }),
      ),
      ...times(2, (i) =>
        usageEvent('usage_limit_hit', NOW - i * HOUR, {
          properties: { limit: 'projects', used: 3, quota: 3 },
        }),
      ),
    );
    const score = scoreAccount(
      stateOf(shipped, events),
      { employees: 5, domain: 'gmail.com', plan: 'free' },
      shipped.scoring,
      NOW,
    );
    expect(score.total).toBeGreaterThanOrEqual(shipped.scoring.tiers.hot);
    expect(score.gates.organizational.passed).toBe(false);
    expect(score.tier).toBe('cold');
  });

  it('makes a typical product-qualified account hot on every layer', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const events: Event[] = [];
    for (let d = 0; d < 8; d++) {
      events.push(usageEvent('session_started', NOW - d * DAY - HOUR, { userId: users[d % users.length]! }));
    }
    events.push(
      ...times(3, (i) => usageEvent('pricing_page_viewed', NOW - i * DAY)),
      usageEvent('usage_limit_hit', NOW, { properties: LIMIT }),
    );
    const score = scoreAccount(stateOf(shipped, events), ACME, shipped.scoring, NOW);
    expect(Object.values(score.gates).every((g) => g.passed)).toBe(true);
    expect(score.total).toBeGreaterThanOrEqual(shipped.scoring.tiers.hot);
    expect(score.tier).toBe('hot');
  });
});

describe('readyForSales', () => {
  it('is a score past the gates at warm or hot, or an armed account, and nothing before the first event', () => {
    expect(readyForSales(undefined, false)).toBe(false);
    expect(readyForSales(EMPTY_SCORE, false)).toBe(false);
    expect(readyForSales({ ...EMPTY_SCORE, tier: 'warm' }, false)).toBe(true);
    expect(readyForSales({ ...EMPTY_SCORE, tier: 'hot' }, false)).toBe(true);
    expect(readyForSales(EMPTY_SCORE, true)).toBe(true);
  });
});
