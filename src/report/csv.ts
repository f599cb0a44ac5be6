/**
 * One CSV row per cell, for spreadsheets and pandas. RFC 4180: CRLF line ends, a
 * field holding a comma, a double quote, CR or LF is wrapped in double quotes with
 * inner quotes doubled. Empty field = no value. Quality metrics get one column
 * each (`quality_<name>`), the union over all cells, sorted by name. Every row says what
 * was measured: the weights' kind, the engine's version, the image budget and the hardware.
 */
import { peakHostRssBytes, peakWorkerRssBytes, timingSummary } from '../compare/cell-figures.js';
import { budgetOfSettings } from '../engines/image-budget.js';
import type { Cell, Results } from '../results/schema.js';
import { WEIGHTS_LABELS } from './model/variants.js';
import { hardwareOf, weightsOfKey } from './run-facts.js';

type Field = string | number | null | undefined;

const FIXED_COLUMNS = [
  'engine',
  'model',
  'quant',
  'target',
  'task',
  'fixture',
  'status',
  'reason',
  'flags',
  'n',
  'latency_median_ms',
  'latency_p90_ms',
  'latency_p95_ms',
  'latency_mean_ms',
  'latency_sd_ms',
  'latency_ci95_low_ms',
  'latency_ci95_high_ms',
  'latency_outliers',
  'ttft_median_ms',
  'decode_tokens_per_sec_median',
  'peak_rss_bytes',
  'worker_peak_rss_bytes',
  'load_ms',
  'weights',
  'engine_version',
  'image_budget',
  'hardware',
] as const;

export function csvField(value: Field): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : neutraliseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Text from results (a fixture id, a failure reason) must not run as a spreadsheet formula when
 * the CSV is opened: a field starting with = + - @ (or a tab or CR, which some apps skip first) gets
 * a leading apostrophe, which spreadsheets show as text (OWASP's advice for CSV injection).
 * Numbers are written as numbers and are not touched.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The columns that say what was measured, the same on every row of a run (src/report/run-facts.ts). */
function measuredFields(results: Results, cell: Cell): Field[] {
  return [
    WEIGHTS_LABELS[weightsOfKey(results, cell.key)],
    // The version alone: the engine column names the package, and a leading @ would read as a formula.
    results.engines.find((record) => record.id === cell.key.engine)?.version,
    budgetOfSettings(results.run.settings),
    hardwareOf(results),
  ];
}

function cellRow(results: Results, cell: Cell, qualityColumns: readonly string[]): Field[] {
  const latency = timingSummary(cell, 'latencyMs');
  const ttft = timingSummary(cell, 'ttftMs');
  const decode = timingSummary(cell, 'decodeTokensPerSec');
  return [
    cell.key.engine,
    cell.key.model,
    cell.key.quant,
    cell.key.target,
    cell.key.task,
    cell.key.fixture,
    cell.status,
    cell.reason,
    cell.flags?.join(' '),
    cell.samples.length,
    latency?.median,
    latency?.p90,
    latency?.p95,
    latency?.mean,
    latency?.sd,
    latency?.medianCi95?.[0],
    latency?.medianCi95?.[1],
    latency?.outliers?.count,
    ttft?.median,
    decode?.median,
    peakHostRssBytes(cell),
    peakWorkerRssBytes(cell),
    cell.load?.ms,
    ...measuredFields(results, cell),
    ...qualityColumns.map((metric) => cell.quality?.[metric]),
  ];
}

export function toCsv(results: Results): string {
  const qualityColumns = [...new Set(results.cells.flatMap((cell) => Object.keys(cell.quality ?? {})))].sort();
  const header = [...FIXED_COLUMNS, ...qualityColumns.map((metric) => `quality_${metric}`)];
  const rows = [header, ...results.cells.map((cell) => cellRow(results, cell, qualityColumns))];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
