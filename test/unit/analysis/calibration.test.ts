import { describe, expect, it } from 'vitest';
import { type CalibrationReport, calibrateHistory } from '../../../src/analysis/calibration.js';
import { DAY, knownAnswerHistory, knownAnswerManifest, liveAlertsFor } from './support/known-answer.js';

const manifest = knownAnswerManifest();

function calibrateKnownAnswer(seed: number, accounts: number): CalibrationReport {
  const history = knownAnswerHistory({ seed, accounts });
  const liveAlerts = liveAlertsFor(manifest, history);
  return calibrateHistory({
    manifest,
    events: () => history.events,
    liveAlerts,
    now: history.end,
    since: 365 * DAY,
  });
}

const feature = (report: CalibrationReport, id: string) => report.features.find((f) => f.id === id)!;

describe('calibration on a history where one signal drives conversion and another is noise', () => {
  const report = calibrateKnownAnswer(7, 600);

  it('describes every alert with an outcome and trusts a history of a few hundred', () => {
    expect(report.outcomes.alerts).toBe(600);
    expect(report.outcomes.withoutFeatures).toBe(0);
    expect(report.outcomes.labelled).toBe(600);
    expect(report.outcomes.pending).toBe(0);
    expect(report.trusted).toBe(true);
    expect(report.warnings.join('\n')).not.toMatch(/Only \d+ alerts/);
  });

  it("finds the driver's lift far above 1 and the noise's near 1, and ranks them so", () => {
    const driver = feature(report, 'demo');
    const noise = feature(report, 'webinar');
    expect(driver.lift!).toBeGreaterThan(3);
    expect(noise.lift!).toBeGreaterThan(0.7);
    expect(noise.lift!).toBeLessThan(1.4);
    expect(driver.rateWith!).toBeGreaterThan(driver.rateWithout! * 3);
    expect(driver.presentShare).toBeGreaterThan(0.4);
    expect(driver.presentShare).toBeLessThan(0.6);
    const order = report.features.map((f) => f.id);
    expect(order.indexOf('demo')).toBeLessThan(order.indexOf('webinar'));
    expect(order[0]).toBe('demo');
  });

  it('suggests more points for the driver and fewer for the noise, with a held-out check', () => {
    const driver = feature(report, 'demo');
    const noise = feature(report, 'webinar');
    expect(driver.coefficient!).toBeGreaterThan(Math.abs(noise.coefficient!) * 3);
    expect(driver.suggestedPoints!).toBeGreaterThan(driver.points);
    expect(noise.suggestedPoints!).toBeLessThan(noise.points);
    const model = report.model!;
    expect(model.test.examples).toBeGreaterThan(100);
    expect(model.auc.test!).toBeGreaterThan(0.7);
    expect(model.precision!).toBeGreaterThan(0.3);
    expect(model.recall!).toBeGreaterThan(0.5);
    // Features that never varied (every account had them at alert time) keep their points.
    expect(feature(report, 'company_size').suggestedPoints).toBe(10);
    expect(feature(report, 'company_size').lift).toBeNull();
  });

  it('writes the suggestion as a manifest snippet naming the changed entries and what they were', () => {
    const suggestion = report.suggestion!;
    const demo = suggestion.signals.find((s) => s.id === 'demo')!;
    expect(demo.was).toEqual({ points: 10, cap: null });
    expect(suggestion.yaml).toContain(`- id: demo   # was points 10\n      points: ${demo.points}`);
    expect(suggestion.yaml).toContain('- id: webinar   # was points 10');
    expect(suggestion.yaml).not.toContain('company_size');
    expect(suggestion.tiers.hot).toBeGreaterThan(suggestion.tiers.warm);
  });

  it('replays the suggested manifest and counts what it would have caught', () => {
    expect(report.validation.current.alerts).toBe(600);
    expect(report.validation.suggested).not.toBeNull();
    expect(report.validation.current.conversions).toBeGreaterThan(0);
  });

  it('is deterministic: the same history gives the same report', () => {
    expect(calibrateKnownAnswer(7, 600)).toEqual(report);
  });

  it('finds the same answer on another seed', () => {
    const other = calibrateKnownAnswer(2024, 400);
    expect(feature(other, 'demo').lift!).toBeGreaterThan(3);
    expect(Math.abs(Math.log(feature(other, 'webinar').lift!))).toBeLessThan(Math.log(1.5));
    expect(feature(other, 'demo').suggestedPoints!).toBeGreaterThan(10);
    expect(feature(other, 'webinar').suggestedPoints!).toBeLessThan(10);
  });
});

describe('calibration with few outcomes', () => {
  it('says plainly that a few dozen outcomes cannot be trusted, and fits no model below the minimum', () => {
    const report = calibrateKnownAnswer(11, 30);
    expect(report.trusted).toBe(false);
    expect(report.warnings.join('\n')).toMatch(/Only 30 alerts with a known outcome: a few hundred \(300\)/);
    expect(report.model).toBeNull();
    expect(report.suggestion).toBeNull();
    expect(report.warnings.join('\n')).toMatch(/Too few outcomes to fit a model/);
  });

  it('still fits, with the warning, between the minimum and a few hundred', () => {
    const report = calibrateKnownAnswer(12, 120);
    expect(report.trusted).toBe(false);
    expect(report.model).not.toBeNull();
  });
});

describe('PQL→won per tier', () => {
  const report = calibrateKnownAnswer(7, 600);

  it('is won ÷ rep outcomes, self-served apart, judged against the 10–40 % band', () => {
    const all = report.tiers.all;
    const won = report.outcomes.byOutcome.won ?? 0;
    const selfServed = report.outcomes.byOutcome.self_served ?? 0;
    expect(all.won).toBe(won);
    expect(all.selfServed).toBe(selfServed);
    expect(all.outcomes).toBe(600 - selfServed);
    expect(all.rate).toBeCloseTo(won / (600 - selfServed), 12);
    expect(all.band).toBe('healthy');
    expect(report.tiers.hot.alerts + report.tiers.warm.alerts).toBe(600);
  });

  it('suggests a raised warm threshold when PQL→won is too loose', () => {
    const history = knownAnswerHistory({
      seed: 5,
      accounts: 500,
      rates: { driver: 0.3, none: 0 },
      presence: { driver: 0.3, noise: 0.5 },
    });
    const loose = calibrateHistory({
      manifest,
      events: () => history.events,
      liveAlerts: liveAlertsFor(manifest, history),
      now: history.end,
      since: 365 * DAY,
    });
    expect(loose.tiers.all.band).toBe('too-loose');
    const advice = loose.threshold!;
    expect(advice.direction).toBe('raise');
    if (advice.direction !== 'raise') return;
    expect(advice.threshold).toBeGreaterThan(40);
    expect(advice.rate).toBeGreaterThanOrEqual(0.15);
    expect(advice.alertsKept).toBeLessThan(advice.alertsTotal);
  });
});
