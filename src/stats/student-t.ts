/**
 * Student's t distribution and the one-sample t procedures built on it.
 *
 * Verdicts use these rather than the bootstrap because their numbers can be recomputed
 * exactly by any statistics package from results.json (scipy.stats.ttest_1samp and
 * scipy.stats.t.ppf give the same p-value and interval), and because with the handful of
 * replicated processes a run has, a percentile bootstrap has too few distinct resamples to
 * cover honestly.
 *
 * The distribution function goes through the regularized incomplete beta function,
 * evaluated by its continued fraction (modified Lentz), the textbook route:
 *   P(|T| > t) = I_{df/(df+t²)}(df/2, 1/2).
 */

const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 500;

/** ln Γ(x) for x > 0, Lanczos approximation (g = 7, 9 terms): about 15 significant digits. */
export function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = coefficients[0] as number;
  for (let i = 1; i < coefficients.length; i++) sum += (coefficients[i] as number) / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (valid for x < (a+1)/(a+b+2)). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    const even = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    result *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < EPSILON) break;
  }
  return result;
}

/** The regularized incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1 and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast on one side of the mean; use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) on the other.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(|T| ≥ |t|) for T ~ Student's t with `df` degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t with P(|T| ≥ t) = 1 - level: the multiplier of a two-sided `level` interval. */
export function studentTCritical(level: number, df: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const tail = 1 - level;
  // Bisection on a bracket that always holds it (the two-sided p falls monotonically in t).
  let low = 0;
  let high = 1;
  while (studentTTwoSidedP(high, df) > tail) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = (low + high) / 2;
    if (studentTTwoSidedP(mid, df) > tail) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

export interface OneSampleT {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  /** Standard error of the mean. */
  se: number;
  df: number;
  /** The t statistic against `mu`; ±Infinity when every value is equal and differs from `mu`. */
  t: number;
  /** Two-sided p-value against `mu`: 1 when every value equals `mu`, 0 when they all equal something else. */
  pValue: number;
  /** The `level` confidence interval of the mean: mean ± t_crit · se (a single point when sd is 0). */
  ci: [number, number];
  level: number;
}

/**
 * The one-sample t procedures (the paired t-test when the values are paired differences or
 * log ratios): as scipy.stats.ttest_1samp and the t-interval. Null with fewer than 2 values.
 */
export function oneSampleT(values: readonly number[], options: { mu?: number; level?: number } = {}): OneSampleT | null {
  const n = values.length;
  if (n < 2) return null;
  if (!values.every(Number.isFinite)) throw new RangeError('oneSampleT got a non-finite value');
  const mu = options.mu ?? 0;
  const level = options.level ?? 0.95;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const sd = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  // Values equal to rounding error count as identical: their spread carries no information.
  const degenerate = se <= 1e-12 * Math.max(1, Math.abs(mean));
  if (degenerate) {
    const equal = Math.abs(mean - mu) <= 1e-12 * Math.max(1, Math.abs(mu));
    return { n, mean, sd: 0, se: 0, df, t: equal ? 0 : Math.sign(mean - mu) * Infinity, pValue: equal ? 1 : 0, ci: [mean, mean], level };
  }
  const t = (mean - mu) / se;
  const half = studentTCritical(level, df) * se;
  return { n, mean, sd, se, df, t, pValue: studentTTwoSidedP(t, df), ci: [mean - half, mean + half], level };
}

export interface WelchT {
  nA: number;
  nB: number;
  /** mean(B) - mean(A). */
  difference: number;
  se: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  t: number;
  pValue: number;
  /** The `level` interval of mean(B) - mean(A). */
  ci: [number, number];
  level: number;
}

/**
 * Welch's unequal-variance t procedures for two independent groups (as
 * scipy.stats.ttest_ind(b, a, equal_var=False)). Null when either group has fewer than 2 values.
 */
export function welchT(groupA: readonly number[], groupB: readonly number[], options: { level?: number } = {}): WelchT | null {
  const nA = groupA.length;
  const nB = groupB.length;
  if (nA < 2 || nB < 2) return null;
  if (![...groupA, ...groupB].every(Number.isFinite)) throw new RangeError('welchT got a non-finite value');
  const level = options.level ?? 0.95;
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = (values: readonly number[], m: number) => values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1);
  const meanA = mean(groupA);
  const meanB = mean(groupB);
  const vA = variance(groupA, meanA) / nA;
  const vB = variance(groupB, meanB) / nB;
  const difference = meanB - meanA;
  const se = Math.sqrt(vA + vB);
  if (se <= 1e-12 * Math.max(1, Math.abs(meanA), Math.abs(meanB))) {
    const equal = Math.abs(difference) <= 1e-12 * Math.max(1, Math.abs(meanA));
    return { nA, nB, difference, se: 0, df: nA + nB - 2, t: equal ? 0 : Math.sign(difference) * Infinity, pValue: equal ? 1 : 0, ci: [difference, difference], level };
  }
  const df = (vA + vB) ** 2 / ((vA * vA) / (nA - 1) + (vB * vB) / (nB - 1));
  const t = difference / se;
  const half = studentTCritical(level, df) * se;
  return { nA, nB, difference, se, df, t, pValue: studentTTwoSidedP(t, df), ci: [difference - half, difference + half], level };
}
