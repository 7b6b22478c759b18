/** Latency samples in milliseconds, kept whole (a run holds at most a few hundred thousand). */
export interface LatencyRecorder {
  record(ms: number): void;
  readonly count: number;
  /** The p-th percentile (0–100), nearest rank; NaN when empty. */
  percentile(p: number): number;
  max(): number;
  mean(): number;
  summary(): LatencySummary;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function createRecorder(): LatencyRecorder {
  let samples = new Float64Array(1024);
  let count = 0;
  let sorted: Float64Array | null = null;
  const ordered = () => {
    sorted ??= samples.slice(0, count).sort();
    return sorted;
  };
  return {
    record(ms) {
      if (count === samples.length) {
        const grown = new Float64Array(samples.length * 2);
        grown.set(samples);
        samples = grown;
      }
      samples[count++] = ms;
      sorted = null;
    },
    get count() {
      return count;
    },
    percentile(p) {
      if (count === 0) return Number.NaN;
      const values = ordered();
      return values[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))]!;
    },
    max() {
      return count === 0 ? Number.NaN : ordered()[count - 1]!;
    },
    mean() {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += samples[i]!;
      return count === 0 ? Number.NaN : sum / count;
    },
    summary() {
      return {
        count,
        p50: this.percentile(50),
        p90: this.percentile(90),
        p99: this.percentile(99),
        max: this.max(),
        mean: this.mean(),
      };
    },
  };
}
