import { type AccountState, decay, type PlayState } from './account-state.js';
import type { Layer, Scoring, Tier } from './definition.js';
import { LAYERS } from './definition.js';
import { type Firmographics, metricPoints, metricValue, tierFor } from './scoring.js';

/**
 * `scoreAccount`'s numbers — total, points per layer, tier — without what only a message reads:
 * the ranked contribution list, each signal's `{count}` (a scan of its hourly buckets) and its
 * sentence. Replay asks "is this account cold?" for most events, and the answer costs a fraction
 * of a full score here. Built from the domain's own `decay`, `metricValue` and `tierFor`, summing
 * in the order `scoreAccount` sums (points descending, signals before metrics on ties) so the
 * floating-point total is the same to the last bit; test/unit/domain/score-numbers.test.ts
 * holds it equal to `scoreAccount` on random histories. Replay still calls `scoreAccount` for
 * every decision an alert could come of.
 */
export interface ScoreNumbers {
  total: number;
  layers: Record<Layer, number>;
  tier: Tier;
}

export function scoreNumbers(
  state: AccountState,
  firm: Firmographics,
  scoring: Scoring,
  now: number,
  own: PlayState = state,
): ScoreNumbers {
  return numbers(state, firm, scoring, now, own, false)!;
}

/**
 * The same numbers, or null as soon as some layer surely misses its gate — the account is cold
 * whatever the rest. Layers are tried intent first (most accounts, most of the time, show no
 * buying intent), each first against an upper bound (its signals plus every metric at its top
 * step), then exactly; a layer's metrics are computed at most once. Null never calls a gated
 * account cold: a layer is judged short only below its gate by more than float noise.
 */
export function scoreNumbersUnlessGated(
  state: AccountState,
  firm: Firmographics,
  scoring: Scoring,
  now: number,
  own: PlayState = state,
): ScoreNumbers | null {
  return numbers(state, firm, scoring, now, own, true);
}

const GATE_ORDER: readonly Layer[] = ['intent', 'organizational', 'behavioral'];

function numbers(
  state: AccountState,
  firm: Firmographics,
  scoring: Scoring,
  now: number,
  own: PlayState,
  stopWhenGated: boolean,
): ScoreNumbers | null {
  const parts: { layer: Layer; points: number; order: number }[] = [];
  const sums = { behavioral: 0, organizational: 0, intent: 0 } as Record<Layer, number>;
  scoring.signals.forEach((signal, order) => {
    const entry = own.signals[signal.id];
    if (!entry) return;
    const decayed = entry.sum * decay(now - entry.at, scoring.half_life);
    const points = signal.cap === null ? decayed : Math.min(signal.cap, decayed);
    if (points < 0.05) return;
    parts.push({ layer: signal.layer, points, order });
    sums[signal.layer] += points;
  });
  const metricOrder = scoring.signals.length;
  const addMetrics = (layer: Layer | null) => {
    scoring.metrics.forEach((metric, i) => {
      if (layer !== null && metric.layer !== layer) return;
      const points = metricPoints(metric, metricValue(metric.metric, state, firm, now));
      if (points <= 0) return;
      parts.push({ layer: metric.layer, points, order: metricOrder + i });
      sums[metric.layer] += points;
    });
  };
  if (stopWhenGated) {
    const ceilings = ceilingsOf(scoring);
    for (const layer of GATE_ORDER) {
      const gate = scoring.gates[layer] - GATE_MARGIN;
      if (sums[layer] + ceilings[layer] < gate) return null;
      addMetrics(layer);
      if (sums[layer] < gate) return null;
    }
  } else {
    addMetrics(null);
  }
  // scoreAccount's order: points descending; ties keep signals, then metrics, in manifest order.
  parts.sort((a, b) => b.points - a.points || a.order - b.order);
  const layers = { behavioral: 0, organizational: 0, intent: 0 } as Record<Layer, number>;
  for (const part of parts) layers[part.layer] += part.points;
  const total = Math.min(100, layers.behavioral + layers.organizational + layers.intent);
  const passed = LAYERS.every((layer) => layers[layer] >= scoring.gates[layer]);
  return { total, layers, tier: passed ? tierFor(total, scoring) : 'cold' };
}

/** Float noise allowance when a layer is judged short of its gate in a different summation order. */
const GATE_MARGIN = 1e-9;

const CEILINGS = new WeakMap<Scoring, Record<Layer, number>>();

/** Per layer, the most points the manifest's metrics can add (each metric's top step). */
function ceilingsOf(scoring: Scoring): Record<Layer, number> {
  let ceilings = CEILINGS.get(scoring);
  if (!ceilings) {
    ceilings = { behavioral: 0, organizational: 0, intent: 0 } as Record<Layer, number>;
    for (const metric of scoring.metrics) {
      ceilings[metric.layer] += Math.max(0, ...metric.steps.map(([, points]) => points));
    }
    CEILINGS.set(scoring, ceilings);
  }
  return ceilings;
}
