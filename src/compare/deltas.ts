/**
 * One metric of one cell (or of a variant × task group), base run against head run, decided by
 * src/verdict: the head regresses when the base is the clear winner.
 *
 * The units are what varies between the runs:
 * - both runs measured the cell in 2+ fresh processes (`run --processes N`): each process's median
 *   is a unit, and the groups are compared with Welch's t-test on the logs; the band is the larger
 *   of the threshold and the noise band;
 * - otherwise each run is one process, whose luck (up to 12.5% between identical processes, see
 *   src/verdict/band.ts) no sample spread can show: the samples are compared the same way, but
 *   the band is at least the one-process band. So an A/A pair of single-process runs stays clean.
 * Memory is decided the same way, on per-run peaks (host + worker), not on one number per run.
 *
 * A timing change must also show in each unit's fastest run (for decode rate, its highest), as
 * LLVM's LNT gates on the minimum: on a shared machine contention only ever adds time. The typical
 * run (the median) moves with how often runs are slowed as well as with how fast the code is.
 * QVAC's tiny runs here are bimodal (one or two llama.cpp threads active, about 250 or 650 ms), and
 * the share of slow runs swings between identical processes, so medians differed by 62% in an A/A
 * pair (docs/ci-workflow.md). A change seen in the median only is reported, with a warning, but is
 * not a regression: this machine's contention produces it by itself. A uniform slowdown moves both.
 * Memory has no such floor (allocator and page luck go both ways), so it is decided on the median.
 */
import type { Cell, Sample } from '../results/schema.js';
import { median } from '../stats/index.js';
import { confirmedByFastest, decideRatio, decideRatioBetweenGroups, effectiveRatioBand, performanceSamples, processOf, type Decision } from '../verdict/index.js';
import { METRICS, type MetricName, type TimingMetric } from './cell-figures.js';
import { qualityHigherIsBetter, qualityLabel } from './quality-direction.js';
import type { Classification, MetricDelta } from './types.js';

/** Guards comparisons of decimal fractions (0.06 - 0.05 > 0.01 in binary floating point). */
const EPSILON = 1e-9;

export function metricValue(metric: MetricName, sample: Sample): number | null {
  if (metric === 'peakMemoryBytes') return sample.peakRssBytes === null ? null : sample.peakRssBytes + (sample.workerPeakRssBytes ?? 0);
  const value: number | null = sample[metric as TimingMetric];
  return value;
}

/** Positive values of a metric over the performance samples of some cells, grouped by process. */
function valuesByProcess(cells: readonly Cell[], metric: MetricName): Map<string, number[]> {
  const byProcess = new Map<string, number[]>();
  for (const cell of cells) {
    for (const sample of performanceSamples(cell)) {
      const value = metricValue(metric, sample);
      if (value === null || !Number.isFinite(value) || value <= 0) continue;
      // A group of cells keeps fixtures apart inside a process: the unit is the process's figure over them.
      const key = `${processOf(sample)}|${cell.key.fixture}`;
      byProcess.set(key, [...(byProcess.get(key) ?? []), value]);
    }
  }
  return byProcess;
}

interface Units {
  /** Per process: the mean over its fixtures of the log median (2+ processes only). */
  processLogs: number[];
  /** Per fixture: the log median of every value of the fixture. */
  fixtureLogs: Map<string, number>;
  /** Log of every value (for one fixture in one process). */
  sampleLogs: number[];
  /** The median of every value (the figure shown). */
  shown: number;
  processes: number;
}

/** Which run of each (process, fixture) stands for it: the median, or the fastest (highest rate). */
export type RunFigure = 'typical' | 'best';

function figureOf(values: readonly number[], figure: RunFigure, lowerIsBetter: boolean): number {
  if (figure === 'typical') return median(values);
  return lowerIsBetter ? Math.min(...values) : Math.max(...values);
}

function unitsOf(cells: readonly Cell[], metric: MetricName, fixtures: Set<string>, figure: RunFigure = 'typical'): Units | null {
  const lowerIsBetter = METRICS[metric].lowerIsBetter;
  const byKey = valuesByProcess(cells.filter((cell) => fixtures.has(cell.key.fixture)), metric);
  if (byKey.size === 0) return null;
  const perProcess = new Map<number, number[]>();
  const perFixture = new Map<string, number[]>();
  for (const [key, values] of byKey) {
    const [process, fixture] = [Number(key.slice(0, key.indexOf('|'))), key.slice(key.indexOf('|') + 1)];
    perProcess.set(process, [...(perProcess.get(process) ?? []), Math.log(figureOf(values, figure, lowerIsBetter))]);
    perFixture.set(fixture, [...(perFixture.get(fixture) ?? []), ...values]);
  }
  const all = [...byKey.values()].flat();
  return {
    processLogs: [...perProcess.values()].map((list) => list.reduce((sum, v) => sum + v, 0) / list.length),
    fixtureLogs: new Map([...perFixture].map(([fixture, values]) => [fixture, Math.log(figureOf(values, figure, lowerIsBetter))])),
    sampleLogs: all.map(Math.log),
    shown: figureOf(all, figure, lowerIsBetter),
    processes: perProcess.size,
  };
}

function classificationOf(decision: Decision): Classification {
  if (decision.outcome !== 'winner') return 'unchanged';
  // A is the base: the base winning means the head got worse.
  return decision.better === 'a' ? 'regression' : 'improvement';
}

interface Decided {
  decision: Decision;
  unit: 'process' | 'sample' | 'fixture';
  counts: [number, number];
}

function decideUnits(base: Units, head: Units, lowerIsBetter: boolean, band: number, alpha: number, fixtureCount: number): Decided {
  const direction = lowerIsBetter ? 'lower-is-better' : 'higher-is-better';
  if (base.processes >= 2 && head.processes >= 2) {
    // Each run's processes are independent of the other run's: Welch over per-process figures.
    return {
      unit: 'process',
      decision: decideRatioBetweenGroups(base.processLogs, head.processLogs, direction, { unitKind: 'process', band, alpha }),
      counts: [base.processLogs.length, head.processLogs.length],
    };
  }
  if (fixtureCount > 1) {
    // One process per run, several fixtures: paired by fixture.
    const paired = [...base.fixtureLogs].filter(([fixture]) => head.fixtureLogs.has(fixture));
    const sign = lowerIsBetter ? 1 : -1;
    const differences = paired.map(([fixture, log]) => sign * ((head.fixtureLogs.get(fixture) as number) - log));
    return { unit: 'fixture', decision: decideRatio(differences, { unitKind: 'fixture', band, alpha }), counts: [paired.length, paired.length] };
  }
  return {
    unit: 'sample',
    decision: decideRatioBetweenGroups(base.sampleLogs, head.sampleLogs, direction, { unitKind: 'sample', band, alpha }),
    counts: [base.sampleLogs.length, head.sampleLogs.length],
  };
}

/** head/base from the base's advantage (a decision's estimate or bound). */
function headOverBase(advantage: number, lowerIsBetter: boolean): number {
  return lowerIsBetter ? advantage : 1 / advantage;
}

/** head/base bounds from the decision's interval of the base's advantage. */
function headOverBaseCi(decision: Decision, lowerIsBetter: boolean): [number, number] | null {
  if (!decision.ci95) return null;
  return [headOverBase(decision.ci95[0], lowerIsBetter), headOverBase(decision.ci95[1], lowerIsBetter)].sort((x, y) => x - y) as [number, number];
}

/** A timing or memory metric of base against head, over the given fixtures (one cell, or a group). */
export function ratioDelta(
  metric: MetricName,
  baseCells: readonly Cell[],
  headCells: readonly Cell[],
  fixtures: Set<string>,
  options: { threshold: number; noiseBand: number; alpha: number },
): MetricDelta | null {
  const base = unitsOf(baseCells, metric, fixtures);
  const head = unitsOf(headCells, metric, fixtures);
  if (!base || !head) return null;
  const info = METRICS[metric];
  const replicated = base.processes >= 2 && head.processes >= 2;
  const band = Math.max(options.threshold, effectiveRatioBand(options.noiseBand, replicated));
  const typical = decideUnits(base, head, info.lowerIsBetter, band, options.alpha, fixtures.size);
  const kind = metric === 'peakMemoryBytes' ? 'memory' : 'timing';
  let classification = classificationOf(typical.decision);
  let reason = typical.decision.reason;
  let bestRun: MetricDelta['bestRun'];
  // The fastest-run check needs units with a spread of their own: processes, or fixtures (one sample alone cannot be tested).
  if (kind === 'timing' && typical.unit !== 'sample') {
    const baseBest = unitsOf(baseCells, metric, fixtures, 'best') as Units;
    const headBest = unitsOf(headCells, metric, fixtures, 'best') as Units;
    const best = decideUnits(baseBest, headBest, info.lowerIsBetter, band, options.alpha, fixtures.size);
    const bestClassification = classificationOf(best.decision);
    bestRun = { base: baseBest.shown, head: headBest.shown, ratio: headOverBase(best.decision.estimate, info.lowerIsBetter), pValue: best.decision.pValue, ci95: headOverBaseCi(best.decision, info.lowerIsBetter), classification: bestClassification, reason: best.decision.reason };
    if (!confirmedByFastest(typical.decision, best.decision)) {
      reason = `the typical run changed (${typical.decision.reason}) but the fastest run of each ${typical.unit} did not (${best.decision.reason}): a change in how often runs are slowed, which this machine's contention causes by itself, is not gated`;
      classification = 'unchanged';
      bestRun.unconfirmed = true;
    }
  }
  return {
    metric,
    label: info.label,
    unit: info.unit,
    kind,
    lowerIsBetter: info.lowerIsBetter,
    base: base.shown,
    head: head.shown,
    relativeChange: base.shown === 0 ? null : head.shown / base.shown - 1,
    absoluteChange: head.shown - base.shown,
    pValue: typical.decision.pValue,
    nBase: typical.counts[0],
    nHead: typical.counts[1],
    replication: typical.unit,
    ci95: headOverBaseCi(typical.decision, info.lowerIsBetter),
    threshold: options.threshold,
    band,
    classification,
    reason,
    ...(bestRun ? { bestRun } : {}),
  };
}

/** Quality is deterministic under greedy decoding: one score per cell, gated by an absolute tolerance. */
export function qualityDeltas(base: Cell, head: Cell, tolerance: number, unknownDirections: Set<string>): MetricDelta[] {
  const baseQuality = base.quality ?? {};
  const headQuality = head.quality ?? {};
  const deltas: MetricDelta[] = [];
  for (const name of Object.keys(baseQuality).filter((metric) => metric in headQuality).sort()) {
    const baseValue = baseQuality[name];
    const headValue = headQuality[name];
    if (baseValue === null || baseValue === undefined || headValue === null || headValue === undefined) continue;
    const higherIsBetter = qualityHigherIsBetter(name);
    const change = headValue - baseValue;
    let classification: Classification = 'unchanged';
    if (higherIsBetter === null) {
      classification = 'ungated';
      if (Math.abs(change) > tolerance + EPSILON) unknownDirections.add(name);
    } else if (Math.abs(change) > tolerance + EPSILON) {
      classification = (change > 0) === higherIsBetter ? 'improvement' : 'regression';
    }
    deltas.push({
      metric: `quality.${name}`,
      label: qualityLabel(name),
      unit: '',
      kind: 'quality',
      lowerIsBetter: higherIsBetter === null ? null : !higherIsBetter,
      base: baseValue,
      head: headValue,
      relativeChange: baseValue === 0 ? null : headValue / baseValue - 1,
      absoluteChange: change,
      pValue: null,
      nBase: null,
      nHead: null,
      threshold: tolerance,
      classification,
    });
  }
  return deltas;
}
