import { addWorkingTime } from './business-hours.js';
import type { EscalationStep, Hours, SlaPolicy } from './definition.js';

/**
 * The SLA policy frozen on an alert when its tier is set: later manifest edits never move the
 * deadlines of an alert already raised (the grafana/oncall escalation-snapshot idea).
 */
export interface PolicySnapshot {
  tier: 'hot' | 'warm';
  claim: number;
  firstTouch: number;
  businessHours: boolean;
  /** The routed team's hours: the claim clock runs in them when `businessHours`. */
  hours: Hours;
  steps: EscalationStep[];
}

export function snapshotPolicy(sla: SlaPolicy, tier: 'hot' | 'warm', teamHours: Hours): PolicySnapshot {
  const targets = sla.tiers[tier];
  return {
    tier,
    claim: targets.claim,
    firstTouch: targets.first_touch,
    businessHours: sla.business_hours,
    hours: teamHours,
    steps: [...sla.escalation],
  };
}

/** `duration` after `from`, in working time when the policy says so. */
export function dueAfter(
  policy: Pick<PolicySnapshot, 'businessHours'>,
  hours: Hours,
  from: number,
  duration: number,
): number {
  return policy.businessHours ? addWorkingTime(hours, from, duration) : from + duration;
}

/**
 * Deadlines from the moment the tier was set. The first-touch clock is estimated in the team's
 * hours until someone claims; the claim then re-bases it on the claimer's hours.
 */
export function slaDeadlines(
  policy: PolicySnapshot,
  from: number,
): { claimDueAt: number; firstTouchDueAt: number } {
  return {
    claimDueAt: dueAfter(policy, policy.hours, from, policy.claim),
    firstTouchDueAt: dueAfter(policy, policy.hours, from, policy.firstTouch),
  };
}

/**
 * An SLA clock that ran out while someone held it: the suggested rep for the claim clock, the
 * claimer for first touch, null when nobody did. Recorded when the alert changes hands or closes
 * (or the sweep flags it), so the breach stays with them and the team whoever has it next.
 */
export interface SlaLapse {
  clock: 'claim' | 'first_touch';
  rep: string | null;
}
