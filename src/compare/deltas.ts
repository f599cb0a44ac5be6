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
 */
import type { Cell, Sample } from '../results/schema.js';
import { median } from '../stats/index.js';
import { decideRatio, decideRatioBetweenGroups, effectiveRatioBand, performanceSamples, processOf, type Decision } from '../verdict/index.js';
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

function unitsOf(cells: readonly Cell[], metric: MetricName, fixtures: Set<string>): Units | null {
  const byKey = valuesByProcess(cells.filter((cell) => fixtures.has(cell.key.fixture)), metric);
  if (byKey.size === 0) return null;
  const perProcess = new Map<number, number[]>();
  const perFixture = new Map<string, number[]>();
  for (const [key, values] of byKey) {
    const [process, fixture] = [Number(key.slice(0, key.indexOf('|'))), key.slice(key.indexOf('|') + 1)];
    perProcess.set(process, [...(perProcess.get(process) ?? []), Math.log(median(values))]);
    perFixture.set(fixture, [...(perFixture.get(fixture) ?? []), ...values]);
  }
  const all = [...byKey.values()].flat();
  return {
    processLogs: [...perProcess.values()].map((list) => list.reduce((sum, v) => sum + v, 0) / list.length),
    fixtureLogs: new Map([...perFixture].map(([fixture, values]) => [fixture, Math.log(median(values))])),
    sampleLogs: all.map(Math.log),
    shown: median(all),
    processes: perProcess.size,
  };
}

function classificationOf(decision: Decision): Classification {
  if (decision.outcome !== 'winner') return 'unchanged';
  // A is the base: the base winning means the head got worse.
  return decision.better === 'a' ? 'regression' : 'improvement';
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
  const direction = info.lowerIsBetter ? 'lower-is-better' : 'higher-is-better';
  let decision: Decision;
  let unit: 'process' | 'sample' | 'fixture';
  let counts: [number, number];
  if (replicated) {
    // Each run's processes are independent of the other run's: Welch over per-process figures.
    unit = 'process';
    decision = decideRatioBetweenGroups(base.processLogs, head.processLogs, direction, { unitKind: 'process', band, alpha: options.alpha });
    counts = [base.processLogs.length, head.processLogs.length];
  } else if (fixtures.size > 1) {
    // One process per run, several fixtures: paired by fixture.
    unit = 'fixture';
    const paired = [...base.fixtureLogs].filter(([fixture]) => head.fixtureLogs.has(fixture));
    const sign = info.lowerIsBetter ? 1 : -1;
    decision = decideRatio(paired.map(([fixture, log]) => sign * ((head.fixtureLogs.get(fixture) as number) - log)), { unitKind: 'fixture', band, alpha: options.alpha });
    counts = [paired.length, paired.length];
  } else {
    unit = 'sample';
    decision = decideRatioBetweenGroups(base.sampleLogs, head.sampleLogs, direction, { unitKind: 'sample', band, alpha: options.alpha });
    counts = [base.sampleLogs.length, head.sampleLogs.length];
  }
  // The decision's estimate is the base's advantage; head/base follows from it and the direction.
  const headOverBase = (advantage: number) => (info.lowerIsBetter ? advantage : 1 / advantage);
  const ci = decision.ci95 ? ([headOverBase(decision.ci95[0]), headOverBase(decision.ci95[1])].sort((x, y) => x - y) as [number, number]) : null;
  return {
    metric,
    label: info.label,
    unit: info.unit,
    kind: metric === 'peakMemoryBytes' ? 'memory' : 'timing',
    lowerIsBetter: info.lowerIsBetter,
    base: base.shown,
    head: head.shown,
    relativeChange: base.shown === 0 ? null : head.shown / base.shown - 1,
    absoluteChange: head.shown - base.shown,
    pValue: decision.pValue,
    nBase: counts[0],
    nHead: counts[1],
    replication: unit,
    ci95: ci,
    threshold: options.threshold,
    band,
    classification: classificationOf(decision),
    reason: decision.reason,
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
