import { NOT_A_FIT_REASONS } from '../domain/alert-lifecycle.js';
import type { Band } from '../domain/sla-report.js';
import { escapeMrkdwn, truncate } from '../slack/text.js';
import { type CalibrationReport, HEALTHY_TARGET, type TierConversion } from './calibration.js';
import { count, day, fixed, percent, plural, table, words } from './format.js';

/**
 * How a calibration reads: the one-line headline (`/pls sla` for managers, the top of every
 * report), the terminal report of `npm run calibrate`, and the Slack message `/pls calibrate`
 * posts. Pure.
 */

const BAND_WORDS: Record<Exclude<Band, 'not-enough-outcomes'>, string> = {
  'too-loose': 'too loose',
  healthy: 'healthy (10–40 %)',
  'too-tight': 'too tight',
};

/** Rounds towards the band's side, so 9.96 % never reads "10 %" next to "too loose". */
function rate(c: TierConversion): string {
  return percent(c.rate!, c.band === 'too-tight' ? Math.ceil : Math.floor);
}

/**
 * "PQL→won 8 % over 180 days: too loose; a warm threshold of 78 would have raised 40 of 120
 * alerts and kept 9 of 10 wins (22 %)." One sentence, no markup a terminal would show raw.
 */
export function calibrationHeadline(report: CalibrationReport): string {
  const all = report.tiers.all;
  const period = periodWords(report.period.label);
  if (all.rate === null || all.band === 'not-enough-outcomes') {
    return `PQL→won: not enough outcomes over ${period} yet (${all.won} won of ${plural(all.outcomes, 'outcome')}; calibration needs reps to log outcomes).`;
  }
  const head = `PQL→won ${rate(all)} over ${period}: ${BAND_WORDS[all.band]}`;
  const advice = report.threshold;
  const hint = report.trusted ? '' : ` (a hint: ${plural(report.outcomes.labelled, 'outcome')} so far)`;
  if (all.band === 'too-loose') {
    if (advice?.direction === 'raise') {
      return `${head}; a warm threshold of ${advice.threshold} would have raised ${count(advice.alertsKept)} of ${count(advice.alertsTotal)} alerts and kept ${advice.winsKept} of ${plural(advice.winsTotal, 'win')} (${percent(advice.rate)})${hint}.`;
    }
    return `${head}; no threshold alone reaches ${percent(HEALTHY_TARGET)}: the weights need work (see /pls calibrate)${hint}.`;
  }
  if (all.band === 'too-tight') {
    const missed = report.missed.missed;
    if (advice?.direction === 'lower') {
      return `${head}; ${plural(missed, 'account')} bought without an alert: a warm threshold of ${advice.threshold} would have alerted ${advice.missedCaught} of ${advice.missedTotal}${hint}.`;
    }
    return `${head}; ${plural(missed, 'account')} bought without an alert${hint}.`;
  }
  const model = report.model?.auc.test;
  return model == null
    ? `${head}.`
    : `${head}; the model separates won from lost with AUC ${fixed(model)}${hint}.`;
}

// ─── Terminal ────────────────────────────────────────────────────────────────────────────

export function renderCalibrationText(report: CalibrationReport, label: string, zone = 'UTC'): string {
  const { outcomes, period } = report;
  const out = [
    `PQL calibration of ${label} · last ${periodWords(period.label)} (${day(period.from, zone)} → ${day(period.to, zone)})`,
    '',
    calibrationHeadline(report),
    '',
    `Outcomes: ${plural(outcomes.alerts, 'alert')} · ${count(outcomes.labelled)} labelled (${count(outcomes.converted)} converted, ${count(outcomes.notConverted)} not) · ${count(outcomes.pending)} pending · ${count(outcomes.withoutFeatures)} without features`,
    `  ${outcomeWords(report)}`,
  ];
  if (outcomes.boughtLater > 0) {
    out.push(
      `  ${plural(outcomes.boughtLater, 'alert')} whose rep outcome was not won bought on their own within ${report.windowDays} days (counted as converted)`,
    );
  }
  out.push('');
  out.push(`PQL→won by tier (won ÷ alerts with a rep outcome; healthy 10–40 %):`);
  for (const tier of ['hot', 'warm', 'all'] as const) {
    out.push(`  ${tier.padEnd(5)}${tierWords(report.tiers[tier])}`);
  }

  out.push('');
  out.push(
    `Signals and metrics at alert time (converted = won, or bought within ${report.windowDays} days), by lift:`,
  );
  out.push(
    ...table(
      [
        'id',
        'kind',
        'layer',
        'points',
        'present',
        'conv with',
        'conv without',
        'lift',
        'weight',
        'suggested',
      ],
      report.features.map((f) => [
        f.id,
        f.kind,
        f.layer,
        String(f.points),
        percent(f.presentShare),
        f.rateWith === null ? '—' : percent(f.rateWith),
        f.rateWithout === null ? '—' : percent(f.rateWithout),
        fixed(f.lift),
        f.coefficient === null ? '—' : signed(f.coefficient),
        f.suggestedPoints === null ? '—' : String(f.suggestedPoints),
      ]),
      3,
    ).map((line) => `  ${line}`),
  );
  out.push('  (lift: conversion with ÷ without; weight: the model coefficient on the standardized feature)');

  out.push('');
  const m = report.model;
  if (m) {
    out.push(
      `Model: L2 logistic regression (λ ${m.lambda}, by ${5}-fold cross-validation) on ${plural(m.train.examples, 'training alert')} (${m.train.converted} converted); held out ${count(m.test.examples)} (${m.test.converted} converted)`,
    );
    out.push(
      `  AUC held out ${fixed(m.auc.test)} (today's score ${fixed(m.auc.currentTest)}) · train ${fixed(m.auc.train)}`,
    );
    out.push(
      `  threshold ${m.threshold}: precision ${m.precision === null ? '—' : percent(m.precision)} · recall ${m.recall === null ? '—' : percent(m.recall)} on the held-out alerts`,
    );
  } else out.push('Model: not fitted (see the warnings).');

  const v = report.validation;
  out.push('');
  out.push(
    `Replay over the period: today's manifest raises ${plural(v.current.alerts, 'alert')} and alerted ${v.current.alertedBeforeConversion} of ${plural(v.current.conversions, 'conversion')} beforehand` +
      (v.suggested
        ? `; the suggested one ${plural(v.suggested.alerts, 'alert')}, ${v.suggested.alertedBeforeConversion} of ${v.suggested.conversions}.`
        : '.'),
  );
  out.push(missedWords(report));

  if (report.suggestion) {
    out.push('');
    out.push('Suggested manifest change:');
    out.push(
      ...report.suggestion.yaml
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  if (report.warnings.length > 0) {
    out.push('');
    for (const w of report.warnings) out.push(`warning: ${w}`);
  }
  return `${out.join('\n')}\n`;
}

// ─── Slack ───────────────────────────────────────────────────────────────────────────────

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON, checked against Slack's limits in tests.
type Block = Record<string, any>;

const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FEATURE_ROWS = 12;

/**
 * The summary `/pls calibrate` posts to the manager who asked: headline, outcome counts, per-tier
 * PQL→won, the signals by lift, the model's held-out check and the suggested manifest change.
 * Within Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks/section-block):
 * ≤ 50 blocks, section text ≤ 3000, ≤ 10 fields of ≤ 2000.
 */
export function renderCalibration(report: CalibrationReport): { text: string; blocks: Block[] } {
  const period = periodWords(report.period.label);
  const headline = calibrationHeadline(report);
  const blocks: Block[] = [
    {
      type: 'header',
      block_id: 'cal_header',
      text: { type: 'plain_text', text: `PQL calibration · last ${period}` },
    },
    section('cal_headline', escapeMrkdwn(headline)),
  ];
  const o = report.outcomes;
  const m = report.model;
  const fields = [
    field(
      'Alerts',
      `${count(o.alerts)} · ${count(o.labelled)} with an outcome · ${count(o.pending)} pending`,
    ),
    field(
      'Converted',
      `${count(o.converted)} of ${count(o.labelled)} (won, or bought within ${report.windowDays} days)`,
    ),
    field('PQL→won hot', tierWords(report.tiers.hot)),
    field('PQL→won warm', tierWords(report.tiers.warm)),
    field(
      'Model (held out)',
      m
        ? `AUC ${fixed(m.auc.test)} (today's score ${fixed(m.auc.currentTest)}) · threshold ${m.threshold}: precision ${m.precision === null ? '—' : percent(m.precision)}, recall ${m.recall === null ? '—' : percent(m.recall)}`
        : 'not fitted: too few outcomes',
    ),
    field(
      'Missed PQLs',
      `${count(report.missed.missed)} of ${plural(report.missed.conversions, 'conversion')} had no alert before`,
    ),
  ];
  blocks.push({ type: 'section', block_id: 'cal_counts', fields });

  if (report.features.length > 0) {
    const lines = report.features.slice(0, FEATURE_ROWS).map((f) => {
      const conv =
        f.rateWith === null || f.rateWithout === null
          ? `present in ${percent(f.presentShare)}`
          : `${percent(f.rateWith)} with vs ${percent(f.rateWithout)} without`;
      const suggested =
        f.suggestedPoints === null || f.suggestedPoints === f.points
          ? ''
          : ` · suggest ${f.suggestedPoints} pts (now ${f.points})`;
      return `• \`${escapeMrkdwn(f.id)}\` · lift ${fixed(f.lift, 1)} · ${conv}${suggested}`;
    });
    const rest = report.features.length - lines.length;
    if (rest > 0) lines.push(`…and ${rest} more (\`npm run calibrate\`)`);
    blocks.push(section('cal_features', `*Signals and metrics by lift*\n${lines.join('\n')}`));
  }

  if (report.suggestion) {
    const code = escapeMrkdwn(report.suggestion.yaml.trimEnd());
    const budget = SECTION_MAX - 60;
    const shown = code.length > budget ? `${code.slice(0, budget)}\n…` : code;
    blocks.push(section('cal_suggestion', `*Suggested manifest change*\n\`\`\`${shown}\`\`\``));
  }
  if (report.warnings.length > 0) {
    blocks.push({
      type: 'context',
      block_id: 'cal_warnings',
      elements: report.warnings
        .slice(0, 10)
        .map((w) => ({ type: 'mrkdwn', text: truncate(`⚠️ ${escapeMrkdwn(w)}`, SECTION_MAX) })),
    });
  }
  blocks.push({
    type: 'context',
    block_id: 'cal_more',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Per-signal table, JSON and the full diff: `npm run calibrate`. Check a change with `npm run replay -- --manifest <file>`.',
      },
    ],
  });
  return { text: truncate(headline, SECTION_MAX), blocks };
}

/**
 * The calibration line `/pls sla` shows managers under its PQL→won figures: the headline of the
 * latest calibration and how old it is (the SLA command must answer within 3 s, so it shows the
 * last report rather than computing one).
 */
export function calibrationHeadlineBlock(report: CalibrationReport, now: number): Block {
  const hours = Math.max(0, Math.floor((now - report.generatedAt) / 3_600_000));
  const age = hours < 1 ? 'just now' : hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
  return {
    type: 'context',
    block_id: 'sla_calibration',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `*Calibration* (${age}; \`/pls calibrate\` for the detail): ${escapeMrkdwn(calibrationHeadline(report))}`,
          SECTION_MAX,
        ),
      },
    ],
  };
}

// ─── Shared words ────────────────────────────────────────────────────────────────────────

function tierWords(c: TierConversion): string {
  const counts = `${c.won} won of ${plural(c.outcomes, 'outcome')}`;
  if (c.rate === null || c.band === 'not-enough-outcomes') return `not enough outcomes (${counts})`;
  return `${rate(c)}: ${BAND_WORDS[c.band]} (${counts})`;
}

function outcomeWords(report: CalibrationReport): string {
  const by = report.outcomes.byOutcome;
  const reasons = Object.entries(report.outcomes.notAFitReasons)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([reason, n]) =>
        `${(NOT_A_FIT_REASONS as Record<string, string>)[reason]?.toLowerCase() ?? words(reason)} ${n}`,
    )
    .join(', ');
  const labels: Record<string, string> = {
    won: 'won',
    lost: 'lost',
    no_response: 'no response',
    not_a_fit: 'not a fit',
    self_served: 'self-served',
    open: 'still open',
  };
  const parts = Object.entries(labels).map(([k, label]) => {
    const n = by[k] ?? 0;
    return k === 'not_a_fit' && reasons ? `${label} ${n} (${reasons})` : `${label} ${n}`;
  });
  return parts.join(' · ');
}

function missedWords(report: CalibrationReport): string {
  const m = report.missed;
  if (m.missed === 0)
    return `Missed PQLs: none of ${plural(m.conversions, 'conversion')} went without an alert.`;
  const peak =
    m.medianPeakScore === null
      ? ''
      : `; the self-serve buyers' median peak score was ${Math.round(m.medianPeakScore)}`;
  const present =
    m.present.length === 0
      ? ''
      : `; present when they bought: ${m.present
          .slice(0, 5)
          .map((p) => `${p.id} ${percent(p.share)}`)
          .join(', ')}`;
  return `Missed PQLs: ${m.missed} of ${plural(m.conversions, 'conversion')} had no alert in the ${report.windowDays} days before${peak}${present}.`;
}

/** '180d' → '180 days'. */
export function periodWords(label: string): string {
  const days = /^(\d+)d$/.exec(label);
  return days ? plural(Number(days[1]), 'day') : label;
}

function signed(value: number): string {
  if (Math.abs(value) < 0.005) return '0.00';
  return `${value > 0 ? '+' : ''}${value.toFixed(2)}`;
}

function section(blockId: string, text: string): Block {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: truncate(text, SECTION_MAX) } };
}

function field(label: string, value: string): Block {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${value}`, FIELD_MAX) };
}
