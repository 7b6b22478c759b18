import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type CalibrationReport,
  calibrateHistory,
  type TierConversion,
} from '../../../src/calibration/calibration.js';
import { parseCalibrateArgs } from '../../../src/calibration/calibration-runner.js';
import {
  calibrationHeadline,
  calibrationHeadlineBlock,
  renderCalibration,
  renderCalibrationText,
} from '../../../src/calibration/render-calibration.js';
import { loadManifest } from '../../../src/config/manifest.js';
import { validateBlocks } from '../../../tools/emulator/block-kit-limits.js';
import { manifestFrom } from '../../support/domain-builders.js';
import {
  DAY,
  knownAnswerHistory,
  knownAnswerManifest,
  liveAlertsFor,
  MISWEIGHTED_MANIFEST,
} from '../../support/history/known-answer.js';

const SHIPPED_MANIFEST = fileURLToPath(new URL('../../../manifests/pls.yml', import.meta.url));
const manifest = knownAnswerManifest();
const history = knownAnswerHistory({ seed: 7, accounts: 400 });
/** Healthy; the model's suggestion trades buyers for a shorter queue, so today's is kept. */
const report = await calibrateHistory({
  manifest,
  events: () => history.events,
  liveAlerts: liveAlertsFor(manifest, history),
  now: history.end,
  since: 180 * DAY,
});
/** Today's weights the noise over the driver; the suggestion beats it on both tests. */
const misweighted = manifestFrom(MISWEIGHTED_MANIFEST);
const driven = knownAnswerHistory({ seed: 7, accounts: 600, rates: { driver: 0.55, none: 0 } });
const better = await calibrateHistory({
  manifest: misweighted,
  events: () => driven.events,
  liveAlerts: liveAlertsFor(misweighted, driven),
  now: driven.end,
  since: 180 * DAY,
});

const tier = (
  rate: number | null,
  band: TierConversion['band'],
  won: number,
  outcomes: number,
): TierConversion => ({
  alerts: outcomes + 3,
  outcomes,
  won,
  selfServed: 3,
  rate,
  band,
});

describe('calibrationHeadline', () => {
  it('says a healthy rate is healthy, with the model’s held-out AUC', () => {
    expect(calibrationHeadline(report)).toMatch(
      /^PQL→won \d+(\.\d)? % over 180 days: healthy \(10–40 %\); the model separates won from lost with AUC 0\.\d\d\.$/,
    );
  });

  it('suggests the threshold that would have made a too-loose definition healthy', () => {
    const loose: CalibrationReport = {
      ...report,
      tiers: { ...report.tiers, all: tier(0.08, 'too-loose', 10, 125) },
      threshold: {
        direction: 'raise',
        current: 40,
        threshold: 78,
        alertsKept: 40,
        alertsTotal: 120,
        winsKept: 9,
        winsTotal: 10,
        rate: 0.225,
        replay: null,
      },
    };
    expect(calibrationHeadline(loose)).toBe(
      'PQL→won 8 % over 180 days: too loose; a warm threshold of 78 (now 40) would have raised 40 of 120 alerts and kept 9 of 10 wins (22.5 %).',
    );
    expect(calibrationHeadline({ ...loose, threshold: null })).toBe(
      'PQL→won 8 % over 180 days: too loose; no threshold alone reaches 15 %: the weights need work (see /pls calibrate).',
    );
  });

  it('points at the buyers a too-tight definition missed', () => {
    const tight: CalibrationReport = {
      ...report,
      tiers: { ...report.tiers, all: tier(0.45, 'too-tight', 45, 100) },
      missed: { ...report.missed!, conversions: 60, alerted: 48, missed: 12 },
      threshold: {
        direction: 'lower',
        current: 40,
        threshold: 32,
        missedCaught: 6,
        missedTotal: 12,
        replay: null,
      },
    };
    expect(calibrationHeadline(tight)).toBe(
      'PQL→won 45 % over 180 days: too tight; 12 accounts bought without an alert: a warm threshold of 32 would have alerted 6 of 12.',
    );
  });

  it('states what lowering a too-tight threshold costs, and what raising a too-loose one loses, from replay', () => {
    const v = report.validation.current;
    const today = {
      ...v,
      alerts: 520,
      alertsPerWeek: 20,
      alertedBeforeConversion: 48,
      conversions: 60,
      precision: 0.5,
    };
    const lowered = {
      ...today,
      alerts: 884,
      alertsPerWeek: 34,
      alertedBeforeConversion: 54,
      precision: 0.31,
    };
    const tight: CalibrationReport = {
      ...report,
      tiers: { ...report.tiers, all: tier(0.45, 'too-tight', 270, 600) },
      verdict: { ...report.verdict!, band: 'too-tight', firm: true },
      missed: { ...report.missed!, conversions: 60, alerted: 48, missed: 12 },
      threshold: {
        direction: 'lower',
        current: 40,
        threshold: 32,
        missedCaught: 6,
        missedTotal: 12,
        replay: { tiers: { warm: 32, hot: 70 }, today, advised: lowered },
      },
    };
    expect(calibrationHeadline(tight)).toBe(
      'PQL→won 45 % over 180 days: too tight; 12 accounts bought without an alert: a warm threshold of 32 (now 40) would have alerted 6 of 12, at the cost of 14 more alerts a week (20 → 34) and precision 50 % → 31 %.',
    );
    const raised = { ...today, alertsPerWeek: 8, alertedBeforeConversion: 45 };
    const loose: CalibrationReport = {
      ...report,
      tiers: { ...report.tiers, all: tier(0.08, 'too-loose', 10, 125) },
      verdict: { ...report.verdict!, band: 'too-loose', firm: true },
      threshold: {
        direction: 'raise',
        current: 40,
        threshold: 78,
        alertsKept: 40,
        alertsTotal: 120,
        winsKept: 9,
        winsTotal: 10,
        rate: 0.225,
        replay: { tiers: { warm: 78, hot: 79 }, today, advised: raised },
      },
    };
    expect(calibrationHeadline(loose)).toBe(
      'PQL→won 8 % over 180 days: too loose; a warm threshold of 78 (now 40) would have raised 40 of 120 alerts and kept 9 of 10 wins (22.5 %); in replay 12 fewer alerts a week (20 → 8), catching 45 of 60 conversions instead of 48.',
    );
  });

  it('calls a band read off a few outcomes a lean, with its interval', () => {
    const lean: CalibrationReport = {
      ...report,
      trusted: false,
      outcomes: { ...report.outcomes, labelled: 20 },
      tiers: { ...report.tiers, all: tier(0.45, 'too-tight', 9, 20) },
      verdict: { band: 'too-tight', rate: 0.45, won: 9, outcomes: 20, interval: [0.258, 0.658], firm: false },
      missed: { ...report.missed!, conversions: 9, alerted: 9, missed: 0 },
      threshold: null,
    };
    expect(calibrationHeadline(lean)).toBe(
      'PQL→won 45 % over 180 days: looks too tight (95 % interval 25–66 % on 20 outcomes), yet all 9 conversions had an alert before: a lower threshold would catch no more buyers, so keep the thresholds (a hint: 20 outcomes so far).',
    );
  });

  it('waits for outcomes, and marks a rate from too few outcomes as a hint', () => {
    const none: CalibrationReport = {
      ...report,
      tiers: { ...report.tiers, all: tier(null, 'not-enough-outcomes', 1, 3) },
    };
    expect(calibrationHeadline(none)).toBe(
      'PQL→won: not enough outcomes over 180 days yet (1 won of 3 outcomes; calibration needs reps to log outcomes).',
    );
    const hint: CalibrationReport = {
      ...report,
      trusted: false,
      outcomes: { ...report.outcomes, labelled: 42 },
      tiers: { ...report.tiers, all: tier(0.2, 'healthy', 8, 40) },
      model: null,
    };
    expect(calibrationHeadline(hint)).toBe('PQL→won 20 % over 180 days: healthy (10–40 %).');
  });
});

describe('renderCalibration (Slack)', () => {
  it('says there is no lift to show before any alert has an outcome, and gives each reason once', () => {
    const reason = 'Too few outcomes to fit a model (0 labelled).';
    const none: CalibrationReport = {
      ...report,
      outcomes: { ...report.outcomes, labelled: 0 },
      warnings: [reason, 'Only 0 alerts with a known outcome.'],
      recommendation: { ...report.recommendation, reasons: [reason] },
    };
    const { blocks } = renderCalibration(none);
    const text = (id: string) => JSON.stringify(blocks.find((b) => b.block_id === id) ?? null);
    expect(text('cal_features')).toContain('No alert has an outcome yet');
    expect(text('cal_features')).not.toContain('present in');
    expect(text('cal_warnings')).not.toContain('Too few outcomes');
    expect(text('cal_warnings')).toContain('Only 0 alerts');
  });

  it('fits Block Kit and carries the headline as its fallback text', () => {
    const message = renderCalibration(better);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.text).toBe(calibrationHeadline(better));
    const text = JSON.stringify(message.blocks);
    for (const part of [
      'PQL calibration · last 180 days',
      'PQL→won hot',
      'Signals and metrics by lift',
      '`demo`',
      "*Recommendation:* change to the suggested definition: it beats today's on the held-out alerts and in replay.",
      'Suggested manifest change',
    ]) {
      expect(text).toContain(part);
    }
  });

  it('says to keep today’s definition, with both figures, when the suggestion does not beat it', () => {
    expect(report.recommendation.action).toBe('keep');
    const message = renderCalibration(report);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    const recommendation = message.blocks.find((b) => b.block_id === 'cal_recommendation')!.text.text;
    expect(recommendation).toMatch(
      /^\*Recommendation:\* keep today's definition\. The suggested one does not beat it:\nsuggested: held-out AUC 0\.\d\d \(today 0\.\d\d\) · replay caught \d+ of \d+ conversions with \d+ alerts a week \(today \d+ with \d+\)\n• /,
    );
    const text = JSON.stringify(message.blocks);
    expect(text).not.toContain('Suggested manifest change');
    expect(text).not.toMatch(/suggest \d+ pts/);
  });

  it('stays within limits however many signals, warnings and suggestions there are', () => {
    const many: CalibrationReport = {
      ...report,
      features: Array.from({ length: 80 }, (_, i) => ({
        ...report.features[0]!,
        id: `signal_${'x'.repeat(60)}_${i}`,
      })),
      warnings: Array.from(
        { length: 25 },
        (_, i) => `warning ${i}: ${'a <long> & detailed explanation '.repeat(200)}`,
      ),
      suggestion: {
        ...report.suggestion!,
        yaml: `scoring:\n${'  - id: a_signal_with_a_long_name\n    points: 12\n'.repeat(300)}`,
      },
    };
    const message = renderCalibration(many);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('…and 68 more');
  });
});

describe('renderCalibrationText (terminal)', () => {
  it('shows the headline, the per-tier band, the table by lift, the model and the suggestion', () => {
    const text = renderCalibrationText(better, 'manifests/pls.yml');
    expect(text.split('\n')[0]).toMatch(
      /^PQL calibration of manifests\/pls\.yml · last 180 days \(\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d\)$/,
    );
    expect(text).toContain(calibrationHeadline(better));
    expect(text).toMatch(/\n {2}all {2}\d+(\.\d)? %: healthy \(10–40 %\) \(\d+ won of \d+ outcomes\)\n/);
    const table = text.slice(text.indexOf('  id '));
    expect(table.indexOf('  demo ')).toBeLessThan(table.indexOf('  webinar '));
    expect(text).toMatch(/Model: L2 logistic regression \(λ [\d.]+, by 5-fold cross-validation\)/);
    expect(text).toContain('Suggested manifest change:\n  # Suggested by `npm run calibrate`');
  });
});

describe('for /pls sla and /pls calibrate', () => {
  it('shows the latest headline with its age, as one block within limits', () => {
    const block = calibrationHeadlineBlock(report, report.generatedAt + 5 * 3_600_000);
    expect(validateBlocks([block], 'message')).toEqual([]);
    expect(block.elements[0].text).toBe(
      `*Calibration* (5 h ago; \`/pls calibrate\` for the detail): ${calibrationHeadline(report)}`,
    );
    expect(calibrationHeadlineBlock(report, report.generatedAt + 3 * DAY).elements[0].text).toMatch(
      /^\*Calibration\* \(3 days ago;/,
    );
  });

  it('reads the period and the play of /pls calibrate, in either order', () => {
    const { plays } = loadManifest(SHIPPED_MANIFEST);
    const [newBusiness, expansion, churn] = plays;
    expect(parseCalibrateArgs([], plays)).toEqual({ since: 180 * DAY, label: '180d', play: newBusiness });
    expect(parseCalibrateArgs(['90D'], plays)).toEqual({ since: 90 * DAY, label: '90d', play: newBusiness });
    expect(parseCalibrateArgs(['Churn_Risk', '365d'], plays)).toEqual({
      since: 365 * DAY,
      label: '365d',
      play: churn,
    });
    expect(parseCalibrateArgs(['expansion'], plays)).toMatchObject({ play: expansion });
    const usage = {
      error:
        'Usage: `/pls calibrate [90d|180d|365d] [new_business|expansion|churn_risk]` (default 180d, new_business).',
    };
    expect(parseCalibrateArgs(['7d'], plays)).toEqual(usage);
    expect(parseCalibrateArgs(['90d', '180d'], plays)).toEqual(usage);
    expect(parseCalibrateArgs(['expansion', 'churn_risk'], plays)).toEqual(usage);
  });
});
