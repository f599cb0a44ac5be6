import { describe, expect, it } from 'vitest';
import { SummarySchema } from '../src/results/schema.js';
import {
  compareAcrossFixtures,
  compareSamples,
  mannWhitneyMinimumPValue,
  mannWhitneyU,
  median,
  mulberry32,
  percentile,
  sortAscending,
  summarize,
  tukeyOutliers,
  wilcoxonSignedRank,
} from '../src/stats/index.js';
import { normalUpperTail } from '../src/stats/normal.js';

/*
 * Expected values were produced with numpy 2.4.6 / scipy 1.17.1:
 *   np.percentile([15,20,35,40,50], [0,10,25,40,50,75,90,95,99,100])
 *   np.percentile(Y, [0,10,25,50,75,90,95,99,100]); np.mean(Y); np.std(Y, ddof=1)
 *   scipy.stats.mannwhitneyu(males, females, method=...)   (the scipy docs' example)
 *   scipy.stats.wilcoxon(DARWIN)                           (the scipy docs' example, Fisher's Zea mays data)
 */
const Y = [3.1, 1.2, 9.9, 4.4, 5.0, 2.2, 7.7, 6.6, 8.8, 0.5];

describe('percentile (Hyndman–Fan type 7, numpy default)', () => {
  it('matches numpy on a 5-value vector', () => {
    // h = (n-1)p/100: p=10 → h=0.4 → 15 + 0.4·(20-15) = 17; p=99 → h=3.96 → 40 + 0.96·10 = 49.6.
    const sorted = [15, 20, 35, 40, 50];
    const ps = [0, 10, 25, 40, 50, 75, 90, 95, 99, 100];
    const expected = [15, 17, 20, 29, 35, 40, 46, 48, 49.6, 50];
    ps.forEach((p, index) => expect(percentile(sorted, p)).toBeCloseTo(expected[index] as number, 12));
  });

  it('matches numpy on an unsorted 10-value vector once sorted', () => {
    const sorted = sortAscending(Y);
    const ps = [0, 10, 25, 50, 75, 90, 95, 99, 100];
    const expected = [0.5, 1.13, 2.425, 4.7, 7.425, 8.91, 9.405, 9.801, 9.9];
    ps.forEach((p, index) => expect(percentile(sorted, p)).toBeCloseTo(expected[index] as number, 12));
  });

  it('rejects an empty sample and an out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
    expect(() => percentile([1, 2], 0.5 - 1)).toThrow(RangeError);
  });

  it('median of an even count is the midpoint', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('summarize', () => {
  it('gives exact mean, sample sd, median and percentiles', () => {
    const summary = summarize(Y);
    expect(SummarySchema.parse(summary)).toEqual(summary);
    expect(summary.n).toBe(10);
    expect(summary.mean).toBeCloseTo(4.94, 12);
    expect(summary.sd).toBeCloseTo(3.244893424033112, 12);
    expect(summary.median).toBeCloseTo(4.7, 12);
    expect(summary.p50).toBe(summary.median);
    expect(summary.p90).toBeCloseTo(8.91, 12);
    expect(summary.p95).toBeCloseTo(9.405, 12);
    expect(summary.min).toBe(0.5);
    expect(summary.max).toBe(9.9);
  });

  it('withholds p99 below 100 samples and reports it from 100 on', () => {
    const small = summarize(Y);
    expect(small.p99).toBeNull();
    expect(small.p99Note).toMatch(/100/);
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    const large = summarize(hundred);
    expect(large.p99).toBeCloseTo(99.01, 10); // h = 99·0.99 = 98.01 → 99 + 0.01·1
    expect(large.p99Note).toBeUndefined();
  });

  it('bootstrap CI of the median is identical under the same seed and contains the median', () => {
    const first = summarize(Y);
    const second = summarize(Y);
    expect(second.medianCi95).toEqual(first.medianCi95);
    const [low, high] = first.medianCi95 as [number, number];
    expect(low).toBeLessThanOrEqual(first.median);
    expect(high).toBeGreaterThanOrEqual(first.median);
    expect(low).toBeGreaterThanOrEqual(first.min);
    expect(high).toBeLessThanOrEqual(first.max);
    expect(first.rme).toBeCloseTo((high - low) / 2 / first.median, 12);
    // A different seed draws different resamples (pins that the seed is really used).
    const reseeded = summarize(Y, { seed: 7, resamples: 500 });
    expect(reseeded.medianCi95).not.toBeNull();
  });

  it('has no CI for a single value, and rejects empty or non-finite input', () => {
    const single = summarize([5]);
    expect(single.medianCi95).toBeNull();
    expect(single.rme).toBeNull();
    expect(single.sd).toBe(0);
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => summarize([1, Number.NaN])).toThrow(RangeError);
  });
});

describe('seeded generator', () => {
  it('is deterministic and in [0, 1)', () => {
    const first = mulberry32(42);
    const second = mulberry32(42);
    const draws = Array.from({ length: 1000 }, () => first());
    expect(Array.from({ length: 1000 }, () => second())).toEqual(draws);
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(draws[0]);
  });
});

describe('Tukey outliers', () => {
  it('flags values outside the 1.5·IQR fences and keeps them', () => {
    // numpy: Q1 = 10, Q3 = 12.25 → IQR 2.25 → fences 6.625 and 15.625.
    const values = [10, 11, 12, 10, 11, 13, 50, 1];
    const outliers = tukeyOutliers(values);
    expect(outliers).toEqual({ method: 'iqr-1.5', lowFence: 6.625, highFence: 15.625, count: 2, indices: [6, 7] });
    const summary = summarize(values);
    expect(summary.n).toBe(8);
    expect(summary.max).toBe(50);
    expect(summary.outliers?.count).toBe(2);
  });

  it('draws no fences below 4 values', () => {
    expect(tukeyOutliers([1, 2, 100])).toBeUndefined();
  });
});

describe('Mann–Whitney U', () => {
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];

  it('matches the scipy documentation example (exact, U=17, p=1/9)', () => {
    const result = mannWhitneyU(males, females);
    expect(result.uA).toBe(17);
    expect(result.uB).toBe(3);
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeCloseTo(0.1111111111111111, 12);
  });

  it('exact p for complete separation of 5 vs 5 is 2/252', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pValue).toBeCloseTo(2 / 252, 12);
    expect(mannWhitneyMinimumPValue(5, 5)).toBeCloseTo(2 / 252, 12);
    expect(mannWhitneyMinimumPValue(3, 3)).toBeCloseTo(0.1, 12);
  });

  it('uses the tie-corrected normal approximation with ties (scipy asymptotic p=0.010695)', () => {
    const result = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5, 7], [3, 4, 4, 5, 6, 6, 7, 8, 9, 9]);
    expect(result.method).toBe('normal-approximation');
    expect(result.uA).toBe(13.5);
    expect(result.pValue).toBeCloseTo(0.010695303058881776, 6);
  });

  it('uses the normal approximation for large groups (scipy asymptotic p=8.7476e-8)', () => {
    const a = Array.from({ length: 60 }, (_, index) => index + 1);
    const b = a.map((value) => value + 20.5);
    const result = mannWhitneyU(a, b);
    expect(result.method).toBe('normal-approximation');
    expect(result.pValue / 8.747567722893498e-8).toBeCloseTo(1, 5);
  });

  it('normal tail agrees with scipy.stats.norm.sf', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.96)).toBeCloseTo(0.024997895148220435, 7);
    expect(normalUpperTail(5) / 2.866515718791933e-7).toBeCloseTo(1, 5);
  });
});

describe('Wilcoxon signed-rank', () => {
  it("matches scipy's documentation example (Darwin's data, exact p=0.041259765625)", () => {
    const darwin = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
    const result = wilcoxonSignedRank(darwin);
    expect(result.method).toBe('exact');
    expect(result.n).toBe(15);
    expect(120 - result.wPlus).toBe(24); // W- = 24, scipy's reported statistic
    expect(result.pValue).toBeCloseTo(0.041259765625, 12);
  });

  it('drops zeros and corrects for ties (scipy asymptotic, correction=True: p=0.13787)', () => {
    const result = wilcoxonSignedRank([1, 1, 2, -2, 3, 3, 3, 4, -5, 6, 0]);
    expect(result.n).toBe(10);
    expect(result.method).toBe('normal-approximation');
    expect(result.pValue).toBeCloseTo(0.1378701928033357, 6);
  });
});

describe('compareSamples', () => {
  const fast = [100, 102, 98, 101, 99];
  const slow = [180, 185, 178, 182, 190];

  it('reports A faster with ratio median(B)/median(A), a CI and the Mann–Whitney p', () => {
    const result = compareSamples(fast, slow, { labelA: 'transformersjs', labelB: 'qvac', unit: 'ms' });
    expect(result.ratioOfMedians).toBeCloseTo(182 / 100, 12);
    expect(result.verdict).toBe('a-faster');
    expect(result.significant).toBe(true);
    expect(result.pValue).toBeCloseTo(2 / 252, 12);
    const [low, high] = result.ratioCi95 as [number, number];
    expect(low).toBeLessThanOrEqual(result.ratioOfMedians);
    expect(high).toBeGreaterThanOrEqual(result.ratioOfMedians);
    expect(result.sentence).toMatch(/^transformersjs is 1\.82× faster than qvac \(95% CI [\d.]+–[\d.]+, Mann–Whitney p=0\.0079, n=5 vs 5\)$/);
    expect(compareSamples(fast, slow)).toEqual(compareSamples(fast, slow));
  });

  it('names B first when B is better, with the inverted ratio', () => {
    const result = compareSamples(slow, fast, { labelA: 'qvac', labelB: 'transformersjs' });
    expect(result.verdict).toBe('b-faster');
    expect(result.ratioOfMedians).toBeCloseTo(100 / 182, 12);
    expect(result.sentence.startsWith('transformersjs is 1.82× faster than qvac')).toBe(true);
  });

  it('orients higher-is-better metrics so that a ratio above 1 still means A is better', () => {
    const result = compareSamples([20, 21, 22, 20, 21], [10, 11, 10, 12, 11], { lowerIsBetter: false });
    expect(result.ratioOfMedians).toBeCloseTo(21 / 11, 12);
    expect(result.verdict).toBe('a-faster');
  });

  it('finds no significant difference in overlapping noise', () => {
    const result = compareSamples([100, 103, 97, 101, 99, 102], [101, 98, 104, 100, 99, 103]);
    expect(result.verdict).toBe('no-significant-difference');
    expect(result.significant).toBe(false);
    expect(result.sentence).toMatch(/^no significant difference/);
  });

  it('calls 3 vs 3 insufficient because no outcome can reach p<0.05', () => {
    const result = compareSamples([1, 2, 3], [10, 11, 12]);
    expect(result.verdict).toBe('insufficient-data');
    expect(result.pValue).toBeCloseTo(0.1, 12);
    expect(compareSamples([1], [2, 3]).verdict).toBe('insufficient-data');
  });
});

describe('compareAcrossFixtures', () => {
  it('gives the geometric mean of per-fixture ratios, a bootstrap CI and a Wilcoxon p', () => {
    const ratios = [1.5, 2, 1.8, 1.6, 2.2, 1.9, 1.7];
    const pairs = ratios.map((ratio) => ({ a: [100, 101, 99], b: [100 * ratio, 101 * ratio, 99 * ratio] }));
    const result = compareAcrossFixtures(pairs, { labelA: 'transformersjs', labelB: 'qvac' });
    const expectedGeoMean = Math.exp(ratios.reduce((sum, ratio) => sum + Math.log(ratio), 0) / ratios.length);
    expect(result.geometricMeanRatio).toBeCloseTo(expectedGeoMean, 10);
    result.perFixtureRatios.forEach((ratio, index) => expect(ratio).toBeCloseTo(ratios[index] as number, 10));
    expect(result.pValue).toBeCloseTo(2 / 128, 12); // all 7 log ratios positive: exact p = 2/2^7
    expect(result.verdict).toBe('a-faster');
    const [low, high] = result.ratioCi95 as [number, number];
    expect(low).toBeGreaterThanOrEqual(1.5);
    expect(high).toBeLessThanOrEqual(2.2);
    expect(result.sentence).toMatch(/^transformersjs is 1\.80× faster than qvac \(geometric mean over fixtures, 95% CI [\d.]+–[\d.]+, Wilcoxon signed-rank p=0\.016, 7 fixtures\)$/);
  });

  it('is insufficient with 5 fixtures (smallest exact p is 0.0625)', () => {
    const pairs = Array.from({ length: 5 }, () => ({ a: [1, 1.1], b: [2, 2.1] }));
    expect(compareAcrossFixtures(pairs).verdict).toBe('insufficient-data');
  });
});
