import type { ReportAlert } from '../../domain/sla-report.js';
import { decodeLapses } from '../alerts-repo.js';
import type { SlaReportQuery } from '../sla-report-query.js';
import type { PgSession } from './pg-store.js';

/**
 * The `/pls sla` report's input on Postgres: the same lean statement as
 * src/db/sla-report-query.ts (the scalars the report uses, the trigger's signal id, the covering
 * index `alerts_sla_report`), rows as arrays, one object refilled per row.
 */
export function createPgSlaReportQuery(db: PgSession): SlaReportQuery {
  return {
    async forEachAlertRaised(since, until, scope, visit) {
      const rows = await db.rows(
        `select a.tier, a.team_id, a.opened_at, a.tier_set_at, a.claim_due_at, a.first_touch_due_at,
             a.suggested_rep, a.claimed_by, a.assigned_by, a.claimed_at, a.contacted_at, a.closed_at,
             a.state, a.outcome, a.trigger ->> 'signalId', a.first_touch_breached_at is not null,
             a.escalation_steps, a.escalated_at is not null, a.lapses
           from alerts a
           where a.opened_at > $1 and a.opened_at <= $2
             and ($3::text is null or a.team_id = $3)
             and ($4::text is null or a.claimed_by = $4 or strpos(' ' || a.lapses || ' ', ':' || $4 || ' ') > 0
               or (a.state = 'open' and a.suggested_rep = $4))
           order by a.opened_at`,
        [
          since,
          until,
          scope.kind === 'team' ? scope.teamId : null,
          scope.kind === 'rep' ? scope.repId : null,
        ],
      );
      const alert: ReportAlert = {
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
      for (const row of rows) {
        alert.tier = row[0] as ReportAlert['tier'];
        alert.teamId = row[1] as string;
        alert.openedAt = row[2] as number;
        alert.clockStart = row[3] as number;
        alert.claimDueAt = row[4] as number;
        alert.firstTouchDueAt = row[5] as number | null;
        alert.suggestedRep = row[6] as string | null;
        alert.claimedBy = row[7] as string | null;
        alert.assignedBy = row[8] as string | null;
        alert.claimedAt = row[9] as number | null;
        alert.contactedAt = row[10] as number | null;
        alert.closedAt = row[11] as number | null;
        alert.state = row[12] as ReportAlert['state'];
        alert.outcome = row[13] as string | null;
        alert.triggerSignal = row[14] as string | null;
        alert.firstTouchBreached = row[15] === true;
        alert.escalations = row[16] as number;
        alert.escalatedToManagers = row[17] === true;
        alert.lapses = decodeLapses(row[18] as string | null);
        visit(alert);
      }
    },

    async businessHoursSince(since) {
      const { rows } = await db.query<{ flag: boolean | null }>(
        `select (policy ->> 'businessHours')::boolean as flag from alerts
          where opened_at > $1 order by opened_at limit 1`,
        [since],
      );
      const flag = rows[0]?.flag;
      return flag === undefined || flag === null ? null : flag;
    },
  };
}
