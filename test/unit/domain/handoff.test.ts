import { describe, expect, it } from 'vitest';
import { emptyAccountState } from '../../../src/domain/account-state.js';
import {
  type AlertSummary,
  alertBlockers,
  decideHandoff,
  type HandoffInput,
} from '../../../src/domain/handoff.js';
import {
  alertSummary,
  DAY,
  HOT_LAYERS,
  HOUR,
  handoffInput,
  hit,
  MINUTE,
  MONDAY_10AM_NY,
  scoreWith,
  signalOf,
  specManifest,
  WARM_LAYERS,
} from '../../support/domain-builders.js';

const NOW = MONDAY_10AM_NY;
const manifest = specManifest();
const { scoring } = manifest;
const rules = scoring.rules;
const WARM = scoreWith(WARM_LAYERS, scoring);
const HOT = scoreWith(HOT_LAYERS, scoring);
const COLD_NO_INTENT = scoreWith({ ...HOT_LAYERS, intent: 0 }, scoring);
const input = (overrides: Partial<HandoffInput> = {}) => handoffInput(manifest, overrides);

const pricingView = (count: number, overrides: Partial<HandoffInput> = {}) =>
  input({
    event: { id: 'evt_p', type: 'pricing_page_viewed', occurredAt: NOW, userId: 'u_7', properties: {} },
    receivedAt: NOW,
    hits: [hit(signalOf(manifest, 'pricing_repeat'), count)],
    ...overrides,
  });

const session = (overrides: Partial<HandoffInput> = {}) =>
  input({
    event: { id: 'evt_s', type: 'session_started', occurredAt: NOW, userId: 'u_7', properties: {} },
    receivedAt: NOW,
    hits: [hit(signalOf(manifest, 'sessions'), 4)],
    ...overrides,
  });

describe('the score builder these tests use', () => {
  it('gives the tiers the tests rely on', () => {
    expect([WARM.tier, HOT.tier, COLD_NO_INTENT.tier]).toEqual(['warm', 'hot', 'cold']);
  });
});

describe('decideHandoff: handoff moments', () => {
  it('opens an alert for a handoff signal on a warm account, saying why now', () => {
    expect(decideHandoff(input())).toEqual({
      kind: 'open',
      tier: 'warm',
      trigger: {
        kind: 'signal',
        signalId: 'usage_limit_hit',
        text: 'hit the API calls limit (10,000/10,000)',
        at: NOW - MINUTE,
        eventId: 'evt_limit',
        userId: 'u_7',
        props: { limit: 'API calls' },
      },
    });
  });

  it('opens a hot alert for a handoff signal on a hot account', () => {
    const decision = decideHandoff(input({ before: HOT, after: HOT }));
    expect(decision).toMatchObject({ kind: 'open', tier: 'hot' });
  });

  it('never alerts a cold account, even on a usage-limit hit', () => {
    expect(decideHandoff(input({ after: COLD_NO_INTENT }))).toEqual({
      kind: 'none',
      reason: 'no handoff moment',
    });
  });

  it('fires a count-based handoff at the nth event within the window and after, not before', () => {
    expect(decideHandoff(pricingView(1)).kind).toBe('none');
    expect(decideHandoff(pricingView(2)).kind).toBe('none');
    const third = decideHandoff(pricingView(3));
    expect(third).toMatchObject({
      kind: 'open',
      trigger: { signalId: 'pricing_repeat', text: 'viewed pricing 3× in 7 days' },
    });
    expect(decideHandoff(pricingView(4))).toMatchObject({
      kind: 'open',
      trigger: { text: 'viewed pricing 4× in 7 days' },
    });
  });

  it('fires when the score crosses into hot, with the event’s signal as the why-now', () => {
    const decision = decideHandoff(session({ before: WARM, after: HOT }));
    expect(decision).toMatchObject({
      kind: 'open',
      tier: 'hot',
      trigger: { kind: 'signal', signalId: 'sessions', text: '4 sessions this week', eventId: 'evt_s' },
    });
  });

  it('fires when the score crosses into hot on an event no signal scores, naming the score', () => {
    const decision = decideHandoff(
      input({
        event: { id: 'evt_id', type: 'identify', occurredAt: NOW, userId: 'u_7', properties: {} },
        receivedAt: NOW,
        hits: [],
        before: WARM,
        after: HOT,
      }),
    );
    expect(decision).toEqual({
      kind: 'open',
      tier: 'hot',
      trigger: {
        kind: 'tier',
        signalId: null,
        text: `score crossed into hot (80): ${HOT.contributions[0]!.text}`,
        at: NOW,
        eventId: 'evt_id',
        userId: 'u_7',
      },
    });
  });

  it('does not fire for a hot account staying hot without a handoff signal, nor a warm one without', () => {
    expect(decideHandoff(session({ before: HOT, after: HOT }))).toEqual({
      kind: 'none',
      reason: 'no handoff moment',
    });
    expect(decideHandoff(session({ before: WARM, after: WARM }))).toEqual({
      kind: 'none',
      reason: 'no handoff moment',
    });
    expect(decideHandoff(session({ before: COLD_NO_INTENT, after: WARM })).kind).toBe('none');
  });

  it('picks the strongest handoff signal when one event matches several', () => {
    const decision = decideHandoff(
      input({
        hits: [hit(signalOf(manifest, 'sso_attempt')), hit(signalOf(manifest, 'usage_limit_hit'))],
      }),
    );
    expect(decision).toMatchObject({ kind: 'open', trigger: { signalId: 'usage_limit_hit' } });
  });
});

describe('decideHandoff: a self-serve purchase', () => {
  const planChanged = (plan: string, openAlert: AlertSummary | null = alertSummary({ state: 'claimed' })) =>
    input({
      event: { id: 'evt_plan', type: 'plan_changed', occurredAt: NOW, userId: 'u_7', properties: { plan } },
      receivedAt: NOW,
      hits: [],
      openAlert,
      lastAlert: openAlert,
    });

  it('closes the open alert as self-served when the plan becomes a paid one', () => {
    for (const plan of ['team', 'business', 'enterprise']) {
      expect(decideHandoff(planChanged(plan))).toEqual({ kind: 'self_served', plan });
    }
  });

  it('does nothing but note it when there is no open alert', () => {
    expect(decideHandoff(planChanged('team', null))).toEqual({
      kind: 'none',
      reason: 'bought team on their own',
    });
  });

  it('does not close the alert for a move to a plan that is not paid', () => {
    expect(decideHandoff(planChanged('starter')).kind).toBe('refresh');
  });

  it('follows the manifest’s paid_plans', () => {
    const custom = specManifest({ scoring: { rules: { paid_plans: ['pro'] } } });
    const base = planChanged('team');
    expect(decideHandoff({ ...base, rules: custom.scoring.rules }).kind).toBe('refresh');
    expect(
      decideHandoff({
        ...base,
        event: { ...base.event, properties: { plan: 'pro' } },
        rules: custom.scoring.rules,
      }),
    ).toEqual({ kind: 'self_served', plan: 'pro' });
  });

  it('closes even when the plan change arrives late', () => {
    const late = planChanged('team');
    expect(decideHandoff({ ...late, receivedAt: NOW + 3 * DAY, now: NOW + 3 * DAY }).kind).toBe(
      'self_served',
    );
  });
});

describe('decideHandoff: late signals', () => {
  it('scores but never pages: no alert for a moment older than stale_after on arrival', () => {
    const late = input({
      event: { ...input().event, occurredAt: NOW - rules.stale_after - 1 },
      receivedAt: NOW,
    });
    expect(decideHandoff(late)).toEqual({ kind: 'none', reason: 'late signal: scores, never pages' });
  });

  it('judges lateness on arrival, not on processing: an event on time but processed later still pages', () => {
    const onTime = input({
      event: { ...input().event, occurredAt: NOW - 2 * DAY },
      receivedAt: NOW - 2 * DAY + MINUTE,
      now: NOW,
    });
    expect(decideHandoff(onTime).kind).toBe('open');
  });

  it('is not late at exactly stale_after', () => {
    const edge = input({ event: { ...input().event, occurredAt: NOW - rules.stale_after }, receivedAt: NOW });
    expect(decideHandoff(edge).kind).toBe('open');
  });

  it('only refreshes an open alert: no thread reply, no upgrade', () => {
    const late = input({
      event: { ...input().event, occurredAt: NOW - 2 * DAY },
      receivedAt: NOW,
      before: WARM,
      after: HOT,
      openAlert: alertSummary({ tier: 'warm' }),
      lastAlert: alertSummary({ tier: 'warm' }),
    });
    expect(decideHandoff(late)).toEqual({ kind: 'refresh' });
  });
});

describe('decideHandoff: an account with an open alert', () => {
  const withOpen = (tier: 'hot' | 'warm', overrides: Partial<HandoffInput> = {}) =>
    input({ openAlert: alertSummary({ tier }), lastAlert: alertSummary({ tier }), ...overrides });

  it('upgrades a warm alert in place when the account rises to hot', () => {
    const decision = decideHandoff(withOpen('warm', { before: WARM, after: HOT }));
    expect(decision).toMatchObject({
      kind: 'upgrade',
      tier: 'hot',
      trigger: {
        kind: 'signal',
        signalId: 'usage_limit_hit',
        text: 'hit the API calls limit (10,000/10,000)',
      },
    });
  });

  it('upgrades a claimed warm alert too', () => {
    const claimed = alertSummary({ tier: 'warm', state: 'claimed' });
    expect(decideHandoff(input({ after: HOT, openAlert: claimed, lastAlert: claimed })).kind).toBe('upgrade');
  });

  it('never upgrades a hot alert: a hot account stays in the thread', () => {
    expect(decideHandoff(withOpen('hot', { before: HOT, after: HOT }))).toEqual({
      kind: 'thread',
      text: 'hit the API calls limit (10,000/10,000)',
    });
  });

  it('never opens a second alert', () => {
    expect(decideHandoff(withOpen('warm')).kind).toBe('thread');
    expect(decideHandoff(withOpen('hot')).kind).toBe('thread');
  });

  it('puts intent signals in the thread, even without handoff', () => {
    const intentOnly = specManifest({
      scoring: {
        signals: [
          {
            id: 'limit_near',
            layer: 'intent',
            event: 'usage_limit_approached',
            points: 8,
            says: 'is close to the {limit} limit',
          },
          { id: 'sessions', layer: 'behavioral', event: 'session_started', points: 10 },
          { id: 'invites', layer: 'organizational', event: 'teammate_invited', points: 5 },
        ],
        metrics: [],
      },
    });
    const decision = decideHandoff(
      withOpen('warm', {
        event: {
          id: 'e',
          type: 'usage_limit_approached',
          occurredAt: NOW,
          userId: null,
          properties: { limit: 'seats' },
        },
        receivedAt: NOW,
        hits: [hit(signalOf(intentOnly, 'limit_near'), 1)],
      }),
    );
    expect(decision).toEqual({ kind: 'thread', text: 'is close to the seats limit' });
  });

  it('puts handoff signals of any layer in the thread', () => {
    const behavioralHandoff = specManifest({
      scoring: {
        signals: [
          {
            id: 'activation',
            layer: 'behavioral',
            event: 'activation_milestone',
            points: 10,
            handoff: true,
            says: 'reached {milestone}',
          },
          { id: 'limit', layer: 'intent', event: 'usage_limit_hit', points: 30 },
          { id: 'invites', layer: 'organizational', event: 'teammate_invited', points: 5 },
        ],
        metrics: [],
      },
    });
    const decision = decideHandoff(
      withOpen('warm', {
        event: {
          id: 'e',
          type: 'activation_milestone',
          occurredAt: NOW,
          userId: null,
          properties: { milestone: 'first deploy' },
        },
        receivedAt: NOW,
        hits: [hit(signalOf(behavioralHandoff, 'activation'), 1)],
      }),
    );
    expect(decision).toEqual({ kind: 'thread', text: 'reached first deploy' });
  });

  it('only refreshes the parent for routine activity', () => {
    expect(decideHandoff(session({ openAlert: alertSummary(), lastAlert: alertSummary() }))).toEqual({
      kind: 'refresh',
    });
    expect(
      decideHandoff(
        input({
          event: { id: 'e', type: 'custom', occurredAt: NOW, userId: null, properties: {} },
          hits: [],
          openAlert: alertSummary(),
        }),
      ),
    ).toEqual({ kind: 'refresh' });
  });
});

describe('decideHandoff: rules of engagement refuse on the first blocker', () => {
  it('answers none with the blocker in words', () => {
    expect(decideHandoff(input({ firm: { employees: 5, domain: 'acme.com', plan: 'free' } }))).toEqual({
      kind: 'none',
      reason: '5 employees is under min_employees 20 (self-serve)',
    });
  });
});

describe('alertBlockers', () => {
  const blockers = (overrides: Partial<HandoffInput> = {}) => alertBlockers(input(overrides));
  const firm = { employees: 250, domain: 'acme.com', plan: 'free' };

  it('is empty for a gated, warm, mid-size account with no history', () => {
    expect(blockers()).toEqual([]);
    expect(blockers({ after: HOT })).toEqual([]);
  });

  it('names every failed gate, and a score below warm when the gates pass', () => {
    const noFit = scoreWith({ behavioral: 4, organizational: 0, intent: 30 }, scoring);
    expect(blockers({ after: noFit })).toEqual([
      'fails the behavioral gate (4 of 10 points)',
      'fails the organizational gate (0 of 5 points)',
    ]);
    const low = scoreWith({ behavioral: 10, organizational: 5, intent: 10 }, scoring);
    expect(blockers({ after: low })).toEqual(['score 25 is below warm']);
  });

  it('refuses excluded plans', () => {
    expect(blockers({ firm: { ...firm, plan: 'enterprise' } })).toEqual(['plan enterprise is excluded']);
    expect(blockers({ firm: { ...firm, plan: null } })).toEqual([]);
    const custom = specManifest({ scoring: { rules: { exclude_plans: ['legacy'] } } }).scoring.rules;
    expect(blockers({ firm: { ...firm, plan: 'enterprise' }, rules: custom })).toEqual([]);
    expect(blockers({ firm: { ...firm, plan: 'legacy' }, rules: custom })).toEqual([
      'plan legacy is excluded',
    ]);
  });

  it('refuses accounts under min_employees', () => {
    expect(blockers({ firm: { ...firm, employees: 19 } })).toEqual([
      '19 employees is under min_employees 20 (self-serve)',
    ]);
    expect(blockers({ firm: { ...firm, employees: 20 } })).toEqual([]);
    expect(blockers({ firm: { ...firm, employees: 0 } })).toHaveLength(1);
  });

  it('lets seats stand in for an unknown size: under min_active_users_when_size_unknown is self-serve', () => {
    const withUsers = (count: number) => {
      const state = emptyAccountState();
      for (let i = 0; i < count; i++) state.activeUsers[`u_${i}`] = NOW - i * HOUR;
      state.activeUsers.u_gone = NOW - 15 * DAY; // not active in 14 days: not a seat
      return state;
    };
    const unknown = { ...firm, employees: null };
    expect(blockers({ firm: unknown, state: withUsers(2) })).toEqual([
      'size unknown and 2 active users in 14 days is under min_active_users_when_size_unknown 3 (self-serve)',
    ]);
    expect(blockers({ firm: unknown, state: withUsers(3) })).toEqual([]);
    // A known size is judged by min_employees alone, however few its users.
    expect(blockers({ firm: { ...firm, employees: 20 }, state: withUsers(1) })).toEqual([]);
    const off = { ...rules, min_active_users_when_size_unknown: 0 };
    expect(blockers({ firm: unknown, state: withUsers(0), rules: off })).toEqual([]);
  });

  it('never interrupts a self-serve checkout within converting_window', () => {
    const state = (ago: number) => ({ ...emptyAccountState(), upgradeStartedAt: NOW - ago });
    expect(blockers({ state: state(23 * HOUR) })).toEqual([
      'in a self-serve checkout (upgrade_started within converting_window)',
    ]);
    expect(blockers({ state: state(rules.converting_window) })).toEqual([]);
    expect(blockers({ state: state(3 * DAY) })).toEqual([]);
  });

  it('refuses while an alert is open', () => {
    expect(blockers({ openAlert: alertSummary(), lastAlert: alertSummary() })).toEqual([
      'an alert is already open',
    ]);
  });

  it('keeps one alert per cooldown, unless the tier rises', () => {
    const last = alertSummary({
      tier: 'warm',
      state: 'closed',
      openedAt: NOW - 13 * DAY,
      closedAt: NOW - 12 * DAY,
      outcome: 'lost',
    });
    expect(blockers({ lastAlert: last, after: WARM })).toEqual([
      'in cooldown since the warm alert of 2026-11-10',
    ]);
    expect(blockers({ lastAlert: last, after: HOT })).toEqual([]);
    const lastHot = { ...last, tier: 'hot' as const };
    expect(blockers({ lastAlert: lastHot, after: HOT })).toHaveLength(1);
    expect(blockers({ lastAlert: lastHot, after: WARM })).toHaveLength(1);
  });

  it('ends the cooldown after `cooldown` from the last alert', () => {
    const last = alertSummary({
      state: 'closed',
      openedAt: NOW - rules.cooldown,
      closedAt: NOW - 13 * DAY,
      outcome: 'won',
    });
    expect(blockers({ lastAlert: last })).toEqual([]);
    expect(blockers({ lastAlert: { ...last, openedAt: NOW - rules.cooldown + 1 } })).toHaveLength(1);
  });

  it('backs off after a touch with no response, even if the tier rises, for back_off', () => {
    const last = alertSummary({
      tier: 'warm',
      state: 'closed',
      openedAt: NOW - 30 * DAY,
      closedAt: NOW - 6 * DAY,
      outcome: 'no_response',
    });
    expect(blockers({ lastAlert: last, after: HOT })).toEqual(['backing off: no response to the last touch']);
    expect(blockers({ lastAlert: { ...last, closedAt: NOW - rules.back_off } })).toEqual([]);
    // Any other outcome is no back-off (and the cooldown of 14 days from opening is long over).
    expect(blockers({ lastAlert: { ...last, outcome: 'lost' } })).toEqual([]);
  });

  it('follows the manifest’s durations', () => {
    const custom = specManifest({
      scoring: { rules: { cooldown: '1d', back_off: '1d', converting_window: '1h' } },
    }).scoring.rules;
    const last = alertSummary({
      state: 'closed',
      openedAt: NOW - 2 * DAY,
      closedAt: NOW - 2 * DAY,
      outcome: 'no_response',
    });
    const state = { ...emptyAccountState(), upgradeStartedAt: NOW - 2 * HOUR };
    expect(blockers({ rules: custom, lastAlert: last, state })).toEqual([]);
    expect(blockers({ lastAlert: last, state })).toEqual([
      'in a self-serve checkout (upgrade_started within converting_window)',
      'backing off: no response to the last touch',
    ]);
  });

  it('lists every blocker at once, for /pls account', () => {
    const reasons = blockers({
      after: COLD_NO_INTENT,
      firm: { employees: 3, domain: 'gmail.com', plan: 'enterprise' },
      state: { ...emptyAccountState(), upgradeStartedAt: NOW - HOUR },
      openAlert: alertSummary(),
    });
    expect(reasons).toEqual([
      'fails the intent gate (0 of 10 points)',
      'plan enterprise is excluded',
      '3 employees is under min_employees 20 (self-serve)',
      'in a self-serve checkout (upgrade_started within converting_window)',
      'an alert is already open',
    ]);
  });
});
