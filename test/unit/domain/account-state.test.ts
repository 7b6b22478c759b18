import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  countWindow,
  decay,
  emptyAccountState,
  restoreAccountState,
} from '../../../src/domain/account-state.js';
import { scoreAccount } from '../../../src/domain/scoring.js';
import { sumWithin } from '../../../src/domain/windows.js';
import {
  DAY,
  HOUR,
  MINUTE,
  MONDAY_10AM_NY,
  manifestFrom,
  prng,
  signalOf,
  specManifest,
  usageEvent,
} from '../../support/domain-builders.js';

const NOW = MONDAY_10AM_NY;
const manifest = specManifest();
const { signals, half_life: HALF_LIFE } = manifest.scoring;
const LIMIT = { limit: 'API calls', used: 10_000, quota: 10_000 };

function fold(events: ReturnType<typeof usageEvent>[], now = NOW) {
  const state = emptyAccountState();
  const hits = events.map((event) => applyEvent(state, event, signals, HALF_LIFE, now));
  return { state, hits };
}

/** Each event processed as it happens (`now` = its own time), the way a live stream arrives. */
function live(events: ReturnType<typeof usageEvent>[]) {
  const state = emptyAccountState();
  const hits = events.map((event) => applyEvent(state, event, signals, HALF_LIFE, event.occurredAt));
  return { state, hits };
}

describe('names from events that objects already have', () => {
  const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const eventsNaming = (at: number) =>
    NAMES.flatMap((name) => [
      usageEvent('session_started', at, { userId: name }),
      usageEvent('feature_used', at, { userId: null, properties: { feature: name } }),
      usageEvent('usage_limit_hit', at, { userId: null, properties: { limit: name, used: 9, quota: 10 } }),
    ]);

  it('are keys like any other, in a fresh state and in one read back from its JSON', () => {
    const state = emptyAccountState();
    for (const event of eventsNaming(NOW - HOUR)) applyEvent(state, event, signals, HALF_LIFE, NOW);
    const restored = restoreAccountState(JSON.parse(JSON.stringify(state)));
    for (const event of eventsNaming(NOW)) applyEvent(restored, event, signals, HALF_LIFE, NOW);

    for (const map of [restored.activeUsers, restored.features]) {
      expect(Object.getPrototypeOf(map)).toBeNull();
      expect(Object.keys(map).sort()).toEqual([...NAMES].sort());
      expect(Object.values(map)).toEqual(NAMES.map(() => NOW));
    }
    expect(Object.keys(restored.limits).sort()).toEqual([...NAMES].sort());
    expect(Object.entries(restored.limits)).toContainEqual(['__proto__', { used: 9, quota: 10, at: NOW }]);
    expect(JSON.parse(JSON.stringify(restored)).features).toHaveProperty(['__proto__'], NOW);
  });

  it('restores no state as an empty one', () => {
    expect(restoreAccountState(null)).toEqual(emptyAccountState());
  });
});

describe('decay', () => {
  it('halves once per half-life', () => {
    expect(decay(0, 3 * DAY)).toBe(1);
    expect(decay(3 * DAY, 3 * DAY)).toBe(0.5);
    expect(decay(6 * DAY, 3 * DAY)).toBe(0.25);
    expect(decay(9 * DAY, 3 * DAY)).toBe(0.125);
    expect(decay(36 * HOUR, 3 * DAY)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('never grows for a negative elapsed time (a clock-skewed event)', () => {
    expect(decay(-DAY, 3 * DAY)).toBe(1);
  });

  it('leaves "most value lost within ~72 h" true for the default half-life', () => {
    // Signals lose most value within ~72 h. With a 3-day half-life a week-old signal keeps ~20 %.
    expect(decay(7 * DAY, manifest.scoring.half_life)).toBeCloseTo(0.198, 3);
  });
});

describe('applyEvent: signal points and decay', () => {
  it('decays earlier points to the new event and adds the new points', () => {
    const { state } = fold([
      usageEvent('usage_limit_hit', NOW - 3 * DAY, { properties: LIMIT }),
      usageEvent('usage_limit_hit', NOW, { properties: LIMIT }),
    ]);
    expect(state.signals.usage_limit_hit!.sum).toBeCloseTo(45, 9);
    expect(state.signals.usage_limit_hit!.at).toBe(NOW);
    expect(state.signals.usage_limit_hit!.total).toBe(2);
  });

  it('decays an out-of-order (older) event to the reference time instead of moving it back', () => {
    const { state } = fold([
      usageEvent('usage_limit_hit', NOW, { properties: LIMIT }),
      usageEvent('usage_limit_hit', NOW - 3 * DAY, { properties: LIMIT }),
    ]);
    expect(state.signals.usage_limit_hit!.sum).toBeCloseTo(45, 9);
    expect(state.signals.usage_limit_hit!.at).toBe(NOW);
  });

  it('gives the same decayed points whatever order the events arrive in (seeded)', () => {
    const random = prng(7);
    for (let round = 0; round < 50; round++) {
      const times = Array.from({ length: 2 + Math.floor(random() * 8) }, () =>
        Math.floor(NOW - random() * 10 * DAY),
      );
      const events = times.map((at) => usageEvent('usage_limit_hit', at, { properties: LIMIT }));
      const shuffled = [...events].sort(() => random() - 0.5);
      const expected = times.reduce((sum, at) => sum + 30 * 2 ** (-(NOW - at) / HALF_LIFE), 0);
      for (const order of [events, shuffled]) {
        const { state } = fold(order);
        const score = scoreAccount(
          state,
          { employees: 250, domain: 'acme.com', plan: 'free' },
          manifest.scoring,
          NOW,
        );
        const points = score.contributions.find((c) => c.id === 'usage_limit_hit')?.points ?? 0;
        expect(points).toBeCloseTo(expected >= 0.05 ? expected : 0, 9);
      }
    }
  });

  it('counts a future (clock-skewed) event as happening now, so it is never worth more than its points', () => {
    const { state } = fold([usageEvent('usage_limit_hit', NOW + 2 * DAY, { properties: LIMIT })]);
    expect(state.signals.usage_limit_hit!.at).toBe(NOW);
    expect(state.signals.usage_limit_hit!.sum).toBe(30);
    expect(state.lastEventAt).toBe(NOW);
  });

  it('scores only the signals whose event and `where` match, several per event when they do', () => {
    const both = specManifest({
      scoring: {
        signals: [
          ...specManifestSignalsRaw(),
          { id: 'security_review', layer: 'intent', event: 'premium_feature_attempted', points: 5 },
        ],
      },
    });
    const state = emptyAccountState();
    const sso = applyEvent(
      state,
      usageEvent('premium_feature_attempted', NOW, { properties: { feature: 'SSO', plan: 'business' } }),
      both.scoring.signals,
      HALF_LIFE,
      NOW,
    );
    expect(sso.map((h) => h.signal.id)).toEqual(['sso_attempt', 'security_review']);
    const dashboards = applyEvent(
      state,
      usageEvent('premium_feature_attempted', NOW, { properties: { feature: 'dashboards' } }),
      both.scoring.signals,
      HALF_LIFE,
      NOW,
    );
    expect(dashboards.map((h) => h.signal.id)).toEqual(['security_review']);
    expect(applyEvent(state, usageEvent('custom_thing', NOW), both.scoring.signals, HALF_LIFE, NOW)).toEqual(
      [],
    );
  });

  it('keeps only the properties the `says` template quotes, from the newest hit', () => {
    const { state } = fold([
      usageEvent('usage_limit_hit', NOW - HOUR, {
        properties: { ...LIMIT, limit: 'seats', secret: 'x', nested: { a: 1 } },
      }),
      usageEvent('usage_limit_hit', NOW - 2 * HOUR, { properties: { ...LIMIT, limit: 'older' } }),
    ]);
    expect(state.signals.usage_limit_hit!.last.props).toEqual({
      limit: 'seats',
      used: 10_000,
      quota: 10_000,
    });
    expect(state.signals.usage_limit_hit!.last.at).toBe(NOW - HOUR);
  });
});

describe('applyEvent: `{count}` and count-based handoff windows', () => {
  it('counts hits within `handoff.within`, this one included', () => {
    const views = [NOW - 10 * DAY, NOW - 6 * DAY, NOW - 2 * DAY, NOW].map((at) =>
      usageEvent('pricing_page_viewed', at),
    );
    const { hits } = live(views);
    // At -2d the view of -10d has left the 7-day window; at NOW the three latest are inside it.
    expect(hits.map((h) => h[0]!.count)).toEqual([1, 2, 2, 3]);
  });

  it('counts a backlog processed at once against the window ending now', () => {
    const views = [NOW - 3 * HOUR, NOW - 2 * HOUR, NOW - HOUR].map((at) =>
      usageEvent('pricing_page_viewed', at),
    );
    expect(fold(views).hits.map((h) => h[0]!.count)).toEqual([1, 2, 3]);
    // Out of order: the oldest arrives last and is still the 3rd view within 7 days.
    expect(fold([...views].reverse()).hits.map((h) => h[0]!.count)).toEqual([1, 2, 3]);
  });

  it('counts over all time for a handoff without `within`', () => {
    const { hits } = live(
      [NOW - 30 * DAY, NOW - 20 * DAY, NOW].map((at) => usageEvent('demo_requested', at)),
    );
    expect(hits.map((h) => h[0]!.count)).toEqual([1, 2, 3]);
  });

  it('counts over 7 days for a signal without handoff', () => {
    const { hits } = live(
      [NOW - 9 * DAY, NOW - 3 * DAY, NOW - HOUR, NOW].map((at) => usageEvent('session_started', at)),
    );
    // At -3d the session of -9d is 6 days old (counted); at -1h it is 8 days old (not).
    expect(hits.map((h) => h[0]!.count)).toEqual([1, 2, 2, 3]);
  });

  it('names the window per signal', () => {
    expect(countWindow(signalOf(manifest, 'pricing_repeat'))).toBe(7 * DAY);
    expect(countWindow(signalOf(manifest, 'sessions'))).toBe(7 * DAY);
    const fortnight = specManifest({
      scoring: {
        signals: specManifestSignalsRaw().map((s) =>
          s.id === 'pricing_repeat' ? { ...s, handoff: { count: 3, within: '14d' } } : s,
        ),
      },
    });
    expect(countWindow(signalOf(fortnight, 'pricing_repeat'))).toBe(14 * DAY);
  });

  it('keeps hit buckets bounded by the window', () => {
    const state = emptyAccountState();
    for (let h = 0; h < 30 * 24; h++) {
      applyEvent(state, usageEvent('session_started', NOW - (30 * 24 - h) * HOUR), signals, HALF_LIFE, NOW);
    }
    expect(Object.keys(state.signals.sessions!.hits).length).toBeLessThanOrEqual(7 * 24 + 1);
    // Hourly sessions from -720h to -1h: (NOW - 7d, NOW] holds -1h … -167h (the bucket of -168h starts the window).
    expect(sumWithin(state.signals.sessions!.hits, NOW, 7 * DAY, HOUR)).toBe(7 * 24 - 1);
  });
});

describe('applyEvent: the state the metrics and dossier read', () => {
  it('records active days (bounded to 30) and active users, but not for account-only events', () => {
    const state = emptyAccountState();
    for (let d = 60; d >= 0; d--) {
      applyEvent(state, usageEvent('session_started', NOW - d * DAY), signals, HALF_LIFE, NOW);
    }
    expect(state.activeDays.length).toBe(30);
    expect(state.activeDays.at(-1)).toBe(Math.floor(NOW / DAY));
    const quiet = emptyAccountState();
    applyEvent(
      quiet,
      usageEvent('plan_changed', NOW, { properties: { plan: 'team' } }),
      signals,
      HALF_LIFE,
      NOW,
    );
    applyEvent(quiet, usageEvent('identify', NOW), signals, HALF_LIFE, NOW);
    expect(quiet.activeDays).toEqual([]);
    expect(quiet.activeUsers).toEqual({});
    expect(quiet.lastEventAt).toBe(NOW);
  });

  it('keeps the first email domain seen', () => {
    const { state } = fold([
      usageEvent('session_started', NOW - HOUR, { email: 'Kim@Acme.com' }),
      usageEvent('session_started', NOW, { userId: 'u_8', email: 'sam@gmail.com' }),
    ]);
    expect(state.firstEmailDomain).toBe('acme.com');
    expect(Object.keys(state.activeUsers).sort()).toEqual(['u_7', 'u_8']);
  });

  it('keeps the earliest sign-up and activation, the latest checkout start', () => {
    const { state } = fold([
      usageEvent('signed_up', NOW - 2 * DAY),
      usageEvent('signed_up', NOW - 5 * DAY),
      usageEvent('activation_milestone', NOW - DAY, { properties: { milestone: 'first_project' } }),
      usageEvent('activation_milestone', NOW - 3 * DAY, { properties: { milestone: 'invite' } }),
      usageEvent('upgrade_started', NOW - HOUR),
      usageEvent('upgrade_started', NOW - 3 * HOUR),
    ]);
    expect(state.signedUpAt).toBe(NOW - 5 * DAY);
    expect(state.activatedAt).toBe(NOW - 3 * DAY);
    expect(state.upgradeStartedAt).toBe(NOW - HOUR);
  });

  it('records sessions by UTC hour of the week, Monday 00:00 UTC = 0', () => {
    const { state } = fold(
      [
        usageEvent('session_started', Date.parse('2026-11-23T15:20:00Z')), // Monday 15:xx UTC
        usageEvent('session_started', Date.parse('2026-11-29T23:59:00Z')), // Sunday 23:xx UTC
        usageEvent('session_started', Date.parse('2026-11-26T00:00:00Z')), // Thursday 00:xx UTC
      ],
      Date.parse('2026-11-30T00:00:00Z'),
    );
    expect(state.hourOfWeek[15]).toBe(1);
    expect(state.hourOfWeek[167]).toBe(1);
    expect(state.hourOfWeek[72]).toBe(1);
    expect(state.hourOfWeek.reduce((a, b) => a + b, 0)).toBe(3);
    expect(sumWithin(state.sessions, Date.parse('2026-11-30T00:00:00Z'), 7 * DAY, HOUR)).toBe(3);
  });

  it('records features, integrations (once each), invites and their domains, pricing views', () => {
    const { state } = fold([
      usageEvent('feature_used', NOW - HOUR, { properties: { feature: 'dashboards' } }),
      usageEvent('feature_used', NOW, { properties: { feature: 'alerts' } }),
      usageEvent('feature_used', NOW, { properties: {} }),
      usageEvent('integration_connected', NOW, { properties: { integration: 'github' } }),
      usageEvent('integration_connected', NOW, { properties: { integration: 'github' } }),
      usageEvent('teammate_invited', NOW, { properties: { invitee_email: 'lee@acme.com' } }),
      usageEvent('teammate_invited', NOW, { properties: { invitee_email: 'jo@partner.io' } }),
      usageEvent('pricing_page_viewed', NOW),
    ]);
    expect(Object.keys(state.features).sort()).toEqual(['alerts', 'dashboards']);
    expect(state.integrations).toEqual(['github']);
    expect(sumWithin(state.invites, NOW, 30 * DAY, DAY)).toBe(2);
    expect(state.inviteDomains).toEqual(['acme.com', 'partner.io']);
    expect(sumWithin(state.pricingViews, NOW, 7 * DAY, HOUR)).toBe(1);
  });

  it('keeps the latest reading per usage limit and ignores readings without a quota', () => {
    const { state } = fold([
      usageEvent('usage_limit_approached', NOW - HOUR, {
        properties: { limit: 'API calls', used: 8, quota: 10 },
      }),
      usageEvent('usage_limit_hit', NOW - 2 * HOUR, {
        properties: { limit: 'API calls', used: 10, quota: 10 },
      }),
      usageEvent('usage_limit_hit', NOW, { properties: { limit: 'seats', used: 5, quota: 0 } }),
      usageEvent('usage_limit_hit', NOW, { properties: { limit: 'projects', used: 'many', quota: 3 } }),
    ]);
    expect(state.limits).toEqual({ 'API calls': { used: 8, quota: 10, at: NOW - HOUR } });
  });

  it('records premium attempts with the plan they need', () => {
    const { state } = fold([
      usageEvent('premium_feature_attempted', NOW, { properties: { feature: 'sso', plan: 'business' } }),
      usageEvent('premium_feature_attempted', NOW, { properties: { feature: 'audit_log' } }),
    ]);
    expect(state.gatedFeatures).toEqual({
      sso: { plan: 'business', at: NOW },
      audit_log: { plan: null, at: NOW },
    });
  });

  it('stays bounded: at most 100 features, integrations and gated features', () => {
    const state = emptyAccountState();
    for (let i = 0; i < 300; i++) {
      const at = NOW - (300 - i) * MINUTE;
      for (const [type, key] of [
        ['feature_used', 'feature'],
        ['integration_connected', 'integration'],
        ['premium_feature_attempted', 'feature'],
      ] as const) {
        applyEvent(state, usageEvent(type, at, { properties: { [key]: `x${i}` } }), signals, HALF_LIFE, NOW);
      }
    }
    expect(Object.keys(state.features).length).toBe(100);
    expect(state.integrations.length).toBe(100);
    expect(Object.keys(state.gatedFeatures).length).toBe(100);
    expect(JSON.stringify(state).length).toBeLessThan(50_000);
  });
});

/** The example manifest's signals as raw YAML-shaped objects, for manifests that add or change one. */
function specManifestSignalsRaw(): Record<string, unknown>[] {
  return manifest.scoring.signals.map((s) => ({
    id: s.id,
    layer: s.layer,
    event: s.event,
    points: s.points,
    ...(s.cap === null ? {} : { cap: s.cap }),
    ...(s.handoff === null
      ? {}
      : {
          handoff:
            s.handoff.within === null
              ? { count: s.handoff.count }
              : { count: s.handoff.count, within: `${s.handoff.within / DAY}d` },
        }),
    ...(s.says === null ? {} : { says: s.says }),
    ...(s.where === null ? {} : { where: s.where }),
  }));
}

describe('derived properties: an invite from a new email domain', () => {
  const inviting = manifestFrom(`
scoring:
  signals:
    - { id: active, layer: behavioral, event: session_started, points: 10 }
    - { id: invites, layer: organizational, event: teammate_invited, points: 5 }
    - id: new_domain_invite
      layer: intent
      event: teammate_invited
      points: 10
      where: { new_domain: { eq: true } }
      handoff: true
      says: "invited someone from {invitee_domain}"
routing:
  teams: [{ id: sales, channel: C0SALES }]
  reps: [{ id: U0REP }]
  managers: [U0BOSS]
  escalation_channel: C0ESC
`);
  const { signals, half_life } = inviting.scoring;
  const now = Date.parse('2026-11-23T15:00:00Z');
  const invite = (email: string, id: string) => ({
    id,
    source: 'webhook' as const,
    type: 'teammate_invited',
    occurredAt: now,
    accountId: 'a',
    account: null,
    userId: 'u',
    user: { email: 'kim@acme.com' },
    properties: { invitee_email: email },
  });
  const ids = (hits: { signal: { id: string } }[]) => hits.map((h) => h.signal.id);

  it('marks the first invite to a company domain the account has not used as new_domain', () => {
    const state = emptyAccountState();
    applyEvent(
      state,
      { ...invite('x@acme.com', 'e0'), type: 'session_started', properties: {} },
      signals,
      half_life,
      now,
    );
    expect(ids(applyEvent(state, invite('lee@acme.com', 'e1'), signals, half_life, now))).toEqual([
      'invites',
    ]);
    const partner = applyEvent(state, invite('sam@partner.io', 'e2'), signals, half_life, now);
    expect(ids(partner)).toEqual(['invites', 'new_domain_invite']);
    expect(partner[1]!.props).toMatchObject({ invitee_domain: 'partner.io', new_domain: true });
    expect(ids(applyEvent(state, invite('ann@partner.io', 'e3'), signals, half_life, now))).toEqual([
      'invites',
    ]);
    expect(ids(applyEvent(state, invite('bo@gmail.com', 'e4'), signals, half_life, now))).toEqual([
      'invites',
    ]);
  });

  it("an invite to the company's own domain is not new, before anyone's email is known", () => {
    const state = emptyAccountState();
    // Segment's group call: the company and its domain, no person yet.
    const group = { ...invite('', 'g0'), type: 'group', userId: null, user: null, properties: {} };
    applyEvent(state, { ...group, account: { domain: 'acme.com' } }, signals, half_life, now);
    const coworker = { ...invite('lee@acme.com', 'e1'), user: { email: 'kim@gmail.com' } };
    expect(ids(applyEvent(state, coworker, signals, half_life, now))).toEqual(['invites']);
    const partner = applyEvent(state, invite('sam@partner.io', 'e2'), signals, half_life, now);
    expect(ids(partner)).toEqual(['invites', 'new_domain_invite']);
  });
});
