import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/db/history.js';
import { renderReplayText } from '../../../src/replay/render-replay-text.js';
import { replayHistory } from '../../../src/replay/replay-engine.js';
import { buildReplayReport, pairAlerts } from '../../../src/replay/replay-report.js';
import { DAY, HOUR, historyBuilder, LIMIT, liveAlertOf, T0 } from '../../support/history/history-builders.js';
import { knownAnswerManifest } from '../../support/history/known-answer.js';

const live = knownAnswerManifest({ timezone: 'America/New_York' });
const strict = knownAnswerManifest({
  timezone: 'America/New_York',
  scoring: { tiers: { hot: 80, warm: 55 } },
});

/**
 * Three accounts alerted on T0 (a Monday), T0 + 8 days and T0 + 9 days; acct_3 also requested a
 * demo (10 more points), so it is the only one a stricter manifest alerts. acct_4 buys without
 * ever being alerted; acct_2 buys while alerted.
 */
function story(): StoredEvent[] {
  const h = historyBuilder();
  h.add('signed_up', T0 - 60 * DAY, { account: 'acct_0' }); // history starts well before the window
  h.warm('acct_1', T0);
  h.add('usage_limit_hit', T0, { account: 'acct_1', properties: LIMIT });
  h.warm('acct_2', T0 + 8 * DAY, { employees: 3000 });
  h.add('usage_limit_hit', T0 + 8 * DAY, { account: 'acct_2', properties: LIMIT });
  h.add('plan_changed', T0 + 8 * DAY + HOUR, { account: 'acct_2', properties: { plan: 'team' } });
  h.warm('acct_3', T0 + 9 * DAY);
  h.add('demo_requested', T0 + 9 * DAY - HOUR, { account: 'acct_3' });
  h.add('usage_limit_hit', T0 + 9 * DAY, { account: 'acct_3', properties: LIMIT });
  h.warm('acct_4', T0 + 12 * DAY);
  h.add('plan_changed', T0 + 12 * DAY, { account: 'acct_4', properties: { plan: 'business' } });
  return h.events();
}

const NOW = T0 + 20 * DAY;

function reportOf(events: StoredEvent[], withLive = true) {
  const first = replayHistory({ manifests: [live], events, until: NOW }).lanes[0]!.alerts;
  const liveAlerts = withLive
    ? first.map((a) => liveAlertOf(a, a.accountId === 'acct_1' ? { outcome: 'won', after: 3 * DAY } : null))
    : [];
  const replay = replayHistory({ manifests: [strict, live], events, liveAlerts, until: NOW });
  return buildReplayReport({
    replay,
    candidate: { lane: 0, label: 'strict.yml' },
    baseline: { lane: 1, label: 'pls.yml' },
    liveAlerts,
    from: NOW - 30 * DAY,
    to: NOW,
    window: 30 * DAY,
    matchWindow: 7 * DAY,
  });
}

describe('the replay report', () => {
  const report = reportOf(story());

  it('counts the candidate’s alerts per week (Monday, in the manifest’s zone), tier and team', () => {
    expect(report.alerts).toMatchObject({ total: 1, hot: 0, warm: 1, upgraded: 0, accounts: 1 });
    expect(report.weeks).toEqual([
      { week: '2026-11-09', total: 1, hot: 0, warm: 1, byTeam: { 'mid-market': 1 } },
    ]);
  });

  it('diffs the candidate against the live manifest', () => {
    const diff = report.diff!;
    expect(diff.same).toBe(1);
    expect(diff.onlyCandidate).toEqual([]);
    expect(diff.onlyBaseline.map((a) => [a.accountId, a.outcome])).toEqual([
      ['acct_1', 'won'],
      ['acct_2', 'self_served'],
    ]);
    expect(diff.tierChanges).toEqual([]);
  });

  it('finds the buyers nobody was alerted to: missed PQLs', () => {
    // acct_1's win and acct_2's purchase were only alerted by the live manifest; acct_4 by neither.
    expect(report.conversions.total).toBe(3);
    expect(report.conversions.alerted).toBe(0);
    expect(report.conversions.missed.map((m) => [m.accountId, m.kind, m.plan])).toEqual([
      ['acct_1', 'won', null],
      ['acct_2', 'purchase', 'team'],
      ['acct_4', 'purchase', 'business'],
    ]);
    expect(report.conversions.missed[2]!.present).toContain('sessions');
  });

  it('checks the live manifest’s replay against the live alerts table', () => {
    expect(report.fidelity).toEqual({ live: 3, reproduced: 3, differ: 0, onlyLive: 0, onlyReplay: 0 });
    const live = reportOf(story());
    expect(live.warnings).toEqual([]);
  });

  it('says how alerts ended, borrowing rep outcomes from the live alerts', () => {
    const liveReport = buildReplayReport({
      ...{ replay: replayHistory({ manifests: [live], events: story(), until: NOW }) },
      candidate: { lane: 0, label: 'pls.yml' },
      baseline: null,
      liveAlerts: [],
      from: NOW - 30 * DAY,
      to: NOW,
      window: 30 * DAY,
      matchWindow: 7 * DAY,
    });
    // No live outcomes: acct_1's alert expired unworked (unknown), acct_2 self-served, acct_3 expired.
    expect(liveReport.endings).toMatchObject({ self_served: 1, unknown: 2, won: 0 });
    expect(liveReport.diff).toBeNull();
    expect(liveReport.fidelity).toBeNull();
  });

  it('warns when the window starts before 30 days of history', () => {
    const h = historyBuilder();
    h.warm('acct_1', T0);
    h.add('usage_limit_hit', T0, { properties: LIMIT });
    const replay = replayHistory({ manifests: [live], events: h.events(), until: NOW });
    const early = buildReplayReport({
      replay,
      candidate: { lane: 0, label: 'pls.yml' },
      baseline: null,
      liveAlerts: [],
      from: NOW - 90 * DAY,
      to: NOW,
      window: 30 * DAY,
      matchWindow: 7 * DAY,
    });
    expect(early.warnings[0]).toMatch(
      /^The window starts less than 30 days after the oldest stored event \(2026-10-27\)/,
    );
  });

  it('reads as a terminal report', () => {
    const text = renderReplayText(report, 'America/New_York');
    expect(text).toContain('Replay of strict.yml\n');
    expect(text).toContain('Alerts: 1 (hot 0 · warm 1) on 1 account · 0 upgraded to hot');
    expect(text).toMatch(
      / {2}week of {5}total {2}hot {2}warm {2}by team\n {2}2026-11-09 {6}1 {4}0 {5}1 {2}mid-market 1\n/,
    );
    expect(text).toContain('Accounts that bought: 3 · alerted before buying: 0 · missed PQLs: 3');
    expect(text).toContain(
      'Against pls.yml: same 1 · only this manifest 0 · only pls.yml 2 · tier changes 0',
    );
    expect(text).toContain("Live manifest's replay vs the alerts table: 3 of 3 live alerts reproduced");
  });
});

describe('pairAlerts', () => {
  const at = (accountId: string, openedAt: number) => ({ accountId, openedAt });

  it('pairs the same moment first, then the nearest within the window, each alert once', () => {
    const a = [at('x', 0), at('x', 10 * DAY), at('y', 0)];
    const b = [at('x', 4 * DAY), at('x', 0), at('y', 8 * DAY)];
    const { paired, onlyA, onlyB } = pairAlerts(a, b, 7 * DAY);
    expect(paired).toEqual([
      [at('x', 0), at('x', 0)],
      [at('x', 10 * DAY), at('x', 4 * DAY)],
    ]);
    expect(onlyA).toEqual([at('y', 0)]);
    expect(onlyB).toEqual([at('y', 8 * DAY)]);
  });
});
