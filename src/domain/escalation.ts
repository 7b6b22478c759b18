import type { EscalationStep } from './definition.js';
import { dueAfter, type PolicySnapshot } from './sla.js';

/**
 * The escalation ladder as a pure function of (frozen policy, cursor, clock start): when the
 * step at the cursor falls due. Steps fire at their fraction of the claim SLA, measured the way
 * the SLA is (working time when `businessHours`). The cursor only moves forward, one step per
 * (nested) transaction, so a sweep that runs twice, or after a crash, fires nothing twice.
 */
export function escalationDueAt(policy: PolicySnapshot, clockStart: number, cursor: number): number | null {
  const step = policy.steps[cursor];
  if (!step) return null;
  return dueAfter(policy, policy.hours, clockStart, Math.round(step.at * policy.claim));
}

export interface LadderState {
  state: 'open' | 'claimed' | 'contacted' | 'closed';
  policy: PolicySnapshot;
  tierSetAt: number;
  escalationCursor: number;
  /** Time the alert spent snoozed: the ladder's clock starts that much later. */
  snoozedMs: number;
}

/** When the ladder's clock starts: the tier was set, plus every snoozed millisecond. */
export function ladderStart(alert: Pick<LadderState, 'tierSetAt' | 'snoozedMs'>): number {
  return alert.tierSetAt + alert.snoozedMs;
}

/** The step to fire now, if one is due: only unclaimed alerts climb the ladder. */
export function dueStep(alert: LadderState, now: number): { step: EscalationStep; index: number } | null {
  if (alert.state !== 'open') return null;
  const due = escalationDueAt(alert.policy, ladderStart(alert), alert.escalationCursor);
  if (due === null || due > now) return null;
  return { step: alert.policy.steps[alert.escalationCursor]!, index: alert.escalationCursor };
}

/** Back-off (one touch, then back off): prompt the claimer at 80 %, close at 100 %. */
export function backOffStage(
  contactedAt: number,
  backOff: number,
  prompted: boolean,
  now: number,
): 'none' | 'prompt' | 'close' {
  if (now >= contactedAt + backOff) return 'close';
  if (!prompted && now >= contactedAt + Math.round(backOff * 0.8)) return 'prompt';
  return 'none';
}
