/**
 * Two-sided Wilcoxon signed-rank test on paired differences (here: per-fixture log
 * ratios of medians). Zero differences are dropped first (Wilcoxon's original
 * treatment, scipy's zero_method="wilcox").
 *
 * - Exact: no ties among |d| and at most EXACT_LIMIT non-zero differences; p = 2 ·
 *   min(P(W+ ≤ w), P(W+ ≥ w)), capped at 1, matching scipy.stats.wilcoxon(method="exact").
 * - Otherwise: normal approximation with tie-corrected variance and a 0.5 continuity
 *   correction, matching scipy.stats.wilcoxon(method="asymptotic", correction=True).
 */
import { normalUpperTail } from './normal.js';
import { rankWithTies, tieTerm } from './ranks.js';

export const WILCOXON_EXACT_LIMIT = 50;

export interface WilcoxonResult {
  /** Sum of the ranks of positive differences. */
  wPlus: number;
  /** Non-zero differences used. */
  n: number;
  pValue: number;
  method: 'exact' | 'normal-approximation';
}

/** Number of sign assignments of ranks 1..n giving each value of W+. */
function exactWCounts(size: number): Float64Array {
  const maxW = (size * (size + 1)) / 2;
  const counts = new Float64Array(maxW + 1);
  counts[0] = 1;
  for (let rank = 1; rank <= size; rank++) {
    for (let w = maxW; w >= rank; w--) counts[w] = (counts[w] as number) + (counts[w - rank] as number);
  }
  return counts;
}

/** The smallest two-sided p-value the exact test can reach with n non-zero differences: 2 / 2^n. */
export function wilcoxonMinimumPValue(size: number): number {
  return Math.min(1, 2 / 2 ** size);
}

export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const nonZero = differences.filter((difference) => difference !== 0);
  const size = nonZero.length;
  if (size === 0) return { wPlus: 0, n: 0, pValue: 1, method: 'exact' };
  const { ranks, tieSizes } = rankWithTies(nonZero.map(Math.abs));
  const wPlus = nonZero.reduce((sum, difference, index) => (difference > 0 ? sum + (ranks[index] as number) : sum), 0);

  if (tieSizes.length === 0 && size <= WILCOXON_EXACT_LIMIT) {
    const counts = exactWCounts(size);
    let total = 0;
    let atMost = 0;
    let atLeast = 0;
    counts.forEach((ways, w) => {
      total += ways;
      if (w <= wPlus) atMost += ways;
      if (w >= wPlus) atLeast += ways;
    });
    return { wPlus, n: size, pValue: Math.min(1, (2 * Math.min(atMost, atLeast)) / total), method: 'exact' };
  }

  const mean = (size * (size + 1)) / 4;
  const variance = (size * (size + 1) * (2 * size + 1)) / 24 - tieTerm(tieSizes) / 48;
  if (variance <= 0) return { wPlus, n: size, pValue: 1, method: 'normal-approximation' };
  const z = Math.max(0, Math.abs(wPlus - mean) - 0.5) / Math.sqrt(variance);
  return { wPlus, n: size, pValue: Math.min(1, 2 * normalUpperTail(z)), method: 'normal-approximation' };
}
