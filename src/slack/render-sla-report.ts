import type { Band, Conversion, DurationStats, ReportScope, SlaReport } from '../domain/sla-report.js';
import type { SlackMessage } from './render-alert.js';
import { escapeMrkdwn, formatMinutes, truncate } from './text.js';

/**
 * The `/pls sla` reply, an ephemeral message rendered whole from the report. Pure.
 * Limits (https://docs.slack.dev/reference/block-kit/blocks/section-block): ≤ 10 fields of
 * ≤ 2000 chars per section, ≤ 3000 chars per text, ≤ 50 blocks; long tables end in "…and N more".
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON is validated by the emulator and Slack.
type Block = Record<string, any>;

/** Rows shown before "…and N more": a manager reads the top of a table, not 200 lines of it. */
export const MAX_REP_ROWS = 20;
export const MAX_SIGNAL_ROWS = 15;
const SECTION_TEXT_MAX = 3000;

export function renderSlaReport(report: SlaReport): SlackMessage {
  const period = periodWords(report.periodLabel);
  const title = `SLA · last ${period} · ${scopeWords(report.scope)}`;
  const blocks: Block[] = [
    { type: 'header', block_id: 'sla_header', text: { type: 'plain_text', text: truncate(title, 150) } },
  ];
  const who = report.scope.kind === 'rep' ? `Alerts claimed by <@${report.scope.repId}> · ` : '';

  if (report.empty) {
    const none = `No alerts raised in the last ${period}.`;
    blocks.push(section('sla_empty', report.scope.kind === 'rep' ? `${who}${none}` : none));
    return { text: truncate(`${fallbackTitle(report, period)}: ${none}`, 3000), blocks };
  }

  blocks.push({
    type: 'context',
    block_id: 'sla_measure',
    elements: [{ type: 'mrkdwn', text: `${who}${measureWords(report.measure)}` }],
  });
  blocks.push({ type: 'section', block_id: 'sla_headline', fields: headlineFields(report) });
  const f = report.funnel;
  blocks.push(
    section(
      'sla_funnel',
      `*Funnel* raised ${f.raised} → claimed ${f.claimed} → contacted ${f.contacted} → won ${f.won}`,
    ),
  );
  blocks.push(section('sla_conversion', conversionText(report, period)));
  if (report.reps.length > 0) {
    const lines = report.reps.map(
      (r) =>
        `<@${r.repId}> · ${r.claimed} claimed · ${formatPercent(r.withinSlaRate)} in SLA · ` +
        `median ${formatDuration(r.timeToClaim.medianMs)} to claim · ${r.contacted} contacted · ${r.won} won`,
    );
    blocks.push(section('sla_reps', table('*By rep*', lines, MAX_REP_ROWS)));
  }
  if (report.signals.length > 0) {
    const lines = report.signals.map((s) => {
      const name = s.signal === null ? 'score crossed into hot' : `\`${escapeMrkdwn(s.signal)}\``;
      const rate = s.rate === null ? '' : ` (${formatPercent(s.rate)})`;
      const selfServed = s.selfServed > 0 ? ` · ${s.selfServed} self-served` : '';
      return `• ${name} · ${plural(s.alerts, 'alert')} · ${plural(s.outcomes, 'outcome')} · ${s.won} won${rate}${selfServed}`;
    });
    blocks.push(section('sla_signals', table('*By trigger signal*', lines, MAX_SIGNAL_ROWS)));
  }

  return { text: truncate(fallbackText(report, period), 3000), blocks };
}

function headlineFields(report: SlaReport): Block[] {
  const { alerts, claimSla, breaches } = report;
  const decided = claimSla.met + claimSla.breached;
  const pending = claimSla.pending > 0 ? `\n${claimSla.pending} still inside their claim window` : '';
  const claimed =
    claimSla.rate === null
      ? `none decided yet${pending}`
      : `${claimSla.met} of ${decided} (${formatPercent(claimSla.rate)})${pending}`;
  return [
    field('Alerts', `${alerts.total} · ${alerts.hot} hot · ${alerts.warm} warm`),
    field('Claimed within SLA', claimed),
    field('Time to claim', durationText(report.timeToClaim, 'no claims yet')),
    field('Time to first touch', durationText(report.timeToFirstTouch, 'no first touches yet')),
    field('Breaches', `claim ${breaches.claim} · first touch ${breaches.firstTouch}`),
    field('Escalations', String(report.escalations)),
  ];
}

function conversionText(report: SlaReport, period: string): string {
  const { hot, warm, all } = report.conversion;
  const lines = [
    '*PQL→won* (won ÷ alerts with a rep outcome)',
    `• Hot: ${conversionWords(hot, period)}`,
    `• Warm: ${conversionWords(warm, period)}`,
  ];
  if (all.selfServed > 0) {
    lines.push(`Self-served: ${all.selfServed} bought on their own (not a rep outcome, not in the rate)`);
  }
  return lines.join('\n');
}

const BAND_WORDS: Record<Exclude<Band, 'not-enough-outcomes'>, string> = {
  'too-loose': 'the PQL threshold is likely too loose',
  healthy: 'healthy (10–40 %)',
  'too-tight': 'the PQL threshold is likely too tight: ready accounts may never be alerted',
};

/** "8 % over 30 days: the PQL threshold is likely too loose (2 won of 25 outcomes)". */
export function conversionWords(c: Conversion, period: string): string {
  const counts = `${c.won} won of ${plural(c.outcomes, 'outcome')}`;
  if (c.rate === null || c.band === 'not-enough-outcomes') return `not enough outcomes yet (${counts})`;
  // Round towards the band's side, so 9.96 % never reads "10 %" next to "too loose".
  const pct = formatPercent(c.rate, c.band === 'too-tight' ? Math.ceil : Math.floor);
  return `${pct} over ${period}: ${BAND_WORDS[c.band]} (${counts})`;
}

function fallbackText(report: SlaReport, period: string): string {
  const parts = [plural(report.alerts.total, 'alert')];
  if (report.claimSla.rate !== null) parts.push(`${formatPercent(report.claimSla.rate)} claimed within SLA`);
  if (report.timeToClaim.medianMs !== null) {
    const unit = report.measure === 'business' ? 'business time' : 'wall-clock';
    parts.push(`median time to claim ${formatMinutes(report.timeToClaim.medianMs)} (${unit})`);
  }
  const tier = (name: string, c: Conversion) =>
    c.rate === null
      ? `${name} not enough outcomes`
      : `${name} ${formatPercent(c.rate, c.band === 'too-tight' ? Math.ceil : Math.floor)}${c.band === 'healthy' ? '' : ` (${c.band.replace('-', ' ')})`}`;
  const rates = `PQL→won ${tier('hot', report.conversion.hot)}, ${tier('warm', report.conversion.warm)}`;
  return `${fallbackTitle(report, period)}: ${parts.join(', ')}. ${rates}.`;
}

function fallbackTitle(report: SlaReport, period: string): string {
  const scope = report.scope.kind === 'rep' ? `<@${report.scope.repId}>` : scopeWords(report.scope);
  return `SLA, last ${period}, ${scope}`;
}

/** Header + as many rows as fit in one section text, then "…and N more". */
function table(title: string, lines: readonly string[], maxRows: number): string {
  const reserve = 40; // room for the "…and N more" line
  let text = title;
  let shown = 0;
  for (const line of lines.slice(0, maxRows)) {
    if (text.length + 1 + line.length > SECTION_TEXT_MAX - reserve) break;
    text += `\n${line}`;
    shown++;
  }
  const rest = lines.length - shown;
  return rest > 0 ? `${text}\n…and ${rest} more` : text;
}

function measureWords(measure: SlaReport['measure']): string {
  return measure === 'business'
    ? 'Times in business minutes (team hours; first touch in the claimer’s hours)'
    : 'Times are wall-clock';
}

function scopeWords(scope: ReportScope): string {
  switch (scope.kind) {
    case 'all':
      return 'all teams';
    case 'team':
      return `team ${scope.teamId}`;
    case 'rep':
      return 'one rep';
  }
}

/** '30d' → '30 days', '1d' → '1 day'; anything else as typed. */
export function periodWords(label: string): string {
  const days = /^(\d+)d$/.exec(label);
  return days ? plural(Number(days[1]), 'day') : label;
}

function durationText(stats: DurationStats, none: string): string {
  if (stats.medianMs === null || stats.p90Ms === null) return none;
  return `median ${formatMinutes(stats.medianMs)} · p90 ${formatMinutes(stats.p90Ms)}`;
}

function formatDuration(ms: number | null): string {
  return ms === null ? '—' : formatMinutes(ms);
}

/**
 * "87.5 %", "8 %": tenths of a percent, rounded down by default so that 99.96 % never reads
 * "100 %". The nudge absorbs binary noise (0.29 × 1000 = 289.99…).
 */
export function formatPercent(rate: number, round: (x: number) => number = Math.floor): string {
  const tenths = rate * 1000;
  const nearest = Math.round(tenths);
  const value = Math.abs(tenths - nearest) < 1e-6 ? nearest : round(tenths);
  return `${value / 10} %`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function field(label: string, value: string): Block {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${value}`, 2000) };
}

function section(blockId: string, text: string): Block {
  return {
    type: 'section',
    block_id: blockId,
    text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) },
  };
}
