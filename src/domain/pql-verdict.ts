/**
 * Whether a PQL→won rate says anything about the PQL definition yet. A healthy definition
 * converts 10–40 % of the alerts reps work; 3 won of 7 is 43 %, but so is luck. The verdict
 * comes from the 95 % Wilson score interval of the rate: "too tight" only when the whole
 * interval is above 40 %, "too loose" only when it is below 10 %, "healthy" only when it lies
 * inside the band; otherwise no verdict, and how many more outcomes at this rate would give one.
 * Wilson's interval rather than the normal approximation: it stays inside [0, 1] and is honest
 * for small counts and rates near 0 (https://en.wikipedia.org/wiki/Binomial_proportion_confidence_interval).
 */

export const HEALTHY_FROM = 0.1;
export const HEALTHY_TO = 0.4;
/** z for a two-sided 95 % interval. */
const Z = 1.959964;
/** Beyond this many more outcomes the report says "more than": the rate sits on a band edge. */
export const MORE_NEEDED_CAP = 10_000;

export type PqlVerdict = 'too-loose' | 'healthy' | 'too-tight' | 'undecided';

export interface RateVerdict {
  verdict: PqlVerdict;
  /** The 95 % Wilson interval of won ÷ outcomes; null without outcomes. */
  interval: readonly [low: number, high: number] | null;
  /**
   * Undecided: how many more outcomes at the same rate would settle it (null when more than
   * `MORE_NEEDED_CAP`, or without outcomes to take a rate from).
   */
  moreNeeded: number | null;
}

/** The 95 % Wilson score interval for `won` successes in `n` trials. */
export function wilsonInterval(won: number, n: number): readonly [number, number] {
  if (n <= 0) return [0, 1];
  const p = won / n;
  const z2 = Z * Z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

function decide([low, high]: readonly [number, number]): PqlVerdict {
  if (high < HEALTHY_FROM) return 'too-loose';
  if (low > HEALTHY_TO) return 'too-tight';
  if (low >= HEALTHY_FROM && high <= HEALTHY_TO) return 'healthy';
  return 'undecided';
}

export function pqlVerdict(won: number, outcomes: number): RateVerdict {
  if (outcomes === 0) return { verdict: 'undecided', interval: null, moreNeeded: null };
  const interval = wilsonInterval(won, outcomes);
  const verdict = decide(interval);
  if (verdict !== 'undecided') return { verdict, interval, moreNeeded: null };
  // The interval narrows as outcomes grow at a fixed rate, so the first count that decides is
  // found by bisection.
  const rate = won / outcomes;
  const decides = (more: number) =>
    decide(wilsonInterval(rate * (outcomes + more), outcomes + more)) !== 'undecided';
  if (!decides(MORE_NEEDED_CAP)) return { verdict, interval, moreNeeded: null };
  let low = 0;
  let high = MORE_NEEDED_CAP;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (decides(mid)) high = mid;
    else low = mid;
  }
  return { verdict, interval, moreNeeded: high };
}
