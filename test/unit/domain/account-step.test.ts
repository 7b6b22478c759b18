import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.js';
import { type AccountState, emptyAccountState } from '../../../src/domain/account-state.js';
import { type StepResult, stepAccount } from '../../../src/domain/account-step.js';
import type { AlertSummary } from '../../../src/domain/handoff.js';
import type { RoutableAccount } from '../../../src/domain/routing.js';
import type { UsageEvent } from '../../../src/domain/usage-event.js';
import { DAY, HOUR, MINUTE, MONDAY_10AM_NY } from '../../support/domain-builders.js';

/** The shipped PQL definition: these are the behaviours a sales-ops engineer gets out of the box. */
const manifest = loadManifest(resolve(import.meta.dirname, '../../../manifests/pls.yml'));
const NOW = MONDAY_10AM_NY;
const ACME: RoutableAccount = {
  employees: 250,
  domain: 'acme.com',
  plan: 'free',
  country: 'US',
  industry: 'software',
  owner: null,
};

/** One account fed event by event through the step, with the alert model of live scoring. */
function account(firm: RoutableAccount = ACME) {
  const state: AccountState = emptyAccountState();
  let open: AlertSummary | null = null;
  let last: AlertSummary | null = null;
  let seen = false;
  let n = 0;
  const feed = (
    type: string,
    at: number,
    options: {
      receivedAt?: number;
      properties?: Record<string, unknown>;
      user?: string;
      decisionOnly?: boolean;
    } = {},
  ): StepResult => {
    const user = options.user ?? 'u_1';
    const event: UsageEvent = {
      id: `evt_${++n}`,
      source: 'webhook',
      type,
      occurredAt: at,
      accountId: 'acct_1',
      account: null,
      userId: user,
      user: { email: `${user}@${firm.domain ?? 'gmail.com'}` },
      properties: options.properties ?? {},
    };
    const receivedAt = options.receivedAt ?? at;
    const result = stepAccount({
      event,
      receivedAt,
      state,
      previous: seen ? firm : null,
      account: firm,
      openAlert: open,
      lastAlert: last,
      scoring: manifest.scoring,
      routing: manifest.routing,
      now: receivedAt,
      decisionOnly: options.decisionOnly,
    });
    seen = true;
    if (result.decision.kind === 'open') {
      open = {
        state: 'open',
        tier: result.decision.tier,
        openedAt: receivedAt,
        closedAt: null,
        outcome: null,
      };
      last = open;
    }
    return result;
  };
  return { state, feed };
}

/** A real team's two weeks, days `from`..`to` before `at`: four people, most days, breadth. */
function activeTeam(feed: ReturnType<typeof account>['feed'], at: number, receivedAt?: number) {
  for (let day = 13; day >= 1; day--) {
    const t = at - day * DAY;
    for (const user of ['u_1', 'u_2', 'u_3', 'u_4']) feed('session_started', t, { user, receivedAt });
    feed('feature_used', t + HOUR, { properties: { feature: `f${day % 7}` }, receivedAt });
  }
  feed('integration_connected', at - 5 * DAY, { properties: { integration: 'github' }, receivedAt });
}

describe('stepAccount: a crossing lost to stale data is remembered (armed)', () => {
  /** Two weeks of history and a limit hit two days ago, all delivered now: a backfill. */
  function backfilled() {
    const acct = account();
    activeTeam(acct.feed, NOW, NOW);
    const hit = acct.feed('usage_limit_hit', NOW - 2 * DAY, {
      receivedAt: NOW,
      properties: { limit: 'API calls', used: 10_000, quota: 10_000 },
    });
    return { ...acct, hit };
  }

  it('pages nobody for the backfill and arms the hot account', () => {
    const { state, hit } = backfilled();
    expect(hit.after?.tier).toBe('hot');
    expect(hit.decision).toMatchObject({
      kind: 'none',
      reason: 'late signal: armed, alerts on its next fresh activity',
    });
    expect(state.armed).toEqual({
      at: NOW - 2 * DAY,
      text: 'hit the API calls limit (10,000/10,000)',
      signalId: 'usage_limit_hit',
    });
  });

  it('alerts on the next fresh activity, saying what made it hot and that it is active now', () => {
    const { state, feed } = backfilled();
    expect(feed('identify', NOW + MINUTE).decision.kind).toBe('none');
    expect(feed('plan_changed', NOW + 2 * MINUTE, { properties: { plan: 'free' } }).decision.kind).toBe(
      'none',
    );
    const session = feed('session_started', NOW + 10 * MINUTE);
    expect(session.decision).toMatchObject({
      kind: 'open',
      tier: 'hot',
      team: { id: 'mid-market' },
      trigger: {
        kind: 'armed',
        signalId: 'usage_limit_hit',
        text: 'turned hot — hit the API calls limit (10,000/10,000) (2026-11-21, arrived late) — and is active again now',
        at: NOW + 10 * MINUTE,
      },
    });
    expect(state.armed).toBeNull();
    expect(feed('session_started', NOW + 20 * MINUTE).decision.kind).not.toBe('open');
  });

  it('never fires from a late event, and keeps waiting', () => {
    const { state, feed } = backfilled();
    const late = feed('session_started', NOW - 3 * DAY, { receivedAt: NOW + MINUTE });
    expect(late.decision.kind).toBe('none');
    expect(state.armed).not.toBeNull();
  });

  it('disarms when the account buys on its own', () => {
    const { state, feed } = backfilled();
    feed('plan_changed', NOW + MINUTE, { properties: { plan: 'team' } });
    expect(state.armed).toBeNull();
  });

  it('disarms when it is found below hot, and a later fresh event does not page', () => {
    const { state, feed } = backfilled();
    const weekLater = feed('session_started', NOW + 9 * DAY, { receivedAt: NOW + 9 * DAY });
    expect(weekLater.after?.tier).not.toBe('hot');
    expect(weekLater.decision.kind).toBe('none');
    expect(state.armed).toBeNull();
  });

  it('does not arm a warm account: it waits for an intent moment', () => {
    const { state, feed } = account();
    for (let day = 6; day >= 1; day--) feed('session_started', NOW - day * DAY, { receivedAt: NOW });
    feed('pricing_page_viewed', NOW - DAY, { receivedAt: NOW });
    expect(state.armed ?? null).toBeNull();
  });

  it('makes the same decisions and leaves the same state when replay asks for the decision only', () => {
    const full = backfilled();
    const quick = account();
    activeTeam(quick.feed, NOW, NOW);
    quick.feed('usage_limit_hit', NOW - 2 * DAY, {
      receivedAt: NOW,
      properties: { limit: 'API calls', used: 10_000, quota: 10_000 },
      decisionOnly: true,
    });
    expect(quick.state).toEqual(full.state);
    const a = full.feed('session_started', NOW + MINUTE);
    const b = quick.feed('session_started', NOW + MINUTE, { decisionOnly: true });
    expect(b.decision).toEqual(a.decision);
  });
});

describe('stepAccount: intent moments of the shipped manifest', () => {
  const reading = (used: number) => ({ properties: { limit: 'API calls', used, quota: 10_000 } });

  it('an account near its limit on three days within two weeks is hot-ready, and says so', () => {
    // A small team that has used the product for a week: one reading near the limit is not yet a
    // reason to call, the third day in two weeks is.
    const { feed } = account();
    const day = (n: number, users: string[]) => {
      for (const user of users) feed('session_started', NOW - n * DAY, { user });
    };
    for (const n of [12, 10, 9, 8, 7]) day(n, ['u_1', 'u_2', 'u_3']);
    const first = feed('usage_limit_approached', NOW - 6 * DAY, reading(8_200));
    const again = feed('usage_limit_approached', NOW - 6 * DAY + HOUR, reading(8_400));
    day(4, ['u_1']);
    const second = feed('usage_limit_approached', NOW - 3 * DAY, reading(8_900));
    const third = feed('usage_limit_approached', NOW, reading(9_300));
    expect([first, again, second].map((step) => step.decision.kind)).toEqual(['none', 'none', 'none']);
    expect(third.decision).toMatchObject({
      kind: 'open',
      tier: 'hot',
      trigger: {
        signalId: 'limit_approaching',
        text: 'has been close to the API calls limit on 3 days in two weeks',
      },
    });
  });

  it('readings under 80 % are not pressure', () => {
    const { feed } = account();
    activeTeam(feed, NOW);
    for (const day of [6, 3, 0]) {
      expect(feed('usage_limit_approached', NOW - day * DAY, reading(7_000)).decision.kind).toBe('none');
    }
  });

  it('an invite to a new company domain alerts on its own on an otherwise ready account', () => {
    const { feed } = account();
    activeTeam(feed, NOW);
    const invite = feed('teammate_invited', NOW, { properties: { invitee_email: 'lee@acmecorp.com' } });
    expect(invite.decision).toMatchObject({
      kind: 'open',
      trigger: { signalId: 'new_domain_invite', text: 'invited a teammate from a new domain (acmecorp.com)' },
    });
  });

  it('an account of unknown size with one or two people is self-serve, with three it is a team', () => {
    const unknown = { ...ACME, employees: null };
    const hitNow = { properties: { limit: 'API calls', used: 10_000, quota: 10_000 } };
    const solo = account(unknown);
    for (let day = 13; day >= 1; day--) {
      for (const user of ['u_1', 'u_2']) solo.feed('session_started', NOW - day * DAY, { user });
    }
    expect(solo.feed('usage_limit_hit', NOW, hitNow).decision).toMatchObject({
      kind: 'none',
      reason: expect.stringContaining('min_active_users_when_size_unknown'),
    });
    const team = account(unknown);
    activeTeam(team.feed, NOW);
    expect(team.feed('usage_limit_hit', NOW, hitNow).decision.kind).toBe('open');
  });
});
