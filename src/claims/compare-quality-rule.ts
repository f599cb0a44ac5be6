/**
 * The `compare-quality` rule's decision: is the claim's subject (e.g. SmolVLM2 on any engine)
 * clearly worse, or better, than a baseline (e.g. tesseract) on the same fixtures?
 *
 * Decided by src/verdict like every other comparison: per subject group (engine × model × quant),
 * a paired t-test over the fixtures both sides scored, a minimum effect (the band, in metric
 * points) and a minimum number of fixtures. The best subject group decides, so "even the best
 * SmolVLM2 engine is worse" is what a supported `subject-worse` claim means.
 * Kept apart from rules.ts (which selects the cells and calls it), typed structurally.
 */
import type { Cell } from '../results/schema.js';
import { decideDifference, MIN_QUALITY_FIXTURES, qualityBand, type Decision } from '../verdict/index.js';

export interface ScoredCell {
  cell: Cell;
  id: string;
  category: string | null;
}

export interface CompareQualitySpec {
  metric: string;
  lowerIsBetter: boolean;
  categories: string[];
  claimSays: 'subject-worse' | 'subject-better';
  /** The smallest difference that counts, in metric points (default: the quality band, 0.02). */
  minEffect?: number;
  /** The fewest shared fixtures a verdict may rest on (default 8). */
  minFixtures?: number;
}

export interface CompareQualityOutcome {
  verdict: 'supported' | 'contradicted' | 'not measured in this run';
  evidence: string;
  figures: Record<string, number | string | boolean | null>;
  /** The cells of the deciding group and its baseline. */
  deciding: ScoredCell[];
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function digits(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function perCategory(spec: CompareQualitySpec, entries: ScoredCell[], score: (entry: ScoredCell) => number, baselineByFixture: Map<string, number[]>): string[] {
  return spec.categories.flatMap((category) => {
    const inCategory = entries.filter((entry) => entry.category === category);
    if (inCategory.length === 0) return [];
    const base = mean(inCategory.map((entry) => mean(baselineByFixture.get(entry.cell.key.fixture) as number[])));
    return [`${category} ${digits(mean(inCategory.map(score)))} vs ${digits(base)}`];
  });
}

export function decideCompareQuality(spec: CompareQualitySpec, subject: ScoredCell[], baseline: ScoredCell[]): CompareQualityOutcome {
  const score = (entry: ScoredCell) => entry.cell.quality?.[spec.metric] as number;
  const baselineByFixture = new Map<string, number[]>();
  for (const entry of baseline) baselineByFixture.set(entry.cell.key.fixture, [...(baselineByFixture.get(entry.cell.key.fixture) ?? []), score(entry)]);
  const groups = new Map<string, ScoredCell[]>();
  for (const entry of subject) {
    if (!baselineByFixture.has(entry.cell.key.fixture)) continue;
    const key = `${entry.cell.key.engine}/${entry.cell.key.model}/${entry.cell.key.quant}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const band = spec.minEffect ?? qualityBand(spec.metric);
  const minUnits = spec.minFixtures ?? MIN_QUALITY_FIXTURES;
  const decided = [...groups.entries()].map(([group, entries]) => {
    const byFixture = new Map(entries.map((entry) => [entry.cell.key.fixture, score(entry)]));
    const fixtures = [...byFixture.keys()].sort();
    const subjectScores = fixtures.map((fixture) => byFixture.get(fixture) as number);
    const baselineScores = fixtures.map((fixture) => mean(baselineByFixture.get(fixture) as number[]));
    // The subject's advantage in metric points, per fixture: positive = the subject is better.
    const advantages = subjectScores.map((value, i) => (spec.lowerIsBetter ? (baselineScores[i] as number) - value : value - (baselineScores[i] as number)));
    const decision = decideDifference(advantages, { unitKind: 'fixture', band, minUnits });
    return { group, entries, fixtures, subjectMean: mean(subjectScores), baselineMean: mean(baselineScores), decision };
  });
  // The best subject group (largest advantage) decides.
  const best = decided.reduce((a, b) => (b.decision.estimate > a.decision.estimate ? b : a));
  const d: Decision = best.decision;
  const scope = `${spec.metric} (${spec.lowerIsBetter ? 'lower' : 'higher'} is better) over ${best.fixtures.length} shared fixture(s) in ${spec.categories.join(', ')}`;
  const stats =
    `mean ${best.group} ${digits(best.subjectMean)} vs baseline ${digits(best.baselineMean)}, subject's advantage ${digits(d.estimate)}` +
    (d.ci95 ? ` (95% CI ${digits(d.ci95[0])} to ${digits(d.ci95[1])}, paired t-test p = ${d.pValue === null ? 'n/a' : Number(d.pValue.toPrecision(2))})` : '') +
    `; band ±${band}, at least ${minUnits} fixtures` +
    (decided.length > 1 ? `; the best of ${decided.length} subject groups decides` : '') +
    `; per category ${perCategory(spec, best.entries, score, baselineByFixture).join('; ')}`;
  const figures = {
    [`${best.group} ${spec.metric}`]: best.subjectMean,
    [`baseline ${spec.metric}`]: best.baselineMean,
    fixtures: best.fixtures.length,
    pValue: d.pValue,
    outcome: d.outcome,
  };
  // Both sides are linked, half each, within the claims table's limit of cells per claim.
  const deciding = [...best.entries.slice(0, 6), ...baseline.filter((entry) => best.fixtures.includes(entry.cell.key.fixture)).slice(0, 6)];
  if (d.outcome === 'not-enough-evidence') {
    return { verdict: 'not measured in this run', evidence: `not enough evidence on ${scope}: ${d.reason}; ${stats}`, figures, deciding };
  }
  const subjectWorse = d.outcome === 'winner' && d.better === 'b';
  const subjectBetter = d.outcome === 'winner' && d.better === 'a';
  const holds = spec.claimSays === 'subject-worse' ? subjectWorse : subjectBetter;
  const what = subjectWorse ? 'the subject is clearly worse' : subjectBetter ? 'the subject is clearly better' : 'no clear difference';
  return { verdict: holds ? 'supported' : 'contradicted', evidence: `${what} on ${scope}: ${stats}`, figures, deciding };
}
