/**
 * Speed, time-to-first-token, decode-rate and memory verdicts: ratios of a positive figure,
 * decided by src/verdict over process (or, with one process per engine, fixture) units.
 *
 * Every sentence names the statistic, gives each side's figure and the ratio of those two
 * figures, the interval, the test and the band, so the numbers in it recompute from
 * results.json alone (tests/verdict-audit.test.ts does so independently of this code).
 */
import type { Cell, Sample } from '../../results/schema.js';
import { decideRatio, effectiveRatioBand, formatBand, performanceSamples, processOf, ratioUnits, SINGLE_PROCESS_BAND, type Direction, type RatioUnits } from '../../verdict/index.js';
import type { Aspect, Verdict, VariantTaskFigures, Weights } from './types.js';
import { plural } from '../format.js';
import { ASPECT_NOUNS, outcomeOf, pWords, ratioWords, sig4, weightsTag, type VerdictContext } from './verdict-words.js';

const MIB = 1024 * 1024;

export type RatioAspect = Exclude<Aspect, 'quality'>;

interface AspectSpec {
  value: (sample: Sample) => number | null;
  direction: Direction;
  /** What one fixture's figure is: "median latency". */
  noun: string;
  unit: string;
  /** "is 1.67× faster than" */
  phrase: (ratio: string) => string;
}

export const RATIO_ASPECTS: Record<RatioAspect, AspectSpec> = {
  speed: { value: (s) => s.latencyMs, direction: 'lower-is-better', noun: 'median end-to-end latency', unit: 'ms', phrase: (r) => `is ${r} faster than` },
  ttft: { value: (s) => s.ttftMs, direction: 'lower-is-better', noun: 'median time to first token', unit: 'ms', phrase: (r) => `reaches its first token ${r} sooner than` },
  decode: { value: (s) => s.decodeTokensPerSec, direction: 'higher-is-better', noun: 'median decode rate', unit: 'tok/s', phrase: (r) => `decodes ${r} faster than` },
  memory: {
    value: (s) => (s.peakRssBytes === null ? null : (s.peakRssBytes + (s.workerPeakRssBytes ?? 0)) / MIB),
    direction: 'lower-is-better',
    noun: 'median per-run peak memory (host + worker)',
    unit: 'MiB',
    phrase: (r) => `needs ${r} less peak memory than`,
  },
};

/** True when both sides have at least one value of the aspect's figure. */
export function hasFigure(aspect: RatioAspect, cells: readonly Cell[]): boolean {
  return cells.some((cell) => performanceSamples(cell).some((sample) => typeof RATIO_ASPECTS[aspect].value(sample) === 'number'));
}

function statisticWords(units: RatioUnits, noun: string): string {
  if (units.unitKind === 'process') {
    return `geometric mean over ${units.units.length} processes of each process's geometric mean, over ${plural(units.fixtures.length, 'fixture')}, of the per-fixture ${noun}`;
  }
  return `geometric mean over ${plural(units.units.length, 'fixture')} of the per-fixture ${noun}, one process per engine`;
}

function spreadWords(units: RatioUnits, labels: [string, string], unit: string): string | null {
  if (!units.spread) return null;
  const side = (label: string, [low, high]: [number, number]) => `${label} ${sig4(low)}–${sig4(high)} ${unit}`;
  return `process-to-process range of the per-process figure over ${units.units.length} processes: ${side(labels[0], units.spread.a)}, ${side(labels[1], units.spread.b)}`;
}

/** Arithmetic means of the per-run host and worker peaks over the samples the units used; the parts add up as displayed. */
function memoryBreakdown(cells: readonly Cell[], units: RatioUnits, label: string): string {
  const fixtures = new Set(units.fixtures);
  const processes = units.unitKind === 'process' ? new Set(units.units.map((u) => Number(u.id.replace('process ', '')))) : null;
  const samples = cells
    .filter((cell) => fixtures.has(cell.key.fixture))
    .flatMap(performanceSamples)
    .filter((s) => s.peakRssBytes !== null && (processes === null || processes.has(processOf(s))));
  if (samples.length === 0) return `${label}: no per-run peaks`;
  const mean = (pick: (s: Sample) => number) => samples.reduce((sum, s) => sum + pick(s), 0) / samples.length / MIB;
  const host = Math.round(mean((s) => s.peakRssBytes as number) * 10) / 10;
  const hasWorker = samples.some((s) => s.workerPeakRssBytes !== null);
  if (!hasWorker) return `${label} host ${host.toFixed(1)} MiB (no worker)`;
  const worker = Math.round(mean((s) => s.workerPeakRssBytes ?? 0) * 10) / 10;
  return `${label} host ${host.toFixed(1)} + worker ${worker.toFixed(1)} = ${(host + worker).toFixed(1)} MiB`;
}

export function ratioVerdict(ctx: VerdictContext, aspect: RatioAspect, a: VariantTaskFigures, b: VariantTaskFigures, weights: Weights, caveats: string[]): Verdict {
  const spec = RATIO_ASPECTS[aspect];
  const labels: [string, string] = [a.variant.label, b.variant.label];
  const units = ratioUnits(a.cells, b.cells, spec.value, spec.direction);
  const replicated = units.unitKind === 'process';
  const band = effectiveRatioBand(ctx.noiseBand, replicated);
  const decision = decideRatio(
    units.units.map((u) => u.logAdvantage),
    { unitKind: units.unitKind, band, unitWord: replicated ? 'process' : 'fixture' },
  );
  const noun = ASPECT_NOUNS[aspect];
  const tag = weightsTag(weights);
  const statistic = statisticWords(units, spec.noun);
  const fig = (value: number) => `${sig4(value)} ${spec.unit}`;
  const bandWords =
    `noise band ${formatBand(band)}` + (replicated ? '' : band === SINGLE_PROCESS_BAND ? ', widened for one process per engine' : '');
  const spread = spreadWords(units, labels, spec.unit);
  const samples = `${units.samples.a} vs ${units.samples.b} performance samples over ${units.fixtures.length} common fixtures`;
  const replication = replicated
    ? `${units.units.length} processes per engine, paired by round (${units.processes.a} and ${units.processes.b} measured)`
    : `one process per engine: its process-to-process spread is not in this interval, so the band is at least ${formatBand(SINGLE_PROCESS_BAND)} (the widest gap this project's A/A control measured between identical processes); run --processes 3 or more for a replicated verdict`;
  const memoryWords = aspect === 'memory' && units.units.length > 0 ? `; arithmetic means of per-run peaks: ${memoryBreakdown(a.cells, units, labels[0])}; ${memoryBreakdown(b.cells, units, labels[1])}` : '';
  const evidence =
    `${replication}; ${samples}${spread ? `; ${spread}` : ''}${memoryWords}; ${bandWords}` +
    `${caveats.length ? `; settings that differ: ${caveats.join('; ')}` : ''}. ${ctx.fixtureSetNote}.`;
  const base: Verdict = {
    runId: ctx.runId,
    deviceLabel: ctx.deviceLabel,
    task: ctx.task,
    aspect,
    contenders: labels,
    winner: null,
    winnerVariant: null,
    outcome: outcomeOf(decision.outcome),
    short: '',
    sentence: '',
    evidence,
    weights,
    band,
    unit: units.unitKind,
    units: units.units.length,
    processes: [units.processes.a, units.processes.b],
    statistic,
    spread,
    caveats,
    n: units.samples.a + units.samples.b,
    fixtures: units.fixtures,
  };
  if (units.units.length === 0) {
    return { ...base, sentence: `Not enough evidence for a ${noun} verdict between ${labels[0]} and ${labels[1]}${tag}: no fixture was measured on both sides.` };
  }
  const figures: [number, number] = [units.figureA, units.figureB];
  const withFigures = { ...base, figures, figureUnit: spec.unit, pValue: decision.pValue ?? undefined };
  const ciWords = (ci: [number, number] | null) => (ci ? `95% CI ${ratioWords(ci[0])}–${ratioWords(ci[1])}` : 'no interval');
  const test = `paired t-test on log ratios over ${decision.units} ${replicated ? 'processes' : 'fixtures'} ${pWords(decision.pValue)}`;
  if (decision.outcome === 'winner') {
    const aWins = decision.better === 'a';
    const [winner, loser] = aWins ? [a, b] : [b, a];
    const ratio = aWins ? decision.estimate : 1 / decision.estimate;
    const ci = decision.ci95 ? ((aWins ? decision.ci95 : [1 / decision.ci95[1], 1 / decision.ci95[0]]) as [number, number]) : null;
    const [figureW, figureL] = aWins ? figures : [figures[1], figures[0]];
    return {
      ...withFigures,
      winner: winner.variant.engine,
      winnerVariant: winner.variant.label,
      ratio,
      ...(ci ? { ci95: ci } : {}),
      sentence:
        `${winner.variant.label} ${spec.phrase(ratioWords(ratio))} ${loser.variant.label}${tag}: ${statistic}, ${fig(figureW)} vs ${fig(figureL)} ` +
        `(${ciWords(ci)}, ${test}; ${bandWords}).`,
    };
  }
  // A's advantage, written as the ratio of the two figures it is: B/A where lower is better, A/B where higher is.
  const ratioName = spec.direction === 'lower-is-better' ? `${labels[1]}/${labels[0]}` : `${labels[0]}/${labels[1]}`;
  const figuresWords = `${statistic}, ${labels[0]} ${fig(figures[0])} vs ${labels[1]} ${fig(figures[1])}, ratio ${ratioName} ${ratioWords(decision.estimate)} (${ciWords(decision.ci95)}, ${test})`;
  const lead =
    decision.outcome === 'no-clear-difference'
      ? `No clear ${noun} difference between ${labels[0]} and ${labels[1]}${tag}: within the ${formatBand(band)} noise band`
      : `Not enough evidence for a ${noun} verdict between ${labels[0]} and ${labels[1]}${tag}: ${decision.reason}`;
  return {
    ...withFigures,
    ratio: decision.estimate,
    ...(decision.ci95 ? { ci95: decision.ci95 } : {}),
    sentence: `${lead} (${figuresWords}).`,
  };
}
