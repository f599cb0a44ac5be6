/**
 * The per-cell figures that the regression gate and the flat exports (CSV, BMF,
 * github-action-benchmark) read from a cell, defined once so they agree.
 */
import type { Cell, Sample, Summary } from '../results/schema.js';
import { summarize } from '../stats/index.js';

export type TimingMetric = 'latencyMs' | 'ttftMs' | 'decodeTokensPerSec';
export type MetricName = TimingMetric | 'peakMemoryBytes';

export interface MetricInfo {
  label: string;
  unit: string;
  lowerIsBetter: boolean;
}

export const METRICS: Record<MetricName, MetricInfo> = {
  latencyMs: { label: 'Latency (median)', unit: 'ms', lowerIsBetter: true },
  ttftMs: { label: 'TTFT (median)', unit: 'ms', lowerIsBetter: true },
  decodeTokensPerSec: { label: 'Decode tokens/s (median)', unit: 'tokens/s', lowerIsBetter: false },
  peakMemoryBytes: { label: 'Peak memory (host + worker)', unit: 'bytes', lowerIsBetter: true },
};

/** The non-null values of one timing metric over the counted samples, in sample order. */
export function timingValues(cell: Cell, metric: TimingMetric): number[] {
  const values: number[] = [];
  for (const sample of cell.samples) {
    const value: number | null = sample[metric];
    if (value !== null && Number.isFinite(value)) values.push(value);
  }
  return values;
}

/** Cell stats as recorded, or computed from the samples when the document has none. Null without values. */
export function timingSummary(cell: Cell, metric: TimingMetric): Summary | null {
  const recorded = cell.stats?.[metric];
  if (recorded) return recorded;
  const values = timingValues(cell, metric);
  return values.length > 0 ? summarize(values) : null;
}

function maxOrNull(values: ReadonlyArray<number | null | undefined>): number | null {
  let best: number | null = null;
  for (const value of values) if (value !== null && value !== undefined && (best === null || value > best)) best = value;
  return best;
}

function sampleTotal(sample: Sample): number | null {
  return sample.peakRssBytes === null ? null : sample.peakRssBytes + (sample.workerPeakRssBytes ?? 0);
}

/** Peak of the host process alone, over the load and every counted sample. */
export function peakHostRssBytes(cell: Cell): number | null {
  return maxOrNull([cell.load?.memory.hostPeakRssBytes, ...cell.samples.map((sample) => sample.peakRssBytes)]);
}

/** Peak summed over the host's descendants (e.g. QVAC's worker), over the load and every sample; null when it has none. */
export function peakWorkerRssBytes(cell: Cell): number | null {
  return maxOrNull([cell.load?.memory.workerPeakRssBytes, ...cell.samples.map((sample) => sample.workerPeakRssBytes)]);
}

/**
 * Peak memory of everything the engine runs (host + worker), the largest of the
 * load's and each sample's sum. Phases are summed within a phase, never across, so
 * a load peak and a run peak are not added together.
 */
export function peakMemoryBytes(cell: Cell): number | null {
  const load = cell.load?.memory;
  const loadTotal = load && load.hostPeakRssBytes !== null ? load.hostPeakRssBytes + (load.workerPeakRssBytes ?? 0) : null;
  return maxOrNull([loadTotal, ...cell.samples.map(sampleTotal)]);
}
