/**
 * The regression gate behind `vlmbench compare BASE HEAD`.
 *
 * Cells are matched by their key (cellKeyId). For cells that are ok in both runs:
 * - latency, TTFT and decode tokens/s (medians of the counted samples) regress only
 *   when the change is worse than the metric's threshold (10% by default) AND the
 *   two-sided Mann–Whitney U test on the raw samples gives p < alpha (0.05). Either
 *   alone is noise: a 30% swing over 3 samples, or a significant 1% drift.
 * - peak memory (host + worker, see cell-figures.ts) is gated by threshold only: it
 *   is near-deterministic, one figure per cell, with no sample spread to test.
 * - every quality metric regresses when it moves the wrong way (direction from the
 *   metrics module) by more than the tolerance (0.01 absolute by default). Metrics
 *   of unknown direction are reported, never gated.
 * - output text changes are always listed (greedy decoding is deterministic), and
 *   are not by themselves a regression; the quality metrics judge them.
 * A cell that was ok and is now failed or unavailable is a regression; the reverse
 * is an improvement. Cells present in one run only are listed, not gated.
 *
 * Runs that are not comparable (see comparable.ts) are refused (exit 2) unless
 * allowMismatch is set; then the report is computed and carries a loud warning.
 */
import { cellKeyId, type Cell, type CellKey, type Results } from '../results/schema.js';
import { DEFAULT_ALPHA, mannWhitneyMinimumPValue, mannWhitneyU, median } from '../stats/index.js';
import { METRICS, peakMemoryBytes, timingValues, type MetricName, type TimingMetric } from './cell-figures.js';
import { checkComparability, type Comparability } from './comparable.js';
import { qualityHigherIsBetter, qualityLabel } from './quality-direction.js';

export { renderCompareMarkdown } from './markdown.js';
export type { MetricName } from './cell-figures.js';

export const DEFAULT_THRESHOLDS: Record<MetricName, number> = {
  latencyMs: 0.1,
  ttftMs: 0.1,
  decodeTokensPerSec: 0.1,
  peakMemoryBytes: 0.1,
};
export const DEFAULT_QUALITY_TOLERANCE = 0.01;

/** Guards comparisons of decimal fractions (0.06 - 0.05 > 0.01 in binary floating point). */
const EPSILON = 1e-9;

export interface GateOptions {
  /** Relative change (0.1 = 10%) beyond which a metric may regress, per metric. */
  thresholds?: Partial<Record<MetricName, number>>;
  /** Absolute change of a quality metric beyond which it regresses. */
  qualityTolerance?: number;
  /** Compare runs whose hardware or settings differ (the report warns loudly). */
  allowMismatch?: boolean;
  /** Significance level of the Mann–Whitney test, 0.05 by default. */
  alpha?: number;
}

export type Classification = 'regression' | 'improvement' | 'unchanged' | 'ungated';

export interface MetricDelta {
  /** A MetricName, or `quality.<name>` for a quality metric. */
  metric: string;
  label: string;
  unit: string;
  kind: 'timing' | 'memory' | 'quality';
  /** Null for a quality metric of unknown direction. */
  lowerIsBetter: boolean | null;
  base: number;
  head: number;
  /** head / base - 1; null when base is 0. */
  relativeChange: number | null;
  absoluteChange: number;
  /** Mann–Whitney p for timing metrics; null for memory and quality. */
  pValue: number | null;
  nBase: number | null;
  nHead: number | null;
  /** Relative threshold (timing, memory) or absolute tolerance (quality). */
  threshold: number;
  classification: Classification;
}

export interface StatusChange {
  key: CellKey;
  id: string;
  base: Cell['status'];
  head: Cell['status'];
  reason?: string;
}

export interface TextChange {
  key: CellKey;
  id: string;
  baseText: string;
  headText: string;
}

export interface Finding {
  key: CellKey;
  id: string;
  /** A metric change, or a status change (ok → failed/unavailable, or back). */
  delta?: MetricDelta;
  statusChange?: StatusChange;
}

export interface RunReference {
  id: string;
  startedAt: string;
  commit: string | null;
  complete: boolean;
}

export interface CompareReport {
  verdict: 'clean' | 'regression' | 'refused';
  /** True when the runs are not comparable and allowMismatch was not given: exit 2. */
  refused: boolean;
  /** True when the runs are not comparable and were compared anyway. */
  mismatchAllowed: boolean;
  comparability: Comparability;
  base: RunReference;
  head: RunReference;
  thresholds: Record<MetricName, number>;
  qualityTolerance: number;
  alpha: number;
  matchedCells: number;
  /** Matched cells with no regression, improvement, status change or text change. */
  unchangedCells: number;
  regressions: Finding[];
  improvements: Finding[];
  statusChanges: StatusChange[];
  textChanges: TextChange[];
  onlyInBase: CellKey[];
  onlyInHead: CellKey[];
  /** Things a reader must know to trust the verdict (partial runs, untestable sample sizes, …). */
  warnings: string[];
  /** Every metric delta of every matched cell, for machine readers. */
  cells: Array<{ key: CellKey; id: string; deltas: MetricDelta[] }>;
}

function classify(relativeWorse: boolean, relativeBetter: boolean, significant: boolean): Classification {
  if (relativeWorse && significant) return 'regression';
  if (relativeBetter && significant) return 'improvement';
  return 'unchanged';
}

function timingDelta(
  metric: TimingMetric,
  base: Cell,
  head: Cell,
  threshold: number,
  alpha: number,
  untestable: Set<string>,
): MetricDelta | null {
  const baseValues = timingValues(base, metric);
  const headValues = timingValues(head, metric);
  if (baseValues.length === 0 || headValues.length === 0) return null;
  const info = METRICS[metric];
  const baseMedian = median(baseValues);
  const headMedian = median(headValues);
  const relativeChange = baseMedian === 0 ? null : headMedian / baseMedian - 1;
  const canTest = baseValues.length >= 2 && headValues.length >= 2 && mannWhitneyMinimumPValue(baseValues.length, headValues.length) <= alpha;
  if (!canTest) untestable.add(cellKeyId(head.key));
  const { pValue } = mannWhitneyU(baseValues, headValues);
  const significant = canTest && pValue < alpha;
  const worse = relativeChange !== null && (info.lowerIsBetter ? relativeChange > threshold + EPSILON : relativeChange < -threshold - EPSILON);
  const better = relativeChange !== null && (info.lowerIsBetter ? relativeChange < -threshold - EPSILON : relativeChange > threshold + EPSILON);
  return {
    metric,
    label: info.label,
    unit: info.unit,
    kind: 'timing',
    lowerIsBetter: info.lowerIsBetter,
    base: baseMedian,
    head: headMedian,
    relativeChange,
    absoluteChange: headMedian - baseMedian,
    pValue,
    nBase: baseValues.length,
    nHead: headValues.length,
    threshold,
    classification: relativeChange === null ? 'ungated' : classify(worse, better, significant),
  };
}

function memoryDelta(base: Cell, head: Cell, threshold: number): MetricDelta | null {
  const basePeak = peakMemoryBytes(base);
  const headPeak = peakMemoryBytes(head);
  if (basePeak === null || headPeak === null) return null;
  const relativeChange = basePeak === 0 ? null : headPeak / basePeak - 1;
  const info = METRICS.peakMemoryBytes;
  return {
    metric: 'peakMemoryBytes',
    label: info.label,
    unit: info.unit,
    kind: 'memory',
    lowerIsBetter: true,
    base: basePeak,
    head: headPeak,
    relativeChange,
    absoluteChange: headPeak - basePeak,
    pValue: null,
    nBase: null,
    nHead: null,
    threshold,
    classification: relativeChange === null ? 'ungated' : classify(relativeChange > threshold + EPSILON, relativeChange < -threshold - EPSILON, true),
  };
}

function qualityDeltas(base: Cell, head: Cell, tolerance: number, unknownDirections: Set<string>): MetricDelta[] {
  const baseQuality = base.quality ?? {};
  const headQuality = head.quality ?? {};
  const deltas: MetricDelta[] = [];
  for (const name of Object.keys(baseQuality).filter((metric) => metric in headQuality).sort()) {
    const baseValue = baseQuality[name];
    const headValue = headQuality[name];
    if (baseValue === null || baseValue === undefined || headValue === null || headValue === undefined) continue;
    const higherIsBetter = qualityHigherIsBetter(name);
    const change = headValue - baseValue;
    let classification: Classification;
    if (higherIsBetter === null) {
      classification = 'ungated';
      if (Math.abs(change) > tolerance + EPSILON) unknownDirections.add(name);
    } else {
      const worse = higherIsBetter ? change < -tolerance - EPSILON : change > tolerance + EPSILON;
      const better = higherIsBetter ? change > tolerance + EPSILON : change < -tolerance - EPSILON;
      classification = classify(worse, better, true);
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

function runReference(results: Results): RunReference {
  return { id: results.run.id, startedAt: results.run.startedAt, commit: results.environment.git.commit, complete: results.run.complete };
}

export function compareRuns(base: Results, head: Results, options: GateOptions = {}): CompareReport {
  const thresholds: Record<MetricName, number> = { ...DEFAULT_THRESHOLDS };
  for (const [metric, value] of Object.entries(options.thresholds ?? {}) as Array<[MetricName, number | undefined]>) {
    if (value !== undefined) thresholds[metric] = value;
  }
  const qualityTolerance = options.qualityTolerance ?? DEFAULT_QUALITY_TOLERANCE;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const comparability = checkComparability(base, head);
  const refused = !comparability.comparable && !options.allowMismatch;
  const mismatchAllowed = !comparability.comparable && options.allowMismatch === true;

  const headCells = new Map(head.cells.map((cell) => [cellKeyId(cell.key), cell]));
  const baseIds = new Set(base.cells.map((cell) => cellKeyId(cell.key)));
  const regressions: Finding[] = [];
  const improvements: Finding[] = [];
  const statusChanges: StatusChange[] = [];
  const textChanges: TextChange[] = [];
  const cells: CompareReport['cells'] = [];
  const untestable = new Set<string>();
  const unknownDirections = new Set<string>();
  const unstableOutputs: string[] = [];
  let matchedCells = 0;
  let unchangedCells = 0;

  for (const baseCell of base.cells) {
    const id = cellKeyId(baseCell.key);
    const headCell = headCells.get(id);
    if (!headCell) continue;
    matchedCells++;
    const key = headCell.key;
    let changed = false;

    if (baseCell.status !== headCell.status) {
      changed = true;
      const statusChange: StatusChange = { key, id, base: baseCell.status, head: headCell.status };
      if (headCell.reason !== undefined) statusChange.reason = headCell.reason;
      statusChanges.push(statusChange);
      if (baseCell.status === 'ok') regressions.push({ key, id, statusChange });
      else if (headCell.status === 'ok') improvements.push({ key, id, statusChange });
    }

    const deltas: MetricDelta[] = [];
    if (baseCell.status === 'ok' && headCell.status === 'ok') {
      for (const metric of ['latencyMs', 'ttftMs', 'decodeTokensPerSec'] as const) {
        const delta = timingDelta(metric, baseCell, headCell, thresholds[metric], alpha, untestable);
        if (delta) deltas.push(delta);
      }
      const memory = memoryDelta(baseCell, headCell, thresholds.peakMemoryBytes);
      if (memory) deltas.push(memory);
      deltas.push(...qualityDeltas(baseCell, headCell, qualityTolerance, unknownDirections));

      if (baseCell.output && headCell.output && baseCell.output.text !== headCell.output.text) {
        changed = true;
        textChanges.push({ key, id, baseText: baseCell.output.text, headText: headCell.output.text });
      }
      if (headCell.output && !headCell.output.stableAcrossSamples) unstableOutputs.push(id);
    }
    for (const delta of deltas) {
      if (delta.classification === 'regression') regressions.push({ key, id, delta });
      if (delta.classification === 'improvement') improvements.push({ key, id, delta });
      if (delta.classification === 'regression' || delta.classification === 'improvement') changed = true;
    }
    cells.push({ key, id, deltas });
    if (!changed) unchangedCells++;
  }

  const warnings: string[] = [];
  if (mismatchAllowed) {
    warnings.push(
      `Runs are NOT comparable (${comparability.differences.filter((difference) => difference.blocking).length} blocking difference(s)); compared anyway because --allow-mismatch was given.`,
    );
  }
  if (!head.run.complete) warnings.push(`Head run ${head.run.id} is partial (interrupted): missing cells are not compared.`);
  if (!base.run.complete) warnings.push(`Base run ${base.run.id} is partial (interrupted): missing cells are not compared.`);
  if (untestable.size > 0) {
    warnings.push(
      `${untestable.size} cell(s) have too few samples for Mann–Whitney to reach p<${alpha} (4 per side at least), so their timing regressions cannot be detected: raise --runs.`,
    );
  }
  if (unknownDirections.size > 0) {
    warnings.push(`Quality metric(s) of unknown direction changed and were not gated: ${[...unknownDirections].sort().join(', ')}.`);
  }
  if (unstableOutputs.length > 0) {
    warnings.push(`${unstableOutputs.length} head cell(s) produced different texts across samples despite greedy decoding.`);
  }
  if (matchedCells === 0) warnings.push('No cell key appears in both runs: nothing was compared.');

  const verdict: CompareReport['verdict'] = refused ? 'refused' : regressions.length > 0 ? 'regression' : 'clean';
  return {
    verdict,
    refused,
    mismatchAllowed,
    comparability,
    base: runReference(base),
    head: runReference(head),
    thresholds,
    qualityTolerance,
    alpha,
    matchedCells,
    unchangedCells,
    regressions,
    improvements,
    statusChanges,
    textChanges,
    onlyInBase: base.cells.filter((cell) => !headCells.has(cellKeyId(cell.key))).map((cell) => cell.key),
    onlyInHead: head.cells.filter((cell) => !baseIds.has(cellKeyId(cell.key))).map((cell) => cell.key),
    warnings,
    cells,
  };
}

/** 2: refused (runs not comparable); 1: at least one regression; 0: clean. The CLI uses 2 for input errors too. */
export function exitCodeFor(report: CompareReport): 0 | 1 | 2 {
  if (report.refused) return 2;
  return report.regressions.length > 0 ? 1 : 0;
}
