/**
 * The one place that decides "A is better than B". The report's verdicts, `compare`'s gate,
 * the claims and `tune` all call it.
 *
 * Input is one value per replication unit (a process, or a fixture when each engine ran in one
 * process), already paired between A and B and oriented as A's advantage:
 * - ratios (speed, memory) as log(A's advantage): log(B/A) where lower is better, log(A/B) where
 *   higher is better;
 * - differences (quality) as A's advantage in metric points.
 *
 * Three outcomes, each with the numbers behind it:
 * - winner: significant (paired t-test, p < alpha) AND the 95% t-interval lies wholly outside the
 *   noise band. A difference that matters, not only one that is detectable.
 * - no clear difference: the observed effect is within the band.
 * - not enough evidence: too few units to test, or an effect beyond the band whose interval does
 *   not clear it. The reason names what is missing.
 *
 * t procedures rather than the bootstrap: outside code recomputes them exactly from results.json
 * (scipy.stats.ttest_1samp, scipy.stats.t.ppf), and they stay honest with three processes.
 */
import { oneSampleT, welchT } from '../stats/index.js';
import { DEFAULT_ALPHA, formatBand } from './band.js';

export type Outcome = 'winner' | 'no-clear-difference' | 'not-enough-evidence';
/** process / fixture: paired units; sample: samples of one process each side (within-process, the band carries the process luck). */
export type UnitKind = 'process' | 'fixture' | 'sample';

export interface Decision {
  outcome: Outcome;
  /** Which side is better when the outcome is a winner. */
  better: 'a' | 'b' | null;
  /** The point estimate of A's advantage: a ratio (geometric mean) or a mean difference. NaN without units. */
  estimate: number;
  /** 95% t-interval of A's advantage, on the same scale as `estimate`; null with fewer than 2 units. */
  ci95: [number, number] | null;
  /** Two-sided paired t-test p-value; null with fewer than 2 units. */
  pValue: number | null;
  units: number;
  unitKind: UnitKind;
  /** The band in force: relative for ratios (0.05 = ±5%), absolute for differences. */
  band: number;
  alpha: number;
  /** Why this outcome, in words; for "not enough evidence" it names what is missing. */
  reason: string;
}

export interface DecideOptions {
  unitKind: UnitKind;
  band: number;
  alpha?: number;
  /** Fewest units a verdict may rest on (2 at least: a t-test needs a spread). */
  minUnits?: number;
  /** Words for the unit in reasons, e.g. "process" or "fixture". Defaults to unitKind. */
  unitWord?: string;
}

interface Scale {
  /** Point estimate on the reader's scale from the mean on the test's scale. */
  show: (value: number) => number;
  /** Half-width of the band on the test's scale. */
  limit: number;
  format: (value: number) => string;
  formatBand: string;
}

function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : pluralWord(word)}`;
}

function pluralWord(word: string): string {
  return word.endsWith('s') ? `${word}es` : `${word}s`;
}

/** A test's answer on the test's scale: the mean effect (A's advantage), its interval and p-value. */
interface Tested {
  mean: number;
  ci: [number, number];
  pValue: number;
}

function decide(n: number, mean: number, test: Tested | null, options: DecideOptions, scale: Scale): Decision {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const minUnits = Math.max(2, options.minUnits ?? 2);
  const word = options.unitWord ?? options.unitKind;
  const base = { units: n, unitKind: options.unitKind, band: options.band, alpha };
  if (n < minUnits || test === null) {
    return {
      ...base,
      outcome: 'not-enough-evidence',
      better: null,
      estimate: Number.isFinite(mean) ? scale.show(mean) : Number.NaN,
      ci95: test ? [scale.show(test.ci[0]), scale.show(test.ci[1])] : null,
      pValue: test?.pValue ?? null,
      reason: `needs at least ${plural(minUnits, word)} measured on both sides, has ${n}`,
    };
  }
  const [low, high] = test.ci;
  const estimate = scale.show(mean);
  const ci95: [number, number] = [scale.show(low), scale.show(high)];
  const ciText = `95% CI ${scale.format(ci95[0])} to ${scale.format(ci95[1])}`;
  const clearsBand = low > scale.limit || high < -scale.limit;
  if (test.pValue < alpha && clearsBand) {
    return { ...base, outcome: 'winner', better: mean > 0 ? 'a' : 'b', estimate, ci95, pValue: test.pValue, reason: `${ciText} lies wholly outside ${scale.formatBand}` };
  }
  if (Math.abs(mean) <= scale.limit) {
    return { ...base, outcome: 'no-clear-difference', better: null, estimate, ci95, pValue: test.pValue, reason: `the observed ${scale.format(estimate)} is within ${scale.formatBand}` };
  }
  return {
    ...base,
    outcome: 'not-enough-evidence',
    better: null,
    estimate,
    ci95,
    pValue: test.pValue,
    reason: `the observed ${scale.format(estimate)} lies beyond ${scale.formatBand} but its ${ciText} does not clear the band: more ${pluralWord(word)} would settle it`,
  };
}

/** The paired test: a one-sample t-test of the per-unit advantages against 0. */
function paired(values: readonly number[], options: DecideOptions, scale: Scale): Decision {
  const mean = values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : Number.NaN;
  const test = oneSampleT(values);
  return decide(values.length, mean, test ? { mean: test.mean, ci: test.ci, pValue: test.pValue } : null, options, scale);
}

function ratioText(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(3)}×`;
}

/** Decides on per-unit log ratios of A's advantage (see the file comment). `band` is relative: 0.05 = ±5%. */
function ratioScale(band: number): Scale {
  return { show: Math.exp, limit: Math.log(1 + band), format: ratioText, formatBand: `the ${formatBand(band)} noise band` };
}

export function decideRatio(logAdvantages: readonly number[], options: DecideOptions): Decision {
  return paired(logAdvantages, options, ratioScale(options.band));
}

/**
 * Two independent groups of log figures (A's and B's units, e.g. the per-process figures of a base
 * run and a head run), compared by Welch's t-test on the logs. `direction` says which way is better;
 * the decision's estimate is A's advantage as a ratio. Units counts the smaller group.
 */
export function decideRatioBetweenGroups(
  logsA: readonly number[],
  logsB: readonly number[],
  direction: 'lower-is-better' | 'higher-is-better',
  options: DecideOptions,
): Decision {
  const sign = direction === 'lower-is-better' ? 1 : -1;
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const n = Math.min(logsA.length, logsB.length);
  const estimate = logsA.length > 0 && logsB.length > 0 ? sign * (mean(logsB) - mean(logsA)) : Number.NaN;
  const test = welchT(logsA, logsB);
  const tested: Tested | null = test ? { mean: sign * test.difference, ci: sign > 0 ? test.ci : [-test.ci[1], -test.ci[0]], pValue: test.pValue } : null;
  return decide(n, estimate, tested, options, ratioScale(options.band));
}

/**
 * A timing winner between two runs of the same code stands only when each unit's fastest run
 * (highest rate) names the same winner as its median run: contention only ever adds time, so a
 * change in the median alone may be how often runs were slowed, not how fast they can be (the
 * regression gate, src/compare/deltas.ts, and docs/ci-workflow.md).
 */
export function confirmedByFastest(typical: Decision, fastest: Decision): boolean {
  return typical.outcome !== 'winner' || (fastest.outcome === 'winner' && fastest.better === typical.better);
}

/** Decides on per-unit differences (A's advantage in metric points). `band` is absolute. */
export function decideDifference(advantages: readonly number[], options: DecideOptions): Decision {
  const digits = (value: number) => (Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3));
  return paired(advantages, options, {
    show: (value) => value,
    limit: options.band,
    format: (value) => `${value >= 0 ? '+' : ''}${digits(value)}`,
    formatBand: `the ±${options.band} band`,
  });
}
