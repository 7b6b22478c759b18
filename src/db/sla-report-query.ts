import type { ReportAlert } from '../domain/sla-report.js';
import type { Db } from './client.js';

/** One row of `alertsRaisedSince`'s statement, in its column order. */
type Row = [
  id: string,
  tier: ReportAlert['tier'],
  teamId: string,
  openedAt: number,
  clockStart: number,
  claimDueAt: number,
  firstTouchDueAt: number | null,
  claimedBy: string | null,
  claimedAt: number | null,
  contactedAt: number | null,
  closedAt: number | null,
  state: ReportAlert['state'],
  outcome: string | null,
  triggerSignal: string | null,
  firstTouchBreached: 0 | 1,
  escalations: number,
];

/**
 * The `/pls sla` report's input, read lean (BENCHMARKS.md finding 6): one prepared statement that
 * selects only the scalars the report uses, the trigger's signal id by `json_extract` rather than
 * parsing `trigger`, `policy` and `outcome_detail` per row. Rows come back as arrays (`raw`):
 * better-sqlite3 builds a keyed object per row about twice as slowly.
 *
 * Escalations are counted per alert, so the cost follows the period's alerts: a grouped pass over
 * `alert_events` reads every event ever recorded (≈125 ms more with a year of history). Each count
 * is a covering index lookup given an index on `alert_events (alert_id) where kind = 'escalation'`.
 */
export function createSlaReportQuery(db: Db) {
  const raised = db.$client
    .prepare<[number]>(
      `select a.id, a.tier, a.team_id, a.opened_at, a.tier_set_at, a.claim_due_at, a.first_touch_due_at,
         a.claimed_by, a.claimed_at, a.contacted_at, a.closed_at, a.state, a.outcome,
         json_extract(a.trigger, '$.signalId'), a.first_touch_breached_at is not null,
         (select count(*) from alert_events e where e.alert_id = a.id and e.kind = 'escalation')
       from alerts a
       where a.opened_at > ?
       order by a.opened_at`,
    )
    .raw(true);
  const firstPolicy = db.$client
    .prepare<[number]>(
      `select json_extract(policy, '$.businessHours') from alerts
       where opened_at > ? order by opened_at limit 1`,
    )
    .pluck(true);

  return {
    /** Alerts opened after `since`, oldest first, with how many escalation steps each fired. */
    alertsRaisedSince(since: number): ReportAlert[] {
      return (raised.all(since) as Row[]).map(
        ([
          id,
          tier,
          teamId,
          openedAt,
          clockStart,
          claimDueAt,
          firstTouchDueAt,
          claimedBy,
          claimedAt,
          contactedAt,
          closedAt,
          state,
          outcome,
          triggerSignal,
          firstTouchBreached,
          escalations,
        ]) => ({
          id,
          tier,
          teamId,
          openedAt,
          clockStart,
          claimDueAt,
          firstTouchDueAt,
          claimedBy,
          claimedAt,
          contactedAt,
          closedAt,
          state,
          outcome,
          triggerSignal,
          firstTouchBreached: firstTouchBreached === 1,
          escalations,
        }),
      );
    },

    /**
     * Whether the policy frozen on the first alert opened after `since` measures in business
     * hours; null when no alert opened since, or its policy predates the flag.
     */
    businessHoursSince(since: number): boolean | null {
      const flag = firstPolicy.get(since) as 0 | 1 | null | undefined;
      return flag == null ? null : flag === 1;
    },
  };
}

export type SlaReportQuery = ReturnType<typeof createSlaReportQuery>;
