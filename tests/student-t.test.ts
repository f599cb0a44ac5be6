import { describe, expect, it } from 'vitest';
import { logGamma, oneSampleT, regularizedIncompleteBeta, studentTCritical, studentTTwoSidedP, welchT } from '../src/stats/student-t.js';

/*
 * Reference values: the standard t table (two-sided 95% multipliers, e.g. NIST/SEMATECH e-Handbook
 * §1.3.6.7.2) and closed forms: with df = 1 the t distribution is Cauchy, so P(|T| ≥ t) = 1 - 2·atan(t)/π;
 * with df = 2, P(|T| ≥ t) = 1 - t/√(t² + 2).
 */
describe('Student t', () => {
  it('logGamma matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 10);
  });

  it('the incomplete beta has its closed forms', () => {
    // I_x(1, 1) = x; I_x(a, 1) = x^a.
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedIncompleteBeta(0.7, 3, 1)).toBeCloseTo(0.343, 12);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });

  it('two-sided p-values match the closed forms for df 1 and 2', () => {
    for (const t of [0.1, 0.5, 1, 2, 5, 30]) {
      expect(studentTTwoSidedP(t, 1)).toBeCloseTo(1 - (2 * Math.atan(t)) / Math.PI, 10);
      expect(studentTTwoSidedP(-t, 2)).toBeCloseTo(1 - t / Math.sqrt(t * t + 2), 10);
    }
    expect(studentTTwoSidedP(0, 7)).toBeCloseTo(1, 12);
  });

  it('critical values match the t table', () => {
    const table: Array<[number, number]> = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [4, 2.776],
      [5, 2.571],
      [10, 2.228],
      [30, 2.042],
      [100, 1.984],
    ];
    for (const [df, expected] of table) expect(studentTCritical(0.95, df)).toBeCloseTo(expected, 3);
    expect(studentTCritical(0.99, 10)).toBeCloseTo(3.169, 3);
  });

  it('oneSampleT gives the t statistic, p-value and interval', () => {
    // mean 3, sd √2.5, se √0.5, t = 3/√0.5 = 4.2426, df 4.
    const result = oneSampleT([1, 2, 3, 4, 5])!;
    expect(result.mean).toBe(3);
    expect(result.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(result.t).toBeCloseTo(3 / Math.sqrt(0.5), 10);
    expect(result.pValue).toBeCloseTo(studentTTwoSidedP(3 / Math.sqrt(0.5), 4), 12);
    expect(result.pValue).toBeGreaterThan(0.013);
    expect(result.pValue).toBeLessThan(0.0135);
    const half = 2.776445 * Math.sqrt(0.5);
    expect(result.ci[0]).toBeCloseTo(3 - half, 4);
    expect(result.ci[1]).toBeCloseTo(3 + half, 4);
  });

  it('handles equal values and too few values', () => {
    expect(oneSampleT([1])).toBeNull();
    const same = oneSampleT([0.03, 0.03, 0.03])!;
    expect(same.ci).toEqual([0.03, 0.03]);
    expect(same.pValue).toBe(0);
    expect(oneSampleT([0, 0, 0])!.pValue).toBe(1);
  });
});

describe('Welch t', () => {
  it('matches a hand-computed Welch test', () => {
    // A: mean 2, var 1 (n 3); B: mean 5, var 4 (n 3). se = √(1/3 + 4/3) = √(5/3); t = 3/√(5/3) = 2.3238.
    // df = (5/3)² / ((1/3)²/2 + (4/3)²/2) = (25/9) / (17/18) = 2.9412.
    const result = welchT([1, 2, 3], [3, 5, 7])!;
    expect(result.difference).toBe(3);
    expect(result.se).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(result.df).toBeCloseTo(50 / 17, 10);
    expect(result.t).toBeCloseTo(3 / Math.sqrt(5 / 3), 10);
    expect(result.pValue).toBeCloseTo(studentTTwoSidedP(3 / Math.sqrt(5 / 3), 50 / 17), 12);
    const half = studentTCritical(0.95, 50 / 17) * Math.sqrt(5 / 3);
    expect(result.ci[0]).toBeCloseTo(3 - half, 10);
  });

  it('equal constant groups and too few values', () => {
    expect(welchT([1], [1, 2])).toBeNull();
    expect(welchT([2, 2], [2, 2])!.pValue).toBe(1);
    expect(welchT([2, 2], [3, 3])!.pValue).toBe(0);
  });
});
