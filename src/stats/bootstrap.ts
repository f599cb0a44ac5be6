/**
 * Percentile bootstrap confidence intervals with a fixed seed. Resamples are drawn
 * with replacement from the observed values; the interval is the (1-level)/2 and
 * (1+level)/2 percentiles (type 7) of the resampled statistic. Deterministic: the
 * same input, seed and resample count always give the same interval.
 */
import { percentile } from './percentile.js';
import { DEFAULT_SEED, mulberry32, randomIndex, type Random } from './rng.js';

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_LEVEL = 0.95;

export interface BootstrapOptions {
  seed?: number;
  resamples?: number;
  /** Confidence level in (0, 1); 0.95 by default. */
  level?: number;
}

export type Interval = [number, number];

/** Median of a scratch buffer, sorting it in place (the buffer is a resample, so order is free). */
export function medianInPlace(buffer: Float64Array): number {
  buffer.sort();
  return percentile(buffer, 50);
}

function fillResample(source: readonly number[], target: Float64Array, random: Random): void {
  for (let index = 0; index < target.length; index++) {
    target[index] = source[randomIndex(random, source.length)] as number;
  }
}

/**
 * Ends of the interval from a set of resampled statistics. Non-finite statistics
 * (e.g. a ratio over a zero median) are discarded; if more than half are, the
 * interval is meaningless and null is returned.
 */
function intervalOf(statistics: number[], level: number): Interval | null {
  const finite = statistics.filter(Number.isFinite).sort((left, right) => left - right);
  if (finite.length * 2 < statistics.length || finite.length === 0) return null;
  const tail = ((1 - level) / 2) * 100;
  return [percentile(finite, tail), percentile(finite, 100 - tail)];
}

function resolved(options: BootstrapOptions): { random: Random; resamples: number; level: number } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  if (!(Number.isInteger(resamples) && resamples > 0)) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  return { random: mulberry32(options.seed ?? DEFAULT_SEED), resamples, level };
}

/** CI of a one-sample statistic (the median by default). Null when n < 2. */
export function bootstrapCi(
  values: readonly number[],
  options: BootstrapOptions = {},
  statistic: (resample: Float64Array) => number = medianInPlace,
): Interval | null {
  if (values.length < 2) return null;
  const { random, resamples, level } = resolved(options);
  const buffer = new Float64Array(values.length);
  const statistics: number[] = [];
  for (let round = 0; round < resamples; round++) {
    fillResample(values, buffer, random);
    statistics.push(statistic(buffer));
  }
  return intervalOf(statistics, level);
}

/**
 * CI of a two-sample statistic, resampling each group independently (one shared
 * stream: group A's draws, then group B's, each round). Null when either n < 2.
 */
export function bootstrapTwoSampleCi(
  groupA: readonly number[],
  groupB: readonly number[],
  statistic: (resampleA: Float64Array, resampleB: Float64Array) => number,
  options: BootstrapOptions = {},
): Interval | null {
  if (groupA.length < 2 || groupB.length < 2) return null;
  const { random, resamples, level } = resolved(options);
  const bufferA = new Float64Array(groupA.length);
  const bufferB = new Float64Array(groupB.length);
  const statistics: number[] = [];
  for (let round = 0; round < resamples; round++) {
    fillResample(groupA, bufferA, random);
    fillResample(groupB, bufferB, random);
    statistics.push(statistic(bufferA, bufferB));
  }
  return intervalOf(statistics, level);
}
