import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateUsageHistory } from '../../../bench/synthetic-history.js';
import { loadManifest } from '../../../src/config/manifest.js';
import { type AccountState, emptyAccountState } from '../../../src/domain/account-state.js';
import { type PlayStep, stepAccount, tickAccount } from '../../../src/domain/account-step.js';
import type { AlertSummary } from '../../../src/domain/handoff.js';
import type { RoutableAccount } from '../../../src/domain/routing.js';
import { toUsageEvent, withPlanChange } from '../../../src/domain/stored-event.js';
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

/** An event of acct_1 by `user`, happening at `at`. */
function usageOf(
  id: string,
  type: string,
  at: number,
  options: {
    user?: string;
    domain?: string;
    properties?: Record<string, unknown>;
    source?: 'webhook' | 'segment';
  } = {},
): UsageEvent {
  const user = options.user ?? 'u_1';
  return {
    id,
    source: options.source ?? 'webhook',
    type,
    occurredAt: at,
    accountId: 'acct_1',
    account: null,
    userId: user,
    user: { email: `${user}@${options.domain ?? 'acme.com'}` },
    properties: options.properties ?? {},
  };
}

/** One account fed event by event through new business's step, with the alert model of live scoring. */
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
  ): PlayStep => {
    const user = options.user ?? 'u_1';
    const event = usageOf(`evt_${++n}`, type, at, {
      user,
      domain: firm.domain ?? 'gmail.com',
      properties: options.properties,
    });
    const receivedAt = options.receivedAt ?? at;
    const result = stepAccount({
      event,
      receivedAt,
      state,
      previous: seen ? firm : null,
      account: firm,
      plays: [manifest.plays[0]!],
      alertsOf: () => ({ openAlert: open, lastAlert: last }),
      now: receivedAt,
      decisionOnly: options.decisionOnly,
    }).plays[0]!;
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
        text: 'hit the API calls limit (10,000/10,000) on Nov 21 (data that arrived late), and is active again',
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

  it.each([false, true])('disarms when it is found below hot (decision only: %s)', (decisionOnly) => {
    const { state, feed } = backfilled();
    const weeksLater = feed('session_started', NOW + 20 * DAY, { receivedAt: NOW + 20 * DAY, decisionOnly });
    expect(weeksLater.numbers?.tier ?? 'cold').toBe('cold');
    expect(weeksLater.decision.kind).toBe('none');
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

describe('stepAccount: the decision-only early exit', () => {
  it('fires a migration-armed account with what makes it hot now', () => {
    const migrated = account();
    activeTeam(migrated.feed, NOW);
    migrated.feed('usage_limit_hit', NOW - 2 * DAY, {
      receivedAt: NOW - 2 * DAY + 25 * HOUR,
      properties: { limit: 'seats', used: 5, quota: 5 },
    });
    // What migration 0010 writes: armed, with no moment on record.
    migrated.state.armed = { at: NOW - DAY, text: null, signalId: null };
    const fired = migrated.feed('feature_used', NOW, { properties: { feature: 'reports' } });
    expect(fired.decision).toMatchObject({
      kind: 'open',
      tier: 'hot',
      trigger: { kind: 'armed', signalId: null },
    });
    expect(fired.decision.kind === 'open' && fired.decision.trigger.text).toMatch(
      /^is hot \(score \d+: .+\), and is active again$/,
    );
  });

  it('decides and leaves the state exactly as the full step, event by event, on a history with a backfill', () => {
    const start = Date.UTC(2026, 5, 1);
    const backfillUntil = start + 20 * DAY; // everything before day 20 arrives at once on day 20
    const rows = [...generateUsageHistory({ seed: 7, accounts: 60, days: 45, start })]
      .map((row) => (row.occurredAt < backfillUntil ? { ...row, receivedAt: backfillUntil } : row))
      .sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq);
    interface Lane {
      state: AccountState;
      /** By play. */
      open: Map<string, AlertSummary>;
      last: Map<string, AlertSummary>;
    }
    const lanes = new Map<string, { firm: RoutableAccount | null; full: Lane; quick: Lane }>();
    const fresh = (): Lane => ({ state: emptyAccountState(), open: new Map(), last: new Map() });
    let compared = 0;
    let armedSeen = 0;
    const decided = new Set<string>();
    for (const row of rows) {
      if (!row.accountId) continue;
      let lane = lanes.get(row.accountId);
      if (!lane) {
        lane = { firm: null, full: fresh(), quick: fresh() };
        lanes.set(row.accountId, lane);
      }
      const event = toUsageEvent(row);
      const previous = lane.firm;
      const patch = withPlanChange(event, null) ?? {};
      const firm: RoutableAccount = {
        employees: patch.employees ?? previous?.employees ?? null,
        domain: patch.domain ?? previous?.domain ?? null,
        plan: patch.plan ?? previous?.plan ?? null,
        country: patch.country ?? previous?.country ?? null,
        industry: patch.industry ?? previous?.industry ?? null,
        owner: null,
      };
      lane.firm = firm;
      const now = row.receivedAt;
      const decisions = [lane.full, lane.quick].map((side, i) => {
        // Alerts a rep worked: closed (lost) two days after opening.
        for (const [play, open] of side.open) {
          if (now - open.openedAt <= 2 * DAY) continue;
          side.last.set(play, {
            ...open,
            state: 'closed',
            closedAt: open.openedAt + 2 * DAY,
            outcome: 'lost',
          });
          side.open.delete(play);
        }
        const result = stepAccount({
          event,
          receivedAt: row.receivedAt,
          state: side.state,
          previous,
          account: firm,
          plays: manifest.plays,
          alertsOf: (play) => ({
            openAlert: side.open.get(play) ?? null,
            lastAlert: side.last.get(play) ?? null,
          }),
          now,
          decisionOnly: i === 1,
        });
        return result.plays.map(({ play, decision }) => {
          const open = side.open.get(play.id);
          if (decision.kind === 'open') {
            const opened = {
              state: 'open',
              tier: decision.tier,
              openedAt: now,
              closedAt: null,
              outcome: null,
            } as const;
            side.open.set(play.id, opened);
            side.last.set(play.id, opened);
          } else if (decision.kind === 'upgrade' && open) {
            side.open.set(play.id, { ...open, tier: 'hot' });
            side.last.set(play.id, { ...open, tier: 'hot' });
          } else if (decision.kind === 'self_served' && open) {
            side.last.set(play.id, { ...open, state: 'closed', closedAt: now, outcome: 'self_served' });
            side.open.delete(play.id);
          }
          if (decision.kind !== 'none') decided.add(play.id);
          return decision.kind === 'none' ? { kind: 'none' } : decision;
        });
      });
      expect(decisions[1], `event ${row.id}`).toEqual(decisions[0]);
      expect(JSON.stringify(lane.quick.state), `state after ${row.id}`).toBe(JSON.stringify(lane.full.state));
      if (lane.full.state.armed) armedSeen++;
      compared++;
    }
    expect(compared).toBeGreaterThan(4_000);
    expect(armedSeen).toBeGreaterThan(0); // the backfill armed someone: the armed path was compared too
    expect([...decided]).toContain('new_business');
  });
});

describe('stepAccount: people’s words', () => {
  it('says a gated feature by its label, never its id', () => {
    const { feed } = account();
    activeTeam(feed, NOW);
    const attempt = feed('premium_feature_attempted', NOW, {
      properties: { feature: 'audit_log', plan: 'business' },
    });
    expect(attempt.decision).toMatchObject({
      kind: 'open',
      trigger: { text: 'tried audit log, which needs the business plan', props: { feature: 'audit_log' } },
    });
    expect(attempt.after!.contributions.map((c) => c.text)).toContain(
      'tried audit log: a security review is likely',
    );
  });
});

describe('stepAccount: plays', () => {
  it('scores nothing into a play while it does not judge the account: a free plan’s pressure is no expansion evidence once it pays', () => {
    const state = emptyAccountState();
    const free: RoutableAccount = { ...ACME, plan: 'free' };
    const team: RoutableAccount = { ...ACME, plan: 'team' };
    let n = 0;
    const step = (type: string, at: number, firm: RoutableAccount, properties: Record<string, unknown>) =>
      stepAccount({
        event: usageOf(`evt_${++n}`, type, at, { properties }),
        receivedAt: at,
        state,
        previous: n > 1 ? firm : null,
        account: firm,
        plays: manifest.plays,
        alertsOf: () => ({ openAlert: null, lastAlert: null }),
        now: at,
      }).plays.find((p) => p.play.id === 'expansion')!;
    const reading = { limit: 'api_calls', used: 8_800, quota: 10_000 };
    for (const day of [3, 2])
      expect(step('usage_limit_approached', NOW - day * DAY, free, reading).hits).toEqual([]);
    const paying = step('usage_limit_approached', NOW - DAY, team, reading);
    expect(paying.hits.map((hit) => [hit.signal.id, hit.count])).toEqual([['limit_pressure', 1]]);
    expect(paying.decision.kind).toBe('none');
  });

  it('gathers the readings of an account whose plan is not known yet: a Segment group call may come after the tracks', () => {
    const state = emptyAccountState();
    const unknown: RoutableAccount = { ...ACME, plan: null };
    const team: RoutableAccount = { ...ACME, plan: 'team' };
    let n = 0;
    const step = (at: number, firm: RoutableAccount) =>
      stepAccount({
        event: usageOf(`evt_${++n}`, 'usage_limit_approached', at, {
          source: 'segment',
          properties: { limit: 'api_calls', used: 8_800, quota: 10_000 },
        }),
        receivedAt: at,
        state,
        previous: n > 1 ? firm : null,
        account: firm,
        plays: manifest.plays,
        alertsOf: () => ({ openAlert: null, lastAlert: null }),
        now: at,
      }).plays.find((p) => p.play.id === 'expansion')!;
    for (const day of [3, 2]) {
      const gathered = step(NOW - day * DAY, unknown);
      expect(gathered.hits.map((hit) => hit.signal.id)).toEqual(['limit_pressure']);
      expect(gathered.decision).toMatchObject({ kind: 'none', reason: 'not in this play' });
    }
    expect(step(NOW - DAY, team).hits.map((hit) => [hit.signal.id, hit.count])).toEqual([
      ['limit_pressure', 3],
    ]);
  });
});

describe('tickAccount: the daily re-score', () => {
  const churn = manifest.plays.find((p) => p.id === 'churn_risk')!;
  const BUSINESS: RoutableAccount = { ...ACME, plan: 'business' };
  const today = Math.floor(NOW / DAY);

  /** A team of four, busy three weeks ago and silent since: churn risk finds it hot at `today`. */
  function silentTeam(): AccountState {
    const state = emptyAccountState();
    let n = 0;
    for (const user of ['u_1', 'u_2', 'u_3', 'u_4']) {
      for (let s = 0; s < 3; s++) {
        const at = (today - 20) * DAY + (n + 1) * MINUTE;
        stepAccount({
          event: usageOf(`evt_${++n}`, 'session_started', at, { user }),
          receivedAt: at,
          state,
          previous: n > 1 ? BUSINESS : null,
          account: BUSINESS,
          plays: manifest.plays,
          alertsOf: () => ({ openAlert: null, lastAlert: null }),
          now: at,
        });
      }
    }
    return state;
  }

  const tick = (state: AccountState, lastOpenedAt: number) =>
    tickAccount({
      state,
      account: BUSINESS,
      plays: [churn],
      alertsOf: () => ({
        openAlert: null,
        lastAlert: {
          state: 'closed',
          tier: 'hot',
          openedAt: lastOpenedAt,
          closedAt: lastOpenedAt + DAY,
          outcome: 'lost',
        },
      }),
      at: today * DAY,
    })[0]!;

  it('counts the cooldown from the day the last alert came, whenever that day’s sweep posted it', () => {
    // Posted at 09:00 thirty days ago (live: the sweep ran then); replay dates it at that day's
    // start. Either way the cooldown is over on today's re-score.
    const posted = tick(silentTeam(), (today - 30) * DAY + 9 * HOUR);
    expect(posted.decision).toMatchObject({ kind: 'open', tier: 'hot' });
    expect(tick(silentTeam(), (today - 30) * DAY).decision).toMatchObject({ kind: 'open', tier: 'hot' });
    // A day less, and it holds.
    expect(tick(silentTeam(), (today - 29) * DAY + 9 * HOUR).decision.kind).toBe('none');
  });
});
