/**
 * The summary of one metric over a cell's counted samples, in the shape of
 * SummarySchema (src/results/schema.ts).
 */
import type { Summary } from '../results/schema.js';
import { bootstrapCi, DEFAULT_RESAMPLES } from './bootstrap.js';
import { tukeyOutliers } from './outliers.js';
import { percentile, sortAscending } from './percentile.js';
import { DEFAULT_SEED } from './rng.js';

/**
 * p99 is reported only from 100 samples on: below that, the top 1% holds no
 * sample at all, and type-7 p99 is an interpolation between the two largest
 * values — the maximum wearing a different name.
 */
export const MIN_SAMPLES_FOR_P99 = 100;

export interface SummarizeOptions {
  /** Bootstrap seed, 42 by default. */
  seed?: number;
  /** Bootstrap resamples, 2000 by default. */
  resamples?: number;
}

/**
 * Throws RangeError on an empty sample or a non-finite value: callers filter out
 * nulls (e.g. TTFT of a run without tokens) and skip metrics with no values.
 */
export function summarize(values: readonly number[], options: SummarizeOptions = {}): Summary {
  const n = values.length;
  if (n === 0) throw new RangeError('summarize needs at least one value');
  if (!values.every(Number.isFinite)) throw new RangeError('summarize got a non-finite value');
  const sorted = sortAscending(values);
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  // Sample SD (n - 1). A single value has no spread to estimate; 0 keeps the document JSON-true.
  const sd = n < 2 ? 0 : Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
  const median = percentile(sorted, 50);
  const medianCi95 = bootstrapCi(values, {
    seed: options.seed ?? DEFAULT_SEED,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    level: 0.95,
  });
  const rme = medianCi95 !== null && median !== 0 ? (medianCi95[1] - medianCi95[0]) / 2 / Math.abs(median) : null;
  const summary: Summary = {
    n,
    median,
    mean,
    sd,
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    p50: median,
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: n >= MIN_SAMPLES_FOR_P99 ? percentile(sorted, 99) : null,
    medianCi95,
    rme,
  };
  if (summary.p99 === null) {
    summary.p99Note = `p99 needs at least ${MIN_SAMPLES_FOR_P99} samples (n=${n}); below that it is just the maximum`;
  }
  const outliers = tukeyOutliers(values);
  if (outliers) summary.outliers = outliers;
  return summary;
}
