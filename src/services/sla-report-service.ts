import type { Manifest } from '../config/manifest.js';
import type { AlertsRepo } from '../db/alerts-repo.js';
import type { AlertTrigger } from '../domain/handoff.js';
import type { PolicySnapshot } from '../domain/sla.js';
import { buildSlaReport, type ReportAlert, type ReportScope, type SlaReport } from '../domain/sla-report.js';
import { UserError } from './user-error.js';

const PERIODS: Record<string, number> = {
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '90d': 90 * 86_400_000,
};

export interface SlaRequest {
  periodLabel: string;
  scope: ReportScope;
}

/** `/pls sla [7d|30d|90d] [team|@rep]`, in any order; default 30 days, every team. */
export function parseSlaArgs(
  args: readonly string[],
  manifest: Manifest,
  userIdOf: (token: string) => string | null,
): SlaRequest {
  const request: SlaRequest = { periodLabel: '30d', scope: { kind: 'all' } };
  const teamOf = (word: string) =>
    manifest.routing.teams.find((t) => t.id.toLowerCase() === word.toLowerCase())?.id;
  for (const arg of args) {
    const rep = userIdOf(arg);
    if (PERIODS[arg.toLowerCase()]) request.periodLabel = arg.toLowerCase();
    else if (teamOf(arg)) request.scope = { kind: 'team', teamId: teamOf(arg)! };
    else if (rep) request.scope = { kind: 'rep', repId: rep };
    else {
      const teams = manifest.routing.teams.map((t) => `\`${t.id}\``).join(', ');
      throw new UserError(
        `\`${arg}\` is not an SLA filter. Usage: \`/pls sla [7d|30d|90d] [team|@rep]\`; teams: ${teams}.`,
      );
    }
  }
  return request;
}

/** Reads the alerts of the period and hands them to the pure report. */
export function createSlaReports(deps: { alerts: AlertsRepo; manifest: Manifest }) {
  const { alerts, manifest } = deps;
  const { routing } = manifest;
  const teamHours = (teamId: string) =>
    (routing.teams.find((t) => t.id === teamId) ?? routing.teams[0]!).hours;
  const repHours = (repId: string) => {
    const rep = routing.reps.find((r) => r.id === repId);
    if (rep?.hours) return rep.hours;
    return teamHours(routing.teams.find((t) => t.reps.includes(repId))?.id ?? routing.default_team);
  };

  return {
    report(request: SlaRequest, now: number): SlaReport {
      const periodMs = PERIODS[request.periodLabel]!;
      const rows: ReportAlert[] = alerts.raisedSince(now - periodMs).map(({ alert, escalations }) => ({
        id: alert.id,
        tier: alert.tier,
        teamId: alert.teamId,
        openedAt: alert.openedAt,
        clockStart: alert.tierSetAt,
        claimDueAt: alert.claimDueAt,
        firstTouchDueAt: alert.firstTouchDueAt,
        claimedBy: alert.claimedBy,
        claimedAt: alert.claimedAt,
        contactedAt: alert.contactedAt,
        closedAt: alert.closedAt,
        state: alert.state,
        outcome: alert.outcome,
        triggerSignal: (alert.trigger as AlertTrigger).signalId,
        escalations,
        firstTouchBreached: alert.firstTouchBreachedAt !== null,
      }));
      const businessHours =
        rows.length > 0
          ? ((alerts.find(rows[0]!.id)?.policy as PolicySnapshot | undefined)?.businessHours ??
            manifest.sla.business_hours)
          : manifest.sla.business_hours;
      return buildSlaReport(rows, {
        now,
        periodMs,
        periodLabel: request.periodLabel,
        businessHours,
        teamHours,
        repHours,
        scope: request.scope,
      });
    },
  };
}

export type SlaReports = ReturnType<typeof createSlaReports>;
