import type { AccountState, PlayState } from './account-state.js';
import type { Play } from './definition.js';
import { includesPlan } from './handoff.js';
import { matchesConditions } from './match.js';
import { CHANGE_METRICS } from './metrics.js';
import type { RoutableAccount } from './routing.js';
import { emptyNameMap } from './windows.js';

/**
 * Plays (manifests/README.md, "Plays"): new business, expansion, churn risk — each its own
 * scoring, routing and clocks on the one engine, with at most one open alert per account and play.
 */

/** The play the manifest's top-level `scoring`, `routing` and `sla` define. */
export const NEW_BUSINESS = 'new_business';

/**
 * Whether the play judges the account (may raise an alert for it) as it is now: it matches
 * `applies_to`; and beside other plays, new business leaves paying accounts to them (an unknown
 * plan is not paying). An alert already open goes on whatever this says.
 */
export function judgesAccount(play: Play, account: Pick<RoutableAccount, keyof RoutableAccount>): boolean {
  if (leftToOtherPlays(play, account)) return false;
  return play.applies_to === null || matchesConditions({ ...account }, play.applies_to);
}

/** New business beside other plays, and an account known to pay: the other plays' to judge. */
function leftToOtherPlays(play: Play, account: Pick<RoutableAccount, 'plan'>): boolean {
  return (
    play.prospects_only && account.plan !== null && includesPlan(play.scoring.rules.paid_plans, account.plan)
  );
}

/**
 * Whether the play gathers the account's evidence (its signals): it judges the account, or may
 * once the account's unknown fields are known — a Segment source's `group` call with the plan
 * can arrive after the tracks it explains (a backfill in any order), and a paying team's
 * readings count from the start. An account known to be outside the play gathers nothing (a
 * free plan's pressure is no expansion evidence once it pays): each condition of `applies_to`
 * holds, or reads a field the account has not sent.
 */
export function gathersFor(play: Play, account: Pick<RoutableAccount, keyof RoutableAccount>): boolean {
  if (leftToOtherPlays(play, account)) return false;
  if (play.applies_to === null) return true;
  const values: Record<string, unknown> = { ...account };
  return Object.entries(play.applies_to).every(
    ([field, condition]) =>
      !condition || values[field] == null || matchesConditions(values, { [field]: condition }),
  );
}

/** The play of an id, new business for an unknown one (a play removed from the manifest). */
export function playOf(plays: readonly Play[], id: string): Play {
  return plays.find((play) => play.id === id) ?? plays[0]!;
}

/** The play a command word names (`expansion`, `Churn_Risk`: ids read case-blind), or null. */
export function playNamed(plays: readonly Play[], word: string): Play | null {
  const wanted = word.toLowerCase();
  return plays.find((play) => play.id.toLowerCase() === wanted) ?? null;
}

/** What a play that never scored the account has of it: nothing, and read-only. */
const UNSCORED = Object.freeze({ signals: Object.freeze(emptyNameMap()), armed: null }) as PlayState;

/**
 * A play's own state in the account's, to read: an account a play never scored is not given an
 * entry for it (the state is stored with every turn, and most accounts are in one play only).
 */
export function readPlayState(state: AccountState, playId: string): PlayState {
  if (playId === NEW_BUSINESS) return state;
  return state.plays?.[playId] ?? UNSCORED;
}

/**
 * A play's own state in the account's, made on first use: new business keeps its signals and
 * arming at the top level of the state, where they were before plays.
 */
export function playStateOf(state: AccountState, playId: string): PlayState {
  if (playId === NEW_BUSINESS) return state;
  state.plays ??= emptyNameMap();
  state.plays[playId] ??= { signals: emptyNameMap(), armed: null };
  return state.plays[playId]!;
}

/**
 * What a play's `won` outcome means: a play that watches usage fall (a metric with `below`)
 * keeps customers, so its won reads as retained (SPEC §5); the others win deals.
 */
export function outcomeWord(play: Play): 'won' | 'retained' {
  return play.scoring.metrics.some((metric) => metric.below) ? 'retained' : 'won';
}

/**
 * Whether the play's score moves with time as well as with events: a metric of change (falling
 * usage) grows as the weeks compared slide, with no event at all. Such a play is re-scored once
 * a day (`tickAccount`), and its crossings are measured from the tier it last found.
 */
export function movesWithTime(play: Play): boolean {
  return play.scoring.metrics.some((metric) => CHANGE_METRICS.has(metric.metric));
}
