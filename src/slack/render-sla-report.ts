import { NEW_BUSINESS } from '../domain/play.js';
import { HEALTHY_FROM, HEALTHY_TO, MORE_NEEDED_CAP, type PqlVerdict } from '../domain/pql-verdict.js';
import type { Conversion, DurationStats, Ratio, ReportScope, SlaReport } from '../domain/sla-report.js';
import { escapeMrkdwn, formatMinutes, outside, truncate } from '../domain/slack-text.js';
import type { SlackMessage } from './render-alert.js';

/**
 * The `/pls sla` reply, an ephemeral message rendered whole from the report. Pure.
 * Limits (https://docs.slack.dev/reference/block-kit/blocks/section-block): ≤ 10 fields of
 * ≤ 2000 chars per section, ≤ 3000 chars per text, ≤ 50 blocks; long lists end in "…and N more".
 * The per-rep figures are the message's one table block
 * (https://docs.slack.dev/reference/block-kit/blocks/table-block: one table a message, ≤ 100
 * rows of ≤ 20 cells); the other lists stay lists.
 *
 * Every rate is shown with its counts and rounded by one rule (`formatPercent`).
 */

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON is validated by the emulator and Slack.
type Block = Record<string, any>;

/** Rows shown before "…and N more": a manager reads the top of a table, not 200 lines of it. */
export const MAX_REP_ROWS = 20;
export const MAX_SIGNAL_ROWS = 15;
const SECTION_TEXT_MAX = 3000;

interface SlaReportLabels {
  /** A trigger signal's label from the manifest (`signals[].label`); null for an unknown id. */
  signal(id: string): string | null;
  /** A play's label and what its `won` means (`retained` for a churn play); null for an unknown id. */
  play(id: string): { label: string; outcome: 'won' | 'retained' } | null;
}

const NO_LABELS: SlaReportLabels = { signal: () => null, play: () => null };

export function renderSlaReport(report: SlaReport, labels: SlaReportLabels = NO_LABELS): SlackMessage {
  const period = periodWords(report.periodLabel);
  const playName = (id: string) => labels.play(id)?.label ?? id;
  const title = `SLA · last ${period} · ${scopeWords(report.scope)}${report.play ? ` · ${playName(report.play)}` : ''}`;
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
    elements: [
      {
        type: 'mrkdwn',
        text: `${who}${measureWords(report.measure)} · rates: nearest whole percent (1–99 % unless all or none)`,
      },
    ],
  });
  blocks.push({ type: 'section', block_id: 'sla_headline', fields: headlineFields(report) });
  const f = report.funnel;
  blocks.push(
    section(
      'sla_funnel',
      `*Funnel* raised ${f.raised} → claimed ${f.claimed} → contacted ${f.contacted} → won ${f.won}`,
    ),
  );
  if (report.reps.length > 0) {
    blocks.push(section('sla_reps_title', '*By rep*'));
    blocks.push(repTable(report));
    blocks.push({
      type: 'context',
      block_id: 'sla_reps_note',
      elements: [{ type: 'mrkdwn', text: truncate(attributionNote(report), 3000) }],
    });
  }
  if (report.plays.length > 1) blocks.push(section('sla_plays', playsText(report, labels)));
  blocks.push(section('sla_conversion', conversionText(report, labels)));
  if (report.signals.length > 0) {
    const lines = report.signals.map((s) => {
      const name = s.signal === null ? 'the score crossed into hot' : signalName(s.signal, labels);
      const selfServed = s.selfServed > 0 ? ` · ${s.selfServed} self-served` : '';
      return `• ${name} · ${plural(s.alerts, 'alert')} · ${s.won} won of ${plural(s.outcomes, 'outcome')}${s.outcomes > 0 ? ` (${formatPercent(s.won / s.outcomes)})` : ''}${selfServed}`;
    });
    const title = report.plays.length > 1 ? '*By trigger signal* (new business)' : '*By trigger signal*';
    blocks.push(section('sla_signals', list(title, lines, MAX_SIGNAL_ROWS)));
  }

  return { text: truncate(fallbackText(report, period, labels), 3000), blocks };
}

function signalName(id: string, labels: SlaReportLabels): string {
  const label = labels.signal(id);
  return label === null ? `\`${outside(id, 100)}\`` : outside(label, 100);
}

function headlineFields(report: SlaReport): Block[] {
  const { alerts, claimSla, firstTouchSla, escalations } = report;
  const pending = claimSla.pending > 0 ? `\n${claimSla.pending} still inside their claim window` : '';
  const claimed =
    claimSla.rate === null
      ? `none decided yet${pending}`
      : `${ratioText({ met: claimSla.met, decided: claimSla.met + claimSla.breached })}${pending}`;
  const touched =
    firstTouchSla.rate === null
      ? 'none decided yet'
      : ratioText({ met: firstTouchSla.met, decided: firstTouchSla.met + firstTouchSla.breached });
  const escalated =
    escalations.alerts === 0
      ? 'none'
      : `${plural(escalations.alerts, 'alert')} (${plural(escalations.steps, 'ladder step')}, reminders included)`;
  return [
    field('Alerts', `${alerts.total} · ${alerts.hot} hot · ${alerts.warm} warm`),
    field('Claimed within SLA', claimed),
    field('Time to claim', durationText(report.timeToClaim, 'no claims yet')),
    field('First touch within SLA', touched),
    field('Time to first touch', durationText(report.timeToFirstTouch, 'no first touches yet')),
    field('Escalated', escalated),
  ];
}

/** The per-rep figures as Slack's table block: a header row, then one row per rep. */
function repTable(report: SlaReport): Block {
  const header = [
    'Rep',
    'Held',
    'Claimed in SLA',
    'Median to claim',
    'First touch in SLA',
    'Won',
    'Missed',
  ].map(raw);
  const rows = report.reps
    .slice(0, MAX_REP_ROWS)
    .map((r) => [
      userCell(r.repId),
      raw(r.assigned > 0 ? `${r.held} (${r.assigned} assigned)` : String(r.held)),
      raw(r.claimSla.decided === 0 ? '—' : ratioText(r.claimSla)),
      raw(formatDuration(r.timeToClaim.medianMs)),
      raw(r.firstTouchSla.decided === 0 ? '—' : ratioText(r.firstTouchSla)),
      raw(String(r.won)),
      raw(missedText(r.lapsed)),
    ]);
  const more = report.reps.length - rows.length;
  if (more > 0) rows.push([raw(`…and ${more} more`), ...Array.from({ length: 6 }, () => raw(''))]);
  return {
    type: 'table',
    block_id: 'sla_reps',
    column_settings: [{ is_wrapped: true }, ...Array.from({ length: 6 }, () => ({ align: 'right' }))],
    rows: [header, ...rows],
  };
}

function missedText(lapsed: { claim: number; firstTouch: number }): string {
  const parts = [];
  if (lapsed.claim > 0) parts.push(`${lapsed.claim} claim`);
  if (lapsed.firstTouch > 0) parts.push(`${lapsed.firstTouch} first touch`);
  return parts.length === 0 ? '—' : parts.join(', ');
}

/** Why the team's figures differ from the reps', in the report's own numbers. */
function attributionNote(report: SlaReport): string {
  const lines = [
    'A rep’s claim SLA counts the alerts routed to them that they claimed themselves (not one a manager assigned, not a teammate’s picked up late); first touch runs from when their own clock started. A missed clock counts for the team and for the rep it was with, whoever has the alert now.',
  ];
  const { teamOnly, claim } = report.breaches;
  if (teamOnly > 0)
    lines.push(
      `${teamOnly} of the team’s ${plural(claim, 'claim breach', 'claim breaches')} belong to no rep: unclaimed alerts nobody was answering for. They count for the team alone, which is why the team’s rate can be below every rep’s.`,
    );
  return lines.join('\n');
}

/** Each play's alerts, claim SLA and outcomes: a report over several plays says which did what. */
function playsText(report: SlaReport, labels: SlaReportLabels): string {
  const lines = report.plays.map((row) => {
    const play = labels.play(row.play);
    const outcome = play?.outcome ?? 'won';
    const c = row.conversion;
    const rate = c.outcomes > 0 ? ` (${formatPercent(c.won / c.outcomes)})` : '';
    const claimed = row.claimSla.decided > 0 ? ratioText(row.claimSla) : 'none decided yet';
    return `• ${outside(play?.label ?? row.play, 100)} · ${plural(row.alerts, 'alert')} · claimed within SLA ${claimed} · ${c.won} ${outcome} of ${plural(c.outcomes, 'outcome')}${rate}`;
  });
  return list('*By play*', lines, MAX_SIGNAL_ROWS);
}

function conversionText(report: SlaReport, labels: SlaReportLabels): string {
  if (report.conversionPlay !== NEW_BUSINESS) return playOutcomeText(report, labels);
  const { hot, warm, all } = report.conversion;
  const lines = [
    `*PQL→won*${report.plays.length > 1 ? ' of new business' : ''} (won ÷ alerts with a rep outcome; healthy is ${formatPercent(HEALTHY_FROM)}–${formatPercent(HEALTHY_TO)}, judged only when the 95 % interval settles it)`,
    `• Hot: ${conversionWords(hot)}`,
    `• Warm: ${conversionWords(warm)}`,
  ];
  if (all.selfServed > 0) {
    lines.push(`Self-served: ${all.selfServed} bought on their own (not a rep outcome, not in the rate)`);
  }
  return lines.join('\n');
}

/**
 * Another play's outcomes per tier, without the PQL→won band: the band judges a new-business
 * definition; an expansion or churn-risk play has no such yardstick (SPEC §5).
 */
function playOutcomeText(report: SlaReport, labels: SlaReportLabels): string {
  const play = labels.play(report.conversionPlay);
  const word = play?.outcome ?? 'won';
  const rate = (c: Conversion) =>
    c.outcomes === 0
      ? 'no outcomes yet'
      : `${c.won} ${word} of ${plural(c.outcomes, 'outcome')} (${formatPercent(c.won / c.outcomes)})`;
  const meaning =
    word === 'retained' ? 'a won outcome here is a customer kept' : 'won ÷ alerts with a rep outcome';
  return [
    `*${outside(play?.label ?? report.conversionPlay, 100)}: ${word}* (${meaning}; the ${formatPercent(HEALTHY_FROM)}–${formatPercent(HEALTHY_TO)} PQL band is for new business only)`,
    `• Hot: ${rate(report.conversion.hot)}`,
    `• Warm: ${rate(report.conversion.warm)}`,
  ].join('\n');
}

const VERDICT_WORDS: Record<Exclude<PqlVerdict, 'undecided'>, string> = {
  'too-loose': 'the PQL threshold is likely too loose',
  healthy: 'healthy',
  'too-tight': 'the PQL threshold is likely too tight: ready accounts may never be alerted',
};

/**
 * "3 won of 7 outcomes (43 %; 95 % interval 16 %–75 %): too few to judge yet — about 1,123 more
 * outcomes at this rate would settle it".
 */
export function conversionWords(c: Conversion): string {
  if (c.outcomes === 0) return 'no outcomes yet';
  const { verdict, interval, moreNeeded } = c.verdict;
  const [low, high] = interval!;
  const figures = `${c.won} won of ${plural(c.outcomes, 'outcome')} (${formatPercent(c.won / c.outcomes)}; 95 % interval ${formatPercent(low)}–${formatPercent(high)})`;
  if (verdict !== 'undecided') return `${figures}: ${VERDICT_WORDS[verdict]}`;
  const more =
    moreNeeded === null
      ? `the rate sits on the edge of the healthy band: more than ${MORE_NEEDED_CAP.toLocaleString('en-US')} more outcomes would be needed to say`
      : `about ${moreNeeded.toLocaleString('en-US')} more ${moreNeeded === 1 ? 'outcome' : 'outcomes'} at this rate would settle it`;
  return `${figures}: too few to judge yet — ${more}`;
}

function fallbackText(report: SlaReport, period: string, labels: SlaReportLabels): string {
  const parts = [plural(report.alerts.total, 'alert')];
  const { claimSla } = report;
  if (claimSla.rate !== null)
    parts.push(
      `${ratioText({ met: claimSla.met, decided: claimSla.met + claimSla.breached })} claimed within SLA`,
    );
  if (report.timeToClaim.medianMs !== null) {
    const unit = report.measure === 'business' ? 'business time' : 'wall-clock';
    parts.push(`median time to claim ${formatMinutes(report.timeToClaim.medianMs)} (${unit})`);
  }
  const tier = (name: string, c: Conversion) => {
    if (c.outcomes === 0) return `${name} no outcomes yet`;
    const said = c.verdict.verdict === 'undecided' ? 'too few to judge' : c.verdict.verdict.replace('-', ' ');
    return `${name} ${c.won} of ${c.outcomes} (${formatPercent(c.won / c.outcomes)}, ${said})`;
  };
  const rates =
    report.conversionPlay === NEW_BUSINESS
      ? `PQL→won ${tier('hot', report.conversion.hot)}, ${tier('warm', report.conversion.warm)}`
      : `${escapeMrkdwn(labels.play(report.conversionPlay)?.label ?? report.conversionPlay)} outcomes: hot ${report.conversion.hot.won} of ${report.conversion.hot.outcomes}, warm ${report.conversion.warm.won} of ${report.conversion.warm.outcomes}`;
  return `${fallbackTitle(report, period)}: ${parts.join(', ')}. ${rates}.`;
}

function fallbackTitle(report: SlaReport, period: string): string {
  const scope = report.scope.kind === 'rep' ? `<@${report.scope.repId}>` : scopeWords(report.scope);
  return `SLA, last ${period}, ${scope}`;
}

/** A title and as many lines as fit in one section text, then "…and N more". */
function list(title: string, lines: readonly string[], maxRows: number): string {
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

/** "5 of 6 (83 %)": a rate always with its counts. */
function ratioText({ met, decided }: Ratio): string {
  return `${met} of ${decided} (${formatPercent(met / decided)})`;
}

/**
 * The report's one rounding rule: the nearest whole percent (halves up), except that only all
 * reads "100 %" and only none reads "0 %" — 199 of 200 is "99 %", 1 of 300 is "1 %". Counts
 * stand next to every rate, so nothing is lost in the rounding.
 */
export function formatPercent(rate: number): string {
  // The nudge absorbs binary noise (0.285 × 100 = 28.499…).
  const nearest = Math.floor(rate * 100 + 0.5 + 1e-9);
  const bounded = rate > 0 && rate < 1 ? Math.min(99, Math.max(1, nearest)) : nearest;
  return `${bounded} %`;
}

function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

function raw(text: string): Block {
  return { type: 'raw_text', text };
}

/** A rep's name as Slack shows a mention, in a table cell (raw text would show the id). */
function userCell(userId: string): Block {
  return {
    type: 'rich_text',
    elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: userId }] }],
  };
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
