/**
 * The verdicts of one task in one run: which variants are compared, and for each pair a speed,
 * time-to-first-token, decode-rate, memory and quality verdict, each decided by src/verdict.
 *
 * Synthetic weights are judged honestly: tiny random weights get no verdict at all (their figures
 * are shown, the verdict says "not judged"); shape-faithful weights get speed and memory verdicts
 * labelled as such, never a quality verdict.
 */
import { decideDifference, differenceUnits, MIN_QUALITY_FIXTURES, qualityBand } from '../../verdict/index.js';
import { metricHigherIsBetter, metricLabel, TASK_LABELS } from './metrics.js';
import type { Aspect, FairnessView, Verdict, VariantTaskFigures, Weights } from './types.js';
import { weakestWeights, weightsOf, WEIGHTS_LABELS } from './variants.js';
import { hasFigure, RATIO_ASPECTS, ratioVerdict, type RatioAspect } from './verdict-ratio.js';
import { budgetPhrase } from './image-seen.js';
import { outcomeOf, pWords, shortVerdict, sig4, weightsTag, type VerdictContext } from './verdict-words.js';

/** Pairs of variants a verdict compares: different engines, same target, same model where possible. */
export function contenderPairs(figures: VariantTaskFigures[]): Array<[VariantTaskFigures, VariantTaskFigures]> {
  const crossEngine: Array<[VariantTaskFigures, VariantTaskFigures]> = [];
  for (let i = 0; i < figures.length; i++) {
    for (let j = i + 1; j < figures.length; j++) {
      const a = figures[i]!;
      const b = figures[j]!;
      if (a.variant.engine !== b.variant.engine && a.variant.target === b.variant.target) crossEngine.push([a, b]);
    }
  }
  const sameModel = crossEngine.filter(([a, b]) => a.variant.model === b.variant.model);
  return sameModel.length > 0 ? sameModel : crossEngine;
}

/** Fairness rows whose values differ between the two contenders, as "Frames per image: 1 vs 2". */
function caveatsFor(fairness: FairnessView | undefined, a: VariantTaskFigures, b: VariantTaskFigures): string[] {
  if (!fairness) return [];
  const ia = fairness.variants.findIndex((v) => v.id === a.variant.id);
  const ib = fairness.variants.findIndex((v) => v.id === b.variant.id);
  if (ia < 0 || ib < 0) return [];
  // Rows that name the contenders rather than a setting they ran with.
  const identity = new Set(['Engine package', 'Model source', 'Synthetic weights', 'Frames measured by']);
  return fairness.rows
    .filter((row) => !identity.has(row.attribute) && row.values[ia] !== row.values[ib])
    .map((row) => `${row.attribute}: ${row.values[ia]} vs ${row.values[ib]}`);
}

function notJudged(ctx: VerdictContext, aspect: Aspect, a: VariantTaskFigures, b: VariantTaskFigures, weights: Weights, caveats: string[], why: string): Verdict {
  const models = [...new Set([a, b].filter((f) => weightsOf(f.variant.synthetic, f.variant.unverified) !== 'real').map((f) => f.variant.model))].join(', ');
  const sentence =
    aspect === 'quality'
      ? weights === 'unverified'
        ? `Quality not judged between ${a.variant.label} and ${b.variant.label}: ${why} (${models}) are not shown to be the real checkpoint, so their quality is not SmolVLM2's.`
        : `Quality not judged between ${a.variant.label} and ${b.variant.label}: ${why} (${models}) have random weights, so quality figures mean nothing.`
      : `${aspect === 'speed' ? 'Speed' : aspect === 'memory' ? 'Memory' : aspect === 'ttft' ? 'Time to first token' : 'Decode rate'} not judged between ${a.variant.label} and ${b.variant.label}: ${why} (${models}); the figures are shown, but tiny random models say nothing about SmolVLM2's real ${aspect === 'memory' ? 'memory' : 'speed'}.`;
  return {
    runId: ctx.runId,
    deviceLabel: ctx.deviceLabel,
    task: ctx.task,
    aspect,
    contenders: [a.variant.label, b.variant.label],
    winner: null,
    winnerVariant: null,
    outcome: 'not-judged',
    short: '',
    sentence,
    evidence: `Synthetic models are for plumbing${weights === 'shape' ? ' and real-scale speed and memory' : ''} checks only. ${ctx.fixtureSetNote}.`,
    weights,
    caveats,
    n: 0,
    fixtures: [],
  };
}

function qualityVerdict(ctx: VerdictContext, a: VariantTaskFigures, b: VariantTaskFigures, metric: string | null, caveats: string[]): Verdict {
  const labels: [string, string] = [a.variant.label, b.variant.label];
  const base: Verdict = {
    runId: ctx.runId,
    deviceLabel: ctx.deviceLabel,
    task: ctx.task,
    aspect: 'quality',
    contenders: labels,
    winner: null,
    winnerVariant: null,
    outcome: 'not-judged',
    short: '',
    sentence: `No quality metric was recorded for ${TASK_LABELS[ctx.task]}.`,
    evidence: `${ctx.fixtureSetNote}.`,
    weights: 'real',
    caveats,
    n: 0,
    fixtures: [],
  };
  if (!metric) return base;
  const label = metricLabel(metric);
  const higherIsBetter = metricHigherIsBetter(metric);
  const units = differenceUnits(a.cells, b.cells, (cell) => cell.quality?.[metric], higherIsBetter ? 'higher-is-better' : 'lower-is-better');
  const band = qualityBand(metric);
  const decision = decideDifference(units.advantages, { unitKind: 'fixture', band, minUnits: MIN_QUALITY_FIXTURES, unitWord: 'fixture' });
  const f = (value: number) => sig4(value);
  const ciWords = (ci: [number, number] | null) => (ci ? `95% CI ${f(ci[0])} to ${f(ci[1])}` : 'no interval');
  const tally = `${labels[0]} better on ${units.winsA}, ${labels[1]} on ${units.winsB}, ${units.ties} tied`;
  const evidence =
    `Per-fixture ${label} (${higherIsBetter ? 'higher' : 'lower'} is better) from each fixture's one greedy output, paired over ${units.fixtures.length} fixtures; ${tally}; ` +
    `band ±${band} ${label}, at least ${MIN_QUALITY_FIXTURES} fixtures` +
    `${caveats.length ? `; settings that differ: ${caveats.join('; ')}` : ''}. ${ctx.fixtureSetNote}.`;
  const common = { ...base, metric, evidence, band, unit: 'fixture' as const, units: units.fixtures.length, n: units.fixtures.length, fixtures: units.fixtures, outcome: outcomeOf(decision.outcome), pValue: decision.pValue ?? undefined };
  if (units.fixtures.length === 0) {
    return { ...common, sentence: `Not enough evidence for a quality verdict: no fixture has a ${label} score for both ${labels[0]} and ${labels[1]}.` };
  }
  const figures: [number, number] = [units.figureA, units.figureB];
  const statistic = `mean per-fixture ${label} over ${units.fixtures.length} fixtures`;
  const test = `paired t-test ${pWords(decision.pValue)}`;
  if (decision.outcome === 'winner') {
    const aWins = decision.better === 'a';
    const [winner, loser] = aWins ? [a, b] : [b, a];
    const [figureW, figureL] = aWins ? figures : [figures[1], figures[0]];
    const difference = Math.abs(figureW - figureL);
    const ci = decision.ci95 ? ((aWins ? decision.ci95 : [-decision.ci95[1], -decision.ci95[0]]) as [number, number]) : null;
    return {
      ...common,
      winner: winner.variant.engine,
      winnerVariant: winner.variant.label,
      statistic,
      figures,
      ratio: undefined,
      ...(ci ? { ci95: ci } : {}),
      sentence:
        `${winner.variant.label} is better on ${label} than ${loser.variant.label}: ${statistic}, ${f(figureW)} vs ${f(figureL)} ` +
        `(difference ${f(difference)}, ${ciWords(ci)}, ${test}; band ±${band}; ${tally}).`,
    };
  }
  const lead =
    decision.outcome === 'no-clear-difference'
      ? `No clear quality difference on ${label} between ${labels[0]} and ${labels[1]}: within the ±${band} band`
      : `Not enough evidence for a quality verdict on ${label} between ${labels[0]} and ${labels[1]}: ${decision.reason}`;
  return {
    ...common,
    statistic,
    figures,
    ...(decision.ci95 ? { ci95: decision.ci95 } : {}),
    sentence: `${lead} (${statistic}, ${labels[0]} ${f(figures[0])} vs ${labels[1]} ${f(figures[1])}, ${labels[0]}'s advantage ${f(decision.estimate)}, ${ciWords(decision.ci95)}, ${test}; ${tally}).`,
  };
}

function pairVerdicts(ctx: VerdictContext, a: VariantTaskFigures, b: VariantTaskFigures, headline: string | null, fairness: FairnessView | undefined): Verdict[] {
  const weights = weakestWeights([weightsOf(a.variant.synthetic, a.variant.unverified), weightsOf(b.variant.synthetic, b.variant.unverified)]);
  const caveats = caveatsFor(fairness, a, b);
  const ratioAspects = (Object.keys(RATIO_ASPECTS) as RatioAspect[]).filter(
    (aspect) => aspect === 'speed' || aspect === 'memory' || (hasFigure(aspect, a.cells) && hasFigure(aspect, b.cells)),
  );
  const verdicts: Verdict[] = ratioAspects.map((aspect) =>
    weights === 'tiny' ? notJudged(ctx, aspect, a, b, weights, caveats, WEIGHTS_LABELS.tiny) : ratioVerdict(ctx, aspect, a, b, weights, caveats),
  );
  verdicts.push(weights === 'real' ? qualityVerdict(ctx, a, b, headline, caveats) : notJudged(ctx, 'quality', a, b, weights, caveats, WEIGHTS_LABELS[weights]));
  return verdicts;
}

function singleEngineVerdicts(ctx: VerdictContext, allFigures: VariantTaskFigures[]): Verdict[] {
  const figures = allFigures.filter((f) => f.okCells > 0);
  const withoutResults = allFigures.filter((f) => f.okCells === 0).map((f) => f.variant.label);
  const engines = [...new Set(figures.map((f) => f.variant.engine))];
  const ran = engines.length === 0 ? 'No engine produced results' : `Only one engine (${engines.join(', ')}) produced results`;
  const what = withoutResults.length ? `${ran}; ${withoutResults.join(', ')} failed or was unavailable on every fixture` : ran;
  const weights = weakestWeights(allFigures.map((f) => weightsOf(f.variant.synthetic, f.variant.unverified)));
  return (['speed', 'quality', 'memory'] as const).map((aspect) => ({
    runId: ctx.runId,
    deviceLabel: ctx.deviceLabel,
    task: ctx.task,
    aspect,
    contenders: figures.map((f) => f.variant.label),
    winner: null,
    winnerVariant: null,
    outcome: 'single-engine' as const,
    short: 'nothing to compare',
    sentence: `${what} for ${TASK_LABELS[ctx.task]}${weightsTag(weights)}: there is nothing to compare ${aspect} against.`,
    evidence: `${ctx.fixtureSetNote}.`,
    weights,
    caveats: [],
    n: figures.reduce((sum, f) => sum + f.latencySamples.length, 0),
    fixtures: [...new Set(figures.flatMap((f) => f.cells.map((c) => c.key.fixture)))].sort(),
  }));
}

/** Every verdict depends on how many frames each side encoded, so its evidence states the image budget. */
function withImageBudget(v: Verdict, fairness: FairnessView | undefined): Verdict {
  const phrase = budgetPhrase(fairness, v.contenders);
  return phrase ? { ...v, evidence: `${v.evidence} ${phrase}`, imageBudget: phrase.replace(/^Image budget: /, '').replace(/\.$/, '') } : v;
}

/** Every verdict of one task view. */
export function taskVerdicts(ctx: VerdictContext, figures: VariantTaskFigures[], headline: string | null, fairness: FairnessView | undefined): Verdict[] {
  const pairs = contenderPairs(figures.filter((f) => f.okCells > 0));
  const verdicts = pairs.length === 0 ? singleEngineVerdicts(ctx, figures) : pairs.flatMap(([a, b]) => pairVerdicts(ctx, a, b, headline, fairness));
  return verdicts.map((v) => withImageBudget({ ...v, short: shortVerdict(v) }, fairness));
}
