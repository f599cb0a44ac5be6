/**
 * Bencher Metric Format (https://bencher.dev/docs/reference/bencher-metric-format):
 * `{ "<benchmark>": { "<measure slug>": { value, lower_value?, upper_value? } } }`.
 *
 * One benchmark per ok cell, named `engine/model/quant/target/task/fixture [weights] on <CPU> <threads>T`:
 * Bencher shows only the benchmark's name beside a point, so the weights' kind (tiny synthetic
 * numbers must never pass for real ones) and the hardware travel in it (src/report/run-facts.ts).
 * Measures (Bencher creates unknown slugs on first upload):
 * - `latency`: median latency in NANOSECONDS, because that is the unit of
 *   Bencher's built-in Latency measure; bounds = the median's 95% bootstrap CI;
 * - `time-to-first-token`: median TTFT in nanoseconds, with its CI;
 * - `decode-tokens-per-second`: median decode throughput, with its CI;
 * - `peak-memory`: peak host + worker RSS in bytes;
 * - `quality-<metric>`: each quality metric as a fraction (e.g. `quality-cer`).
 */
import { peakMemoryBytes, timingSummary, type TimingMetric } from '../compare/cell-figures.js';
import type { Cell, Results } from '../results/schema.js';
import { WEIGHTS_LABELS } from './model/variants.js';
import { hardwareShort, weightsOfKey } from './run-facts.js';

export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

export type BencherMetricFormat = Record<string, Record<string, BmfMetric>>;

const NANOSECONDS_PER_MS = 1e6;

/** The cell's key as a path: engine/model/quant/target/task/fixture. */
export function cellPath(cell: Cell): string {
  const { engine, model, quant, target, task, fixture } = cell.key;
  return [engine, model, quant, target, task, fixture].join('/');
}

export function benchmarkName(results: Results, cell: Cell): string {
  return `${cellPath(cell)} [${WEIGHTS_LABELS[weightsOfKey(results, cell.key)]}] on ${hardwareShort(results)}`;
}

function summaryMetric(cell: Cell, metric: TimingMetric, scale: number): BmfMetric | null {
  const summary = timingSummary(cell, metric);
  if (!summary) return null;
  const entry: BmfMetric = { value: summary.median * scale };
  if (summary.medianCi95) {
    entry.lower_value = summary.medianCi95[0] * scale;
    entry.upper_value = summary.medianCi95[1] * scale;
  }
  return entry;
}

export function toBencherMetricFormat(results: Results): BencherMetricFormat {
  const document: BencherMetricFormat = {};
  for (const cell of results.cells) {
    if (cell.status !== 'ok') continue;
    const measures: Record<string, BmfMetric> = {};
    const latency = summaryMetric(cell, 'latencyMs', NANOSECONDS_PER_MS);
    if (latency) measures['latency'] = latency;
    const ttft = summaryMetric(cell, 'ttftMs', NANOSECONDS_PER_MS);
    if (ttft) measures['time-to-first-token'] = ttft;
    const decode = summaryMetric(cell, 'decodeTokensPerSec', 1);
    if (decode) measures['decode-tokens-per-second'] = decode;
    const memory = peakMemoryBytes(cell);
    if (memory !== null) measures['peak-memory'] = { value: memory };
    for (const [metric, value] of Object.entries(cell.quality ?? {}).sort(([left], [right]) => left.localeCompare(right))) {
      if (value !== null && Number.isFinite(value)) measures[`quality-${metric}`] = { value };
    }
    if (Object.keys(measures).length > 0) document[benchmarkName(results, cell)] = measures;
  }
  return document;
}
