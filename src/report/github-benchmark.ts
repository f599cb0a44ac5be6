/**
 * Input for benchmark-action/github-action-benchmark's custom tools: one array for
 * `tool: customSmallerIsBetter` and one for `tool: customBiggerIsBetter` (the action
 * takes one direction per file). Entry: `{ name, unit, value, range?, extra? }`,
 * where `range` and `extra` are display strings.
 *
 * Smaller is better: latency and TTFT (ms, medians, range = ± half the 95% CI),
 * peak memory (MiB), and lower-is-better quality metrics (CER, WER…).
 * Bigger is better: decode tokens/s and higher-is-better quality metrics.
 * Quality metrics of unknown direction are left out. Failed cells are left out.
 * The chart shows each entry's name and, per point, its `extra`: the name carries the weights'
 * kind, and `extra` says what was measured (hardware, engine version, model and quantisation,
 * image budget, weights; src/report/run-facts.ts), so a point on a dashboard cannot lose it.
 */
import { peakMemoryBytes, timingSummary, type TimingMetric } from '../compare/cell-figures.js';
import { qualityHigherIsBetter } from '../compare/quality-direction.js';
import type { Cell, Results, Summary } from '../results/schema.js';
import { cellPath } from './bmf.js';
import { WEIGHTS_LABELS } from './model/variants.js';
import { cellFactsLine, weightsOfKey } from './run-facts.js';

export interface GithubBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

export interface GithubActionBenchmark {
  smallerIsBetter: GithubBenchmarkEntry[];
  biggerIsBetter: GithubBenchmarkEntry[];
}

const BYTES_PER_MIB = 2 ** 20;

function round(value: number, digits = 4): number {
  return Number(value.toPrecision(digits + 2));
}

/** The entry's name: the cell, the measure, and the weights' kind. */
function entryName(results: Results, cell: Cell, label: string): string {
  return `${cellPath(cell)} ${label} [${WEIGHTS_LABELS[weightsOfKey(results, cell.key)]}]`;
}

function measured(results: Results, cell: Cell): string {
  return `measured: ${cellFactsLine(results, cell.key)}`;
}

function summaryEntry(results: Results, cell: Cell, metric: TimingMetric, label: string, unit: string): GithubBenchmarkEntry | null {
  const summary: Summary | null = timingSummary(cell, metric);
  if (!summary) return null;
  const entry: GithubBenchmarkEntry = { name: entryName(results, cell, label), unit, value: round(summary.median) };
  if (summary.medianCi95) entry.range = `± ${round((summary.medianCi95[1] - summary.medianCi95[0]) / 2)}`;
  const details = [`n=${summary.n}`, `mean=${round(summary.mean)}`, `p90=${round(summary.p90)}`];
  if (summary.medianCi95) details.push(`95% CI of median ${round(summary.medianCi95[0])}–${round(summary.medianCi95[1])}`);
  details.push(measured(results, cell));
  entry.extra = details.join('\n');
  return entry;
}

export function toGithubActionBenchmark(results: Results): GithubActionBenchmark {
  const smallerIsBetter: GithubBenchmarkEntry[] = [];
  const biggerIsBetter: GithubBenchmarkEntry[] = [];
  for (const cell of results.cells) {
    if (cell.status !== 'ok') continue;
    const latency = summaryEntry(results, cell, 'latencyMs', 'latency (median)', 'ms');
    if (latency) smallerIsBetter.push(latency);
    const ttft = summaryEntry(results, cell, 'ttftMs', 'TTFT (median)', 'ms');
    if (ttft) smallerIsBetter.push(ttft);
    const decode = summaryEntry(results, cell, 'decodeTokensPerSec', 'decode throughput (median)', 'tokens/s');
    if (decode) biggerIsBetter.push(decode);
    const memory = peakMemoryBytes(cell);
    if (memory !== null) smallerIsBetter.push({ name: entryName(results, cell, 'peak memory'), unit: 'MiB', value: round(memory / BYTES_PER_MIB), extra: measured(results, cell) });
    for (const [metric, value] of Object.entries(cell.quality ?? {}).sort(([left], [right]) => left.localeCompare(right))) {
      const higherIsBetter = qualityHigherIsBetter(metric);
      if (value === null || !Number.isFinite(value) || higherIsBetter === null) continue;
      const entry: GithubBenchmarkEntry = { name: entryName(results, cell, metric), unit: 'fraction', value, extra: measured(results, cell) };
      (higherIsBetter ? biggerIsBetter : smallerIsBetter).push(entry);
    }
  }
  return { smallerIsBetter, biggerIsBetter };
}
