import { describe, expect, it } from 'vitest';
import {
  type CalibrationReport,
  calibrateHistory,
  type TierConversion,
} from '../../../src/analysis/calibration.js';
import { parseCalibrateArgs } from '../../../src/analysis/calibration-runner.js';
import {
  calibrationHeadline,
  calibrationHeadlineBlock,
  renderCalibration,
  renderCalibrationText,
} from '../../../src/analysis/render-calibration.js';
import { validateBlocks } from '../../../src/emulator/block-kit-limits.js';
import { DAY, knownAnswerHistory, knownAnswerManifest, liveAlertsFor } from './support/known-answer.js';

const manifest = knownAnswerManifest();
const history = knownAnswerHistory({ seed: 7, accounts: 400 });
const report = calibrateHistory({
  manifest,
  events: () => history.events,
  liveAlerts: liveAlertsFor(manifest, history),
  now: history.end,
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
      },
    };
    expect(calibrationHeadline(loose)).toBe(
      'PQL→won 8 % over 180 days: too loose; a warm threshold of 78 would have raised 40 of 120 alerts and kept 9 of 10 wins (22.5 %).',
    );
    expect(calibrationHeadline({ ...loose, threshold: null })).toBe(
      'PQL→won 8 % over 180 days: too loose; no threshold alone reaches 15 %: the weights need work (see /pls calibrate).',
    );
  });

  it('points at the buyers a too-tight definition missed', () => {
    const tight: CalibrationReport = {
      ...report,
      tiers: { ...report.tiers, all: tier(0.45, 'too-tight', 45, 100) },
      missed: { ...report.missed, conversions: 60, alerted: 48, missed: 12 },
      threshold: { direction: 'lower', current: 40, threshold: 32, missedCaught: 6, missedTotal: 12 },
    };
    expect(calibrationHeadline(tight)).toBe(
      'PQL→won 45 % over 180 days: too tight; 12 accounts bought without an alert: a warm threshold of 32 would have alerted 6 of 12.',
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
  it('fits Block Kit and carries the headline as its fallback text', () => {
    const message = renderCalibration(report);
    expect(validateBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.text).toBe(calibrationHeadline(report));
    const text = JSON.stringify(message.blocks);
    for (const part of [
      'PQL calibration · last 180 days',
      'PQL→won hot',
      'Signals and metrics by lift',
      '`demo`',
      'Suggested manifest change',
    ]) {
      expect(text).toContain(part);
    }
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
    const text = renderCalibrationText(report, 'manifests/pls.yml');
    expect(text.split('\n')[0]).toMatch(
      /^PQL calibration of manifests\/pls\.yml · last 180 days \(\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d\)$/,
    );
    expect(text).toContain(calibrationHeadline(report));
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

  it('reads the period of /pls calibrate', () => {
    expect(parseCalibrateArgs([])).toEqual({ since: 180 * DAY, label: '180d' });
    expect(parseCalibrateArgs(['90D'])).toEqual({ since: 90 * DAY, label: '90d' });
    expect(parseCalibrateArgs(['7d'])).toEqual({
      error: 'Usage: `/pls calibrate [90d|180d|365d]` (default 180d).',
    });
  });
});
