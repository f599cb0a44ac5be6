/** The shapes of a comparison of two runs (the regression gate's report), shared by the gate and its renderers. */
import type { Cell, CellKey } from '../results/schema.js';
import type { MetricName } from './cell-figures.js';
import type { Comparability } from './comparable.js';

export interface GateOptions {
  /** Relative change (0.1 = 10%) beyond which a metric may regress, per metric. */
  thresholds?: Partial<Record<MetricName, number>>;
  /** Absolute change of a quality metric beyond which it regresses. */
  qualityTolerance?: number;
  /** Compare runs whose hardware or settings differ (the report warns loudly). */
  allowMismatch?: boolean;
  /** Significance level of the tests, 0.05 by default. */
  alpha?: number;
  /** The noise band for replicated runs (src/verdict/band.ts); one-process runs use at least the one-process band. */
  noiseBand?: number;
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
  /** Welch t-test p on the log figures (timing, memory); null for quality and where it cannot be tested. */
  pValue: number | null;
  /** Units per side: processes (replicated runs) or samples (one process per run); null for quality. */
  nBase: number | null;
  nHead: number | null;
  /** What the units are: `process` when both runs have 2+ processes, else `fixture` (a group, paired by fixture) or `sample` (one cell). */
  replication?: 'process' | 'fixture' | 'sample';
  /** 95% CI of head/base (timing, memory). */
  ci95?: [number, number] | null;
  /** Relative threshold (timing, memory) or absolute tolerance (quality). */
  threshold: number;
  /** The band the change had to clear: the larger of the threshold and the noise band in force. */
  band?: number;
  classification: Classification;
  /** The decision in words (src/verdict). */
  reason?: string;
  /**
   * Timing with process or fixture units: the same decision on each unit's fastest run (highest
   * decode rate). A timing change is a regression or improvement only when this agrees; when the
   * median moved and this did not, `unconfirmed` is true and the change is not gated (deltas.ts).
   */
  bestRun?: {
    base: number;
    head: number;
    /** head/base of the fastest runs: the ratio of the units' geometric means (the decision's estimate). */
    ratio: number;
    pValue: number | null;
    ci95: [number, number] | null;
    classification: Classification;
    reason: string;
    unconfirmed?: true;
  };
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
  /** The noise band for replicated runs. */
  noiseBand: number;
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
  /**
   * Per variant × task: the metric over every matched fixture at once, so a uniform slowdown
   * shows even where each cell alone is too noisy. The key's fixture is `*`.
   */
  groups: Array<{ key: CellKey; id: string; deltas: MetricDelta[] }>;
}

