import {
  type AccountState,
  applySignals,
  type PlayState,
  recordEvent,
  type SignalHit,
} from './account-state.js';
import type { Play, Team } from './definition.js';
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
import {
  gathersFor,
  judgesAccount,
  movesWithTime,
  NEW_BUSINESS,
  playStateOf,
  readPlayState,
} from './play.js';
import { type RoutableAccount, routeTeam } from './routing.js';
import { type ScoreNumbers, scoreNumbersUnlessGated } from './score-numbers.js';
import { EMPTY_SCORE, type Firmographics, type Score, scoreAccount } from './scoring.js';
import type { UsageEvent } from './usage-event.js';
import { DAY } from './windows.js';

/**
 * One event applied to one account: the whole of pls's judgment, called by live scoring
 * (src/services/process-events.ts) and by replay (src/replay/replay-engine.ts) alike, so a
 * replay of the live manifest makes the live decisions. Pure: the caller loads the account,
 * chooses the rep (rep loads live in the database) and carries the decisions out.
 *
 * Every play is stepped: the event's windows are recorded once (`recordEvent`), each play scores
 * it into its own signals, and each play the account is in (`judgesAccount`, or an alert of the
 * play still open) gets a decision of its own.
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
  /** The manifest's plays, new business first. */
  plays: readonly Play[];
  /** A play's alerts of the account: the one not closed, and the most recent (cooldown, back-off). */
  alertsOf: (playId: string) => PlayAlerts;
  now: number;
  /**
   * A play's score before this event when the caller has it already: live scoring keeps the
   * previous event's `after`, which is the same score (same state, firmographics and `now`
   * within a turn).
   */
  before?: (playId: string) => Score | undefined;
  /**
   * Replay's early exit: score only what the decision reads (`earlyExit`). The decisions (all
   * but a `none`'s reason, which may be shorter) and the state are the same as in full
   * (test/unit/domain/account-step.test.ts and test/unit/replay/replay-engine.test.ts hold
   * the two modes to it); a play's `after` is then null when nothing read its score.
   */
  decisionOnly?: boolean;
}

export interface PlayAlerts {
  /** The play's alert of the account that is not closed, if any. */
  openAlert: AlertSummary | null;
  /** The play's most recent alert of the account (open or closed). */
  lastAlert: AlertSummary | null;
}

export const NO_ALERTS: PlayAlerts = Object.freeze({ openAlert: null, lastAlert: null });

/** `decideHandoff`'s decision, with the team an alert it opens goes to. */
export type StepDecision =
  | Exclude<HandoffDecision, { kind: 'open' }>
  | (Extract<HandoffDecision, { kind: 'open' }> & { team: Team });

/** One play's part of a step. */
export interface PlayStep {
  play: Play;
  decision: StepDecision;
  hits: SignalHit[];
  /**
   * The play's score after the event; null when nothing read it (`decisionOnly`, or a play the
   * account is not in). New business is always scored in full: it is the account's own score.
   */
  after: Score | null;
  /** The total and tier after the event, when any were computed. */
  numbers: ScoreNumbers | null;
  /** The play's score before the event, when the step read it (not in `decisionOnly`). */
  before: Score | null;
}

export interface StepResult {
  /** One per play, in the manifest's order (new business first). */
  plays: PlayStep[];
}

/** The reason of a play that does not judge the account and has no alert open for it. */
export const NOT_IN_PLAY = 'not in this play';

/** What a play knows before the event touches the shared windows. */
interface PlayContext extends PlayAlerts {
  play: Play;
  own: PlayState;
  /** The play judges the account, or has an alert of it open: it decides. */
  inPlay: boolean;
  /** The play gathers the account's signals (`gathersFor`): it is in play, or may be. */
  gathers: boolean;
  purchase: boolean;
  /** Decided by `earlyExit` (replay, for a play neither armed nor bought). */
  early: boolean;
  /** The score before the event; null when the step does not read it. */
  before: Score | null;
  /** `earlyExit`'s only question of the score before: was the account hot. */
  wasHot: boolean;
}

export function stepAccount(input: StepInput): StepResult {
  const { event, state, now } = input;
  // Every play's score before the event is read before the event touches the shared windows.
  const contexts = input.plays.map((play): PlayContext => {
    const alerts = input.alertsOf(play.id);
    const inPlay = alerts.openAlert !== null || judgesAccount(play, input.account);
    const gathers = inPlay || play.id === NEW_BUSINESS || gathersFor(play, input.account);
    // Known to be out of play, a play other than new business only reads its state.
    const own = gathers ? playStateOf(state, play.id) : readPlayState(state, play.id);
    const purchase = isPurchase(event, play.scoring.rules);
    const timed = movesWithTime(play);
    const early = Boolean(input.decisionOnly) && !purchase && !own.armed && !timed;
    const context: PlayContext = {
      ...alerts,
      play,
      own,
      inPlay,
      gathers,
      purchase,
      early,
      before: null,
      wasHot: false,
    };
    if (early) {
      // Was the account hot before this event? Only asked of an account with no open alert (an
      // open warm alert upgrades on being hot after, whatever it was before).
      if (inPlay && !alerts.openAlert && input.previous !== null)
        context.wasHot =
          (input.before?.(play.id)?.tier ??
            scoreNumbersUnlessGated(state, input.previous, play.scoring, now, own)?.tier) === 'hot';
    } else if (inPlay || play.id === NEW_BUSINESS) {
      const before =
        input.before?.(play.id) ??
        (input.previous ? scoreAccount(state, input.previous, play.scoring, now, own) : EMPTY_SCORE);
      // Time moved this play's score since it last looked: the crossing is from the tier it found then.
      context.before = timed && inPlay && own.tier ? { ...before, tier: own.tier } : before;
    }
    return context;
  });
  const props = recordEvent(state, event, now);
  return { plays: contexts.map((context) => stepPlay(input, context, props)) };
}

function stepPlay(input: StepInput, context: PlayContext, props: Record<string, unknown>): PlayStep {
  const { event, state, account, now } = input;
  const { play, own } = context;
  // New business keeps scoring every account (its score is the account's own, shown everywhere);
  // another play gathers the signals of the accounts it judges or may judge (`gathersFor`).
  const hits = context.gathers
    ? applySignals(own, event, props, play.scoring.signals, play.scoring.half_life, now)
    : [];
  if (!context.inPlay) {
    // Out of the play (a plan it does not judge): it arms nothing, and coming into it later is
    // not a crossing by itself.
    if (own.armed) own.armed = null;
    if (own.tier) own.tier = null;
    const after = context.before ? scoreAccount(state, account, play.scoring, now, own) : null;
    return {
      play,
      decision: { kind: 'none', reason: NOT_IN_PLAY },
      hits,
      after,
      numbers: after,
      before: context.before,
    };
  }
  if (context.early) return earlyExit(input, context, hits);
  const after = scoreAccount(state, account, play.scoring, now, own);
  if (movesWithTime(play)) own.tier = after.tier;
  return decide(input, context, hits, context.before!, after);
}

/** The pseudo-event of a daily re-score: the moment is the day's start, and nobody did anything. */
export const DAILY_RESCORE = 'daily_rescore';

/** The id of the day's re-score of `at` (any instant of that UTC day): `daily_rescore:<day>`. */
export function rescoreEventId(at: number): string {
  return `${DAILY_RESCORE}:${Math.floor(at / DAY)}`;
}

export interface TickInput {
  state: AccountState;
  account: RoutableAccount;
  /** The plays whose score moves with time (`movesWithTime`). */
  plays: readonly Play[];
  alertsOf: (playId: string) => PlayAlerts;
  /** The day's start (UTC midnight): what the account is scored at. */
  at: number;
}

/**
 * The daily re-score of the plays whose score moves with time (falling usage): no event, the
 * account scored as of the day's start. A crossing into hot since the play last looked is a
 * fresh moment ("score crossed into hot (30): active users down 60 %…"); an open alert's score
 * is refreshed (or upgraded to hot). Live scoring (src/services/process-events.ts) and replay run
 * the same ticks, at the same instants.
 */
export function tickAccount(input: TickInput): PlayStep[] {
  const { state, account, at } = input;
  const event = {
    id: rescoreEventId(at),
    type: DAILY_RESCORE,
    occurredAt: at,
    userId: null,
    properties: {},
  };
  const steps: PlayStep[] = [];
  for (const play of input.plays) {
    const { openAlert, lastAlert } = input.alertsOf(play.id);
    if (!openAlert && !judgesAccount(play, account)) {
      const own = readPlayState(state, play.id);
      if (own.tier) own.tier = null;
      continue;
    }
    const own = playStateOf(state, play.id);
    const after = scoreAccount(state, account, play.scoring, at, own);
    const before = { ...after, tier: own.tier ?? after.tier };
    own.tier = after.tier;
    const handoff = decideHandoff({
      event,
      receivedAt: at,
      before,
      after,
      hits: [],
      firm: account,
      state,
      own,
      openAlert,
      // The cooldown counts from the day the last alert came: live posts a re-score's alert when
      // its sweep runs that day, replay at the day's start, and both must find it over on the
      // same day.
      lastAlert: lastAlert && { ...lastAlert, openedAt: Math.floor(lastAlert.openedAt / DAY) * DAY },
      rules: play.scoring.rules,
      now: at,
      labels: play.scoring.labels,
    });
    // A re-score is nobody's activity: it never fires an arm, and ends one the alert or the tier did.
    if (own.armed && (handoff.kind === 'open' || after.tier !== 'hot')) own.armed = null;
    const decision: StepDecision =
      handoff.kind === 'open' ? { ...handoff, team: routeTeam(account, play.routing) } : handoff;
    steps.push({ play, decision, hits: [], after, numbers: after, before });
  }
  return steps;
}

function decide(
  input: StepInput,
  context: PlayContext,
  hits: SignalHit[],
  before: Score,
  after: Score,
): PlayStep {
  const { play } = context;
  const handoff = decideHandoff({ ...handoffBase(input, context, hits), before, after });
  updateArming(context, handoff, after, input.account);
  const decision: StepDecision =
    handoff.kind === 'open' ? { ...handoff, team: routeTeam(input.account, play.routing) } : handoff;
  return { play, decision, hits, after, numbers: after, before: context.before };
}

/**
 * An account is *armed* when its crossing into hot was suppressed only because the data was
 * stale (a backfill, a late batch): its next fresh activity alerts it (see `decideHandoff`).
 * Arming ends with the alert, when the account is found below hot, or when it buys or moves to
 * an excluded plan.
 */
function updateArming(
  context: PlayContext,
  decision: HandoffDecision,
  after: Score,
  account: RoutableAccount,
): void {
  const { own, play } = context;
  const closedByPlan = context.purchase || isExcludedPlan(account, play.scoring.rules);
  if (own.armed && (decision.kind === 'open' || after.tier !== 'hot' || closedByPlan)) own.armed = null;
  else if (decision.kind === 'none' && decision.arm) own.armed ??= decision.arm;
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
function earlyExit(input: StepInput, context: PlayContext, hits: SignalHit[]): PlayStep {
  const { event, state, now } = input;
  const { play, openAlert } = context;
  const { scoring } = play;
  const late = isLate(event, input.receivedAt, scoring.rules);
  const none = (decision: StepDecision, numbers: ScoreNumbers | null = null): PlayStep => ({
    play,
    decision,
    hits,
    after: null,
    numbers,
    before: null,
  });
  if (openAlert && (late || openAlert.tier === 'hot')) return none(absorbed(input, context, hits));
  if (!openAlert) {
    const blocked = alertBlockers({ ...handoffBase(input, context, hits), after: BEST_SCORE }).length > 0;
    if (blocked) return none({ kind: 'none', reason: 'a rule of engagement' });
  }
  const numbers = scoreNumbersUnlessGated(state, input.account, scoring, now, context.own);
  if (numbers === null || numbers.tier === 'cold' || (openAlert && numbers.tier !== 'hot')) {
    return none(openAlert ? absorbed(input, context, hits) : { kind: 'none', reason: 'cold' }, numbers);
  }
  const after = scoreAccount(state, input.account, scoring, now, context.own);
  const before = context.wasHot ? BEST_SCORE : EMPTY_SCORE; // only its tier is read
  return decide(input, context, hits, before, after);
}

/** What an open alert makes of an event that cannot upgrade it: a thread reply or a refresh. */
function absorbed(input: StepInput, context: PlayContext, hits: SignalHit[]): StepDecision {
  const decision = decideHandoff({
    ...handoffBase(input, context, hits),
    before: EMPTY_SCORE,
    after: EMPTY_SCORE,
  });
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

function handoffBase(
  input: StepInput,
  context: PlayContext,
  hits: SignalHit[],
): Omit<HandoffInput, 'before' | 'after'> {
  return {
    event: input.event,
    receivedAt: input.receivedAt,
    hits,
    firm: input.account,
    state: input.state,
    own: context.own,
    openAlert: context.openAlert,
    lastAlert: context.lastAlert,
    rules: context.play.scoring.rules,
    now: input.now,
    labels: context.play.scoring.labels,
  };
}
