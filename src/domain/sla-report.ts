import { createWorkingTimeIndex, type WorkingTimeIndex } from './business-hours.js';
import type { Hours } from './definition.js';
import { compareText } from './order.js';
import { NEW_BUSINESS } from './play.js';
import { pqlVerdict, type RateVerdict } from './pql-verdict.js';
import type { SlaLapse } from './sla.js';

/**
 * The `/pls sla` report (README, "Commands") as a pure fold over (alerts, options): the service
 * streams the period's rows into `createSlaReportBuilder` one at a time, `buildSlaReport` does the same for
 * an array, and the renderer shows the result. No clock is read here; `now` is an argument.
 */

/** One alert as the report needs it: a row of `alerts` (with its ladder steps and SLA lapses). */
export interface ReportAlert {
  /** The play that raised it. */
  play: string;
  tier: 'hot' | 'warm';
  teamId: string;
  /** Epoch ms; the period filter is on this. */
  openedAt: number;
  /** When the claim clock started (`alerts.tier_set_at`). */
  clockStart: number;
  claimDueAt: number;
  firstTouchDueAt: number | null;
  /** Who routing (or a manager) gave it to last; after a pick-up by a teammate, still the one it was routed to. */
  suggestedRep: string | null;
  claimedBy: string | null;
  /** Set when a manager handed it to its holder: the holder never had its claim clock. */
  assignedBy: string | null;
  claimedAt: number | null;
  contactedAt: number | null;
  state: 'open' | 'claimed' | 'contacted' | 'closed';
  /** won | lost | no_response | not_a_fit | self_served | null */
  outcome: string | null;
  /** The signal id that raised it; null = the score crossed into hot. */
  triggerSignal: string | null;
  /** Ladder steps fired, reminders included (`alerts.escalation_steps`). */
  escalations: number;
  /** Whether the ladder escalated it to the managers (its `escalate` step fired). */
  escalatedToManagers: boolean;
  firstTouchBreached: boolean;
  /** SLA clocks that ran out before the alert changed hands or closed, with who held each. */
  lapses: readonly SlaLapse[];
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
  /** Only this play's alerts; null (or absent) = every play's. */
  play?: string | null;
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
 * The PQL health band: a healthy PQL definition converts 15–30 %; under 10 % the
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
  /** What the sample supports: a verdict only when its 95 % interval settles it (src/domain/pql-verdict.ts). */
  verdict: RateVerdict;
}

/** `met` of `decided`: a rate always shown with its counts. */
export interface Ratio {
  met: number;
  decided: number;
}

/**
 * One rep's figures, fairly attributed: the claim SLA over the alerts routed to them that they
 * claimed themselves (not a teammate's alert they picked up late, not one a manager handed
 * them); first touch over the alerts they held, from when their own clock started; `lapsed`,
 * the clocks that ran out while an alert was with them, whoever holds it now.
 */
export interface RepRow {
  repId: string;
  /** Alerts in the report this rep holds or held (claimedBy), assigned ones included. */
  held: number;
  /** Of `held`, handed to them by a manager. */
  assigned: number;
  claimSla: Ratio;
  timeToClaim: DurationStats;
  firstTouchSla: Ratio;
  /** Reached first touch (see `Funnel`). */
  contacted: number;
  won: number;
  lapsed: { claim: number; firstTouch: number };
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

/** One play's part of a report over several (SPEC §5: `/pls sla` reports per play). */
export interface PlayRow {
  play: string;
  alerts: number;
  claimSla: Ratio;
  /** Its rep outcomes: won for new business and expansion, retained for a churn play. */
  conversion: Conversion;
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
  /** First touch per alert over the alerts whose first-touch clock is decided; null rate when none is. */
  firstTouchSla: { met: number; breached: number; rate: number | null };
  /**
   * Alerts, not clock lapses: `claim` = claimSla.breached; `firstTouch` = alerts with a lapse on
   * record, flagged by the sweep, contacted after firstTouchDueAt, or still claimed and
   * uncontacted past it. `teamOnly`: claim breaches no rep answers for (nobody was routed the
   * alert, or it was never claimed and never handed on): they count for the team and no rep,
   * which is why the team's rate can sit below every rep's.
   */
  breaches: { claim: number; firstTouch: number; teamOnly: number };
  /** Alerts the ladder escalated to the managers, and the ladder steps it fired in all (reminders included). */
  escalations: { alerts: number; steps: number };
  /** Reps with at least one claimed alert: most claimed first, then by id. */
  reps: RepRow[];
  funnel: Funnel;
  /** The play the report is limited to; null = every play. */
  play: string | null;
  /**
   * Whose definition `conversion` and `signals` judge: the report's play, else new business
   * (the PQL→won band is a new-business measure; other plays' outcomes are in `plays`).
   */
  conversionPlay: string;
  conversion: { hot: Conversion; warm: Conversion; all: Conversion };
  /** Per trigger signal: most alerts first, then by id (the score-crossing row last among ties). */
  signals: SignalRow[];
  /** Per play, in order of first appearance: the report's alerts by the play that raised them. */
  plays: PlayRow[];
}

/** Outcomes a rep logged (a self-serve purchase is not one). */
export const REP_OUTCOMES: ReadonlySet<string> = new Set(['won', 'lost', 'no_response', 'not_a_fit']);

/**
 * Folds alerts into the report one at a time, so a caller streaming rows needs neither an array
 * of them nor an object per row. Each alert is in the report when it opened in the period and is
 * in scope; `add` filters, so it may be handed any alert.
 */
export interface SlaReportBuilder {
  /** Counts `alert` in. Keeps nothing of the object: a caller may reuse one for every row. */
  add(alert: Readonly<ReportAlert>): void;
  /** The report over the alerts added so far. */
  build(): SlaReport;
}

interface RepTally {
  held: number;
  assigned: number;
  claimMet: number;
  claimDecided: number;
  touchMet: number;
  touchDecided: number;
  contacted: number;
  won: number;
  lapsedClaim: number;
  lapsedTouch: number;
  claimTimes: number[];
}

interface SignalTally {
  alerts: number;
  outcomes: OutcomeTally;
}

export function buildSlaReport(alerts: readonly ReportAlert[], options: ReportOptions): SlaReport {
  const builder = createSlaReportBuilder(options);
  for (const alert of alerts) builder.add(alert);
  return builder.build();
}

export function createSlaReportBuilder(options: ReportOptions): SlaReportBuilder {
  const { now, periodMs, businessHours, scope } = options;
  const from = now - periodMs;
  const onlyPlay = options.play ?? null;
  const conversionPlay = onlyPlay ?? NEW_BUSINESS;
  const plays = new Map<string, { alerts: number; met: number; decided: number; outcomes: OutcomeTally }>();

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
  /** Time from the clock start to `end`, in the hours of `owner` (a team or rep id) when business time. */
  const elapsed = (clockStart: number, end: number, hours: (owner: string) => Hours, owner: string) =>
    businessHours ? workingTime(hours(owner), clockStart, end) : end - clockStart;

  let total = 0;
  let hot = 0;
  let warm = 0;
  let met = 0;
  let breached = 0;
  let pending = 0;
  let closedUnclaimed = 0;
  let touchMet = 0;
  let firstTouchBreaches = 0;
  let teamOnly = 0;
  let escalatedAlerts = 0;
  let escalationSteps = 0;
  let claimed = 0;
  let contacted = 0;
  let won = 0;
  const claimTimes: number[] = [];
  const touchTimes: number[] = [];
  const conversions = { hot: outcomeTally(), warm: outcomeTally(), all: outcomeTally() };
  const reps = new Map<string, RepTally>();
  const signals = new Map<string | null, SignalTally>();
  const repTally = (repId: string): RepTally => {
    let rep = reps.get(repId);
    if (!rep) {
      rep = {
        held: 0,
        assigned: 0,
        claimMet: 0,
        claimDecided: 0,
        touchMet: 0,
        touchDecided: 0,
        contacted: 0,
        won: 0,
        lapsedClaim: 0,
        lapsedTouch: 0,
        claimTimes: [],
      };
      reps.set(repId, rep);
    }
    return rep;
  };

  return {
    add(a) {
      if (!(a.openedAt > from && a.openedAt <= now)) return;
      if (onlyPlay !== null && a.play !== onlyPlay) return;
      // The rep a clock ran out with answers for it, whoever holds the alert now: in a rep's own
      // report too, where the alert may since have gone to someone else.
      // A claim clock running out right now is the suggested rep's too, before it is recorded
      // (that happens when the alert changes hands or closes).
      const running = runningClaimLapse(a, now);
      for (const lapse of running ? [...a.lapses, running] : a.lapses) {
        if (lapse.rep === null || (scope.kind === 'rep' && lapse.rep !== scope.repId)) continue;
        if (scope.kind === 'team' && a.teamId !== scope.teamId) continue;
        if (lapse.clock === 'claim') repTally(lapse.rep).lapsedClaim++;
        else repTally(lapse.rep).lapsedTouch++;
      }
      if (!inScope(a, scope)) return;
      total++;
      if (a.tier === 'hot') hot++;
      else if (a.tier === 'warm') warm++;

      const status = claimStatus(a, now);
      const claimLapses = a.lapses.filter((l) => l.clock === 'claim');
      // A clock that ran out earlier is a breach for the team, whatever happened after it.
      const teamClaim = claimLapses.length > 0 ? 'breached' : status;
      if (teamClaim === 'met') met++;
      else if (teamClaim === 'breached') breached++;
      else if (teamClaim === 'pending') pending++;
      else closedUnclaimed++;
      // Nobody to answer for it: no lapse names a rep, and no rep it was routed to claimed it late.
      const lateClaimer =
        status === 'breached' &&
        a.assignedBy === null &&
        a.claimedBy !== null &&
        a.claimedBy === a.suggestedRep;
      const answered = claimLapses.some((l) => l.rep !== null) || lateClaimer || running !== null;
      if (teamClaim === 'breached' && !answered) teamOnly++;

      // First touch, likewise: a clock that ran out with an earlier holder is the team's breach.
      const touch = firstTouchStatus(a, now);
      if (touch === 'breached' || a.lapses.some((l) => l.clock === 'first_touch')) firstTouchBreaches++;
      else if (touch === 'met') touchMet++;
      if (a.escalatedToManagers) escalatedAlerts++;
      escalationSteps += a.escalations;
      const reached = reachedContact(a);
      const isWon = a.outcome === 'won';
      if (reached) contacted++;
      if (isWon) won++;

      // An alert claimed (or contacted) before its current clock started, i.e. upgraded in place
      // after the claim, has no time to claim (or to first touch).
      let claimTime: number | null = null;
      if (a.claimedAt !== null) {
        claimed++;
        if (a.claimedAt >= a.clockStart) {
          claimTime = elapsed(a.clockStart, a.claimedAt, options.teamHours, a.teamId);
          claimTimes.push(claimTime);
        }
      }
      if (a.contactedAt !== null && a.contactedAt >= a.clockStart) {
        touchTimes.push(
          a.claimedBy === null
            ? elapsed(a.clockStart, a.contactedAt, options.teamHours, a.teamId)
            : elapsed(a.clockStart, a.contactedAt, options.repHours, a.claimedBy),
        );
      }

      if (a.claimedBy !== null) {
        const rep = repTally(a.claimedBy);
        rep.held++;
        if (a.assignedBy !== null) rep.assigned++;
        // Their claim clock: routed to them and claimed by them. A teammate's alert picked up
        // late is not their lapse (it is on record with the rep it was routed to).
        else if (status === 'met' || (status === 'breached' && a.suggestedRep === a.claimedBy)) {
          rep.claimDecided++;
          if (status === 'met') rep.claimMet++;
          else if (claimLapses.length === 0) rep.lapsedClaim++;
          if (claimTime !== null) rep.claimTimes.push(claimTime);
        }
        if (touch !== 'pending') {
          rep.touchDecided++;
          if (touch === 'met') rep.touchMet++;
          // A lapse the sweep flagged is on record already (counted above).
          else if (!a.lapses.some((l) => l.clock === 'first_touch' && l.rep === a.claimedBy))
            rep.lapsedTouch++;
        }
        if (reached) rep.contacted++;
        if (isWon) rep.won++;
      }

      let play = plays.get(a.play);
      if (!play) {
        play = { alerts: 0, met: 0, decided: 0, outcomes: outcomeTally() };
        plays.set(a.play, play);
      }
      play.alerts++;
      if (teamClaim === 'met' || teamClaim === 'breached') play.decided++;
      if (teamClaim === 'met') play.met++;
      countOutcome(play.outcomes, a.outcome);
      if (a.play !== conversionPlay) return;

      let signal = signals.get(a.triggerSignal);
      if (!signal) {
        signal = { alerts: 0, outcomes: outcomeTally() };
        signals.set(a.triggerSignal, signal);
      }
      signal.alerts++;
      countOutcome(signal.outcomes, a.outcome);
      if (a.tier === 'hot') countOutcome(conversions.hot, a.outcome);
      else if (a.tier === 'warm') countOutcome(conversions.warm, a.outcome);
      countOutcome(conversions.all, a.outcome);
    },

    build() {
      const repRows: RepRow[] = [...reps.entries()]
        .filter(([repId]) => scope.kind !== 'rep' || repId === scope.repId)
        .map(([repId, rep]) => ({
          repId,
          held: rep.held,
          assigned: rep.assigned,
          claimSla: { met: rep.claimMet, decided: rep.claimDecided },
          timeToClaim: durationStats(rep.claimTimes),
          firstTouchSla: { met: rep.touchMet, decided: rep.touchDecided },
          contacted: rep.contacted,
          won: rep.won,
          lapsed: { claim: rep.lapsedClaim, firstTouch: rep.lapsedTouch },
        }))
        .sort((a, b) => b.held - a.held || compareText(a.repId, b.repId));
      const signalRows: SignalRow[] = [...signals.entries()]
        .map(([signal, tally]) => ({ signal, alerts: tally.alerts, ...conversionOf(tally.outcomes) }))
        .sort((a, b) => b.alerts - a.alerts || compareSignals(a.signal, b.signal));
      const touchDecided = touchMet + firstTouchBreaches;
      return {
        periodLabel: options.periodLabel,
        periodMs,
        from,
        to: now,
        scope,
        measure: businessHours ? 'business' : 'wall',
        empty: total === 0,
        alerts: { total, hot, warm },
        claimSla: {
          met,
          breached,
          pending,
          closedUnclaimed,
          rate: met + breached === 0 ? null : met / (met + breached),
        },
        firstTouchSla: {
          met: touchMet,
          breached: firstTouchBreaches,
          rate: touchDecided === 0 ? null : touchMet / touchDecided,
        },
        timeToClaim: durationStats(claimTimes),
        timeToFirstTouch: durationStats(touchTimes),
        breaches: { claim: breached, firstTouch: firstTouchBreaches, teamOnly },
        escalations: { alerts: escalatedAlerts, steps: escalationSteps },
        reps: repRows,
        funnel: { raised: total, claimed, contacted, won },
        play: onlyPlay,
        conversionPlay,
        conversion: {
          hot: conversionOf(conversions.hot),
          warm: conversionOf(conversions.warm),
          all: conversionOf(conversions.all),
        },
        signals: signalRows,
        plays: [...plays.entries()].map(([id, tally]) => ({
          play: id,
          alerts: tally.alerts,
          claimSla: { met: tally.met, decided: tally.decided },
          conversion: conversionOf(tally.outcomes),
        })),
      };
    },
  };
}

/** An open alert past its claim deadline with nothing recorded yet: the lapse under way, with its suggested rep. */
function runningClaimLapse(alert: ReportAlert, now: number): SlaLapse | null {
  if (alert.state !== 'open' || alert.claimedAt !== null || alert.suggestedRep === null) return null;
  if (now <= alert.claimDueAt || alert.lapses.some((l) => l.clock === 'claim')) return null;
  return { clock: 'claim', rep: alert.suggestedRep };
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

/**
 * The first-touch clock of the alert's holder: `met` = contacted by the deadline; `breached` =
 * flagged by the sweep, contacted late, or still uncontacted past it; `pending` otherwise (no
 * deadline, not claimed, or still inside it).
 */
function firstTouchStatus(alert: ReportAlert, now: number): 'met' | 'breached' | 'pending' {
  if (alert.firstTouchBreached) return 'breached';
  if (alert.firstTouchDueAt === null || alert.claimedAt === null) return 'pending';
  if (alert.contactedAt !== null) return alert.contactedAt > alert.firstTouchDueAt ? 'breached' : 'met';
  return alert.state === 'claimed' && now > alert.firstTouchDueAt ? 'breached' : 'pending';
}

function reachedContact(alert: ReportAlert): boolean {
  return alert.contactedAt !== null || alert.outcome === 'won';
}

/** PQL→won over alerts' outcomes, as `/pls sla` and calibration count it. */
export function conversion(alerts: readonly { outcome: string | null }[]): Conversion {
  const tally = outcomeTally();
  for (const { outcome } of alerts) countOutcome(tally, outcome);
  return conversionOf(tally);
}

interface OutcomeTally {
  outcomes: number;
  won: number;
  selfServed: number;
}

function outcomeTally(): OutcomeTally {
  return { outcomes: 0, won: 0, selfServed: 0 };
}

function countOutcome(tally: OutcomeTally, outcome: string | null): void {
  if (outcome === null) return;
  if (REP_OUTCOMES.has(outcome)) tally.outcomes++;
  if (outcome === 'won') tally.won++;
  else if (outcome === 'self_served') tally.selfServed++;
}

function conversionOf({ outcomes, won, selfServed }: OutcomeTally): Conversion {
  const verdict = pqlVerdict(won, outcomes);
  if (outcomes < MIN_OUTCOMES)
    return { outcomes, won, selfServed, rate: null, band: 'not-enough-outcomes', verdict };
  const rate = won / outcomes;
  return { outcomes, won, selfServed, rate, band: bandOf(rate), verdict };
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

function durationStats(values: readonly number[]): DurationStats {
  // A typed array sorts numerically without a comparator call per step: several times faster.
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

function compareSignals(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareText(a, b);
}
