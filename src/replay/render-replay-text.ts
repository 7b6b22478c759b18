import { count, day, plural, table } from '../report/format.js';
import type { AlertBrief, AlertEnding, ReplayReport } from './replay-report.js';

/** The terminal report of `npm run replay`. Pure. Long lists show their first rows; `--json` has all. */
const SHOWN = 10;

const ENDING_WORDS: Record<AlertEnding, string> = {
  won: 'won',
  lost: 'lost',
  no_response: 'no response',
  not_a_fit: 'not a fit',
  self_served: 'self-served',
  bought_later: 'bought later',
  open: 'still open',
  unknown: 'unknown',
};

export function renderReplayText(report: ReplayReport, zone = 'UTC'): string {
  const { history, window, alerts } = report;
  const took =
    history.durationMs === null ? '' : ` · replayed in ${(history.durationMs / 1000).toFixed(1)} s`;
  const span =
    history.firstEventAt === null
      ? 'no events'
      : `${day(history.firstEventAt, zone)} → ${day(history.lastEventAt!, zone)}`;
  const out = [
    `Replay of ${report.manifest}`,
    `  history  ${count(history.events)} events (${count(history.scored)} scored) · ${plural(history.accounts, 'account')} · ${span}${took}`,
    `  window   last ${plural(window.days, 'day')} (${day(window.from, zone)} → ${day(window.to, zone)})`,
    '',
    `Alerts: ${count(alerts.total)} (hot ${count(alerts.hot)} · warm ${count(alerts.warm)}) on ${plural(alerts.accounts, 'account')} · ${count(alerts.upgraded)} upgraded to hot`,
  ];
  const teams = Object.entries(alerts.byTeam).sort((a, b) => b[1].total - a[1].total);
  if (teams.length > 0) {
    out.push(
      `  by team: ${teams.map(([team, t]) => `${team} ${count(t.total)} (hot ${count(t.hot)}, warm ${count(t.warm)})`).join(' · ')}`,
    );
  }
  const plays = Object.entries(alerts.byPlay);
  if (plays.length > 1 || (plays.length === 1 && plays[0]![0] !== 'new_business')) {
    out.push(
      `  by play: ${plays.map(([play, p]) => `${play} ${count(p.total)} (hot ${count(p.hot)}, warm ${count(p.warm)})`).join(' · ')}`,
    );
  }
  if (report.weeks.length > 0) {
    out.push('');
    const rows = table(
      ['week of', 'total', 'hot', 'warm'],
      report.weeks.map((w) => [w.week, count(w.total), count(w.hot), count(w.warm)]),
    );
    const teamsOf = (i: number) =>
      Object.entries(report.weeks[i]!.byTeam)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([team, n]) => `${team} ${count(n)}`)
        .join(' · ');
    out.push(`  ${rows[0]}  by team`);
    rows.slice(1).forEach((row, i) => {
      out.push(`  ${row}  ${teamsOf(i)}`);
    });
  }
  out.push('');
  out.push(
    `How the alerts ended: ${(Object.keys(ENDING_WORDS) as AlertEnding[])
      .map((e) => `${ENDING_WORDS[e]} ${count(report.endings[e])}`)
      .join(' · ')}`,
  );
  out.push(
    '  (rep outcomes are those of the live alert each replayed alert matched; "unknown": no live alert to borrow from and no purchase after it)',
  );

  const { conversions } = report;
  out.push('');
  out.push(
    `Accounts that bought: ${count(conversions.total)} · alerted before buying: ${count(conversions.alerted)} · missed PQLs: ${count(conversions.missed.length)}`,
  );
  for (const m of conversions.missed.slice(0, SHOWN)) {
    const how = m.kind === 'won' ? 'won by a rep' : `bought ${m.plan}`;
    const peak = m.peakScore === null ? '' : ` · peak score ${Math.round(m.peakScore)}`;
    const present = m.present.length > 0 ? ` · had ${m.present.join(', ')}` : '';
    out.push(`  ${m.accountId}  ${day(m.at, zone)}  ${how}${peak}${present}`);
  }
  more(out, conversions.missed.length);

  if (report.diff) {
    const d = report.diff;
    out.push('');
    out.push(
      `Against ${d.against}: same ${count(d.same)} · only this manifest ${count(d.onlyCandidate.length)} · only ${d.against} ${count(d.onlyBaseline.length)} · tier changes ${count(d.tierChanges.length)}`,
    );
    list(out, 'only this manifest', d.onlyCandidate, zone);
    list(out, `only ${d.against}`, d.onlyBaseline, zone);
    if (d.tierChanges.length > 0) {
      out.push('  tier changes:');
      for (const t of d.tierChanges.slice(0, SHOWN)) {
        out.push(`    ${t.accountId}  ${day(t.openedAt, zone)}  ${t.baseline} → ${t.candidate}`);
      }
      more(out, d.tierChanges.length, '    ');
    }
  }
  if (report.fidelity) {
    const f = report.fidelity;
    out.push('');
    out.push(
      `Live manifest's replay vs the alerts table: ${count(f.reproduced)} of ${count(f.live)} live alerts reproduced · ${count(f.differ)} differ · ${count(f.onlyLive)} only live · ${count(f.onlyReplay)} only in the replay`,
    );
  }
  if (report.warnings.length > 0) {
    out.push('');
    for (const w of report.warnings) out.push(`warning: ${w}`);
  }
  return `${out.join('\n')}\n`;
}

function list(out: string[], title: string, alerts: readonly AlertBrief[], zone: string): void {
  if (alerts.length === 0) return;
  out.push(`  ${title}:`);
  for (const a of alerts.slice(0, SHOWN)) {
    out.push(
      `    ${a.accountId}  ${day(a.openedAt, zone)}  ${a.tier} · ${a.teamId} · ${a.why} · ${ENDING_WORDS[a.outcome]}`,
    );
  }
  more(out, alerts.length, '    ');
}

function more(out: string[], total: number, indent = '  '): void {
  if (total > SHOWN) out.push(`${indent}…and ${count(total - SHOWN)} more (--json lists all)`);
}
