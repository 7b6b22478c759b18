import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workingTimeBetween } from '../../../src/domain/business-hours.js';
import type { Hours } from '../../../src/domain/definition.js';
import { pqlVerdict } from '../../../src/domain/pql-verdict.js';
import {
  bandOf,
  buildSlaReport,
  type Conversion,
  type DurationStats,
  MIN_OUTCOMES,
  percentile,
  type ReportAlert,
  type ReportOptions,
  type RepRow,
  type SlaReport,
} from '../../../src/domain/sla-report.js';

/**
 * The report folds alerts in one pass (so the service can stream rows into it). Its oracle is the
 * formulation it replaced: the obvious filters and groupings over the whole array, one figure at a
 * time, with business time walked day by day. Both must agree on any set of alerts, however odd.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Tuesday 2026-12-01 15:00 UTC; 90 days back takes in the autumn DST changes. */
const NOW = Date.parse('2026-12-01T15:00:00Z');
const NY: Hours = { tz: 'America/New_York', days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60 };
const LONDON: Hours = { tz: 'Europe/London', days: [1, 2, 3, 4, 5], from: 9 * 60, to: 17 * 60 };
const CHICAGO: Hours = { tz: 'America/Chicago', days: [1, 2, 3, 4, 5, 6], from: 8 * 60, to: 16 * 60 };
const HOURS: Record<string, Hours> = {
  'mid-market': NY,
  emea: LONDON,
  growth: CHICAGO,
  U0ANA: NY,
  U0BEN: CHICAGO,
  U0CARLOS: LONDON,
};

const REP_OUTCOMES = new Set(['won', 'lost', 'no_response', 'not_a_fit']);

/** The report as it was computed before it streamed, kept verbatim in substance as the oracle. */
function arrayReport(alerts: readonly ReportAlert[], options: ReportOptions): SlaReport {
  const { now, periodMs, businessHours, scope } = options;
  const from = now - periodMs;
  const onlyPlay = options.play ?? null;
  const inPeriod = alerts.filter(
    (a) => a.openedAt > from && a.openedAt <= now && (onlyPlay === null || a.play === onlyPlay),
  );
  const inReport = inPeriod.filter(
    (a) =>
      scope.kind === 'all' ||
      (scope.kind === 'team' ? a.teamId === scope.teamId : a.claimedBy === scope.repId),
  );
  // Lapses count for the rep they were with, on any alert of the period in the team's scope; an
  // open alert past its claim deadline with none recorded counts for its suggested rep.
  const running = (a: ReportAlert) =>
    a.state === 'open' &&
    a.claimedAt === null &&
    a.suggestedRep !== null &&
    now > a.claimDueAt &&
    !a.lapses.some((l) => l.clock === 'claim');
  const lapses = inPeriod
    .filter((a) => scope.kind !== 'team' || a.teamId === scope.teamId)
    .flatMap((a) => (running(a) ? [...a.lapses, { clock: 'claim' as const, rep: a.suggestedRep }] : a.lapses))
    .filter((l) => l.rep !== null && (scope.kind !== 'rep' || l.rep === scope.repId));
  const elapsed = (a: ReportAlert, end: number | null, hours: () => Hours): number | null => {
    if (end === null || end < a.clockStart) return null;
    return businessHours ? workingTimeBetween(hours(), a.clockStart, end) : end - a.clockStart;
  };
  const claimTime = (a: ReportAlert) => elapsed(a, a.claimedAt, () => options.teamHours(a.teamId));
  const touchTime = (a: ReportAlert) =>
    elapsed(a, a.contactedAt, () =>
      a.claimedBy === null ? options.teamHours(a.teamId) : options.repHours(a.claimedBy),
    );
  const status = (a: ReportAlert) => {
    if (a.claimedAt !== null) return a.claimedAt <= a.claimDueAt ? 'met' : 'breached';
    if (a.state === 'closed') return a.closedAt != null && a.closedAt > a.claimDueAt ? 'breached' : 'closed';
    return now > a.claimDueAt ? 'breached' : 'pending';
  };
  const teamStatus = (a: ReportAlert) => (a.lapses.some((l) => l.clock === 'claim') ? 'breached' : status(a));
  const touch = (a: ReportAlert) => {
    if (a.firstTouchBreached) return 'breached';
    if (a.firstTouchDueAt === null || a.claimedAt === null) return 'pending';
    if (a.contactedAt !== null) return a.contactedAt > a.firstTouchDueAt ? 'breached' : 'met';
    return a.state === 'claimed' && now > a.firstTouchDueAt ? 'breached' : 'pending';
  };
  const touchBreached = (a: ReportAlert) =>
    touch(a) === 'breached' || a.lapses.some((l) => l.clock === 'first_touch');
  const reached = (a: ReportAlert) => a.contactedAt !== null || a.outcome === 'won';
  const stats = (values: (number | null)[]): DurationStats => {
    const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
  };
  const conversion = (some: readonly ReportAlert[]): Conversion => {
    const outcomes = some.filter((a) => a.outcome !== null && REP_OUTCOMES.has(a.outcome)).length;
    const won = some.filter((a) => a.outcome === 'won').length;
    const selfServed = some.filter((a) => a.outcome === 'self_served').length;
    const verdict = pqlVerdict(won, outcomes);
    if (outcomes < MIN_OUTCOMES)
      return { outcomes, won, selfServed, rate: null, band: 'not-enough-outcomes', verdict };
    return { outcomes, won, selfServed, rate: won / outcomes, band: bandOf(won / outcomes), verdict };
  };
  const count = (s: string) => inReport.filter((a) => teamStatus(a) === s).length;
  const met = count('met');
  const breached = count('breached');
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

  const repIds = [
    ...new Set([
      ...inReport.flatMap((a) => (a.claimedBy === null ? [] : [a.claimedBy])),
      ...lapses.map((l) => l.rep!),
    ]),
  ];
  const reps = repIds
    .map((repId): RepRow => {
      const held = inReport.filter((a) => a.claimedBy === repId);
      const own = held.filter(
        (a) =>
          a.assignedBy === null &&
          (status(a) === 'met' || (status(a) === 'breached' && a.suggestedRep === repId)),
      );
      const touched = held.filter((a) => touch(a) !== 'pending');
      const lapsedWith = (clock: string) => lapses.filter((l) => l.clock === clock && l.rep === repId).length;
      return {
        repId,
        held: held.length,
        assigned: held.filter((a) => a.assignedBy !== null).length,
        claimSla: { met: own.filter((a) => status(a) === 'met').length, decided: own.length },
        timeToClaim: stats(own.map(claimTime)),
        firstTouchSla: { met: touched.filter((a) => touch(a) === 'met').length, decided: touched.length },
        contacted: held.filter(reached).length,
        won: held.filter((a) => a.outcome === 'won').length,
        lapsed: {
          claim:
            lapsedWith('claim') +
            own.filter((a) => status(a) === 'breached' && !a.lapses.some((l) => l.clock === 'claim')).length,
          firstTouch:
            lapsedWith('first_touch') +
            touched.filter(
              (a) =>
                touch(a) === 'breached' &&
                !a.lapses.some((l) => l.clock === 'first_touch' && l.rep === repId),
            ).length,
        },
      };
    })
    .sort((a, b) => b.held - a.held || compare(a.repId, b.repId));
  const touchDecided = inReport.filter((a) => touchBreached(a) || touch(a) === 'met');
  const touchMet = touchDecided.filter((a) => !touchBreached(a)).length;
  // The judgment sections are one play's: the report's, else new business's.
  const conversionPlay = onlyPlay ?? 'new_business';
  const judged = inReport.filter((a) => a.play === conversionPlay);
  const signalIds = [...new Set(judged.map((a) => a.triggerSignal))];
  const signals = signalIds
    .map((signal) => {
      const raised = judged.filter((a) => a.triggerSignal === signal);
      return { signal, alerts: raised.length, ...conversion(raised) };
    })
    .sort(
      (a, b) =>
        b.alerts - a.alerts ||
        (a.signal === b.signal
          ? 0
          : a.signal === null
            ? 1
            : b.signal === null
              ? -1
              : compare(a.signal, b.signal)),
    );
  const hot = inReport.filter((a) => a.tier === 'hot');
  const warm = inReport.filter((a) => a.tier === 'warm');
  const plays = [...new Set(inReport.map((a) => a.play))].map((play) => {
    const raised = inReport.filter((a) => a.play === play);
    const decided = raised.filter((a) => teamStatus(a) === 'met' || teamStatus(a) === 'breached');
    return {
      play,
      alerts: raised.length,
      claimSla: { met: decided.filter((a) => teamStatus(a) === 'met').length, decided: decided.length },
      conversion: conversion(raised),
    };
  });
  return {
    periodLabel: options.periodLabel,
    periodMs,
    from,
    to: now,
    scope,
    measure: businessHours ? 'business' : 'wall',
    empty: inReport.length === 0,
    alerts: { total: inReport.length, hot: hot.length, warm: warm.length },
    claimSla: {
      met,
      breached,
      pending: count('pending'),
      closedUnclaimed: count('closed'),
      rate: met + breached === 0 ? null : met / (met + breached),
    },
    firstTouchSla: {
      met: touchMet,
      breached: touchDecided.length - touchMet,
      rate: touchDecided.length === 0 ? null : touchMet / touchDecided.length,
    },
    timeToClaim: stats(inReport.map(claimTime)),
    timeToFirstTouch: stats(inReport.map(touchTime)),
    breaches: {
      claim: breached,
      firstTouch: inReport.filter(touchBreached).length,
      teamOnly: inReport.filter(
        (a) =>
          teamStatus(a) === 'breached' &&
          !running(a) &&
          !a.lapses.some((l) => l.clock === 'claim' && l.rep !== null) &&
          !(
            status(a) === 'breached' &&
            a.assignedBy === null &&
            a.claimedBy !== null &&
            a.claimedBy === a.suggestedRep
          ),
      ).length,
    },
    escalations: {
      alerts: inReport.filter((a) => a.escalatedToManagers).length,
      steps: inReport.reduce((sum, a) => sum + a.escalations, 0),
    },
    reps,
    funnel: {
      raised: inReport.length,
      claimed: inReport.filter((a) => a.claimedAt !== null).length,
      contacted: inReport.filter(reached).length,
      won: inReport.filter((a) => a.outcome === 'won').length,
    },
    play: onlyPlay,
    conversionPlay,
    conversion: {
      hot: conversion(judged.filter((a) => a.tier === 'hot')),
      warm: conversion(judged.filter((a) => a.tier === 'warm')),
      all: conversion(judged),
    },
    signals,
    plays,
  };
}

const alertArb: fc.Arbitrary<ReportAlert> = fc
  .record({
    // Often on an edge: opened exactly at the start of a 90-, 30- or 7-day period (left out), just
    // after it, at `now` (in) or after it (out).
    opened: fc.oneof(
      fc.integer({ min: 1, max: 90 * DAY }),
      fc.constantFrom(0, 1, 60 * DAY, 60 * DAY + 1, 83 * DAY, 90 * DAY, 90 * DAY + 1),
    ),
    upgradedAfter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 * DAY })),
    claimWindow: fc.constantFrom(15 * MINUTE, 4 * HOUR),
    touchWindow: fc.option(fc.constantFrom(2 * HOUR, 2 * DAY), { nil: null }),
    dueNow: fc.constantFrom(false, false, false, true),
    tier: fc.constantFrom<ReportAlert['tier']>('hot', 'warm'),
    teamId: fc.constantFrom('mid-market', 'emea', 'growth'),
    state: fc.constantFrom<ReportAlert['state']>('open', 'claimed', 'contacted', 'closed'),
    claimedBy: fc.option(fc.constantFrom('U0ANA', 'U0BEN', 'U0CARLOS'), { nil: null }),
    play: fc.constantFrom('new_business', 'new_business', 'expansion', 'churn_risk'),
    outcome: fc.option(fc.constantFrom('won', 'lost', 'no_response', 'not_a_fit', 'self_served', 'mystery'), {
      nil: null,
    }),
    triggerSignal: fc.option(fc.constantFrom('usage_limit_hit', 'pricing_repeat', 'demo_request'), {
      nil: null,
    }),
    escalations: fc.nat(4),
    firstTouchBreached: fc.boolean(),
    suggestedRep: fc.option(fc.constantFrom('U0ANA', 'U0BEN', 'U0CARLOS'), { nil: null }),
    assigned: fc.constantFrom(false, false, true),
    lapses: fc.array(
      fc.record({
        clock: fc.constantFrom<'claim' | 'first_touch'>('claim', 'first_touch'),
        rep: fc.option(fc.constantFrom('U0ANA', 'U0BEN', 'U0CARLOS', 'U0DANA'), { nil: null }),
      }),
      { maxLength: 2 },
    ),
  })
  .chain((r) => {
    const openedAt = NOW - 90 * DAY + r.opened;
    const clockStart = openedAt + r.upgradedAfter;
    const claimDueAt = r.dueNow ? NOW : clockStart + r.claimWindow;
    const firstTouchDueAt = r.touchWindow === null ? null : r.dueNow ? NOW : clockStart + r.touchWindow;
    // Claims, touches and closes land anywhere from before the clock started to days later, and
    // often a millisecond either side of, or exactly on, the clock start or a deadline.
    const marks = [clockStart, claimDueAt, firstTouchDueAt ?? claimDueAt];
    const instant = fc.oneof(
      fc.integer({ min: -HOUR, max: 6 * DAY }).map((d) => clockStart + d),
      fc.tuple(fc.constantFrom(...marks), fc.constantFrom(-1, 0, 1)).map(([mark, d]) => mark + d),
    );
    return fc
      .record({
        claimedAt: fc.option(instant, { nil: null }),
        contactedAt: fc.option(instant, { nil: null }),
        closedAt: fc.option(fc.option(instant, { nil: null }), { nil: undefined }),
      })
      .map(
        ({ claimedAt, contactedAt, closedAt }): ReportAlert => ({
          play: r.play,
          tier: r.tier,
          teamId: r.teamId,
          openedAt,
          clockStart,
          claimDueAt,
          firstTouchDueAt,
          suggestedRep: r.suggestedRep,
          claimedBy: claimedAt === null && r.state === 'open' ? null : r.claimedBy,
          assignedBy: r.assigned && r.claimedBy !== null ? 'U0MGR' : null,
          lapses: r.lapses,
          claimedAt,
          contactedAt,
          state: r.state,
          outcome: r.state === 'closed' ? r.outcome : null,
          triggerSignal: r.triggerSignal,
          escalations: r.escalations,
          escalatedToManagers: r.escalations >= 2,
          firstTouchBreached: r.firstTouchBreached,
          ...(closedAt === undefined ? {} : { closedAt }),
        }),
      );
  });

const optionsArb: fc.Arbitrary<ReportOptions> = fc
  .record({
    days: fc.constantFrom(7, 30, 90),
    businessHours: fc.boolean(),
    scope: fc.constantFrom<ReportOptions['scope'][]>(
      { kind: 'all' },
      { kind: 'team', teamId: 'emea' },
      { kind: 'rep', repId: 'U0BEN' },
      { kind: 'rep', repId: 'U0NOBODY' },
    ),
    play: fc.constantFrom(null, null, 'new_business', 'expansion'),
  })
  .map(({ days, businessHours, scope, play }) => ({
    now: NOW,
    periodMs: days * DAY,
    periodLabel: `${days}d`,
    businessHours,
    teamHours: (teamId: string) => HOURS[teamId]!,
    repHours: (repId: string) => HOURS[repId]!,
    scope,
    play,
  }));

describe('the one-pass SLA report', () => {
  it('equals the array formulation it replaced, on any alerts, period, scope and measure', () => {
    fc.assert(
      fc.property(fc.array(alertArb, { maxLength: 60, size: 'max' }), optionsArb, (alerts, options) => {
        expect(buildSlaReport(alerts, options)).toStrictEqual(arrayReport(alerts, options));
      }),
      { seed: 2026, numRuns: 300 },
    );
  });
});
