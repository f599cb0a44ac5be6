/**
 * Percentiles by Hyndman & Fan (1996) definition 7: linear interpolation between
 * the order statistics at 0-based position h = (n - 1) * p / 100. This is numpy's
 * default (`np.percentile(x, p)`, method="linear"), R's default quantile type and
 * Excel's PERCENTILE.INC, so readers can reproduce every figure.
 */

export function sortAscending(values: readonly number[]): number[] {
  return [...values].sort((left, right) => left - right);
}

/**
 * @param sorted values in ascending order (not checked, for speed)
 * @param p percentile in [0, 100] (not a fraction)
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const count = sorted.length;
  if (count === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const position = ((count - 1) * p) / 100;
  const lowIndex = Math.floor(position);
  const highIndex = Math.min(lowIndex + 1, count - 1);
  const low = sorted[lowIndex] as number;
  const high = sorted[highIndex] as number;
  return low + (position - lowIndex) * (high - low);
}

export function median(values: readonly number[]): number {
  return percentile(sortAscending(values), 50);
}

/** The median, or null when there are no values (a figure the report shows as absent). */
export function medianOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : median(values);
}
