/**
 * L2-regularised logistic regression, fitted by Newton's method (IRLS) on standardized features,
 * with a backtracking line search so every step improves the penalised likelihood. Deterministic:
 * no random start, no sampling; the same data gives the same weights to the last bit.
 *
 * Penalty: (λ/2)·Σ βⱼ² over the standardized coefficients, intercept unpenalised. Standardizing
 * first makes λ mean the same for every feature whatever its units, and a feature that never
 * varies gets weight 0 (it carries no information) instead of breaking the solve.
 */

export interface LogisticFit {
  /** On the raw features: logit = intercept + Σ weights[j]·x[j]. */
  intercept: number;
  weights: number[];
  /** The coefficients on standardized features (comparable across features). */
  standardized: number[];
  means: number[];
  scales: number[];
  lambda: number;
  iterations: number;
  converged: boolean;
}

export interface FitOptions {
  lambda: number;
  maxIterations?: number;
  tolerance?: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function fitLogistic(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: FitOptions,
): LogisticFit {
  const n = x.length;
  const d = n > 0 ? x[0]!.length : 0;
  const lambda = Math.max(options.lambda, 1e-9);
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;

  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) means[j]! += row[j]! / n;
  for (const row of x) for (let j = 0; j < d; j++) scales[j]! += (row[j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scales[j] = Math.sqrt(scales[j]!);
  const active = scales.map((s) => s > 1e-12);

  // Design matrix: column 0 the intercept, then the standardized features (0 when constant).
  const z = x.map((row) => [1, ...row.map((v, j) => (active[j] ? (v - means[j]!) / scales[j]! : 0))]);
  const k = d + 1;
  let beta = new Array<number>(k).fill(0);
  const objective = (b: number[]) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const eta = dot(z[i]!, b);
      total -= y[i]! === 1 ? softplus(-eta) : softplus(eta);
    }
    for (let j = 1; j < k; j++) total -= (lambda / 2) * b[j]! ** 2;
    return total;
  };

  let current = objective(beta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const gradient = new Array<number>(k).fill(0);
    const hessian = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < n; i++) {
      const row = z[i]!;
      const p = sigmoid(dot(row, beta));
      const w = Math.max(p * (1 - p), 1e-12);
      const residual = y[i]! - p;
      for (let a = 0; a < k; a++) {
        gradient[a]! += row[a]! * residual;
        const wa = w * row[a]!;
        if (wa === 0) continue;
        for (let b = a; b < k; b++) hessian[a]![b]! += wa * row[b]!;
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hessian[a]![b] = hessian[b]![a]!;
    for (let j = 1; j < k; j++) {
      gradient[j]! -= lambda * beta[j]!;
      hessian[j]![j]! += lambda;
    }
    hessian[0]![0]! += 1e-9;
    const step = solve(hessian, gradient);
    // Backtracking: halve the Newton step until the penalised likelihood improves.
    let scale = 1;
    let next = beta;
    let value = current;
    for (let tries = 0; tries < 30; tries++) {
      const candidate = beta.map((b, j) => b + scale * step[j]!);
      const candidateValue = objective(candidate);
      if (candidateValue >= current - 1e-12) {
        next = candidate;
        value = candidateValue;
        break;
      }
      scale /= 2;
    }
    const change = Math.max(...next.map((b, j) => Math.abs(b - beta[j]!)));
    beta = next;
    const improved = value - current;
    current = value;
    if (change < tolerance || Math.abs(improved) < tolerance * (1 + Math.abs(current))) {
      converged = true;
      break;
    }
  }

  const standardized = beta.slice(1);
  const weights = standardized.map((b, j) => (active[j] ? b / scales[j]! : 0));
  const intercept = beta[0]! - weights.reduce((sum, w, j) => sum + w * means[j]!, 0);
  return { intercept, weights, standardized, means, scales, lambda, iterations, converged };
}

export function predictLogit(fit: LogisticFit, row: readonly number[]): number {
  return fit.intercept + dot(row, fit.weights);
}

export function predictProbability(fit: LogisticFit, row: readonly number[]): number {
  return sigmoid(predictLogit(fit, row));
}

/** Mean negative log-likelihood (log loss) of probabilities against 0/1 labels. */
export function logLoss(probabilities: readonly number[], y: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, probabilities[i]!));
    total -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return y.length === 0 ? 0 : total / y.length;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting half (Mann–Whitney U with average ranks). Null without both classes.
 */
export function auc(scores: readonly number[], y: readonly number[]): number | null {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (y[order[i]![1]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Picks λ from `grid` by k-fold cross-validated log loss; `fold(i)` assigns each example a fold
 * (deterministically: the caller hashes the account, so one account never straddles folds).
 * Ties go to the larger λ (the simpler model).
 */
export function chooseLambda(
  x: readonly (readonly number[])[],
  y: readonly number[],
  fold: (i: number) => number,
  folds: number,
  grid: readonly number[],
): number {
  let best = grid[grid.length - 1]!;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (const lambda of [...grid].sort((a, b) => b - a)) {
    let loss = 0;
    let counted = 0;
    for (let f = 0; f < folds; f++) {
      const trainX: (readonly number[])[] = [];
      const trainY: number[] = [];
      const testX: (readonly number[])[] = [];
      const testY: number[] = [];
      for (let i = 0; i < x.length; i++) {
        if (fold(i) === f) {
          testX.push(x[i]!);
          testY.push(y[i]!);
        } else {
          trainX.push(x[i]!);
          trainY.push(y[i]!);
        }
      }
      if (testX.length === 0 || new Set(trainY).size < 2) continue;
      const fit = fitLogistic(trainX, trainY, { lambda });
      loss +=
        logLoss(
          testX.map((row) => predictProbability(fit, row)),
          testY,
        ) * testX.length;
      counted += testX.length;
    }
    const mean = counted === 0 ? Number.POSITIVE_INFINITY : loss / counted;
    if (mean < bestLoss - 1e-12) {
      bestLoss = mean;
      best = lambda;
    }
  }
  return best;
}

function dot(a: readonly number[], b: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i]! * b[i]!;
  return total;
}

/** Gaussian elimination with partial pivoting; the matrix is small (one row per feature). */
export function solve(matrix: readonly (readonly number[])[], vector: readonly number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) {
      if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    }
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const lead = a[col]![col]!;
    if (Math.abs(lead) < 1e-300) continue;
    for (let row = col + 1; row < n; row++) {
      const factor = a[row]![col]! / lead;
      if (factor === 0) continue;
      for (let c = col; c <= n; c++) a[row]![c]! -= factor * a[col]![c]!;
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    const lead = a[row]![row]!;
    if (Math.abs(lead) < 1e-300) continue;
    let sum = a[row]![n]!;
    for (let c = row + 1; c < n; c++) sum -= a[row]![c]! * out[c]!;
    out[row] = sum / lead;
  }
  return out;
}
