import { describe, expect, it } from 'vitest';
import {
  beatsInReplay,
  type ReplaySummary,
  recommend,
  tiersAgreeWith,
  verdictOf,
  warmBounds,
} from '../../../src/calibration/calibration-advice.js';
import { wilsonInterval } from '../../../src/domain/pql-verdict.js';

const summary = (alertedBeforeConversion: number, alerts: number, conversions = 286): ReplaySummary => ({
  alerts,
  alertsPerWeek: alerts / 26,
  conversions,
  alertedBeforeConversion,
  convertingAlerts: alertedBeforeConversion,
  precision: alertedBeforeConversion / alerts,
});
const tiers = (warm: number, hot: number) => ({ warm, hot, was: { warm: 40, hot: 70 } });

describe('the verdict', () => {
  it('is firm only when the 95 % interval stays on its side of the 10–40 % band', () => {
    // 44.7 % of 640 outcomes: 40.9–48.6 %, wholly above 40 %.
    expect(verdictOf({ band: 'too-tight', rate: 286 / 640, won: 286, outcomes: 640 })).toMatchObject({
      firm: true,
    });
    // 45 % of 20: could as well be 25 %.
    const lean = verdictOf({ band: 'too-tight', rate: 0.45, won: 9, outcomes: 20 });
    expect(lean.firm).toBe(false);
    expect(lean.interval![0]).toBeLessThan(0.4);
    expect(verdictOf({ band: 'too-loose', rate: 0.05, won: 1, outcomes: 20 }).firm).toBe(false);
    expect(verdictOf({ band: 'too-loose', rate: 0.05, won: 20, outcomes: 400 }).firm).toBe(true);
    expect(verdictOf({ band: 'not-enough-outcomes', rate: null, won: 1, outcomes: 3 }).firm).toBe(false);
  });

  it('uses the Wilson interval', () => {
    const [lo, hi] = wilsonInterval(286, 640);
    expect(lo).toBeCloseTo(0.4087, 3);
    expect(hi).toBeCloseTo(0.4856, 3);
    expect(verdictOf({ band: 'too-tight', rate: 286 / 640, won: 286, outcomes: 640 }).interval).toEqual([
      lo,
      hi,
    ]);
    expect(verdictOf({ band: 'not-enough-outcomes', rate: null, won: 0, outcomes: 0 }).interval).toBeNull();
  });
});

describe('thresholds follow the verdict', () => {
  it('a too-tight verdict allows only lower thresholds, a too-loose one only higher', () => {
    expect(warmBounds('too-tight', 40)).toEqual({ min: 1, max: 40 });
    expect(warmBounds('too-loose', 40)).toEqual({ min: 40, max: 99 });
    expect(warmBounds('healthy', 40)).toEqual({ min: 1, max: 99 });
    expect(tiersAgreeWith('too-tight', tiers(92, 100))).toBe(false);
    expect(tiersAgreeWith('too-tight', tiers(35, 65))).toBe(true);
    expect(tiersAgreeWith('too-tight', tiers(35, 75))).toBe(false);
    expect(tiersAgreeWith('too-loose', tiers(35, 65))).toBe(false);
    expect(tiersAgreeWith('too-loose', tiers(55, 85))).toBe(true);
  });
});

describe('recommend', () => {
  // The issue's figures: held-out AUC 0.66 against 0.69, replay 189 of 286 against 286.
  const issue = {
    band: 'too-tight' as const,
    tiers: tiers(92, 100),
    heldOutAuc: { today: 0.69, suggested: 0.66 },
    today: summary(286, 640),
    suggested: summary(189, 410),
  };

  it('keeps today’s definition when the suggestion is worse on held-out alerts and in replay, saying why with both figures', () => {
    const r = recommend(issue);
    expect(r.action).toBe('keep');
    expect(r.heldOutAuc).toEqual({ today: 0.69, suggested: 0.66 });
    expect(r.caught).toEqual({ today: 286, suggested: 189, conversions: 286 });
    expect(r.reasons).toEqual([
      'The suggested thresholds (hot 100, warm 92; today 70, 40) move against the verdict.',
      "It does not rank the held-out alerts better: held-out AUC 0.66 against today's 0.69.",
      "It does not beat today's in replay: it caught 189 of 286 conversions with 410 alerts, today's 286 with 640.",
    ]);
  });

  it('needs both tests: better AUC alone, or better replay alone, is not enough', () => {
    const fine = { ...issue, band: 'healthy' as const };
    const replayOnly = recommend({ ...fine, suggested: summary(286, 400) });
    expect(replayOnly.action).toBe('keep');
    expect(replayOnly.reasons).toHaveLength(1);
    const aucOnly = recommend({ ...fine, heldOutAuc: { today: 0.69, suggested: 0.75 } });
    expect(aucOnly.action).toBe('keep');
    expect(aucOnly.reasons).toHaveLength(1);
    // Within the margin the report shows (two decimals), equal is not better.
    expect(
      recommend({ ...fine, heldOutAuc: { today: 0.69, suggested: 0.695 }, suggested: summary(286, 400) })
        .action,
    ).toBe('keep');
    expect(
      recommend({ ...fine, heldOutAuc: { today: 0.69, suggested: 0.75 }, suggested: summary(286, 400) }),
    ).toMatchObject({ action: 'change', reasons: [] });
  });

  it('keeps today’s when there is nothing to compare', () => {
    expect(
      recommend({ ...issue, tiers: null, noSuggestion: 'Too few outcomes to fit a model.' }),
    ).toMatchObject({ action: 'keep', reasons: ['Too few outcomes to fit a model.'] });
    expect(
      recommend({ ...issue, band: 'healthy', heldOutAuc: { today: 0.6, suggested: 0.8 }, suggested: null })
        .reasons,
    ).toEqual(['It was not checked by replay.']);
  });
});

describe('beatsInReplay', () => {
  it('catches at least as many with no more alerts per catch, and is better on one', () => {
    expect(beatsInReplay(summary(286, 400), summary(286, 640))).toBe(true); // same catch, fewer alerts
    expect(beatsInReplay(summary(290, 640), summary(286, 640))).toBe(true); // more catch, same alerts
    expect(beatsInReplay(summary(286, 640), summary(286, 640))).toBe(false); // the same
    expect(beatsInReplay(summary(189, 300), summary(286, 640))).toBe(false); // sharper, but misses buyers
    expect(beatsInReplay(summary(300, 900), summary(286, 640))).toBe(false); // more catch, diluted queue
  });
});
