/**
 * The alert state machine (README, "Working the alert"): who may do what in which state. Pure:
 * the services apply the result inside a transaction, re-checking state there so a stale click
 * acts on the alert as it is now, never on what the button carried.
 */
import type { Routing } from './definition.js';

export const ALERT_STATES = ['open', 'claimed', 'contacted', 'closed'] as const;
export type AlertStateName = (typeof ALERT_STATES)[number];
export type AlertCommand = 'claim' | 'not_a_fit' | 'mark_contacted' | 'release' | 'log_outcome' | 'snooze';

export interface Actor {
  userId: string;
  isRep: boolean;
  isManager: boolean;
}

/** Who a Slack user is to pls: a rep, a manager (or both) by the manifest, or neither. */
export function actorOf(routing: Pick<Routing, 'reps' | 'managers'>, userId: string): Actor {
  return {
    userId,
    isRep: routing.reps.some((r) => r.id === userId),
    isManager: routing.managers.includes(userId),
  };
}

export interface AlertFacts {
  state: AlertStateName;
  claimedBy: string | null;
  outcome: string | null;
  /** The rep routing (or a manager's assignment) chose. */
  suggestedRep: string | null;
}

/** Who may take an alert (Claim, Not a fit) when `rules.team_only_claims` is on. */
export interface ClaimScope {
  teamId: string;
  /** The team's reps; empty = every rep (a team without its own list routes to all). */
  teamReps: readonly string[];
}

export const NOT_A_FIT_REASONS = {
  too_small: 'Too small',
  existing_customer: 'Existing customer',
  personal_use: 'Personal or student use',
  competitor_or_partner: 'Competitor or partner',
  bad_timing: 'Bad timing',
  other: 'Other',
} as const;
export type NotAFitReason = keyof typeof NOT_A_FIT_REASONS;

/** How long **Snooze** may put an alert aside, by option. */
export const SNOOZES = {
  '1h': { label: '1 hour', ms: 3_600_000 },
  '4h': { label: '4 hours', ms: 4 * 3_600_000 },
  '1d': { label: '1 day', ms: 24 * 3_600_000 },
} as const;
export type SnoozeOption = keyof typeof SNOOZES;

export const OUTCOMES = {
  won: 'Won',
  lost: 'Lost',
  no_response: 'No response',
  not_a_fit: 'Not a fit',
} as const;
export type Outcome = keyof typeof OUTCOMES;

/** Which commands each state offers: the buttons of the README's table ("Working the alert"). */
const ALLOWED: Record<AlertStateName, readonly AlertCommand[]> = {
  open: ['claim', 'not_a_fit', 'snooze'],
  claimed: ['mark_contacted', 'release', 'log_outcome', 'snooze'],
  contacted: ['log_outcome', 'release'],
  closed: [],
};

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Whether `actor` may run `command` on the alert as it is now; the reason is said to the user. */
export function mayRun(
  command: AlertCommand,
  alert: AlertFacts,
  actor: Actor,
  scope: ClaimScope | null = null,
): Verdict {
  if (!actor.isRep && !actor.isManager) {
    return { ok: false, reason: 'Only the reps and managers named in the PQL manifest can act on alerts.' };
  }
  if (!ALLOWED[alert.state].includes(command)) return { ok: false, reason: stateReason(command, alert) };
  // Snoozing an unclaimed alert is like taking it; a claimed one is its holder's (or a manager's).
  const taking =
    command === 'claim' || command === 'not_a_fit' || (command === 'snooze' && alert.state === 'open');
  if (taking && scope && !actor.isManager && !mayTake(actor.userId, alert, scope)) {
    return {
      ok: false,
      reason: `This alert belongs to the ${scope.teamId} team: its reps, the rep it was routed to and managers can take it.`,
    };
  }
  const holderOnly =
    command === 'mark_contacted' ||
    command === 'release' ||
    command === 'log_outcome' ||
    (command === 'snooze' && alert.state === 'claimed');
  if (holderOnly && alert.claimedBy !== actor.userId && !actor.isManager) {
    return { ok: false, reason: `<@${alert.claimedBy}> has this alert: only they or a manager can do that.` };
  }
  return { ok: true };
}

/** A rep of the alert's team, or the rep it was routed or assigned to (of any team). */
function mayTake(userId: string, alert: AlertFacts, scope: ClaimScope): boolean {
  return (
    scope.teamReps.length === 0 ||
    scope.teamReps.includes(userId) ||
    alert.suggestedRep === userId ||
    alert.claimedBy === userId
  );
}

function stateReason(command: AlertCommand, alert: AlertFacts): string {
  if (alert.state === 'closed')
    return `This alert is already closed (${(alert.outcome ?? 'closed').replaceAll('_', ' ')}).`;
  if (command === 'claim' || command === 'not_a_fit') return `<@${alert.claimedBy}> already has this alert.`;
  if (command === 'mark_contacted' && alert.state === 'contacted')
    return 'This alert is already marked contacted.';
  if (command === 'snooze' && alert.state === 'contacted')
    return 'The account was contacted already: there is no clock left to pause.';
  return 'That is not possible while the alert is unclaimed: claim it first.';
}
