import { type SlaReportQuery, visitRows } from '../sla-report-query.js';
import type { PgSession } from './pg-store.js';

/**
 * The `/pls sla` report's input on Postgres: the same lean statement as
 * src/db/sla-report-query.ts (the scalars the report uses, the trigger's signal id, the covering
 * index `alerts_sla_report`), rows as arrays, one object refilled per row.
 */
export function createPgSlaReportQuery(db: PgSession): SlaReportQuery {
  return {
    async forEachAlertRaised(since, until, scope, play, visit) {
      const rows = await db.rows(
        `select a.tier, a.team_id, a.opened_at, a.tier_set_at, a.claim_due_at, a.first_touch_due_at,
             a.suggested_rep, a.claimed_by, a.assigned_by, a.claimed_at, a.contacted_at, a.closed_at,
             a.state, a.outcome, a.trigger ->> 'signalId', a.first_touch_breached_at is not null,
             a.escalation_steps, a.escalated_at is not null, a.lapses, a.play
           from alerts a
           where a.opened_at > $1 and a.opened_at <= $2
             and ($3::text is null or a.team_id = $3)
             and ($5::text is null or a.play = $5)
             and ($4::text is null or a.claimed_by = $4 or strpos(' ' || a.lapses || ' ', ':' || $4 || ' ') > 0
               or (a.state = 'open' and a.suggested_rep = $4))
           order by a.opened_at`,
        [
          since,
          until,
          scope.kind === 'team' ? scope.teamId : null,
          scope.kind === 'rep' ? scope.repId : null,
          play,
        ],
      );
      visitRows(rows, visit);
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
