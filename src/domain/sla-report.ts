import type { Hours } from '../config/manifest.js';
import { createWorkingTimeIndex, type WorkingTimeIndex } from './business-hours.js';

/**
 * The `/pls sla` report (SPEC §4.2) as a pure function of (alerts, options): the service loads
 * the rows and the renderer shows the result. No clock is read here; `now` is an argument.
 */

/** One alert as the report needs it: a row of `alerts` plus its count of escalation events. */
export interface ReportAlert {
  id: string;
  tier: 'hot' | 'warm';
  teamId: string;
  /** Epoch ms; the period filter is on this. */
  openedAt: number;
  /** When the claim clock started (`alerts.tier_set_at`). */
  clockStart: number;
  claimDueAt: number;
  firstTouchDueAt: number | null;
  claimedBy: string | null;
  claimedAt: number | null;
  contactedAt: number | null;
  state: 'open' | 'claimed' | 'contacted' | 'closed';
  /** won | lost | no_response | not_a_fit | self_served | null */
  outcome: string | null;
  /** The signal id that raised it; null = the score crossed into hot. */
  triggerSignal: string | null;
  /** Escalation steps fired (`alert_events` of kind `escalation`). */
  escalations: number;
  firstTouchBreached: boolean;
  /**
   * When it closed (`alerts.closed_at`). Optional: with it, an alert closed without ever being
   * claimed after its claim deadline (e.g. it self-served while it sat in the queue) counts as a
   * claim breach; without it, such an alert counts as neither met nor breached.
   */
  closedAt?: number | null;
}

export type ReportScope = { kind: 'all' } | { kind: 'team'; teamId: string } | { kind: 'rep'; repId: string };

export interface ReportOptions {
  now: number;
  periodMs: number;
  /** As typed in the command: '7d', '30d', '90d'. */
  periodLabel: string;
  businessHours: boolean;
  teamHours(teamId: string): Hours;
  /** The rep's own hours, else their team's: the caller decides. */
  repHours(repId: string): Hours;
  /** `rep` = the alerts that rep claimed (an unclaimed alert belongs to no rep). */
  scope: ReportScope;
}

/** Durations in ms: business time when the report's `measure` is 'business', wall-clock otherwise. */
export interface DurationStats {
  /** How many alerts the figures are over. */
  count: number;
  /** Nearest-rank 50th percentile; null when `count` is 0. */
  medianMs: number | null;
  /** Nearest-rank 90th percentile; null when `count` is 0. */
  p90Ms: number | null;
}

/**
 * The PQL health band (SPEC §1): a healthy PQL definition converts 15–30 %; under 10 % the
 * threshold is too loose, over 40 % too tight. Both 10 % and 40 % are still healthy.
 */
export type Band = 'too-loose' | 'healthy' | 'too-tight' | 'not-enough-outcomes';

/** Below this many rep outcomes a rate says more about luck than about the PQL definition. */
export const MIN_OUTCOMES = 5;
export const TOO_LOOSE_BELOW = 0.1;
export const TOO_TIGHT_ABOVE = 0.4;

/**
 * PQL→won: `won ÷ outcomes`, where outcomes are the rep outcomes (won, lost, no_response,
 * not_a_fit). `self_served` (the account bought on its own) is not a rep outcome: it is counted
 * apart and never enters the rate.
 */
export interface Conversion {
  outcomes: number;
  won: number;
  selfServed: number;
  /** Null below `MIN_OUTCOMES`: no percentage rather than a misleading one. */
  rate: number | null;
  band: Band;
}

export interface RepRow {
  repId: string;
  /** Alerts in the report this rep holds or held (claimedBy). */
  claimed: number;
  withinSla: number;
  /** withinSla ÷ claimed. */
  withinSlaRate: number;
  timeToClaim: DurationStats;
  /** Reached first touch (see `Funnel`). */
  contacted: number;
  won: number;
}

/** Each stage counts the alerts that reached it or a later one, so the funnel never widens. */
export interface Funnel {
  raised: number;
  /** Claimed (claimedAt set). */
  claimed: number;
  /** Marked contacted, or won (a rep who logs a win without pressing Mark contacted did touch it). */
  contacted: number;
  won: number;
}

export interface SignalRow extends Conversion {
  /** The trigger signal id; null = the score crossed into hot. */
  signal: string | null;
  alerts: number;
}

export interface SlaReport {
  periodLabel: string;
  periodMs: number;
  /** The period is (from, to]: alerts opened after `from`, up to and including `to` (= now). */
  from: number;
  to: number;
  scope: ReportScope;
  /** How times are measured: business time in working hours, or wall-clock. */
  measure: 'business' | 'wall';
  /** No alert raised in the period and scope: every count is 0 and every figure null. */
  empty: boolean;
  alerts: { total: number; hot: number; warm: number };
  /**
   * The claim SLA per alert: `met` = claimed at or before claimDueAt; `breached` = claimed after
   * it, still unclaimed past it, or closed unclaimed after it (when closedAt is known);
   * `pending` = not claimed, not closed and not yet due; `closedUnclaimed` = closed without a
   * claim and not known to be late (dismissed as not a fit, or self-served, in time).
   * `rate` = met ÷ (met + breached): pending and closed-unclaimed alerts are in neither
   * numerator nor denominator, so an alert whose window is still running never drags the rate
   * down. Null when no alert has been decided yet.
   */
  claimSla: { met: number; breached: number; pending: number; closedUnclaimed: number; rate: number | null };
  /**
   * claimedAt − clockStart over claimed alerts, in the team's hours when business time. An alert
   * claimed before its current clock started (upgraded in place after the claim) is left out.
   */
  timeToClaim: DurationStats;
  /** contactedAt − clockStart over contacted alerts, in the claimer's hours when business time. */
  timeToFirstTouch: DurationStats;
  /**
   * `claim` = claimSla.breached. `firstTouch` = alerts flagged by the sweep, contacted after
   * firstTouchDueAt, or still claimed and uncontacted past it.
   */
  breaches: { claim: number; firstTouch: number };
  escalations: number;
  /** Reps with at least one claimed alert: most claimed first, then by id. */
  reps: RepRow[];
  funnel: Funnel;
  conversion: { hot: Conversion; warm: Conversion; all: Conversion };
  /** Per trigger signal: most alerts first, then by id (the score-crossing row last among ties). */
  signals: SignalRow[];
}

const REP_OUTCOMES: ReadonlySet<string> = new Set(['won', 'lost', 'no_response', 'not_a_fit']);

export function buildSlaReport(alerts: readonly ReportAlert[], options: ReportOptions): SlaReport {
  const { now, periodMs, businessHours } = options;
  const from = now - periodMs;
  const inReport = alerts.filter((a) => a.openedAt > from && a.openedAt <= now && inScope(a, options.scope));

  // Business time: one index of the period's working days per set of hours (the callers hand out
  // the manifest's own `Hours` objects), so each duration is a lookup, not a walk over its days.
  const indexes = new Map<Hours, WorkingTimeIndex>();
  const workingTime = (hours: Hours, start: number, end: number): number => {
    let index = indexes.get(hours);
    if (!index) {
      index = createWorkingTimeIndex(hours, from, now);
      indexes.set(hours, index);
    }
    return index(start, end);
  };
  /** Time from the alert's clock start to `end`, in `hours` when business time; null if `end` came first. */
  const elapsed = (alert: ReportAlert, end: number, hours: () => Hours): number | null => {
    if (end < alert.clockStart) return null;
    return businessHours ? workingTime(hours(), alert.clockStart, end) : end - alert.clockStart;
  };
  const claimTime = (a: ReportAlert): number | null =>
    a.claimedAt === null ? null : elapsed(a, a.claimedAt, () => options.teamHours(a.teamId));
  const touchTime = (a: ReportAlert): number | null =>
    a.contactedAt === null
      ? null
      : elapsed(a, a.contactedAt, () =>
          a.claimedBy === null ? options.teamHours(a.teamId) : options.repHours(a.claimedBy),
        );

  const claimStatuses = inReport.map((a) => claimStatus(a, now));
  const count = (status: ClaimStatus) => claimStatuses.filter((s) => s === status).length;
  const met = count('met');
  const breached = count('breached');

  const reps = groupBy(
    inReport.filter((a) => a.claimedBy !== null),
    (a) => a.claimedBy!,
  );
  const repRows: RepRow[] = [...reps.entries()]
    .map(([repId, held]) => {
      const withinSla = held.filter((a) => claimStatus(a, now) === 'met').length;
      return {
        repId,
        claimed: held.length,
        withinSla,
        withinSlaRate: withinSla / held.length,
        timeToClaim: durationStats(held.map(claimTime)),
        contacted: held.filter(reachedContact).length,
        won: held.filter((a) => a.outcome === 'won').length,
      };
    })
    .sort((a, b) => b.claimed - a.claimed || compareIds(a.repId, b.repId));

  const signals = groupBy(inReport, (a) => a.triggerSignal);
  const signalRows: SignalRow[] = [...signals.entries()]
    .map(([signal, raised]) => ({ signal, alerts: raised.length, ...conversion(raised) }))
    .sort((a, b) => b.alerts - a.alerts || compareSignals(a.signal, b.signal));

  const hot = inReport.filter((a) => a.tier === 'hot');
  const warm = inReport.filter((a) => a.tier === 'warm');
  return {
    periodLabel: options.periodLabel,
    periodMs,
    from,
    to: now,
    scope: options.scope,
    measure: businessHours ? 'business' : 'wall',
    empty: inReport.length === 0,
    alerts: { total: inReport.length, hot: hot.length, warm: warm.length },
    claimSla: {
      met,
      breached,
      pending: count('pending'),
      closedUnclaimed: count('closed-unclaimed'),
      rate: met + breached === 0 ? null : met / (met + breached),
    },
    timeToClaim: durationStats(inReport.map(claimTime)),
    timeToFirstTouch: durationStats(inReport.map(touchTime)),
    breaches: { claim: breached, firstTouch: inReport.filter((a) => firstTouchBreached(a, now)).length },
    escalations: inReport.reduce((sum, a) => sum + a.escalations, 0),
    reps: repRows,
    funnel: {
      raised: inReport.length,
      claimed: inReport.filter((a) => a.claimedAt !== null).length,
      contacted: inReport.filter(reachedContact).length,
      won: inReport.filter((a) => a.outcome === 'won').length,
    },
    conversion: { hot: conversion(hot), warm: conversion(warm), all: conversion(inReport) },
    signals: signalRows,
  };
}

function inScope(alert: ReportAlert, scope: ReportScope): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'team':
      return alert.teamId === scope.teamId;
    case 'rep':
      return alert.claimedBy === scope.repId;
  }
}

type ClaimStatus = 'met' | 'breached' | 'pending' | 'closed-unclaimed';

/** See `SlaReport.claimSla` for what each status means. */
function claimStatus(alert: ReportAlert, now: number): ClaimStatus {
  if (alert.claimedAt !== null) return alert.claimedAt <= alert.claimDueAt ? 'met' : 'breached';
  if (alert.state === 'closed') {
    return alert.closedAt != null && alert.closedAt > alert.claimDueAt ? 'breached' : 'closed-unclaimed';
  }
  return now > alert.claimDueAt ? 'breached' : 'pending';
}

function firstTouchBreached(alert: ReportAlert, now: number): boolean {
  if (alert.firstTouchBreached) return true;
  if (alert.firstTouchDueAt === null) return false;
  if (alert.contactedAt !== null) return alert.contactedAt > alert.firstTouchDueAt;
  return alert.state === 'claimed' && now > alert.firstTouchDueAt;
}

function reachedContact(alert: ReportAlert): boolean {
  return alert.contactedAt !== null || alert.outcome === 'won';
}

export function conversion(alerts: readonly ReportAlert[]): Conversion {
  let outcomes = 0;
  let won = 0;
  let selfServed = 0;
  for (const { outcome } of alerts) {
    if (outcome === null) continue;
    if (REP_OUTCOMES.has(outcome)) outcomes++;
    if (outcome === 'won') won++;
    else if (outcome === 'self_served') selfServed++;
  }
  if (outcomes < MIN_OUTCOMES) return { outcomes, won, selfServed, rate: null, band: 'not-enough-outcomes' };
  const rate = won / outcomes;
  return { outcomes, won, selfServed, rate, band: bandOf(rate) };
}

export function bandOf(rate: number): Exclude<Band, 'not-enough-outcomes'> {
  if (rate < TOO_LOOSE_BELOW) return 'too-loose';
  if (rate > TOO_TIGHT_ABOVE) return 'too-tight';
  return 'healthy';
}

/**
 * Nearest-rank percentile: the smallest observed value with at least p % of the values at or
 * below it, i.e. the ⌈p/100 · n⌉-th smallest. Always a value that was observed; for an even count
 * the median is the lower of the middle two ([10, 20, 30, 40] → 20). Null for no values.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] ?? null;
}

function durationStats(values: readonly (number | null)[]): DurationStats {
  // A typed array sorts numerically without a comparator call per step: several times faster.
  const sorted = Float64Array.from(values.filter((v): v is number => v !== null)).sort();
  return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

function groupBy<K>(alerts: readonly ReportAlert[], key: (alert: ReportAlert) => K): Map<K, ReportAlert[]> {
  const groups = new Map<K, ReportAlert[]>();
  for (const alert of alerts) {
    const group = groups.get(key(alert));
    if (group) group.push(alert);
    else groups.set(key(alert), [alert]);
  }
  return groups;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSignals(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareIds(a, b);
}
