import { describe, expect, it } from 'vitest';
import { generateUsageHistory } from '../../../bench/synthetic-history.js';
import { loadManifest } from '../../../src/config/manifest.js';
import type { StoredEvent } from '../../../src/db/history.js';
import { type Manifest, withNewBusinessScoring } from '../../../src/domain/definition.js';
import { NEW_BUSINESS } from '../../../src/domain/play.js';
import {
  type ReplayOptions,
  type ReplayResult,
  replayHistory,
  snapshotKey,
} from '../../../src/replay/replay-engine.js';
import { specManifest } from '../../support/domain-builders.js';
import {
  DAY,
  HOUR,
  historyBuilder,
  LIMIT,
  liveAlertOf,
  MINUTE,
  T0,
} from '../../support/history/history-builders.js';
import { knownAnswerManifest } from '../../support/history/known-answer.js';

const manifest = knownAnswerManifest();
const replay = (events: StoredEvent[], options: Partial<ReplayOptions> = {}) =>
  replayHistory({ manifests: [manifest], events, ...options }).lanes[0]!;

describe('replay: the alerts live scoring would raise', () => {
  it('opens an alert on a handoff moment of a gated account, with its tier, team and why-now', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    const hit = h.add('usage_limit_hit', T0, { properties: LIMIT });
    const [alert, ...more] = replay(h.events()).alerts;
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      accountId: 'acct_1',
      openedAt: T0,
      openTier: 'warm',
      tier: 'warm',
      teamId: 'mid-market',
      closedAt: null,
      live: null,
    });
    expect(alert!.trigger).toEqual({
      kind: 'signal',
      signalId: 'usage_limit_hit',
      text: 'hit the API calls limit (10,000/10,000)',
      at: T0,
      eventId: hit.id,
      userId: 'acct_1_u1',
      props: { limit: 'API calls' },
    });
    expect(alert!.score).toBeGreaterThanOrEqual(40);
  });

  it('routes by the firmographics the events carried, as the accounts table would hold them', () => {
    const h = historyBuilder();
    h.warm('acct_big', T0, { employees: 5000 });
    h.add('usage_limit_hit', T0, { account: 'acct_big', properties: LIMIT });
    expect(replay(h.events()).alerts[0]!.teamId).toBe('enterprise');
  });

  it('never alerts on a late signal, an account under min_employees or one without intent', () => {
    const h = historyBuilder();
    h.warm('acct_late', T0);
    h.add('usage_limit_hit', T0 - 30 * HOUR, { account: 'acct_late', properties: LIMIT, lateBy: 30 * HOUR });
    h.warm('acct_small', T0, { employees: 10 });
    h.add('usage_limit_hit', T0, { account: 'acct_small', properties: LIMIT });
    h.warm('acct_idle', T0);
    expect(replay(h.events()).alerts).toEqual([]);
  });

  it('upgrades an open warm alert in place when the account turns hot', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    h.add('webinar_attended', T0 + HOUR);
    const demo = h.add('demo_requested', T0 + 2 * HOUR);
    // 10 sessions + 10 company size + 30 limit + 10 webinar + 10 demo, a little decayed: ~69.
    const hotAt65 = knownAnswerManifest({ scoring: { tiers: { hot: 65, warm: 40 } } });
    const [alert] = replayHistory({ manifests: [hotAt65], events: h.events() }).lanes[0]!.alerts;
    expect(alert).toMatchObject({ openTier: 'warm', tier: 'hot', upgradedAt: T0 + 2 * HOUR });
    expect(alert!.trigger).toMatchObject({ signalId: 'demo', text: 'requested a demo', eventId: demo.id });
    expect(alert!.openTrigger.signalId).toBe('usage_limit_hit');
  });

  it('closes the open alert as self-served when the account buys, and records the purchase', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    const buy = h.add('plan_changed', T0 + DAY, { properties: { plan: 'team' } });
    const lane = replay(h.events());
    expect(lane.alerts[0]).toMatchObject({
      closedAt: T0 + DAY,
      outcome: 'self_served',
      closedBy: 'self_served',
    });
    expect(lane.purchases).toEqual([
      expect.objectContaining({
        accountId: 'acct_1',
        at: T0 + DAY,
        eventId: buy.id,
        plan: 'team',
        fromPlan: 'free',
      }),
    ]);
    expect(lane.purchases[0]!.peakScore).toBeGreaterThanOrEqual(40);
  });

  it('keeps one alert per account per cooldown; an unworked alert expires after back_off', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    h.add('usage_limit_hit', T0 + 2 * DAY, { properties: LIMIT }); // open: a thread reply
    h.warm('acct_1', T0 + 10 * DAY);
    h.add('usage_limit_hit', T0 + 10 * DAY, { properties: LIMIT }); // expired (7d) but in cooldown (14d)
    h.warm('acct_1', T0 + 15 * DAY);
    h.add('usage_limit_hit', T0 + 15 * DAY, { properties: LIMIT });
    const alerts = replay(h.events(), { until: T0 + 30 * DAY }).alerts;
    expect(alerts.map((a) => [a.openedAt, a.closedAt, a.closedBy])).toEqual([
      [T0, T0 + 7 * DAY, 'expired'],
      [T0 + 15 * DAY, T0 + 22 * DAY, 'expired'],
    ]);
    expect(alerts.map((a) => a.outcome)).toEqual([null, null]);
  });

  it('leaves an unworked alert open when its expiry is after `until`', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    expect(replay(h.events(), { until: T0 + 3 * DAY }).alerts[0]!.closedAt).toBeNull();
  });
});

describe('replay: outcomes from the live alerts table', () => {
  const scripted = () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    h.warm('acct_1', T0 + 9 * DAY);
    h.add('usage_limit_hit', T0 + 9 * DAY, { properties: LIMIT });
    h.warm('acct_1', T0 + 15 * DAY);
    h.add('usage_limit_hit', T0 + 15 * DAY, { properties: LIMIT });
    return h.events();
  };

  it('closes a replayed alert when the live alert it matches closed, with its outcome and detail', () => {
    const first = replay(scripted()).alerts[0]!;
    const live = [
      liveAlertOf(first, { outcome: 'not_a_fit', after: 2 * HOUR, detail: { reason: 'bad_timing' } }),
    ];
    const alerts = replay(scripted(), { liveAlerts: live }).alerts;
    expect(alerts[0]).toMatchObject({
      closedAt: T0 + 2 * HOUR,
      outcome: 'not_a_fit',
      outcomeDetail: { reason: 'bad_timing' },
      closedBy: 'live',
      live: { alertId: live[0]!.id, match: 'exact' },
    });
    // Not a fit sets no back-off: the cooldown (14 days from opening) is what holds the next one.
    expect(alerts.map((a) => a.openedAt)).toEqual([T0, T0 + 15 * DAY]);
  });

  it('backs off after a live no-response close', () => {
    const first = replay(scripted()).alerts[0]!;
    // Closed as no response on day 12: back-off (7 days) runs to day 19, past the day-15 hit.
    const live = [liveAlertOf(first, { outcome: 'no_response', after: 12 * DAY })];
    const alerts = replay(scripted(), { liveAlerts: live }).alerts;
    expect(alerts.map((a) => [a.openedAt, a.outcome])).toEqual([[T0, 'no_response']]);
  });

  it('keeps the replayed alert open while the live one is', () => {
    const first = replay(scripted()).alerts[0]!;
    const alerts = replay(scripted(), {
      liveAlerts: [liveAlertOf(first, null)],
      until: T0 + 40 * DAY,
    }).alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ closedAt: null, live: { match: 'exact' } });
  });

  it('matches a live alert raised later in the same conversation, or one already open', () => {
    const first = replay(scripted()).alerts[0]!;
    const later = { ...liveAlertOf(first, { outcome: 'won', after: 5 * DAY }), openingEventId: 'evt_other' };
    const laterAlert = { ...later, openedAt: T0 + 2 * DAY, closedAt: T0 + 6 * DAY };
    expect(replay(scripted(), { liveAlerts: [laterAlert] }).alerts[0]).toMatchObject({
      outcome: 'won',
      closedAt: T0 + 6 * DAY,
      live: { match: 'next' },
    });
    const earlier = { ...laterAlert, openedAt: T0 - DAY, closedAt: T0 + DAY, outcome: 'lost' };
    expect(replay(scripted(), { liveAlerts: [earlier] }).alerts[0]).toMatchObject({
      outcome: 'lost',
      closedAt: T0 + DAY,
      live: { match: 'open' },
    });
    const tooLate = { ...laterAlert, openedAt: T0 + 8 * DAY, closedAt: T0 + 9 * DAY };
    expect(replay(scripted(), { liveAlerts: [tooLate] }).alerts[0]).toMatchObject({
      closedBy: 'expired',
      live: null,
    });
  });

  it('does not copy a live self-served close: the purchase event closes the replayed alert', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    h.add('plan_changed', T0 + DAY, { properties: { plan: 'team' } });
    const first = replay(h.events()).alerts[0]!;
    const live = [liveAlertOf(first, { outcome: 'self_served', after: DAY })];
    expect(replay(h.events(), { liveAlerts: live }).alerts[0]).toMatchObject({
      closedBy: 'self_served',
      live: { match: 'exact' },
    });
  });
});

describe('replay: several manifests in one pass', () => {
  it('gives each manifest the alerts it would have raised alone', () => {
    const strict = knownAnswerManifest({ scoring: { tiers: { hot: 90, warm: 60 } } });
    const events = [...generateUsageHistory({ seed: 3, accounts: 40, days: 45, start: T0 })];
    const both = replayHistory({ manifests: [manifest, strict], events });
    const alone = (m: Manifest) => replayHistory({ manifests: [m], events }).lanes[0]!.alerts;
    expect(both.lanes[0]!.alerts).toEqual(alone(manifest));
    expect(both.lanes[1]!.alerts.map(({ id: _, ...a }) => a)).toEqual(
      alone(strict).map(({ id: _, ...a }) => a),
    );
  });
});

describe('replay: the fast path makes the decisions of the exhaustive one', () => {
  const shipped = loadManifest('manifests/pls.yml');
  const manifests: [string, Manifest][] = [
    ['shipped', shipped],
    ['spec', specManifest()],
    ['shipped, loose', loadedWith(shipped, { warm: 20, hot: 45 })],
    ['known answer', manifest],
  ];

  /** A synthetic history where some events arrive late (older than stale_after on arrival). */
  const history = (seed: number) =>
    [...generateUsageHistory({ seed, accounts: 40, days: 45, start: T0 })].map((e, i) =>
      i % 37 === 5 ? { ...e, occurredAt: e.occurredAt - 30 * HOUR } : e,
    );

  const comparable = (result: ReplayResult) =>
    result.lanes.map((lane) => ({
      alerts: lane.alerts,
      purchases: lane.purchases.map(({ peakScore: _, ...p }) => p),
      snapshots: [...lane.snapshots],
    }));

  manifests.forEach(([name, m], index) => {
    it(`on the ${name} manifest, with and without live outcomes`, () => {
      for (const seed of [index + 1]) {
        const events = history(seed);
        const keys = new Set(
          events.filter((_, i) => i % 97 === 0).map((e) => snapshotKey(e.accountId ?? '', e.id)),
        );
        const base = {
          manifests: [m],
          events,
          snapshots: { play: NEW_BUSINESS, keys },
          until: T0 + 90 * DAY,
        };
        const fast = replayHistory(base);
        const exhaustive = replayHistory({ ...base, exhaustive: true });
        expect(fast.lanes[0]!.alerts.length).toBeGreaterThan(0);
        expect(comparable(fast)).toEqual(comparable(exhaustive));

        // Reps' outcomes: a rotating mix, closed 2 days after each alert.
        const outcomes = ['no_response', 'not_a_fit', 'won', 'lost'];
        const liveAlerts = fast.lanes[0]!.alerts.map((a, i) =>
          liveAlertOf(a, { outcome: outcomes[i % outcomes.length]!, after: 2 * DAY }),
        );
        const withLive = { ...base, liveAlerts };
        expect(comparable(replayHistory(withLive))).toEqual(
          comparable(replayHistory({ ...withLive, exhaustive: true })),
        );
      }
    }, 60_000);
  });
});

describe('replay: the clock', () => {
  it('applies each event at its processed_at (the batch clock), else at its received_at', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    const hit = h.add('usage_limit_hit', T0, { properties: LIMIT });
    const events = h
      .events()
      .map((e) => (e.id === hit.id ? { ...e, receivedAt: T0 + MINUTE, processedAt: T0 + 3 * MINUTE } : e));
    expect(replay(events).alerts[0]!.openedAt).toBe(T0 + 3 * MINUTE);
    const pending = events.map((e) => (e.id === hit.id ? { ...e, processedAt: null } : e));
    expect(replay(pending).alerts[0]!.openedAt).toBe(T0 + MINUTE);
  });
});

function loadedWith(base: Manifest, tiers: { warm: number; hot: number }): Manifest {
  return withNewBusinessScoring(base, { ...base.scoring, tiers });
}
