import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { workingTimeBetween } from '../../../src/domain/business-hours.js';
import type { Hours } from '../../../src/domain/definition.js';
import {
  bandOf,
  buildSlaReport,
  conversion,
  percentile,
  type ReportAlert,
  type ReportOptions,
  type SlaReport,
} from '../../../src/domain/sla-report.js';
import { reportAlert as alert, DAY, HOUR, MINUTE, MONDAY_10AM_NY } from '../../support/domain-builders.js';

const at = (iso: string) => Date.parse(iso);

/** mon–fri 09:00–18:00 New York (EST, UTC-5 in late November). */
const NY: Hours = { tz: 'America/New_York', days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60 };
/** mon–fri 09:00–17:00 London (GMT, UTC+0 in late November). */
const LONDON: Hours = { tz: 'Europe/London', days: [1, 2, 3, 4, 5], from: 9 * 60, to: 17 * 60 };

/** Tuesday 2026-12-01 15:00 UTC = 10:00 New York. */
const NOW = at('2026-12-01T15:00:00Z');

/** Claimed by `rep` `minutes` after the clock started. */
function claimed(minutes: number, overrides: Partial<ReportAlert> = {}): ReportAlert {
  const base = alert(overrides);
  const claimedBy = overrides.claimedBy ?? 'U0ANA';
  return {
    ...base,
    state: 'claimed',
    claimedBy,
    suggestedRep: claimedBy, // routed to them
    claimedAt: base.clockStart + minutes * MINUTE,
    ...overrides,
  };
}

/** Closed with `outcome` after a claim in 5 min. */
function closed(outcome: string, overrides: Partial<ReportAlert> = {}): ReportAlert {
  return claimed(5, { state: 'closed', outcome, ...overrides });
}

function options(overrides: Partial<ReportOptions> = {}): ReportOptions {
  return {
    now: NOW,
    periodMs: 30 * DAY,
    periodLabel: '30d',
    businessHours: false,
    teamHours: () => NY,
    repHours: () => NY,
    scope: { kind: 'all' },
    ...overrides,
  };
}

const report = (alerts: ReportAlert[], overrides: Partial<ReportOptions> = {}): SlaReport =>
  buildSlaReport(alerts, options(overrides));

describe('percentile (nearest rank)', () => {
  it('is null for no values and the value itself for one', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 90)).toBe(7);
  });

  it('takes the ⌈p/100 · n⌉-th smallest value', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3); // rank ⌈2.5⌉ = 3
    expect(percentile([1, 2, 3, 4, 5], 90)).toBe(5); // rank ⌈4.5⌉ = 5
    expect(percentile([10, 20, 30, 40], 50)).toBe(20); // rank 2: the lower middle, not 25
    expect(percentile([10, 20, 30, 40], 90)).toBe(40); // rank ⌈3.6⌉ = 4
    const tens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(tens, 50)).toBe(5);
    expect(percentile(tens, 90)).toBe(9); // rank exactly 9
    expect(percentile([...tens, 11], 90)).toBe(10); // rank ⌈9.9⌉ = 10
    expect(percentile([1, 2, 3, 4, 5, 6], 90)).toBe(6); // rank ⌈5.4⌉ = 6, not the nearer 5
  });
});

describe('time to claim', () => {
  it('has the median and p90 of an odd count, whatever the order the alerts come in', () => {
    const r = report([claimed(9), claimed(1), claimed(5)]);
    expect(r.timeToClaim).toEqual({ count: 3, medianMs: 5 * MINUTE, p90Ms: 9 * MINUTE });
  });

  it('has the lower middle as the median of an even count', () => {
    const r = report([claimed(40), claimed(10), claimed(30), claimed(20)]);
    expect(r.timeToClaim).toEqual({ count: 4, medianMs: 20 * MINUTE, p90Ms: 40 * MINUTE });
  });

  it('counts business minutes across a weekend in the team’s hours', () => {
    // Friday 17:30 New York → Monday 09:30: 30 min on Friday, 30 on Monday.
    const friday = at('2026-11-27T22:30:00Z');
    const monday = at('2026-11-30T14:30:00Z');
    const late = claimed(0, { openedAt: friday, clockStart: friday, claimDueAt: friday + 15 * MINUTE });
    const weekend = { ...late, claimedAt: monday };
    const teamHours = vi.fn(() => NY);

    const business = report([weekend], { businessHours: true, teamHours });
    expect(business.measure).toBe('business');
    expect(business.timeToClaim).toEqual({ count: 1, medianMs: 60 * MINUTE, p90Ms: 60 * MINUTE });
    expect(teamHours).toHaveBeenCalledWith('mid-market');

    const wall = report([weekend], { businessHours: false });
    expect(wall.measure).toBe('wall');
    expect(wall.timeToClaim.medianMs).toBe(2 * DAY + 16 * HOUR);
  });

  it('leaves out an alert claimed before its current clock started (upgraded in place), which met its SLA', () => {
    const upgraded = claimed(-30); // claimed while warm; the hot clock started 30 min later
    const r = report([upgraded, claimed(4)]);
    expect(r.timeToClaim).toEqual({ count: 1, medianMs: 4 * MINUTE, p90Ms: 4 * MINUTE });
    expect(r.claimSla.met).toBe(2);
  });
});

describe('business time over a whole period', () => {
  it('is each alert’s working time in its team’s or claimer’s hours, across a DST change (seeded)', () => {
    // 90 days back from NOW take in New York's and London's autumn changes (2026-11-01, 10-25).
    const hoursOf: Record<string, Hours> = { 'mid-market': NY, emea: LONDON, U0ANA: NY, U0CARLOS: LONDON };
    const alertArb = fc
      .record({
        start: fc.integer({ min: 1, max: 90 * DAY }),
        claimAfter: fc.option(fc.integer({ min: -HOUR, max: 6 * DAY }), { nil: null }),
        touchAfter: fc.option(fc.integer({ min: -HOUR, max: 9 * DAY }), { nil: null }),
        teamId: fc.constantFrom('mid-market', 'emea'),
        claimedBy: fc.constantFrom('U0ANA', 'U0CARLOS'),
      })
      .map(({ start, claimAfter, touchAfter, teamId, claimedBy }) => {
        const clockStart = NOW - 90 * DAY + start;
        return alert({
          teamId,
          openedAt: clockStart,
          clockStart,
          claimDueAt: clockStart + 15 * MINUTE,
          ...(claimAfter === null ? {} : { state: 'claimed', claimedBy, claimedAt: clockStart + claimAfter }),
          ...(claimAfter === null || touchAfter === null
            ? {}
            : { state: 'contacted', contactedAt: clockStart + touchAfter }),
        });
      });
    const stats = (values: number[]) => {
      const sorted = values.toSorted((a, b) => a - b);
      return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
    };
    fc.assert(
      fc.property(fc.array(alertArb, { maxLength: 60 }), (alerts) => {
        const r = report(alerts, {
          periodMs: 90 * DAY,
          periodLabel: '90d',
          businessHours: true,
          teamHours: (teamId) => hoursOf[teamId]!,
          repHours: (repId) => hoursOf[repId]!,
        });
        const walk = (a: ReportAlert, end: number | null, hours: Hours) =>
          end === null || end < a.clockStart ? [] : [workingTimeBetween(hours, a.clockStart, end)];
        expect(r.timeToClaim).toEqual(stats(alerts.flatMap((a) => walk(a, a.claimedAt, hoursOf[a.teamId]!))));
        expect(r.timeToFirstTouch).toEqual(
          stats(alerts.flatMap((a) => walk(a, a.contactedAt, hoursOf[a.claimedBy ?? a.teamId]!))),
        );
      }),
      { seed: 2026, numRuns: 100 },
    );
  });
});

describe('time to first touch', () => {
  it('is measured in the claimer’s hours when business time', () => {
    // Monday 10:00 New York = 15:00 London; contacted 13:00 New York = 18:00 London.
    // Team hours would say 3 h; the claimer's London day ends at 17:00, so 2 h.
    const touched = claimed(5, { state: 'contacted', contactedAt: MONDAY_10AM_NY + 3 * HOUR });
    const repHours = vi.fn(() => LONDON);
    const r = report([touched], { businessHours: true, repHours });
    expect(r.timeToFirstTouch).toEqual({ count: 1, medianMs: 2 * HOUR, p90Ms: 2 * HOUR });
    expect(repHours).toHaveBeenCalledWith('U0ANA');

    expect(report([touched], { businessHours: false, repHours }).timeToFirstTouch.medianMs).toBe(3 * HOUR);
  });

  it('is over contacted alerts only', () => {
    const touch = (minutes: number) =>
      claimed(1, { state: 'contacted', contactedAt: MONDAY_10AM_NY + minutes * MINUTE });
    const r = report([touch(30), touch(90), touch(60), touch(120), claimed(3)]);
    expect(r.timeToFirstTouch).toEqual({ count: 4, medianMs: 60 * MINUTE, p90Ms: 120 * MINUTE });
  });
});

describe('claim SLA', () => {
  const due = MONDAY_10AM_NY + 15 * MINUTE;

  it('sorts every alert into met, breached, pending or closed unclaimed', () => {
    const alerts = [
      claimed(15), // claimed at the deadline: met
      claimed(3), // met
      claimed(16), // claimed late: breach
      alert({ claimDueAt: NOW - 1 }), // still unclaimed past the deadline: breach
      alert({ openedAt: NOW - HOUR, clockStart: NOW - HOUR, claimDueAt: NOW + HOUR }), // not due yet
      alert({ state: 'closed', outcome: 'self_served' }), // closed unclaimed, when unknown
      alert({ state: 'closed', outcome: 'not_a_fit', closedAt: due }), // dismissed in time
      alert({ state: 'closed', outcome: 'self_served', closedAt: due + 1 }), // sat in the queue past due
    ];
    const r = report(alerts);
    expect(r.claimSla).toEqual({ met: 2, breached: 3, pending: 1, closedUnclaimed: 2, rate: 2 / 5 });
    expect(r.breaches.claim).toBe(3);
  });

  it('has no rate while nothing is decided', () => {
    const fresh = alert({ openedAt: NOW - MINUTE, clockStart: NOW - MINUTE, claimDueAt: NOW + 14 * MINUTE });
    expect(report([fresh]).claimSla).toEqual({
      met: 0,
      breached: 0,
      pending: 1,
      closedUnclaimed: 0,
      rate: null,
    });
  });
});

describe('breaches and escalations', () => {
  it('counts first-touch breaches the sweep flagged, late touches and overdue claimed alerts', () => {
    const touchDue = MONDAY_10AM_NY + 2 * HOUR;
    const alerts = [
      claimed(5, { firstTouchBreached: true, state: 'closed', outcome: 'lost' }), // flagged by the sweep
      claimed(5, { state: 'contacted', contactedAt: touchDue + 1 }), // contacted late
      claimed(5), // claimed, never contacted, past due (NOW is a week later)
      claimed(5, { state: 'contacted', contactedAt: touchDue }), // on time
      claimed(5, { firstTouchDueAt: null }), // no first-touch SLA
      claimed(1, {
        openedAt: NOW - 10 * MINUTE,
        clockStart: NOW - 10 * MINUTE,
        claimDueAt: NOW + 5 * MINUTE,
        firstTouchDueAt: NOW + HOUR,
      }), // not due yet
    ];
    const r = report(alerts);
    expect(r.breaches).toEqual({ claim: 0, firstTouch: 3, teamOnly: 0 });
    expect(r.firstTouchSla).toEqual({ met: 1, breached: 3, rate: 1 / 4 });
  });

  it('counts alerts escalated to the managers, with every ladder step (reminders too) beside', () => {
    const reminded = claimed(20, { escalations: 1, escalatedToManagers: false });
    const r = report([alert({ escalations: 3, escalatedToManagers: true }), reminded, claimed(2)]);
    expect(r.escalations).toEqual({ alerts: 1, steps: 4 });
  });
});

describe('period and scope', () => {
  it('takes alerts opened in (now − period, now]', () => {
    const openedAt = (t: number) => alert({ openedAt: t, clockStart: t, claimDueAt: t });
    const start = NOW - 30 * DAY;
    const r = report([
      openedAt(start - 1),
      openedAt(start),
      openedAt(start + 1),
      openedAt(NOW),
      openedAt(NOW + 1),
    ]);
    expect(r.alerts.total).toBe(2);
    expect(r.from).toBe(start);
    expect(r.to).toBe(NOW);
    expect(report([openedAt(start + 1)], { periodMs: 7 * DAY, periodLabel: '7d' }).empty).toBe(true);
  });

  it('filters by team, or by the rep who claimed', () => {
    const alerts = [
      claimed(5, { teamId: 'mid-market' }),
      claimed(5, { teamId: 'enterprise', claimedBy: 'U0BEN' }),
      alert({ teamId: 'enterprise' }),
      claimed(5, { teamId: 'mid-market', claimedBy: 'U0BEN', tier: 'warm' }),
    ];
    expect(report(alerts).alerts).toEqual({ total: 4, hot: 3, warm: 1 });
    expect(report(alerts, { scope: { kind: 'team', teamId: 'enterprise' } }).alerts.total).toBe(2);
    const ben = report(alerts, { scope: { kind: 'rep', repId: 'U0BEN' } });
    expect(ben.alerts).toEqual({ total: 2, hot: 1, warm: 1 });
    expect(ben.reps.map((r) => r.repId)).toEqual(['U0BEN']);
    expect(ben.scope).toEqual({ kind: 'rep', repId: 'U0BEN' });
    expect(report(alerts, { scope: { kind: 'rep', repId: 'U0NOBODY' } }).empty).toBe(true);
  });
});

describe('PQL→won', () => {
  const outcomes = (won: number, lost: number, tier: 'hot' | 'warm' = 'hot') => [
    ...Array.from({ length: won }, () => closed('won', { tier })),
    ...Array.from({ length: lost }, () => closed('lost', { tier })),
  ];

  it('calls out the 10–40 % band, with both edges healthy', () => {
    expect(bandOf(0.099)).toBe('too-loose');
    expect(bandOf(0.1)).toBe('healthy');
    expect(bandOf(0.4)).toBe('healthy');
    expect(bandOf(0.401)).toBe('too-tight');

    const rateWith = (won: number) => report(outcomes(won, 1000 - won)).conversion.hot;
    expect(rateWith(99)).toMatchObject({ outcomes: 1000, won: 99, rate: 0.099, band: 'too-loose' }); // 9.9 %
    expect(rateWith(100)).toMatchObject({ rate: 0.1, band: 'healthy' }); // 10 %
    expect(rateWith(400)).toMatchObject({ rate: 0.4, band: 'healthy' }); // 40 %
    expect(rateWith(401)).toMatchObject({ rate: 0.401, band: 'too-tight' }); // 40.1 %
  });

  it('gives no percentage below five outcomes', () => {
    expect(conversion(outcomes(2, 2))).toMatchObject({
      outcomes: 4,
      won: 2,
      selfServed: 0,
      rate: null,
      band: 'not-enough-outcomes',
    });
    expect(conversion(outcomes(2, 3))).toMatchObject({ outcomes: 5, rate: 0.4, band: 'healthy' });
  });

  it('keeps self-served out of the rate and counts it apart', () => {
    const alerts = [
      ...outcomes(1, 2),
      closed('no_response'),
      alert({ state: 'closed', outcome: 'not_a_fit' }), // dismissed from the queue: a rep outcome
      ...Array.from({ length: 10 }, () => alert({ state: 'closed', outcome: 'self_served' })),
      claimed(3), // no outcome yet
    ];
    expect(report(alerts).conversion.hot).toMatchObject({
      outcomes: 5,
      won: 1,
      selfServed: 10,
      rate: 0.2,
      band: 'healthy',
    });
  });

  it('is per tier, plus all tiers together', () => {
    const r = report([...outcomes(1, 9, 'hot'), ...outcomes(3, 2, 'warm')]);
    expect(r.conversion.hot).toMatchObject({ outcomes: 10, won: 1, rate: 0.1, band: 'healthy' });
    expect(r.conversion.warm).toMatchObject({ outcomes: 5, won: 3, rate: 0.6, band: 'too-tight' });
    expect(r.conversion.all).toMatchObject({ outcomes: 15, won: 4, band: 'healthy' });
  });
});

describe('per rep, funnel and per signal', () => {
  it('has a row per claimer: claimed, % within SLA, median time to claim, contacted, won', () => {
    const ana = (minutes: number, o: Partial<ReportAlert> = {}) =>
      claimed(minutes, { claimedBy: 'U0ANA', ...o });
    const ben = (minutes: number, o: Partial<ReportAlert> = {}) =>
      claimed(minutes, { claimedBy: 'U0BEN', ...o });
    const r = report([
      ana(5, { state: 'contacted', contactedAt: MONDAY_10AM_NY + HOUR }),
      ana(20, { state: 'closed', outcome: 'won', contactedAt: MONDAY_10AM_NY + HOUR }),
      ana(10),
      ana(30, { state: 'closed', outcome: 'won' }), // logged won without Mark contacted
      ben(1),
      ben(2, { state: 'closed', outcome: 'lost', contactedAt: MONDAY_10AM_NY + HOUR }),
      alert(), // unclaimed: in no rep's row
      alert(),
    ]);
    expect(r.reps).toEqual([
      {
        repId: 'U0ANA',
        held: 4,
        assigned: 0,
        claimSla: { met: 2, decided: 4 },
        timeToClaim: { count: 4, medianMs: 10 * MINUTE, p90Ms: 30 * MINUTE },
        // Two contacted at 11:00 against 12:00; the one still claimed is past due (NOW is a week
        // on); the win logged without Mark contacted has no first-touch verdict.
        firstTouchSla: { met: 2, decided: 3 },
        contacted: 3,
        won: 2,
        lapsed: { claim: 2, firstTouch: 1 },
      },
      {
        repId: 'U0BEN',
        held: 2,
        assigned: 0,
        claimSla: { met: 2, decided: 2 },
        timeToClaim: { count: 2, medianMs: 1 * MINUTE, p90Ms: 2 * MINUTE },
        firstTouchSla: { met: 1, decided: 2 },
        contacted: 1,
        won: 0,
        lapsed: { claim: 0, firstTouch: 1 },
      },
    ]);
    expect(r.funnel).toEqual({ raised: 8, claimed: 6, contacted: 4, won: 2 });
  });

  it('orders reps by alerts claimed, then by id', () => {
    const r = report([
      claimed(1, { claimedBy: 'U0CAT' }),
      claimed(1, { claimedBy: 'U0BEN' }),
      claimed(1, { claimedBy: 'U0ANA' }),
      claimed(1, { claimedBy: 'U0CAT' }),
    ]);
    expect(r.reps.map((row) => [row.repId, row.held])).toEqual([
      ['U0CAT', 2],
      ['U0ANA', 1],
      ['U0BEN', 1],
    ]);
  });

  it('shows which trigger signals convert, the score-crossing row last among ties', () => {
    const by = (triggerSignal: string | null, outcome: string) => closed(outcome, { triggerSignal });
    const r = report([
      ...['won', 'won', 'lost', 'no_response', 'not_a_fit', 'self_served'].map((o) =>
        by('usage_limit_hit', o),
      ),
      by('pricing_repeat', 'lost'),
      by(null, 'won'),
      alert({ triggerSignal: 'pricing_repeat' }),
    ]);
    expect(r.signals).toMatchObject([
      {
        signal: 'usage_limit_hit',
        alerts: 6,
        outcomes: 5,
        won: 2,
        selfServed: 1,
        rate: 0.4,
        band: 'healthy',
      },
      {
        signal: 'pricing_repeat',
        alerts: 2,
        outcomes: 1,
        won: 0,
        selfServed: 0,
        rate: null,
        band: 'not-enough-outcomes',
      },
      {
        signal: null,
        alerts: 1,
        outcomes: 1,
        won: 1,
        selfServed: 0,
        rate: null,
        band: 'not-enough-outcomes',
      },
    ]);
  });
});

describe('an empty report', () => {
  it('says so, with zeros and nulls and no NaN anywhere', () => {
    const r = report([claimed(5, { openedAt: NOW - 90 * DAY })]);
    expect(r.empty).toBe(true);
    expect(r.alerts).toEqual({ total: 0, hot: 0, warm: 0 });
    expect(r.claimSla.rate).toBeNull();
    expect(r.timeToClaim).toEqual({ count: 0, medianMs: null, p90Ms: null });
    expect(r.timeToFirstTouch).toEqual({ count: 0, medianMs: null, p90Ms: null });
    expect(r.conversion.hot).toEqual({
      outcomes: 0,
      won: 0,
      selfServed: 0,
      rate: null,
      band: 'not-enough-outcomes',
      verdict: { verdict: 'undecided', interval: null, moreNeeded: null },
    });
    expect(r.escalations).toEqual({ alerts: 0, steps: 0 });
    expect(r.reps).toEqual([]);
    expect(r.signals).toEqual([]);
    expect(r.funnel).toEqual({ raised: 0, claimed: 0, contacted: 0, won: 0 });
    const numbers: number[] = [];
    JSON.stringify(r, (_key, value) => {
      if (typeof value === 'number') numbers.push(value);
      return value;
    });
    expect(numbers.every(Number.isFinite)).toBe(true);
    expect(report([]).empty).toBe(true);
  });
});

describe('fair attribution', () => {
  it('keeps a lapsed claim with the team and the rep it was with, not the rep who took over', () => {
    // Routed to Ben, who let the claim clock run out; the ladder gave Ana a fresh clock she met.
    const handedOn = claimed(5, { claimedBy: 'U0ANA', lapses: [{ clock: 'claim', rep: 'U0BEN' }] });
    const r = report([handedOn, claimed(3, { claimedBy: 'U0BEN' })]);
    expect(r.claimSla).toMatchObject({ met: 1, breached: 1 });
    expect(r.breaches.teamOnly).toBe(0);
    const row = (id: string) => r.reps.find((rep) => rep.repId === id)!;
    expect(row('U0ANA')).toMatchObject({ held: 1, claimSla: { met: 1, decided: 1 }, lapsed: { claim: 0 } });
    expect(row('U0BEN')).toMatchObject({ held: 1, claimSla: { met: 1, decided: 1 }, lapsed: { claim: 1 } });
    // Ben's own report shows the lapse too, although Ana holds that alert now.
    const ben = report([handedOn], { scope: { kind: 'rep', repId: 'U0BEN' } });
    expect(ben.alerts.total).toBe(0);
    expect(ben.reps).toMatchObject([{ repId: 'U0BEN', held: 0, lapsed: { claim: 1, firstTouch: 0 } }]);
  });

  it('leaves an assigned alert out of the assignee’s claim SLA, and a teammate’s picked up late', () => {
    const r = report([
      claimed(60, { claimedBy: 'U0ANA', assignedBy: 'U0MGR', suggestedRep: 'U0ANA' }),
      claimed(40, { claimedBy: 'U0ANA', suggestedRep: 'U0BEN' }), // Ben's, picked up late by Ana
      claimed(30, { claimedBy: 'U0ANA' }), // her own, late
    ]);
    expect(r.claimSla).toMatchObject({ met: 0, breached: 3 });
    expect(r.reps).toEqual([
      expect.objectContaining({
        repId: 'U0ANA',
        held: 3,
        assigned: 1,
        claimSla: { met: 0, decided: 1 },
        lapsed: { claim: 1, firstTouch: 3 },
      }),
    ]);
    // The pick-up and the assignment are breaches nobody answers for: nothing says whose they were.
    expect(r.breaches.teamOnly).toBe(2);
  });

  it('puts a claim clock running out right now on the suggested rep, before it is recorded', () => {
    const waiting = alert({ suggestedRep: 'U0BEN', claimDueAt: NOW - 1 }); // open, past due, nothing on record
    const r = report([waiting, claimed(5, { claimedBy: 'U0BEN' })]);
    expect(r.breaches).toMatchObject({ claim: 1, teamOnly: 0 });
    expect(r.reps).toMatchObject([{ repId: 'U0BEN', held: 1, lapsed: { claim: 1 } }]);
    // Recorded later (a reassignment), it is counted once, not twice.
    const recorded = report([{ ...waiting, lapses: [{ clock: 'claim', rep: 'U0BEN' }] }]);
    expect(recorded.reps).toMatchObject([{ repId: 'U0BEN', lapsed: { claim: 1 } }]);
  });

  it('counts a claim breach nobody held as the team’s alone: why the team can trail every rep', () => {
    const r = report([claimed(5), claimed(6, { claimedBy: 'U0BEN' }), alert({ suggestedRep: null })]);
    expect(r.claimSla).toMatchObject({ met: 2, breached: 1, rate: 2 / 3 });
    expect(r.reps.every((rep) => rep.claimSla.met === rep.claimSla.decided)).toBe(true);
    expect(r.breaches).toMatchObject({ claim: 1, teamOnly: 1 });
  });

  it('keeps a first-touch lapse with the claimer who let it pass, and gives the next holder a clean clock', () => {
    const touchDue = MONDAY_10AM_NY + 2 * HOUR;
    const r = report([
      claimed(5, {
        claimedBy: 'U0BEN',
        assignedBy: 'U0MGR',
        state: 'contacted',
        firstTouchDueAt: touchDue + 3 * HOUR, // Ben's clock, from the hand-over
        contactedAt: touchDue + HOUR,
        lapses: [{ clock: 'first_touch', rep: 'U0ANA' }],
      }),
    ]);
    expect(r.breaches.firstTouch).toBe(1);
    expect(r.firstTouchSla).toMatchObject({ met: 0, breached: 1 });
    const row = (id: string) => r.reps.find((rep) => rep.repId === id)!;
    expect(row('U0BEN')).toMatchObject({ firstTouchSla: { met: 1, decided: 1 }, lapsed: { firstTouch: 0 } });
    expect(row('U0ANA')).toMatchObject({ held: 0, lapsed: { firstTouch: 1 } });
  });
});

describe('the PQL→won verdict', () => {
  const outcomes = (won: number, lost: number) => [
    ...Array.from({ length: won }, () => closed('won')),
    ...Array.from({ length: lost }, () => closed('lost')),
  ];

  it('gives none for 3 won of 7, and says how many more outcomes would', () => {
    const { verdict } = report(outcomes(3, 4)).conversion.hot;
    expect(verdict.verdict).toBe('undecided');
    expect(verdict.moreNeeded).toBeGreaterThan(100);
  });

  it('says too tight or too loose only when the whole interval is outside the band', () => {
    expect(report(outcomes(30, 20)).conversion.hot.verdict.verdict).toBe('too-tight');
    expect(report(outcomes(1, 99)).conversion.hot.verdict.verdict).toBe('too-loose');
    expect(report(outcomes(50, 150)).conversion.hot.verdict.verdict).toBe('healthy');
  });
});
