/**
 * What happened to an alert that someone must be told, as data: services queue a notice in the
 * same transaction as the change (outbox kind `notice`), and src/slack/render-notice.ts words it
 * when it is sent, so every message is rendered from what happened in one place, escaped and
 * bounded there. Times are epoch ms; durations ms.
 */
export type Notice =
  /** The ladder's reminder: in the thread, and DMed to the suggested rep. */
  | { type: 'reminder'; rep: string | null; unclaimedFor: number; claimBy: number }
  /** The ladder's escalation: posted in the escalation channel, mentioning the managers. */
  | { type: 'escalated'; rep: string | null; unclaimedFor: number }
  /** The ladder reassigned the alert (thread; DM to the new rep; DM to the previous one). */
  | { type: 'reassigned'; to: string; from: string | null; unclaimedFor: number }
  /**
   * Routing kept or broke the tier (escalation channel): the rep does not take this tier because
   * no rep who does can take it (`outsideTier`), or the alert waits for a rep of its tier whose
   * hours start at `waitsUntil` although reps outside the tier are in hours now.
   */
  | { type: 'routed_by_tier'; rep: string; outsideTier: boolean; waitsUntil: number | null }
  /** Nobody can take the alert (escalation channel). */
  | { type: 'nobody_available'; reason: string }
  /** A claimer missed the first-touch SLA (escalation channel). */
  | { type: 'first_touch_missed'; claimer: string; dueAt: number }
  /** Back-off: the claimer is asked for an outcome before the alert closes as no response. */
  | { type: 'back_off_prompt'; closesAt: number }
  /** Back-off: closed as no response (thread). */
  | { type: 'back_off_closed'; contactedFor: number }
  | { type: 'released'; by: string; next: string | null }
  | { type: 'not_a_fit'; by: string; reason: string; note: string | null }
  | { type: 'outcome'; by: string; outcome: string; amount: number | null }
  /** A manager handed the alert to a rep (thread; DM to the rep; DM to the previous claimer). */
  | { type: 'assigned'; by: string; to: string; from: string | null }
  /** The tier rose to hot in place (thread). */
  | { type: 'upgraded'; score: number; why: string }
  /** Put aside for a while (thread). */
  | { type: 'snoozed'; by: string; until: number }
  /** The snooze ended, or a manager ended it early (thread; DM to the claimer or suggested rep). */
  | { type: 'snooze_ended'; by: string | null }
  /** An intent signal on an open alert (thread). */
  | { type: 'new_signal'; score: number; why: string }
  /** The account bought on its own (thread, and DM to the claimer). */
  | { type: 'self_served'; plan: string };

/** Where a notice goes: the alert's thread, the escalation channel, or a person (DM by user id). */
export type NoticeTarget = 'thread' | 'escalation' | { user: string };

/** A DM to the person, or nobody. */
export function dm(userId: string | null | undefined): NoticeTarget | null {
  return userId ? { user: userId } : null;
}
