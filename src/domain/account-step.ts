import type { Routing, Scoring, Team } from '../config/manifest.js';
import { type AccountState, applyEvent, type SignalHit } from './account-state.js';
import {
  type AlertSummary,
  alertBlockers,
  decideHandoff,
  type HandoffDecision,
  type HandoffInput,
  isExcludedPlan,
  isLate,
  isPurchase,
} from './handoff.js';
import { type RoutableAccount, routeTeam } from './routing.js';
import { type ScoreNumbers, scoreNumbersUnlessGated } from './score-numbers.js';
import { EMPTY_SCORE, type Firmographics, type Score, scoreAccount } from './scoring.js';
import type { UsageEvent } from './usage-event.js';

/**
 * One event applied to one account: the whole of pls's judgment, called by live scoring
 * (src/services/process-events.ts) and by replay (src/analysis/replay-engine.ts) alike, so a
 * replay of the live manifest makes the live decisions. Pure: the caller loads the account,
 * chooses the rep (rep loads live in the database) and carries the decision out.
 */
export interface StepInput {
  event: UsageEvent;
  /** When pls received the event: lateness is judged against it. */
  receivedAt: number;
  /** The account's state before the event; the step folds the event into it (the caller owns it). */
  state: AccountState;
  /** Firmographics before this event's patch; null for the account's first event. */
  previous: Firmographics | null;
  /** The account after this event's patch. */
  account: RoutableAccount;
  /** The account's alert that is not closed, if any. */
  openAlert: AlertSummary | null;
  /** The account's most recent alert (open or closed), for cooldown and back-off. */
  lastAlert: AlertSummary | null;
  scoring: Scoring;
  routing: Routing;
  now: number;
  /**
   * The score before this event when the caller has it already: live scoring keeps the previous
   * event's `after`, which is the same score (same state, firmographics and `now` within a turn).
   */
  before?: Score;
  /**
   * Replay's early exit: score only what the decision reads (`earlyExit`). The decision (all
   * but a `none`'s reason, which may be shorter) and the state are the same as in full
   * (test/unit/domain/account-step.test.ts and test/unit/analysis/replay-engine.test.ts hold
   * the two modes to it); `after` is then null when nothing read the score.
   */
  decisionOnly?: boolean;
}

/** `decideHandoff`'s decision, with the team an alert it opens goes to. */
export type StepDecision =
  | Exclude<HandoffDecision, { kind: 'open' }>
  | (Extract<HandoffDecision, { kind: 'open' }> & { team: Team });

export interface StepResult {
  decision: StepDecision;
  hits: SignalHit[];
  /** The score after the event; null only when `decisionOnly` decided without it. */
  after: Score | null;
  /** The total and tier after the event, when any were computed. */
  numbers: ScoreNumbers | null;
}

/** A step taken in full (live scoring): the score after the event is always there. */
export interface FullStepResult extends StepResult {
  after: Score;
}

export function stepAccount(input: StepInput & { decisionOnly?: false }): FullStepResult;
export function stepAccount(input: StepInput): StepResult;
export function stepAccount(input: StepInput): StepResult {
  const { event, state, scoring, now } = input;
  const purchase = isPurchase(event, scoring.rules);
  if (input.decisionOnly && !purchase && !state.armed) return earlyExit(input);

  const before =
    input.before ?? (input.previous ? scoreAccount(state, input.previous, scoring, now) : EMPTY_SCORE);
  const hits = applyEvent(state, event, scoring.signals, scoring.half_life, now);
  const after = scoreAccount(state, input.account, scoring, now);
  return decide(input, hits, before, after, purchase);
}

function decide(
  input: StepInput,
  hits: SignalHit[],
  before: Score,
  after: Score,
  purchase: boolean,
): StepResult {
  const { state, scoring } = input;
  const handoff = decideHandoff({
    event: input.event,
    receivedAt: input.receivedAt,
    before,
    after,
    hits,
    firm: input.account,
    state,
    openAlert: input.openAlert,
    lastAlert: input.lastAlert,
    rules: scoring.rules,
    now: input.now,
    labels: scoring.labels,
  });
  updateArming(state, handoff, after, input.account, purchase, scoring.rules);
  const decision: StepDecision =
    handoff.kind === 'open' ? { ...handoff, team: routeTeam(input.account, input.routing) } : handoff;
  return { decision, hits, after, numbers: after };
}

/**
 * An account is *armed* when its crossing into hot was suppressed only because the data was
 * stale (a backfill, a late batch): its next fresh activity alerts it (see `decideHandoff`).
 * Arming ends with the alert, when the account is found below hot, or when it buys or moves to
 * an excluded plan.
 */
function updateArming(
  state: AccountState,
  decision: HandoffDecision,
  after: Score,
  account: RoutableAccount,
  purchase: boolean,
  rules: Scoring['rules'],
): void {
  const closedByPlan = purchase || isExcludedPlan(account, rules);
  if (state.armed && (decision.kind === 'open' || after.tier !== 'hot' || closedByPlan)) state.armed = null;
  else if (decision.kind === 'none' && decision.arm) state.armed ??= decision.arm;
}

/**
 * The step for an account that is not armed, computing only what the decision reads, in
 * `decideHandoff`'s own order:
 * - an open alert that is hot, or a late event on an open alert: a thread reply or a refresh,
 *   which no score changes;
 * - no open alert and a rule of engagement that blocks even the best score (too small, excluded
 *   plan, checkout, cooldown after a hot alert, back-off): nothing, and nothing to arm;
 * - a layer short of its gate (`scoreNumbersUnlessGated`), or cold: no moment, nothing to arm;
 * - warm: no crossing into hot, so the score before the event is not read.
 * Only an account that is hot after the event needs the score before it, and that is the
 * numbers of the state before the event, taken before it is applied when it could matter.
 */
function earlyExit(input: StepInput): StepResult {
  const { event, state, scoring, now, openAlert } = input;
  const late = isLate(event, input.receivedAt, scoring.rules);
  if (openAlert && (late || openAlert.tier === 'hot')) {
    const hits = applyEvent(state, event, scoring.signals, scoring.half_life, now);
    return { decision: absorbed(input, hits), hits, after: null, numbers: null };
  }
  // Was the account hot before this event? Only asked of an account with no open alert (an open
  // warm alert upgrades on being hot after, whatever it was before).
  const wasHot =
    !openAlert && input.previous !== null
      ? (input.before?.tier ?? scoreNumbersUnlessGated(state, input.previous, scoring, now)?.tier) === 'hot'
      : false;
  const hits = applyEvent(state, event, scoring.signals, scoring.half_life, now);
  if (!openAlert) {
    const blocked = alertBlockers({ ...handoffBase(input, hits), after: BEST_SCORE }).length > 0;
    if (blocked)
      return { decision: { kind: 'none', reason: 'a rule of engagement' }, hits, after: null, numbers: null };
  }
  const numbers = scoreNumbersUnlessGated(state, input.account, scoring, now);
  if (numbers === null || numbers.tier === 'cold' || (openAlert && numbers.tier !== 'hot')) {
    const decision: StepDecision = openAlert ? absorbed(input, hits) : { kind: 'none', reason: 'cold' };
    return { decision, hits, after: null, numbers };
  }
  const after = scoreAccount(state, input.account, scoring, now);
  const before = wasHot ? BEST_SCORE : EMPTY_SCORE; // only its tier is read
  return decide(input, hits, before, after, false);
}

/** What an open alert makes of an event that cannot upgrade it: a thread reply or a refresh. */
function absorbed(input: StepInput, hits: SignalHit[]): StepDecision {
  const decision = decideHandoff({ ...handoffBase(input, hits), before: EMPTY_SCORE, after: EMPTY_SCORE });
  if (decision.kind === 'open') throw new Error('an account with an open alert cannot open another');
  return decision;
}

/**
 * The best score there is: every gate passed, hot, 100. `alertBlockers` given this and still
 * blocking blocks whatever the real score (a worse score only adds gate and tier reasons).
 */
const BEST_SCORE: Score = {
  total: 100,
  layers: { behavioral: 100, organizational: 100, intent: 100 },
  gates: {
    behavioral: { points: 100, min: 0, passed: true },
    organizational: { points: 100, min: 0, passed: true },
    intent: { points: 100, min: 0, passed: true },
  },
  tier: 'hot',
  contributions: [],
};

function handoffBase(input: StepInput, hits: SignalHit[]): Omit<HandoffInput, 'before' | 'after'> {
  return {
    event: input.event,
    receivedAt: input.receivedAt,
    hits,
    firm: input.account,
    state: input.state,
    openAlert: input.openAlert,
    lastAlert: input.lastAlert,
    rules: input.scoring.rules,
    now: input.now,
    labels: input.scoring.labels,
  };
}
