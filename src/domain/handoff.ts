import {
  type AccountState,
  type Armed,
  isActivity,
  type PlayState,
  type SignalHit,
} from './account-state.js';
import type { Rules, Tier } from './definition.js';
import { LAYERS } from './definition.js';
import { type Firmographics, metricValue, type Score, TIER_RANK } from './scoring.js';
import { renderSays } from './signal-text.js';

/** The why-now moment an alert was raised (or upgraded) for. */
export interface AlertTrigger {
  /** A handoff signal, the score crossing into hot, or fresh activity on an armed account. */
  kind: 'signal' | 'tier' | 'armed';
  signalId: string | null;
  /** The moment in words, without its age: "hit the API calls limit (10,000/10,000)". */
  text: string;
  at: number;
  eventId: string;
  userId: string | null;
  /** The moment's own words for the first message (limit, feature, plan, invitee_domain). */
  props?: Record<string, string>;
}

/** What the handoff rules need to know about an account's alerts. */
export interface AlertSummary {
  state: 'open' | 'claimed' | 'contacted' | 'closed';
  tier: 'hot' | 'warm';
  openedAt: number;
  closedAt: number | null;
  outcome: string | null;
}

export interface HandoffInput {
  event: {
    id: string;
    type: string;
    occurredAt: number;
    userId: string | null;
    properties: Record<string, unknown>;
  };
  /** When pls received the event: lateness is judged against it. */
  receivedAt: number;
  before: Score;
  after: Score;
  hits: SignalHit[];
  firm: Firmographics;
  state: AccountState;
  /** The play's own signals and arming (`state` itself for new business). */
  own: PlayState;
  /** The play's alert of the account that is not closed, if any. */
  openAlert: AlertSummary | null;
  /** The account's most recent alert (open or closed), for cooldown and back-off. */
  lastAlert: AlertSummary | null;
  rules: Rules;
  now: number;
  /** People's words for ids in event properties (the manifest's `labels`). */
  labels?: Readonly<Record<string, string>>;
}

export type HandoffDecision =
  /** `arm`: the moment was lost only to stale data on a hot account (see `Armed`). */
  | { kind: 'none'; reason: string; arm?: Armed }
  | { kind: 'open'; tier: 'hot' | 'warm'; trigger: AlertTrigger }
  | { kind: 'upgrade'; tier: 'hot'; trigger: AlertTrigger }
  | { kind: 'thread'; text: string }
  | { kind: 'refresh' }
  | { kind: 'self_served'; plan: string };

/**
 * The handoff moments and rules of engagement (README, "What happens to an event"), as a pure
 * function of one processed event.
 * Order matters: a self-serve purchase closes; a late signal never pages; an open alert absorbs
 * the signal (thread, or an upgrade in place when the tier rises); otherwise a moment must fire
 * and every rule must allow it.
 */
export function decideHandoff(input: HandoffInput): HandoffDecision {
  const { event, rules, openAlert, after } = input;

  if (isPurchase(event, rules)) {
    const plan = String(event.properties.plan);
    return openAlert
      ? { kind: 'self_served', plan }
      : { kind: 'none', reason: `bought ${plan} on their own` };
  }

  const late = isLate(event, input.receivedAt, rules);
  if (openAlert) {
    if (late) return { kind: 'refresh' };
    if (after.tier === 'hot' && TIER_RANK.hot > TIER_RANK[openAlert.tier]) {
      return { kind: 'upgrade', tier: 'hot', trigger: triggerFor(input, 'hot') };
    }
    const said = threadWorthy(input);
    return said ? { kind: 'thread', text: said } : { kind: 'refresh' };
  }

  const moment = handoffMoment(input, late);
  if (!moment) return { kind: 'none', reason: 'no handoff moment' };
  const blockers = alertBlockers(input);
  if (late) {
    // Stale data never pages, but a hot account it would have paged is remembered.
    if (blockers.length === 0 && after.tier === 'hot') {
      const arm = { at: moment.at, text: moment.text, signalId: moment.signalId };
      return { kind: 'none', reason: 'late signal: armed, alerts on its next fresh activity', arm };
    }
    return { kind: 'none', reason: 'late signal: scores, never pages' };
  }
  if (blockers.length > 0) return { kind: 'none', reason: blockers[0]! };
  return { kind: 'open', tier: after.tier as 'hot' | 'warm', trigger: moment };
}

/**
 * The moment, if this event is one: a handoff signal on a warm/hot account, crossing into hot,
 * or fresh product activity on an armed account that is still hot.
 */
function handoffMoment(input: HandoffInput, late: boolean): AlertTrigger | null {
  const { before, after, own, event } = input;
  if (after.tier === 'cold') return null;
  const signal = bestHandoffHit(input.hits);
  if (signal) return signalTrigger(input, signal);
  if (after.tier === 'hot' && before.tier !== 'hot') return triggerFor(input, 'hot');
  if (after.tier === 'hot' && own.armed && !late && isActivity(event.type))
    return armedTrigger(input, own.armed);
  return null;
}

/**
 * Why now for an armed account: what made it hot, when (the data arrived late), and that it is
 * active again ("hit the seats limit (5/5) on Dec 5 (data that arrived late), and is active
 * again" + the alert's age of the fresh event). Accounts armed by migration 0010 carry no
 * moment: their score says why.
 */
function armedTrigger(input: HandoffInput, armed: Armed): AlertTrigger {
  const top = input.after.contributions[0];
  const day = new Date(armed.at).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
  const why = armed.text
    ? `${armed.text} on ${day} (data that arrived late)`
    : `is hot (score ${Math.round(input.after.total)}${top ? `: ${top.text}` : ''})`;
  return {
    kind: 'armed',
    signalId: armed.signalId,
    text: `${why}, and is active again`,
    at: input.event.occurredAt,
    eventId: input.event.id,
    userId: input.event.userId,
  };
}

function bestHandoffHit(hits: SignalHit[]): SignalHit | null {
  const ready = hits.filter((hit) => hit.signal.handoff && hit.count >= hit.signal.handoff.count);
  ready.sort((a, b) => b.signal.points - a.signal.points);
  return ready[0] ?? null;
}

function triggerFor(input: HandoffInput, tier: Tier): AlertTrigger {
  const signal =
    bestHandoffHit(input.hits) ?? [...input.hits].sort((a, b) => b.signal.points - a.signal.points)[0];
  if (signal) return signalTrigger(input, signal);
  const top = input.after.contributions[0];
  return {
    kind: 'tier',
    signalId: null,
    text: `score crossed into ${tier} (${Math.round(input.after.total)})${top ? `: ${top.text}` : ''}`,
    at: input.event.occurredAt,
    eventId: input.event.id,
    userId: input.event.userId,
  };
}

function signalTrigger(input: HandoffInput, hit: SignalHit): AlertTrigger {
  const template = hit.signal.says ?? `${hit.signal.event.replaceAll('_', ' ')}`;
  const props: Record<string, string> = {};
  for (const name of MOMENT_WORDS) {
    const value = hit.props[name] ?? input.event.properties[name];
    if (typeof value === 'string' && value.trim() !== '') props[name] = value.trim().slice(0, 100);
  }
  return {
    kind: 'signal',
    signalId: hit.signal.id,
    text: renderSays(template, { ...input.event.properties, ...hit.props, count: hit.count }, input.labels),
    at: input.event.occurredAt,
    eventId: input.event.id,
    userId: input.event.userId,
    ...(Object.keys(props).length > 0 ? { props } : {}),
  };
}

/** The properties a first message may name (src/domain/opener.ts): the prospect's words, never counts. */
const MOMENT_WORDS = ['limit', 'feature', 'plan', 'invitee_domain'] as const;

/** Intent and handoff signals go into an open alert's thread; routine activity only updates the parent. */
function threadWorthy(input: HandoffInput): string | null {
  const hit = input.hits.find((h) => h.signal.handoff || h.signal.layer === 'intent');
  return hit ? signalTrigger(input, hit).text : null;
}

/**
 * Every rule of engagement that forbids an alert right now, in words; empty when none does.
 * `/pls account` shows these, and `decideHandoff` refuses on the first.
 */
export function alertBlockers(
  input: Pick<HandoffInput, 'after' | 'firm' | 'state' | 'lastAlert' | 'openAlert' | 'rules' | 'now'>,
): string[] {
  const { after, firm, state, lastAlert, rules, now } = input;
  const reasons: string[] = [];
  for (const layer of LAYERS) {
    const gate = after.gates[layer];
    if (!gate.passed)
      reasons.push(`fails the ${layer} gate (${Math.round(gate.points)} of ${gate.min} points)`);
  }
  if (after.tier === 'cold' && reasons.length === 0)
    reasons.push(`score ${Math.round(after.total)} is below warm`);
  if (isExcludedPlan(firm, rules)) reasons.push(`plan ${firm.plan} is excluded`);
  if (firm.employees !== null && firm.employees < rules.min_employees) {
    reasons.push(`${firm.employees} employees is under min_employees ${rules.min_employees} (self-serve)`);
  }
  if (firm.employees === null) {
    // Size unknown: seats stand in for it, or a one-person account passes on its email domain alone.
    const users = metricValue('active_users_14d', state, firm, now);
    if (users < rules.min_active_users_when_size_unknown) {
      reasons.push(
        `size unknown and ${users} active ${users === 1 ? 'user' : 'users'} in 14 days is under min_active_users_when_size_unknown ${rules.min_active_users_when_size_unknown} (self-serve)`,
      );
    }
  }
  if (state.upgradeStartedAt !== null && now - state.upgradeStartedAt < rules.converting_window) {
    reasons.push('in a self-serve checkout (upgrade_started within converting_window)');
  }
  if (input.openAlert) reasons.push('an alert is already open');
  if (lastAlert && !input.openAlert) {
    if (
      lastAlert.outcome === 'no_response' &&
      lastAlert.closedAt !== null &&
      now - lastAlert.closedAt < rules.back_off
    ) {
      reasons.push('backing off: no response to the last touch');
    } else if (
      now - lastAlert.openedAt < rules.cooldown &&
      TIER_RANK[after.tier] <= TIER_RANK[lastAlert.tier]
    ) {
      reasons.push(
        `in cooldown since the ${lastAlert.tier} alert of ${new Date(lastAlert.openedAt).toISOString().slice(0, 10)}`,
      );
    }
  }
  return reasons;
}

/** `plan_changed` to one of `paid_plans`: the account bought on its own. */
export function isPurchase(event: Pick<HandoffInput['event'], 'type' | 'properties'>, rules: Rules): boolean {
  return event.type === 'plan_changed' && includesPlan(rules.paid_plans, String(event.properties.plan ?? ''));
}

/** Older than `stale_after` when it arrived: it scores, and never pages anyone. */
export function isLate(
  event: Pick<HandoffInput['event'], 'occurredAt'>,
  receivedAt: number,
  rules: Rules,
): boolean {
  return receivedAt - event.occurredAt > rules.stale_after;
}

/** On one of `exclude_plans`: never alerted. */
export function isExcludedPlan(firm: Pick<Firmographics, 'plan'>, rules: Rules): boolean {
  return firm.plan !== null && includesPlan(rules.exclude_plans, firm.plan);
}

/** Plan names compare case-insensitively, like `match` conditions ("Team" is the team plan). */
export function includesPlan(plans: readonly string[], plan: string): boolean {
  const wanted = plan.trim().toLowerCase();
  return plans.some((p) => p.toLowerCase() === wanted);
}
