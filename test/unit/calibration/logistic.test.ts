import { describe, expect, it } from 'vitest';
import {
  auc,
  chooseLambda,
  fitLogistic,
  logLoss,
  predictProbability,
  sigmoid,
  solve,
} from '../../../src/calibration/logistic.js';
import { createRng } from '../../../src/domain/rng.js';

/** y = 1 exactly when x0 > 0: separable, x1 is noise. */
function separable(n: number, seed: number): { x: number[][]; y: number[] } {
  const rng = createRng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = rng.next() * 2 - 1;
    x.push([x0, rng.next()]);
    y.push(x0 > 0 ? 1 : 0);
  }
  return { x, y };
}

const norm = (w: number[]) => Math.sqrt(w.reduce((s, v) => s + v * v, 0));

describe('fitLogistic', () => {
  it('separates separable data, with the weight on the feature that separates', () => {
    const { x, y } = separable(200, 1);
    const fit = fitLogistic(x, y, { lambda: 0.01 });
    expect(fit.converged).toBe(true);
    expect(fit.weights[0]!).toBeGreaterThan(5);
    expect(Math.abs(fit.weights[1]!)).toBeLessThan(fit.weights[0]! / 5);
    const p = x.map((row) => predictProbability(fit, row));
    expect(auc(p, y)!).toBeGreaterThan(0.999);
    const right = p.filter((pi, i) => (pi > 0.5 ? 1 : 0) === y[i]).length;
    expect(right / y.length).toBeGreaterThan(0.97);
  });

  it('stays finite on separable data: the penalty keeps the weights from running away', () => {
    const { x, y } = separable(50, 2);
    const fit = fitLogistic(x, y, { lambda: 1e-6, maxIterations: 200 });
    expect(Number.isFinite(fit.intercept)).toBe(true);
    expect(fit.weights.every(Number.isFinite)).toBe(true);
  });

  it('shrinks the weights as λ grows', () => {
    const { x, y } = separable(200, 3);
    const norms = [0.01, 0.1, 1, 10, 100].map((lambda) => norm(fitLogistic(x, y, { lambda }).standardized));
    for (let i = 1; i < norms.length; i++) expect(norms[i]!).toBeLessThan(norms[i - 1]!);
    expect(norms[4]!).toBeLessThan(norms[0]! / 10);
  });

  it('recovers known coefficients from data drawn from a logistic model', () => {
    const rng = createRng(4);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const row = [rng.next() * 4 - 2, rng.next() * 4 - 2];
      x.push(row);
      y.push(rng.chance(sigmoid(-0.5 + 1.5 * row[0]! - 1 * row[1]!)) ? 1 : 0);
    }
    const fit = fitLogistic(x, y, { lambda: 0.01 });
    expect(fit.intercept).toBeCloseTo(-0.5, 0);
    expect(fit.weights[0]!).toBeCloseTo(1.5, 0);
    expect(fit.weights[1]!).toBeCloseTo(-1, 0);
  });

  it('gives a constant feature no weight instead of failing', () => {
    const { x, y } = separable(100, 5);
    const fit = fitLogistic(
      x.map((row) => [...row, 7]),
      y,
      { lambda: 1 },
    );
    expect(fit.weights[2]).toBe(0);
    expect(fit.standardized[2]).toBe(0);
  });

  it('is deterministic', () => {
    const { x, y } = separable(150, 6);
    expect(fitLogistic(x, y, { lambda: 0.3 })).toEqual(fitLogistic(x, y, { lambda: 0.3 }));
  });
});

describe('auc', () => {
  it('is the share of (positive, negative) pairs ranked right: a known small example', () => {
    // Pairs: (0.35 vs 0.1) ✓, (0.35 vs 0.4) ✗, (0.8 vs 0.1) ✓, (0.8 vs 0.4) ✓ → 3/4.
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('counts ties as half, and is 1, 0 or null at the extremes', () => {
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(auc([1, 2], [1, 1])).toBeNull();
    expect(auc([], [])).toBeNull();
  });
});

describe('chooseLambda', () => {
  it('picks the λ with the lowest cross-validated log loss, deterministically', () => {
    const { x, y } = separable(120, 7);
    const grid = [0.01, 1, 1000];
    const chosen = chooseLambda(x, y, (i) => i % 4, 4, grid);
    expect(chosen).not.toBe(1000); // a huge penalty flattens every prediction to the base rate
    expect(chooseLambda(x, y, (i) => i % 4, 4, grid)).toBe(chosen);
  });
});

describe('helpers', () => {
  it('solves a small linear system', () => {
    const out = solve(
      [
        [2, 1],
        [1, 3],
      ],
      [3, 5],
    );
    expect(out[0]!).toBeCloseTo(0.8, 12);
    expect(out[1]!).toBeCloseTo(1.4, 12);
  });

  it('computes log loss and a stable sigmoid', () => {
    expect(logLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.log(2), 12);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });
});
