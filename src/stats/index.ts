/** The statistics module's public surface; the rest of vlmbench imports only from here. */
export { summarize, MIN_SAMPLES_FOR_P99, type SummarizeOptions } from './summary.js';
export { percentile, median, medianOrNull, sortAscending } from './percentile.js';
export { tukeyOutliers, MIN_SAMPLES_FOR_OUTLIERS, type Outliers } from './outliers.js';
export { bootstrapCi, bootstrapTwoSampleCi, DEFAULT_RESAMPLES, type BootstrapOptions, type Interval } from './bootstrap.js';
export { mannWhitneyU, mannWhitneyMinimumPValue, type MannWhitneyResult } from './mann-whitney.js';
export { wilcoxonSignedRank, wilcoxonMinimumPValue, type WilcoxonResult } from './wilcoxon.js';
export {
  compareSamples,
  compareAcrossFixtures,
  DEFAULT_ALPHA,
  type CompareOptions,
  type PairComparison,
  type FixtureSetComparison,
  type ComparisonVerdict,
} from './comparison.js';
export { mulberry32, DEFAULT_SEED, type Random } from './rng.js';
export { oneSampleT, studentTCritical, studentTTwoSidedP, welchT, type OneSampleT, type WelchT } from './student-t.js';
