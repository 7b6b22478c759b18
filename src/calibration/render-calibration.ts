import { NOT_A_FIT_REASONS } from '../domain/alert-lifecycle.js';
import type { Band } from '../domain/sla-report.js';
import { escapeMrkdwn, truncate } from '../domain/slack-text.js';
import { count, day, fixed, percent, plural, table, words } from '../report/format.js';
import { type CalibrationReport, HEALTHY_TARGET, type TierConversion } from './calibration.js';

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

/** What the conversion rate is called: "PQL→won" for new business, "alert→retained" for churn risk. */
function rateName(report: CalibrationReport): string {
  return report.verdict ? 'PQL→won' : `alert→${report.play.won}`;
}

/** "PQL calibration", "Expansion calibration". */
function title(report: CalibrationReport): string {
  return report.verdict ? 'PQL calibration' : `${report.play.label} calibration`;
}

/** "too tight", or — when the outcomes cannot tell — "looks too tight (95 % interval 36–58 % on 25 outcomes)". */
function bandWords(report: CalibrationReport): string {
  const { verdict } = report;
  const band = report.tiers.all.band as Exclude<Band, 'not-enough-outcomes'>;
  if (!verdict || verdict.firm || verdict.interval === null) return BAND_WORDS[band];
  const [lo, hi] = verdict.interval;
  const lean = band === 'healthy' ? 'looks healthy' : `looks ${BAND_WORDS[band]}`;
  return `${lean} (95 % interval ${Math.floor(lo * 100)}–${Math.ceil(hi * 100)} % on ${plural(verdict.outcomes, 'outcome')})`;
}

/** "14 more alerts a week (53 → 67)", "12 fewer alerts a week (30 → 18)". */
function perWeekChange(today: number, advised: number): string {
  const delta = Math.round(advised - today);
  const span = `(${weekly(today)} → ${weekly(advised)})`;
  if (delta === 0) return `about as many alerts a week ${span}`;
  return `${count(Math.abs(delta))} ${delta > 0 ? 'more' : 'fewer'} alerts a week ${span}`;
}

/** "still catching all 44 conversions", "catching 40 of 45 conversions instead of 44". */
function catchWords(
  today: { alertedBeforeConversion: number; conversions: number },
  advised: { alertedBeforeConversion: number },
): string {
  const [t, a, n] = [today.alertedBeforeConversion, advised.alertedBeforeConversion, today.conversions];
  if (a === t)
    return a === n
      ? `still catching all ${plural(n, 'conversion')}`
      : `still catching ${a} of ${plural(n, 'conversion')}`;
  return `catching ${a} of ${plural(n, 'conversion')} instead of ${t}`;
}

/** Alerts a week: whole above ten, else to a tenth ("3.5"), never "8.0". */
function weekly(n: number): string {
  return n >= 10 || Number.isInteger(n) ? count(Math.round(n)) : n.toFixed(1);
}

function precisionWords(p: number | null): string {
  return p === null ? '—' : percent(p);
}

/**
 * "PQL→won 8 % over 180 days: too loose; a warm threshold of 78 would have raised 40 of 120
 * alerts and kept 9 of 10 wins (22 %)." One sentence, no markup a terminal would show raw.
 */
export function calibrationHeadline(report: CalibrationReport): string {
  const all = report.tiers.all;
  const period = periodWords(report.period.label);
  if (!report.verdict) return playHeadline(report);
  if (all.rate === null || all.band === 'not-enough-outcomes') {
    return `PQL→won: not enough outcomes over ${period} yet (${all.won} won of ${plural(all.outcomes, 'outcome')}; calibration needs reps to log outcomes).`;
  }
  const head = `PQL→won ${rate(all)} over ${period}: ${bandWords(report)}`;
  const advice = report.threshold;
  const hint = report.trusted ? '' : ` (a hint: ${plural(report.outcomes.labelled, 'outcome')} so far)`;
  if (all.band === 'too-loose') {
    if (advice?.direction === 'raise') {
      const kept = `a warm threshold of ${advice.threshold} (now ${advice.current}) would have raised ${count(advice.alertsKept)} of ${count(advice.alertsTotal)} alerts and kept ${advice.winsKept} of ${plural(advice.winsTotal, 'win')} (${percent(advice.rate)})`;
      const r = advice.replay;
      const cost = r
        ? `; in replay ${perWeekChange(r.today.alertsPerWeek, r.advised.alertsPerWeek)}, ${catchWords(r.today, r.advised)}`
        : '';
      return `${head}; ${kept}${cost}${hint}.`;
    }
    return `${head}; no threshold alone reaches ${percent(HEALTHY_TARGET)}: the weights need work (see /pls calibrate)${hint}.`;
  }
  if (all.band === 'too-tight') {
    const missed = report.missed!;
    if (advice?.direction === 'lower') {
      const r = advice.replay;
      if (r) {
        return `${head}; ${plural(missed.missed, 'account')} bought without an alert: a warm threshold of ${advice.threshold} (now ${advice.current}) would have alerted ${advice.missedCaught} of ${advice.missedTotal}, at the cost of ${perWeekChange(r.today.alertsPerWeek, r.advised.alertsPerWeek)} and precision ${precisionWords(r.today.precision)} → ${precisionWords(r.advised.precision)}${hint}.`;
      }
      return `${head}; ${plural(missed.missed, 'account')} bought without an alert: a warm threshold of ${advice.threshold} would have alerted ${advice.missedCaught} of ${advice.missedTotal}${hint}.`;
    }
    if (missed.missed === 0) {
      return `${head}, yet all ${plural(missed.conversions, 'conversion')} had an alert before: a lower threshold would catch no more buyers, so keep the thresholds${hint}.`;
    }
    return `${head}; ${plural(missed.missed, 'account')} bought without an alert, but their scores reached the threshold (gates or rules held them back): a lower threshold would not catch them${hint}.`;
  }
  const model = report.model?.auc.test;
  return model == null
    ? `${head}.`
    : `${head}; the model separates won from lost with AUC ${fixed(model)}${hint}.`;
}

/**
 * A play other than new business has no healthy band: "Churn risk: alert→retained 62 % over 180
 * days (18 retained of 29 outcomes); the model separates retained from not with AUC 0.71."
 */
function playHeadline(report: CalibrationReport): string {
  const all = report.tiers.all;
  const period = periodWords(report.period.label);
  const name = `${report.play.label}: ${rateName(report)}`;
  const counts = `${all.won} ${report.play.won} of ${plural(all.outcomes, 'outcome')}`;
  if (all.rate === null) {
    return `${name}: not enough outcomes over ${period} yet (${counts}; calibration needs reps to log outcomes).`;
  }
  const hint = report.trusted ? '' : ` (a hint: ${plural(report.outcomes.labelled, 'outcome')} so far)`;
  const model = report.model?.auc.test;
  const head = `${name} ${percent(all.rate)} over ${period} (${counts})`;
  return model == null
    ? `${head}.`
    : `${head}; the model separates ${report.play.won} from not with AUC ${fixed(model)}${hint}.`;
}

// ─── Terminal ────────────────────────────────────────────────────────────────────────────

export function renderCalibrationText(report: CalibrationReport, label: string, zone = 'UTC'): string {
  const { outcomes, period } = report;
  const out = [
    `${title(report)} of ${label} · last ${periodWords(period.label)} (${day(period.from, zone)} → ${day(period.to, zone)})`,
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
  const won = report.play.won;
  out.push(
    report.verdict
      ? 'PQL→won by tier (won ÷ alerts with a rep outcome; healthy 10–40 %):'
      : `${capitalised(rateName(report))} by tier (${won} ÷ alerts with a rep outcome):`,
  );
  for (const tier of ['hot', 'warm', 'all'] as const) {
    out.push(`  ${tier.padEnd(5)}${tierWords(report.tiers[tier], won)}`);
  }

  out.push('');
  out.push(`Signals and metrics at alert time (${convertedWords(report)}), by lift:`);
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
        'model pts',
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
  out.push(
    '  (lift: conversion with ÷ without; weight: the model coefficient on the standardized feature; model pts: the points it would give, a change only if recommended below)',
  );

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
    `Replay over the period: today's manifest raises ${plural(v.current.alerts, 'alert')} (${weekly(v.current.alertsPerWeek)} a week) and alerted ${v.current.alertedBeforeConversion} of ${plural(v.current.conversions, 'conversion')} beforehand; precision ${precisionWords(v.current.precision)}` +
      (v.suggested
        ? `; the suggested one ${plural(v.suggested.alerts, 'alert')} (${weekly(v.suggested.alertsPerWeek)} a week), ${v.suggested.alertedBeforeConversion} of ${v.suggested.conversions}; precision ${precisionWords(v.suggested.precision)}.`
        : '.'),
  );
  out.push('  (precision: alerts whose account converted while it was open or within the window after)');
  if (report.missed) out.push(missedWords(report.missed, report.windowDays));

  out.push('');
  out.push(...recommendationLines(report));
  if (report.suggestion && report.recommendation.action === 'change') {
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

/**
 * "Recommendation: keep today's definition." with the figures both were judged on and why, or
 * "Recommendation: change to the suggested definition." when it beat today's on both tests.
 */
function recommendationLines(report: CalibrationReport): string[] {
  const r = report.recommendation;
  const lines = [`Recommendation: ${recommendationHead(report)}`];
  if (report.suggestion) lines.push(`  ${comparisonWords(report)}`);
  for (const reason of r.reasons) lines.push(`  - ${reason}`);
  return lines;
}

function recommendationHead(report: CalibrationReport): string {
  return report.recommendation.action === 'change'
    ? "change to the suggested definition: it beats today's on the held-out alerts and in replay."
    : report.suggestion
      ? "keep today's definition. The suggested one does not beat it:"
      : "keep today's definition (nothing to compare it with).";
}

/** "held-out AUC 0.66 (today 0.69) · replay caught 189 of 286 conversions with 30 alerts a week (today 286 with 52)". */
function comparisonWords(report: CalibrationReport): string {
  const r = report.recommendation;
  const caught =
    r.caught.suggested === null || r.alertsPerWeek.suggested === null
      ? 'not replayed'
      : `replay caught ${r.caught.suggested} of ${plural(r.caught.conversions, 'conversion')} with ${weekly(r.alertsPerWeek.suggested)} alerts a week (today ${r.caught.today} with ${weekly(r.alertsPerWeek.today)})`;
  return `suggested: held-out AUC ${fixed(r.heldOutAuc.suggested)} (today ${fixed(r.heldOutAuc.today)}) · ${caught}`;
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
      text: { type: 'plain_text', text: `${title(report)} · last ${period}` },
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
    field('Converted', `${count(o.converted)} of ${count(o.labelled)} (${convertedWords(report)})`),
    field(`${capitalised(rateName(report))} hot`, tierWords(report.tiers.hot, report.play.won)),
    field(`${capitalised(rateName(report))} warm`, tierWords(report.tiers.warm, report.play.won)),
    field(
      'Model (held out)',
      m
        ? `AUC ${fixed(m.auc.test)} (today's score ${fixed(m.auc.currentTest)}) · threshold ${m.threshold}: precision ${m.precision === null ? '—' : percent(m.precision)}, recall ${m.recall === null ? '—' : percent(m.recall)}`
        : 'not fitted: too few outcomes',
    ),
  ];
  if (report.missed) {
    fields.push(
      field(
        'Missed PQLs',
        `${count(report.missed.missed)} of ${plural(report.missed.conversions, 'conversion')} had no alert before`,
      ),
    );
  }
  blocks.push({ type: 'section', block_id: 'cal_counts', fields });

  const change = report.recommendation.action === 'change';
  if (report.features.length > 0 && report.outcomes.labelled === 0) {
    blocks.push(
      section(
        'cal_features',
        '*Signals and metrics by lift*\nNo alert has an outcome yet: presence and lift are measured on the alerts reps closed.',
      ),
    );
  } else if (report.features.length > 0) {
    const lines = report.features.slice(0, FEATURE_ROWS).map((f) => {
      const conv =
        f.rateWith === null || f.rateWithout === null
          ? `present in ${percent(f.presentShare)}`
          : `${percent(f.rateWith)} with vs ${percent(f.rateWithout)} without`;
      const suggested =
        !change || f.suggestedPoints === null || f.suggestedPoints === f.points
          ? ''
          : ` · suggest ${f.suggestedPoints} pts (now ${f.points})`;
      return `• \`${escapeMrkdwn(f.id)}\` · lift ${fixed(f.lift, 1)} · ${conv}${suggested}`;
    });
    const rest = report.features.length - lines.length;
    if (rest > 0) lines.push(`…and ${rest} more (\`npm run calibrate\`)`);
    blocks.push(section('cal_features', `*Signals and metrics by lift*\n${lines.join('\n')}`));
  }

  const recommendation = [`*Recommendation:* ${escapeMrkdwn(recommendationHead(report))}`];
  if (report.suggestion) recommendation.push(escapeMrkdwn(comparisonWords(report)));
  for (const reason of report.recommendation.reasons) recommendation.push(`• ${escapeMrkdwn(reason)}`);
  blocks.push(section('cal_recommendation', recommendation.join('\n')));
  if (report.suggestion && change) {
    const code = escapeMrkdwn(report.suggestion.yaml.trimEnd());
    const budget = SECTION_MAX - 60;
    const shown = code.length > budget ? `${code.slice(0, budget)}\n…` : code;
    blocks.push(section('cal_suggestion', `*Suggested manifest change*\n\`\`\`${shown}\`\`\``));
  }
  // A warning the recommendation already gives as its reason is not said twice.
  const warnings = report.warnings.filter((w) => !report.recommendation.reasons.includes(w));
  if (warnings.length > 0) {
    blocks.push({
      type: 'context',
      block_id: 'cal_warnings',
      elements: warnings
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

function tierWords(c: TierConversion, won: string): string {
  const counts = `${c.won} ${won} of ${plural(c.outcomes, 'outcome')}`;
  if (c.rate === null || c.band === 'not-enough-outcomes') return `not enough outcomes (${counts})`;
  if (c.band === null) return `${percent(c.rate)} (${counts})`;
  return `${rate(c)}: ${BAND_WORDS[c.band]} (${counts})`;
}

/** "won, or bought within 30 days"; a play's own outcome ("retained") for the others. */
function convertedWords(report: CalibrationReport): string {
  return report.verdict ? `won, or bought within ${report.windowDays} days` : report.play.won;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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
    won: report.play.won,
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

function missedWords(m: NonNullable<CalibrationReport['missed']>, windowDays: number): string {
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
  return `Missed PQLs: ${m.missed} of ${plural(m.conversions, 'conversion')} had no alert in the ${windowDays} days before${peak}${present}.`;
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
