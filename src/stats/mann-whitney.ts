/**
 * Two-sided Mann–Whitney U (Wilcoxon rank-sum) test.
 *
 * - Exact: when there are no ties and both groups have at most EXACT_LIMIT values,
 *   the p-value comes from the exact null distribution of U (all C(nA+nB, nA)
 *   arrangements equally likely): p = 2 · P(U ≥ max(U_A, U_B)), capped at 1. This
 *   matches scipy.stats.mannwhitneyu(method="exact").
 * - Otherwise: the normal approximation with the tie-corrected variance and a 0.5
 *   continuity correction, matching scipy.stats.mannwhitneyu(method="asymptotic",
 *   use_continuity=True).
 */
import { normalUpperTail } from './normal.js';
import { rankWithTies, tieTerm } from './ranks.js';

export const EXACT_LIMIT = 50;

export interface MannWhitneyResult {
  /** U statistic of group A: the number of (a, b) pairs with a > b, ties counting ½. */
  uA: number;
  uB: number;
  pValue: number;
  method: 'exact' | 'normal-approximation';
}

/** Number of arrangements giving each value of U, for group sizes m and n (no ties). */
function exactUCounts(sizeA: number, sizeB: number): Float64Array {
  const maxU = sizeA * sizeB;
  // counts[j][u]: arrangements of the values seen so far with j of them from A and statistic u.
  let counts: Float64Array[] = Array.from({ length: sizeA + 1 }, () => new Float64Array(maxU + 1));
  (counts[0] as Float64Array)[0] = 1;
  for (let seen = 0; seen < sizeA + sizeB; seen++) {
    const next = Array.from({ length: sizeA + 1 }, () => new Float64Array(maxU + 1));
    for (let fromA = 0; fromA <= Math.min(seen, sizeA); fromA++) {
      const fromB = seen - fromA;
      if (fromB > sizeB) continue;
      const row = counts[fromA] as Float64Array;
      for (let u = 0; u <= maxU; u++) {
        const ways = row[u] as number;
        if (ways === 0) continue;
        // The next value in ascending order is from A: it beats all B values seen so far.
        if (fromA < sizeA) (next[fromA + 1] as Float64Array)[u + fromB] = ((next[fromA + 1] as Float64Array)[u + fromB] as number) + ways;
        if (fromB < sizeB) (next[fromA] as Float64Array)[u] = ((next[fromA] as Float64Array)[u] as number) + ways;
      }
    }
    counts = next;
  }
  return counts[sizeA] as Float64Array;
}

/** The smallest two-sided p-value the exact test can reach with these group sizes: 2 / C(nA+nB, nA). */
export function mannWhitneyMinimumPValue(sizeA: number, sizeB: number): number {
  let arrangements = 1;
  for (let step = 1; step <= sizeA; step++) arrangements = (arrangements * (sizeB + step)) / step;
  return Math.min(1, 2 / arrangements);
}

export function mannWhitneyU(groupA: readonly number[], groupB: readonly number[]): MannWhitneyResult {
  const sizeA = groupA.length;
  const sizeB = groupB.length;
  if (sizeA === 0 || sizeB === 0) throw new RangeError('Mann–Whitney U needs at least one value in each group');
  const { ranks, tieSizes } = rankWithTies([...groupA, ...groupB]);
  const rankSumA = ranks.slice(0, sizeA).reduce((sum, rank) => sum + rank, 0);
  const uA = rankSumA - (sizeA * (sizeA + 1)) / 2;
  const uB = sizeA * sizeB - uA;
  const uLarger = Math.max(uA, uB);

  if (tieSizes.length === 0 && sizeA <= EXACT_LIMIT && sizeB <= EXACT_LIMIT) {
    const counts = exactUCounts(sizeA, sizeB);
    let total = 0;
    let atLeast = 0;
    counts.forEach((ways, u) => {
      total += ways;
      if (u >= uLarger) atLeast += ways;
    });
    return { uA, uB, pValue: Math.min(1, (2 * atLeast) / total), method: 'exact' };
  }

  const total = sizeA + sizeB;
  const mean = (sizeA * sizeB) / 2;
  const variance = ((sizeA * sizeB) / 12) * (total + 1 - tieTerm(tieSizes) / (total * (total - 1)));
  if (variance <= 0) return { uA, uB, pValue: 1, method: 'normal-approximation' };
  const z = (uLarger - mean - 0.5) / Math.sqrt(variance);
  return { uA, uB, pValue: Math.min(1, 2 * normalUpperTail(z)), method: 'normal-approximation' };
}
