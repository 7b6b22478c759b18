import { countWindow, type PlayState } from '../domain/account-state.js';
import type { Layer, Scoring } from '../domain/definition.js';
import type { Score } from '../domain/scoring.js';
import { HOUR, sumWithin } from '../domain/windows.js';

/**
 * The manifest's signals and metrics as features of an account at one moment (an alert, a
 * purchase). Each feature's value `x` is measured in the manifest's own units, so that a weight
 * learnt on `x` *is* a number of points:
 * - a signal with points: its decayed, capped points ÷ its points per event, i.e. "decayed
 *   events". Scoring is `points × x`, so suggested points replace `points` one for one.
 * - a signal with 0 points (tracked, never scored): 1 when it occurred within its count window.
 * - a metric: the points of the step reached ÷ the top step's points (0–1). Scoring is
 *   `top step × x`, so a suggested number scales every step by the same factor.
 * `present` (for lift) is "occurred within the signal's count window" (its `handoff.within`, else
 * 7 days: the window `{count}` reads) or "reached a metric step".
 */
export interface FeatureDef {
  id: string;
  kind: 'signal' | 'metric';
  layer: Layer;
  /** Points one unit of `x` is worth today: a signal's points, a metric's top step. */
  unitPoints: number;
  /** Largest `x` the feature can take (a signal's cap ÷ points; 1 for metrics); null = unbounded. */
  maxUnits: number | null;
}

export interface FeatureSnapshot {
  /** Aligned with `featureDefs(scoring)`. */
  x: number[];
  present: boolean[];
  /** The points each feature contributes now. */
  points: number[];
  score: number;
  tier: Score['tier'];
}

export function featureDefs(scoring: Scoring): FeatureDef[] {
  const defs: FeatureDef[] = [];
  for (const signal of scoring.signals) {
    defs.push({
      id: signal.id,
      kind: 'signal',
      layer: signal.layer,
      unitPoints: signal.points,
      maxUnits: signal.points > 0 ? (signal.cap === null ? null : signal.cap / signal.points) : 1,
    });
  }
  for (const metric of scoring.metrics) {
    defs.push({
      id: metric.id,
      kind: 'metric',
      layer: metric.layer,
      unitPoints: Math.max(0, ...metric.steps.map(([, points]) => points)),
      maxUnits: 1,
    });
  }
  return defs;
}

/**
 * The features of an account just scored as `score` at `now` by the play of `scoring`; `own` is
 * that play's state (its signals: the account's state itself for new business).
 */
export function featuresAt(own: PlayState, score: Score, scoring: Scoring, now: number): FeatureSnapshot {
  const contributed = new Map<string, number>();
  for (const c of score.contributions) contributed.set(c.id, c.points);
  const x: number[] = [];
  const present: boolean[] = [];
  const points: number[] = [];
  for (const signal of scoring.signals) {
    const entry = own.signals[signal.id];
    const count = entry ? sumWithin(entry.hits, now, countWindow(signal), HOUR) : 0;
    const p = contributed.get(signal.id) ?? 0;
    present.push(count > 0);
    points.push(p);
    x.push(signal.points > 0 ? p / signal.points : count > 0 ? 1 : 0);
  }
  for (const metric of scoring.metrics) {
    const top = Math.max(0, ...metric.steps.map(([, stepPoints]) => stepPoints));
    const p = contributed.get(metric.id) ?? 0;
    present.push(p > 0);
    points.push(p);
    x.push(top > 0 ? p / top : 0);
  }
  return { x, present, points, score: score.total, tier: score.tier };
}
