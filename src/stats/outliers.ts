/**
 * Tukey's fences: a value below Q1 - 1.5 IQR or above Q3 + 1.5 IQR is flagged.
 * Outliers are flagged and counted, never dropped: a slow run is data (GC, thermal
 * throttling, a noisy neighbour) and the reader decides what it means.
 */
import { percentile, sortAscending } from './percentile.js';

export interface Outliers {
  method: 'iqr-1.5';
  lowFence: number;
  highFence: number;
  count: number;
  /** Positions in the input array (sample order), ascending. */
  indices: number[];
}

/** Quartiles of fewer than 4 values say nothing about spread, so no fences are drawn below that. */
export const MIN_SAMPLES_FOR_OUTLIERS = 4;

const TUKEY_K = 1.5;

export function tukeyOutliers(values: readonly number[]): Outliers | undefined {
  if (values.length < MIN_SAMPLES_FOR_OUTLIERS) return undefined;
  const sorted = sortAscending(values);
  const q1 = percentile(sorted, 25);
  const q3 = percentile(sorted, 75);
  const spread = q3 - q1;
  const lowFence = q1 - TUKEY_K * spread;
  const highFence = q3 + TUKEY_K * spread;
  const indices: number[] = [];
  values.forEach((value, index) => {
    if (value < lowFence || value > highFence) indices.push(index);
  });
  return { method: 'iqr-1.5', lowFence, highFence, count: indices.length, indices };
}
