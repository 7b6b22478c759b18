import type { SlaReportQuery } from '../db/sla-report-query.js';
import type { Store } from '../db/store.js';
import type { Hours, Manifest } from '../domain/definition.js';
import { ErrorCode } from '../domain/errors.js';
import { playNamed } from '../domain/play.js';
import { createSlaReportBuilder, type ReportScope, type SlaReport } from '../domain/sla-report.js';
import { DAY } from '../domain/windows.js';
import { userError } from './user-error.js';

const PERIODS: Record<string, number> = {
  '7d': 7 * DAY,
  '30d': 30 * DAY,
  '90d': 90 * DAY,
};

export interface SlaRequest {
  periodLabel: string;
  scope: ReportScope;
  /** Only this play's alerts; null = every play's. */
  play: string | null;
}

/** `/pls sla [7d|30d|90d] [team|@rep] [play]`, in any order; default 30 days, every team, every play. */
export function parseSlaArgs(
  args: readonly string[],
  manifest: Manifest,
  userIdOf: (token: string) => string | null,
): SlaRequest {
  const request: SlaRequest = { periodLabel: '30d', scope: { kind: 'all' }, play: null };
  const teamOf = (word: string) => manifest.teams.find((t) => t.id.toLowerCase() === word.toLowerCase())?.id;
  for (const arg of args) {
    const rep = userIdOf(arg);
    if (PERIODS[arg.toLowerCase()]) request.periodLabel = arg.toLowerCase();
    else if (teamOf(arg)) request.scope = { kind: 'team', teamId: teamOf(arg)! };
    else if (playNamed(manifest.plays, arg)) request.play = playNamed(manifest.plays, arg)!.id;
    else if (rep) request.scope = { kind: 'rep', repId: rep };
    else {
      const list = (ids: string[]) => ids.map((id) => `\`${id}\``).join(', ');
      throw userError(
        ErrorCode.CommandUsage,
      )`\`${arg}\` is not an SLA filter. Usage: \`/pls sla [7d|30d|90d] [team|@rep] [play]\`; teams: ${list(manifest.teams.map((t) => t.id))}; plays: ${list(manifest.plays.map((p) => p.id))}.`;
    }
  }
  return request;
}

/** Streams the alerts of the period and scope into the pure report. */
export function createSlaReports(deps: { query: SlaReportQuery; manifest: Manifest; store: Store }) {
  const { query, manifest, store } = deps;
  const { routing } = manifest;
  // Looked up once per alert in a report, so by map rather than by searching the routing.
  const hoursOfTeam = new Map(manifest.teams.map((t) => [t.id, t.hours]));
  const teamHours = (teamId: string) => hoursOfTeam.get(teamId) ?? routing.teams[0]!.hours;
  // A rep's own hours, else those of the first team that lists them, else the default team's.
  const hoursOfRep = new Map<string, Hours>();
  for (const team of manifest.teams.toReversed())
    for (const repId of team.reps) hoursOfRep.set(repId, team.hours);
  for (const rep of routing.reps) if (rep.hours) hoursOfRep.set(rep.id, rep.hours);
  const repHours = (repId: string) => hoursOfRep.get(repId) ?? teamHours(routing.default_team);

  return {
    /** One read of committed state. */
    report(request: SlaRequest, now: number): Promise<SlaReport> {
      return store.read(() => reportNow(request, now));
    },
  };

  async function reportNow(request: SlaRequest, now: number): Promise<SlaReport> {
    const periodMs = PERIODS[request.periodLabel]!;
    const since = now - periodMs;
    // The first alert's frozen policy says how the period was measured; the manifest when none.
    const businessHours = (await query.businessHoursSince(since)) ?? manifest.sla.business_hours;
    const builder = createSlaReportBuilder({
      now,
      periodMs,
      periodLabel: request.periodLabel,
      businessHours,
      teamHours,
      repHours,
      scope: request.scope,
      play: request.play,
    });
    await query.forEachAlertRaised(since, now, request.scope, request.play, builder.add);
    return builder.build();
  }
}

export type SlaReports = ReturnType<typeof createSlaReports>;
