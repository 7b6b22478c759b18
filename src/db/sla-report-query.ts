import type { ReportAlert, ReportScope } from '../domain/sla-report.js';
import { decodeLapses } from './alerts-repo.js';
import type { Db } from './sqlite/client.js';

/** One row of the report's statement, in its column order. */
type Row = [
  tier: ReportAlert['tier'],
  teamId: string,
  openedAt: number,
  clockStart: number,
  claimDueAt: number,
  firstTouchDueAt: number | null,
  suggestedRep: string | null,
  claimedBy: string | null,
  assignedBy: string | null,
  claimedAt: number | null,
  contactedAt: number | null,
  closedAt: number | null,
  state: ReportAlert['state'],
  outcome: string | null,
  triggerSignal: string | null,
  firstTouchBreached: 0 | 1,
  escalations: number,
  escalatedToManagers: 0 | 1,
  /** "claim_lapsed:U0ANA first_touch_breached:" (an empty rep: nobody held the clock), or null. */
  lapses: string | null,
  play: string,
];

/**
 * The `/pls sla` report's input, read lean: one prepared statement over the covering index
 * `alerts_sla_report` that selects only the scalars the report uses (the trigger's signal id by
 * `json_extract`), for the period and scope only, rows as arrays; the domain folds them in one
 * pass. Escalation steps and SLA lapses are kept on each alert's row, so nothing is looked up per
 * alert. Why this shape and not another, with the measurements: BENCHMARKS.md, "`/pls sla`".
 */
export function createSlaReportQuery(db: Db) {
  const raised = db.$client
    .prepare<{ since: number; until: number; team: string | null; rep: string | null; play: string | null }>(
      `select a.tier, a.team_id, a.opened_at, a.tier_set_at, a.claim_due_at, a.first_touch_due_at,
         a.suggested_rep, a.claimed_by, a.assigned_by, a.claimed_at, a.contacted_at, a.closed_at,
         a.state, a.outcome, json_extract(a.trigger, '$.signalId'), a.first_touch_breached_at is not null,
         a.escalation_steps, a.escalated_at is not null, a.lapses, a.play
       from alerts a
       where a.opened_at > @since and a.opened_at <= @until
         and (@team is null or a.team_id = @team)
         and (@play is null or a.play = @play)
         and (@rep is null or a.claimed_by = @rep or instr(' ' || a.lapses || ' ', ':' || @rep || ' ') > 0
           or (a.state = 'open' and a.suggested_rep = @rep))
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
    /**
     * Hands `visit` each alert opened in (since, until] and in `scope`, oldest first, with how many
     * escalation steps it fired. It is one object refilled for every row (10,000 rows a report make
     * no garbage of their own): `visit` must copy what it keeps.
     */
    async forEachAlertRaised(
      since: number,
      until: number,
      scope: ReportScope,
      play: string | null,
      visit: (alert: Readonly<ReportAlert>) => void,
    ): Promise<void> {
      const rows = raised.all({
        since,
        until,
        team: scope.kind === 'team' ? scope.teamId : null,
        rep: scope.kind === 'rep' ? scope.repId : null,
        play,
      }) as Row[];
      visitRows(rows, visit);
    },

    /**
     * Whether the policy frozen on the first alert opened after `since` measures in business
     * hours; null when no alert opened since, or its policy predates the flag.
     */
    async businessHoursSince(since: number): Promise<boolean | null> {
      const flag = firstPolicy.get(since) as 0 | 1 | null | undefined;
      return flag == null ? null : flag === 1;
    },
  };
}

export type SlaReportQuery = ReturnType<typeof createSlaReportQuery>;

/**
 * Hands each row of the report's statement (its columns in `Row`'s order, on either engine:
 * SQLite's booleans are 1/0, Postgres's true/false) to `visit` as one `ReportAlert` refilled
 * per row, not an object built for each.
 */
export function visitRows(
  rows: readonly (readonly unknown[])[],
  visit: (alert: Readonly<ReportAlert>) => void,
): void {
  const alert: ReportAlert = {
    play: '',
    tier: 'hot',
    teamId: '',
    openedAt: 0,
    clockStart: 0,
    claimDueAt: 0,
    firstTouchDueAt: null,
    suggestedRep: null,
    claimedBy: null,
    assignedBy: null,
    claimedAt: null,
    contactedAt: null,
    closedAt: null,
    state: 'open',
    outcome: null,
    triggerSignal: null,
    firstTouchBreached: false,
    escalations: 0,
    escalatedToManagers: false,
    lapses: decodeLapses(null),
  };
  for (const raw of rows) {
    const row = raw as Row;
    alert.tier = row[0];
    alert.teamId = row[1];
    alert.openedAt = row[2];
    alert.clockStart = row[3];
    alert.claimDueAt = row[4];
    alert.firstTouchDueAt = row[5];
    alert.suggestedRep = row[6];
    alert.claimedBy = row[7];
    alert.assignedBy = row[8];
    alert.claimedAt = row[9];
    alert.contactedAt = row[10];
    alert.closedAt = row[11];
    alert.state = row[12];
    alert.outcome = row[13];
    alert.triggerSignal = row[14];
    alert.firstTouchBreached = Boolean(row[15]);
    alert.escalations = row[16];
    alert.escalatedToManagers = Boolean(row[17]);
    alert.lapses = decodeLapses(row[18]);
    alert.play = row[19];
    visit(alert);
  }
}
