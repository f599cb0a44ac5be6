/**
 * Comparing two engines (A and B) on one metric.
 *
 * Orientation: every ratio here is "A's advantage", so a ratio above 1 always means
 * A is better, whatever the metric's direction:
 *   lower is better (latency, memory):   ratio = median(B) / median(A)
 *   higher is better (tokens/s):         ratio = median(A) / median(B)
 * "A is 1.8× faster" therefore reads straight off a ratio of 1.8. When B is better
 * the sentence names B first and inverts the ratio and its CI.
 *
 * compareSamples: one fixture. CI of the ratio by percentile bootstrap resampling
 * each group independently (fixed seed); significance by the two-sided
 * Mann–Whitney U test. The verdict is `insufficient-data` when the group sizes
 * cannot reach significance at all (smallest attainable exact p > alpha, e.g. 3 vs
 * 3 gives 0.1), so a "no difference" is never claimed from a test that could not
 * have found one.
 *
 * compareAcrossFixtures: a set of fixtures, paired by fixture. Each fixture gives
 * its ratio of medians; the summary is their geometric mean, its CI a bootstrap
 * over fixtures (fixtures are the sampling unit; within-fixture noise is already
 * in each median and is not resampled again), and significance the Wilcoxon
 * signed-rank test on the log ratios (H0: the ratio is symmetric around 1).
 */
import { bootstrapCi, bootstrapTwoSampleCi, DEFAULT_RESAMPLES, medianInPlace, type Interval } from './bootstrap.js';
import { mannWhitneyMinimumPValue, mannWhitneyU } from './mann-whitney.js';
import { median } from './percentile.js';
import { DEFAULT_SEED } from './rng.js';
import { wilcoxonMinimumPValue, wilcoxonSignedRank } from './wilcoxon.js';

export const DEFAULT_ALPHA = 0.05;

export type ComparisonVerdict = 'a-faster' | 'b-faster' | 'no-significant-difference' | 'insufficient-data';

export interface CompareOptions {
  seed?: number;
  resamples?: number;
  alpha?: number;
  labelA?: string;
  labelB?: string;
  /** Unit of the values, shown beside the medians in the sentence (e.g. `ms`). */
  unit?: string;
  /** True (the default) for latency and memory; false for throughput. */
  lowerIsBetter?: boolean;
  /** Word for "better" in the sentence: `faster` by default (e.g. `leaner` for memory). */
  betterWord?: string;
}

export interface PairComparison {
  /** A's advantage (see the file comment): above 1 means A is better. NaN when a median is 0 or a group empty. */
  ratioOfMedians: number;
  ratioCi95: [number, number] | null;
  pValue: number | null;
  test: 'mann-whitney-u';
  significant: boolean;
  nA: number;
  nB: number;
  medianA: number | null;
  medianB: number | null;
  verdict: ComparisonVerdict;
  sentence: string;
}

export interface FixtureSetComparison {
  /** Geometric mean over fixtures of A's advantage ratio: above 1 means A is better. */
  geometricMeanRatio: number;
  /** The same number as geometricMeanRatio, so both comparison kinds can be read alike. */
  ratioOfMedians: number;
  ratioCi95: [number, number] | null;
  /** Per-fixture ratios of medians in input order (NaN where a fixture had no usable data). */
  perFixtureRatios: number[];
  pValue: number | null;
  test: 'wilcoxon-signed-rank';
  significant: boolean;
  /** Fixtures that entered the comparison. */
  fixtures: number;
  verdict: ComparisonVerdict;
  sentence: string;
}

function advantageRatio(medianA: number, medianB: number, lowerIsBetter: boolean): number {
  const ratio = lowerIsBetter ? medianB / medianA : medianA / medianB;
  return Number.isFinite(ratio) && ratio > 0 ? ratio : Number.NaN;
}

function formatRatio(ratio: number): string {
  return ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2);
}

function formatP(pValue: number): string {
  if (pValue < 0.001) return 'p<0.001';
  return `p=${pValue < 0.01 ? pValue.toFixed(4) : pValue.toFixed(3)}`;
}

function formatValue(value: number, unit: string | undefined): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return unit ? `${value.toFixed(digits)} ${unit}` : value.toFixed(digits);
}

function verdictFor(ratio: number, significant: boolean): ComparisonVerdict {
  if (!significant) return 'no-significant-difference';
  return ratio >= 1 ? 'a-faster' : 'b-faster';
}

/** "X is r× better than Y (95% CI lo–hi, ...)" with the winner first. */
function leadClause(
  verdict: ComparisonVerdict,
  ratio: number,
  ci: Interval | null,
  labels: { a: string; b: string; betterWord: string; qualifier?: string },
): string {
  const { a: labelA, b: labelB, betterWord } = labels;
  const aLeads = verdict === 'a-faster';
  const shown = aLeads ? ratio : 1 / ratio;
  const shownCi = ci === null ? null : aLeads ? ci : ([1 / ci[1], 1 / ci[0]] as Interval);
  const ciText = shownCi ? `95% CI ${formatRatio(shownCi[0])}–${formatRatio(shownCi[1])}, ` : '';
  const qualifier = labels.qualifier ? `${labels.qualifier}, ` : '';
  return `${aLeads ? labelA : labelB} is ${formatRatio(shown)}× ${betterWord} than ${aLeads ? labelB : labelA} (${qualifier}${ciText}`;
}

export function compareSamples(groupA: readonly number[], groupB: readonly number[], options: CompareOptions = {}): PairComparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const lowerIsBetter = options.lowerIsBetter ?? true;
  const labelA = options.labelA ?? 'A';
  const labelB = options.labelB ?? 'B';
  const betterWord = options.betterWord ?? 'faster';
  const nA = groupA.length;
  const nB = groupB.length;
  const medianA = nA > 0 ? median(groupA) : null;
  const medianB = nB > 0 ? median(groupB) : null;
  const ratio = medianA !== null && medianB !== null ? advantageRatio(medianA, medianB, lowerIsBetter) : Number.NaN;
  const counts = `n=${nA} vs ${nB}`;

  if (nA < 2 || nB < 2 || !Number.isFinite(ratio)) {
    return {
      ratioOfMedians: ratio,
      ratioCi95: null,
      pValue: null,
      test: 'mann-whitney-u',
      significant: false,
      nA,
      nB,
      medianA,
      medianB,
      verdict: 'insufficient-data',
      sentence: `insufficient data to compare ${labelA} with ${labelB} (${counts})`,
    };
  }

  const ratioCi95 = bootstrapTwoSampleCi(
    groupA,
    groupB,
    (resampleA, resampleB) => advantageRatio(medianInPlace(resampleA), medianInPlace(resampleB), lowerIsBetter),
    { seed: options.seed ?? DEFAULT_SEED, resamples: options.resamples ?? DEFAULT_RESAMPLES },
  );
  const { pValue } = mannWhitneyU(groupA, groupB);
  const canReachSignificance = mannWhitneyMinimumPValue(nA, nB) <= alpha;
  const significant = canReachSignificance && pValue < alpha;
  const verdict: ComparisonVerdict = canReachSignificance ? verdictFor(ratio, significant) : 'insufficient-data';
  const medians = `medians ${formatValue(medianA as number, options.unit)} vs ${formatValue(medianB as number, options.unit)}`;
  const tail = `Mann–Whitney ${formatP(pValue)}, ${counts})`;
  let sentence: string;
  if (verdict === 'a-faster' || verdict === 'b-faster') {
    sentence = `${leadClause(verdict, ratio, ratioCi95, { a: labelA, b: labelB, betterWord })}${tail}`;
  } else {
    const ciText = ratioCi95 ? `, 95% CI ${formatRatio(ratioCi95[0])}–${formatRatio(ratioCi95[1])}` : '';
    const reason = verdict === 'insufficient-data' ? `insufficient data: ${counts} cannot reach p<${alpha}` : 'no significant difference';
    sentence = `${reason} between ${labelA} and ${labelB} (${labelA}'s advantage ${formatRatio(ratio)}×${ciText}, ${medians}, Mann–Whitney ${formatP(pValue)}, ${counts})`;
  }
  return { ratioOfMedians: ratio, ratioCi95, pValue, test: 'mann-whitney-u', significant, nA, nB, medianA, medianB, verdict, sentence };
}

export function compareAcrossFixtures(
  pairs: ReadonlyArray<{ a: readonly number[]; b: readonly number[] }>,
  options: CompareOptions = {},
): FixtureSetComparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const lowerIsBetter = options.lowerIsBetter ?? true;
  const labelA = options.labelA ?? 'A';
  const labelB = options.labelB ?? 'B';
  const betterWord = options.betterWord ?? 'faster';
  const perFixtureRatios = pairs.map(({ a, b }) => (a.length > 0 && b.length > 0 ? advantageRatio(median(a), median(b), lowerIsBetter) : Number.NaN));
  const logRatios = perFixtureRatios.filter(Number.isFinite).map(Math.log);
  const fixtures = logRatios.length;
  const geometricMeanRatio = fixtures > 0 ? Math.exp(logRatios.reduce((sum, value) => sum + value, 0) / fixtures) : Number.NaN;

  if (fixtures < 2) {
    return {
      geometricMeanRatio,
      ratioOfMedians: geometricMeanRatio,
      ratioCi95: null,
      perFixtureRatios,
      pValue: null,
      test: 'wilcoxon-signed-rank',
      significant: false,
      fixtures,
      verdict: 'insufficient-data',
      sentence: `insufficient data to compare ${labelA} with ${labelB} across fixtures (${fixtures} usable fixture${fixtures === 1 ? '' : 's'})`,
    };
  }

  const meanOf = (resample: Float64Array): number => resample.reduce((sum, value) => sum + value, 0) / resample.length;
  const logCi = bootstrapCi(logRatios, { seed: options.seed ?? DEFAULT_SEED, resamples: options.resamples ?? DEFAULT_RESAMPLES }, meanOf);
  const ratioCi95: Interval | null = logCi ? [Math.exp(logCi[0]), Math.exp(logCi[1])] : null;
  const { pValue, n: nonZero } = wilcoxonSignedRank(logRatios);
  const canReachSignificance = wilcoxonMinimumPValue(nonZero) <= alpha;
  const significant = canReachSignificance && pValue < alpha;
  const verdict: ComparisonVerdict = canReachSignificance ? verdictFor(geometricMeanRatio, significant) : 'insufficient-data';
  const tail = `Wilcoxon signed-rank ${formatP(pValue)}, ${fixtures} fixtures)`;
  let sentence: string;
  if (verdict === 'a-faster' || verdict === 'b-faster') {
    const qualifier = 'geometric mean over fixtures';
    sentence = `${leadClause(verdict, geometricMeanRatio, ratioCi95, { a: labelA, b: labelB, betterWord, qualifier })}${tail}`;
  } else {
    const ciText = ratioCi95 ? `, 95% CI ${formatRatio(ratioCi95[0])}–${formatRatio(ratioCi95[1])}` : '';
    const reason =
      verdict === 'insufficient-data' ? `insufficient data: ${fixtures} fixtures cannot reach p<${alpha}` : 'no significant difference';
    sentence = `${reason} between ${labelA} and ${labelB} (geometric mean of ${labelA}'s advantage ${formatRatio(geometricMeanRatio)}×${ciText}, ${tail}`;
  }
  return { geometricMeanRatio, ratioOfMedians: geometricMeanRatio, ratioCi95, perFixtureRatios, pValue, test: 'wilcoxon-signed-rank', significant, fixtures, verdict, sentence };
}
