/**
 * The report model: everything a report shows, computed once from one or more Results.
 * Every renderer (HTML, Markdown, summary.json, embed) reads this and decides nothing.
 */
import { UserError, type TaskId } from '../engines/engine.js';
import {
  ResultsSchema,
  cellKeyId,
  type Cell,
  type CellKey,
  type FixtureRecord,
  type ModelRecord,
  type Results,
  type Sample,
  type Summary,
} from '../results/schema.js';
import { bootstrapCi, compareAcrossFixtures, compareSamples, summarize, wilcoxonMinimumPValue, wilcoxonSignedRank, DEFAULT_ALPHA } from '../stats/index.js';
import { METRIC_INFO, scoreTask } from '../metrics/index.js';
import { evaluateClaims, type ClaimVerdict } from '../claims/evaluate.js';
import { readFootprint } from '../footprint/collect.js';
import type { Footprint } from '../footprint/schema.js';

// ---------------------------------------------------------------------------------------
// Input gate

/** Validates a parsed results file; throws a UserError naming the first bad field. Never half-renders. */
export function parseResultsForReport(json: unknown, source = 'results file'): Results {
  const parsed = ResultsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? formatIssuePath(issue.path) : '(root)';
  const message = issue?.message ?? 'does not match the results schema';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
  throw new UserError(`Invalid ${source}: field "${path}": ${message}${more}. Regenerate it with \`vlmbench run\` or fix that field.`);
}

function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

// ---------------------------------------------------------------------------------------
// Shapes

export type Synthetic = false | 'tiny' | 'shape';
export type Aspect = 'speed' | 'quality' | 'memory';
export type VerdictOutcome = 'winner' | 'no-difference' | 'insufficient' | 'not-judged' | 'single-engine';

/** One engine × model × quant × target: the thing a verdict compares. */
export interface Variant {
  id: string;
  engine: string;
  model: string;
  quant: string;
  target: string;
  /** The shortest name that tells the report's variants apart (just the engine when each engine ran one model). */
  label: string;
  /** Engine, model, quantisation and (if not cpu) target. */
  fullLabel: string;
  synthetic: Synthetic;
  /** Stable index across the whole report: picks colour and marker shape. */
  index: number;
}

export interface RunView {
  runId: string;
  deviceLabel: string;
  results: Results;
}

export interface MetricFigure {
  name: string;
  label: string;
  higherIsBetter: boolean;
  /** Mean of the per-fixture scores the cells carry. */
  mean: number | null;
  /** Corpus-level score recomputed with scoreTask from the outputs and references (CER: total edits / total length; CIDEr-D: IDF over the set). */
  corpus: number | null;
  n: number;
}

export interface VariantTaskFigures {
  variant: Variant;
  cells: Cell[];
  okCells: number;
  failedCells: number;
  unavailableCells: number;
  latency: Summary | null;
  ttft: Summary | null;
  decodeTokensPerSec: Summary | null;
  latencySamples: number[];
  /** Highest host VmHWM seen over the load and every sample, bytes. */
  hostPeakBytes: number | null;
  /** Highest worker (descendants) VmHWM, bytes. */
  workerPeakBytes: number | null;
  /** Highest host+worker total seen at one point of measurement, bytes. */
  totalPeakBytes: number | null;
  quality: MetricFigure[];
  /** True when the model is shape-synthetic: quality is meaningless and left out. */
  qualityHidden: boolean;
  frames: number[];
  imageTokens: number[];
  promptTokens: number[];
}

export interface Verdict {
  runId: string;
  deviceLabel: string;
  task: TaskId;
  aspect: Aspect;
  /** Labels of the two variants compared (one when only one engine ran). */
  contenders: string[];
  winner: string | null;
  winnerVariant: string | null;
  /** winner: a significant difference; no-difference: tested, not significant; insufficient: too little data to test; not-judged: synthetic weights or no metric; single-engine: nothing to compare. */
  outcome: VerdictOutcome;
  /** A few words for tables: "transformersjs 1.9× faster", "no significant difference". */
  short: string;
  /** The claim, in one plain sentence. */
  sentence: string;
  /** What the claim rests on: figures, sample sizes, fixture set. */
  evidence: string;
  ratio?: number;
  ci95?: [number, number];
  pValue?: number;
  n: number;
  fixtures: string[];
  metric?: string;
}

export interface TaskView {
  runId: string;
  deviceLabel: string;
  task: TaskId;
  fixtures: FixtureRecord[];
  headlineMetric: string | null;
  metricNames: string[];
  variants: VariantTaskFigures[];
  verdicts: Verdict[];
  /** The headline metric per fixture category (corpus-level within the category), per variant. */
  categories: Array<{ category: string; fixtures: number; values: Array<{ variant: Variant; value: number | null; n: number }> }>;
}

export interface FailureRow {
  runId: string;
  deviceLabel: string;
  key: CellKey;
  status: 'failed' | 'unavailable';
  reason: string;
}

export interface GalleryOutput {
  /** The cell key id (`cellKeyId`), so claims can link to the cell. */
  cellKey: string;
  runId: string;
  deviceLabel: string;
  variant: Variant;
  status: Cell['status'];
  reason: string | null;
  text: string | null;
  stableAcrossSamples: boolean | null;
  quality: Array<{ name: string; label: string; value: number | null }>;
  qualityHidden: boolean;
  latencyMedianMs: number | null;
}

export interface GalleryItem {
  task: TaskId;
  fixture: FixtureRecord;
  /** Candidate directories for the image, first the run's own fixtures dir. */
  imageDirs: string[];
  outputs: GalleryOutput[];
}

export interface FairnessRow {
  attribute: string;
  values: string[];
  differs: boolean;
}

export interface FairnessView {
  runId: string;
  deviceLabel: string;
  variants: Variant[];
  rows: FairnessRow[];
  /** Engine-reported reasons (load notes), per variant label. */
  notes: Array<{ variant: string; notes: string[] }>;
  settings: Array<[string, string]>;
  prompts: Array<[string, string]>;
}

export interface CrossDeviceRow {
  keyId: string;
  key: CellKey;
  /** One entry per run, in run order; null where that run lacks the cell or it failed. */
  perRun: Array<{ latencyMedianMs: number | null; ttftMedianMs: number | null; totalPeakBytes: number | null; status: string | null }>;
  comparable: boolean;
  differences: string[];
}

export interface CrossDeviceGroup {
  variant: Variant;
  task: TaskId;
  /** Median latency over every counted sample of the group, per run. */
  latencyMedianMs: Array<number | null>;
}

export interface CrossDeviceView {
  runs: Array<{ runId: string; deviceLabel: string }>;
  rows: CrossDeviceRow[];
  groups: CrossDeviceGroup[];
  /** Plain sentences on what is and is not comparable across the runs. */
  statements: string[];
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  runs: RunView[];
  variants: Variant[];
  engines: string[];
  models: Array<ModelRecord & { runId: string }>;
  synthetic: { tiny: string[]; shape: string[] };
  incompleteRuns: string[];
  tasks: TaskView[];
  verdicts: Verdict[];
  failures: FailureRow[];
  gallery: GalleryItem[];
  fairness: FairnessView[];
  crossDevice: CrossDeviceView | null;
  /** The comparison page's claims checked against these runs (claims/ledger.json). */
  claims: ClaimVerdict[];
  /** Per-engine footprint, per run that measured it. */
  footprints: Array<{ runId: string; deviceLabel: string; footprint: Footprint }>;
}

export interface BuildOptions {
  title?: string;
  /** Extra directories to look for fixture images in (after each run's own fixtures dir). */
  fixturesDirs?: string[];
  /** Fixed clock for reproducible output (tests). */
  now?: Date;
}

// ---------------------------------------------------------------------------------------
// Metrics

/** The metric a task is judged by; others are shown beside it. */
const HEADLINE_CANDIDATES: Record<TaskId, string[]> = {
  ocr: ['cer', 'CER'],
  caption: ['ciderD', 'cider_d', 'cider-d', 'CIDEr-D', 'cider'],
};

export const TASK_LABELS: Record<TaskId, string> = { caption: 'Captioning', ocr: 'OCR' };

export function metricLabel(name: string): string {
  return METRIC_INFO[name]?.label ?? name;
}

/** Quality columns appear when the task has metrics and some variant's quality means something (not shape-faithful weights). */
export function showsQuality(view: TaskView): boolean {
  return view.metricNames.length > 0 && view.variants.some((f) => !f.qualityHidden);
}

/** A metric column's heading, for every report format: its label, which way is better, and whether it is the headline. */
export function metricHeading(view: TaskView, name: string): { label: string; direction: '↑' | '↓' | ''; headline: boolean } {
  const figure = view.variants[0]?.quality.find((q) => q.name === name);
  return { label: figure?.label ?? name, direction: figure ? (figure.higherIsBetter ? '↑' : '↓') : '', headline: name === view.headlineMetric };
}

export function metricHigherIsBetter(name: string): boolean {
  const info = METRIC_INFO[name];
  if (info) return info.higherIsBetter;
  // Error rates and distances are the usual lower-is-better metrics.
  return !/(^|_|-)(cer|wer|error|distance|edit)/i.test(name);
}

function headlineMetricFor(task: TaskId, present: string[]): string | null {
  for (const candidate of HEADLINE_CANDIDATES[task]) if (present.includes(candidate)) return candidate;
  const loose = present.find((name) => HEADLINE_CANDIDATES[task].some((c) => name.toLowerCase().includes(c.toLowerCase())));
  return loose ?? present[0] ?? null;
}

// ---------------------------------------------------------------------------------------
// Small numeric helpers (descriptive only; inference lives in src/stats)

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function maxOrNull(values: Array<number | null | undefined>): number | null {
  let best: number | null = null;
  for (const v of values) if (typeof v === 'number' && (best === null || v > best)) best = v;
  return best;
}

function distinctSorted(values: Array<number | null | undefined>): number[] {
  return [...new Set(values.filter((v): v is number => typeof v === 'number'))].sort((x, y) => x - y);
}

function summaryOrNull(values: number[]): Summary | null {
  return values.length > 0 ? summarize(values) : null;
}

// ---------------------------------------------------------------------------------------
// Formatting used inside verdict sentences (renderers reuse it for consistency)

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  const mib = bytes / 1024 / 1024;
  if (mib >= 1024) return `${(mib / 1024).toFixed(2)} GiB`;
  return `${mib.toFixed(mib >= 100 ? 0 : 1)} MiB`;
}

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && Math.abs(value) < 0.001) return value > 0 ? '< 0.001' : '> −0.001';
  return Number(value.toPrecision(digits)).toString();
}

export function formatRatio(value: number): string {
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×`;
}

function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------
// Building

function variantId(key: Pick<CellKey, 'engine' | 'model' | 'quant' | 'target'>): string {
  return [key.engine, key.model, key.quant, key.target].join('|');
}

function deviceLabelOf(results: Results): string {
  return `${results.environment.cpu.model} · ${results.environment.hostname ?? 'unknown host'} · run ${results.run.id}`;
}

function syntheticOf(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): Synthetic {
  const exact = results.models.find((m) => m.id === key.model && m.engine === key.engine && m.quant === key.quant);
  const loose = exact ?? results.models.find((m) => m.id === key.model && m.engine === key.engine) ?? results.models.find((m) => m.id === key.model);
  return loose?.synthetic ?? false;
}

function countedSamples(cell: Cell): Sample[] {
  return cell.status === 'ok' ? cell.samples : [];
}

function cellHostPeak(cell: Cell): number | null {
  return maxOrNull([cell.load?.memory.hostPeakRssBytes, ...cell.samples.map((s) => s.peakRssBytes)]);
}

function cellWorkerPeak(cell: Cell): number | null {
  return maxOrNull([cell.load?.memory.workerPeakRssBytes, ...cell.samples.map((s) => s.workerPeakRssBytes)]);
}

function sampleTotalPeak(sample: Sample): number | null {
  if (sample.peakRssBytes === null) return null;
  return sample.peakRssBytes + (sample.workerPeakRssBytes ?? 0);
}

function cellTotalPeak(cell: Cell): number | null {
  const loadTotal =
    cell.load && cell.load.memory.hostPeakRssBytes !== null
      ? cell.load.memory.hostPeakRssBytes + (cell.load.memory.workerPeakRssBytes ?? 0)
      : null;
  return maxOrNull([loadTotal, ...cell.samples.map(sampleTotalPeak)]);
}

function corpusScores(task: TaskId, cells: Cell[], fixtures: FixtureRecord[]): Record<string, number | null> {
  const items = cells
    .filter((c) => c.status === 'ok' && c.output)
    .flatMap((c) => {
      const fixture = fixtures.find((f) => f.id === c.key.fixture);
      return fixture ? [{ fixtureId: fixture.id, output: c.output!.text, references: fixture.references, facts: fixture.facts, category: fixture.category }] : [];
    });
  if (items.length === 0) return {};
  return scoreTask(task, items).corpus;
}

function figuresFor(variant: Variant, task: TaskId, cells: Cell[], metricNames: string[], fixtures: FixtureRecord[]): VariantTaskFigures {
  const samples = cells.flatMap(countedSamples);
  const corpus = corpusScores(task, cells, fixtures);
  const latencySamples = samples.map((s) => s.latencyMs);
  const qualityHidden = variant.synthetic === 'shape';
  const okCells = cells.filter((c) => c.status === 'ok');
  const quality: MetricFigure[] = metricNames.map((name) => {
    const values = okCells.map((c) => c.quality?.[name]).filter((v): v is number => typeof v === 'number');
    return {
      name,
      label: metricLabel(name),
      higherIsBetter: metricHigherIsBetter(name),
      mean: values.length ? values.reduce((x, y) => x + y, 0) / values.length : null,
      corpus: corpus[name] ?? null,
      n: values.length,
    };
  });
  return {
    variant,
    cells,
    okCells: okCells.length,
    failedCells: cells.filter((c) => c.status === 'failed').length,
    unavailableCells: cells.filter((c) => c.status === 'unavailable').length,
    latency: summaryOrNull(latencySamples),
    ttft: summaryOrNull(samples.map((s) => s.ttftMs).filter((v): v is number => v !== null)),
    decodeTokensPerSec: summaryOrNull(samples.map((s) => s.decodeTokensPerSec).filter((v): v is number => v !== null)),
    latencySamples,
    hostPeakBytes: maxOrNull(okCells.map(cellHostPeak)),
    workerPeakBytes: maxOrNull(okCells.map(cellWorkerPeak)),
    totalPeakBytes: maxOrNull(okCells.map(cellTotalPeak)),
    quality,
    qualityHidden,
    frames: distinctSorted(samples.map((s) => s.frames)),
    imageTokens: distinctSorted(samples.map((s) => s.imageTokens)),
    promptTokens: distinctSorted(samples.map((s) => s.promptTokens)),
  };
}

/** Pairs of variants a verdict compares: different engines, same target, same model where possible. */
function contenderPairs(figures: VariantTaskFigures[]): Array<[VariantTaskFigures, VariantTaskFigures]> {
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

function okCellByFixture(figures: VariantTaskFigures): Map<string, Cell> {
  const map = new Map<string, Cell>();
  for (const cell of figures.cells) if (cell.status === 'ok' && cell.samples.length > 0) map.set(cell.key.fixture, cell);
  return map;
}

interface VerdictContext {
  runId: string;
  deviceLabel: string;
  task: TaskId;
  fixtureSetNote: string;
}

function speedVerdict(ctx: VerdictContext, a: VariantTaskFigures, b: VariantTaskFigures): Verdict {
  const cellsA = okCellByFixture(a);
  const cellsB = okCellByFixture(b);
  const common = [...cellsA.keys()].filter((f) => cellsB.has(f)).sort();
  const pairs = common.map((f) => ({ a: cellsA.get(f)!.samples.map((s) => s.latencyMs), b: cellsB.get(f)!.samples.map((s) => s.latencyMs) }));
  const base = baseVerdict(ctx, 'speed', a, b, common);
  const nA = pairs.reduce((sum, p) => sum + p.a.length, 0);
  const nB = pairs.reduce((sum, p) => sum + p.b.length, 0);
  if (common.length === 0) {
    return { ...base, n: 0, sentence: `No speed verdict: ${a.variant.label} and ${b.variant.label} share no fixture where both succeeded.`, evidence: ctx.fixtureSetNote };
  }
  const options = { labelA: a.variant.label, labelB: b.variant.label, unit: 'ms', lowerIsBetter: true };
  const comparison = common.length === 1 ? compareSamples(pairs[0]!.a, pairs[0]!.b, options) : compareAcrossFixtures(pairs, options);
  const medianA = median(pairs.map((p) => median(p.a)!));
  const medianB = median(pairs.map((p) => median(p.b)!));
  const evidence =
    `Median of per-fixture median latencies: ${a.variant.label} ${formatMs(medianA)}, ${b.variant.label} ${formatMs(medianB)}; ` +
    `${plural(nA, 'sample')} vs ${plural(nB, 'sample')} over ${plural(common.length, 'common fixture')}. ${ctx.fixtureSetNote}. ` +
    `Method: ${common.length === 1 ? 'two-sample comparison on one fixture' : 'comparison across fixtures'} from src/stats; ${comparison.sentence}`;
  return { ...base, ...directionalVerdict(comparison, a, b, 'speed', { prefix: 'median ', value: (f) => formatMs(f === a ? medianA : medianB), suffix: '' }), n: nA + nB, evidence };
}

interface Comparison {
  /** A's advantage: above 1 means A is better, whatever the metric's direction (src/stats). */
  ratioOfMedians: number;
  ratioCi95: [number, number] | null;
  pValue: number | null;
  significant: boolean;
  verdict: 'a-faster' | 'b-faster' | 'no-significant-difference' | 'insufficient-data';
  sentence: string;
}

/**
 * Turns a stats comparison into a claim naming the winner first:
 * "W is 1.8× faster than L (95% CI 1.6–2.0×, p = 0.003)".
 */
function directionalVerdict(
  comparison: Comparison,
  a: VariantTaskFigures,
  b: VariantTaskFigures,
  aspect: Aspect,
  /** The figure a reader expects beside the ratio (median latency, peak memory). */
  headline?: { prefix: string; value: (f: VariantTaskFigures) => string; suffix: string },
): Pick<Verdict, 'winner' | 'winnerVariant' | 'outcome' | 'sentence' | 'ratio' | 'ci95' | 'pValue'> {
  const ratio = comparison.ratioOfMedians;
  const ci = comparison.ratioCi95;
  const pValue = comparison.pValue !== null && Number.isFinite(comparison.pValue) ? comparison.pValue : undefined;
  const ciText = (lo: number, hi: number): string => `95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}×`;
  const observed =
    Number.isFinite(ratio) && ratio > 0
      ? `; observed: ${ratio >= 1 ? a.variant.label : b.variant.label} ahead by ${formatRatio(ratio >= 1 ? ratio : 1 / ratio)}` +
        (ci ? ` (95% CI ${(ratio >= 1 ? ci[0] : 1 / ci[1]).toFixed(2)}–${(ratio >= 1 ? ci[1] : 1 / ci[0]).toFixed(2)}×)` : '')
      : '';
  if (comparison.verdict === 'insufficient-data') {
    return {
      winner: null,
      winnerVariant: null,
      outcome: 'insufficient',
      sentence: `No ${aspect} verdict between ${a.variant.label} and ${b.variant.label}: too little data for the test to reach p < ${DEFAULT_ALPHA}${observed}.`,
      ratio: Number.isFinite(ratio) ? ratio : undefined,
      pValue,
    };
  }
  if (comparison.verdict === 'no-significant-difference' || !comparison.significant) {
    return {
      winner: null,
      winnerVariant: null,
      outcome: 'no-difference',
      sentence: `No significant ${aspect} difference between ${a.variant.label} and ${b.variant.label} (${pValue !== undefined ? formatP(pValue) : 'no p-value'}${observed}).`,
      ratio: Number.isFinite(ratio) ? ratio : undefined,
      ci95: ci ?? undefined,
      pValue,
    };
  }
  const aWins = comparison.verdict === 'a-faster';
  const winner = aWins ? a : b;
  const loser = aWins ? b : a;
  // Stats orient the ratio as A's advantage; flip it (and its CI) when B wins.
  const factor = aWins ? ratio : 1 / ratio;
  const factorCi: [number, number] | undefined = ci ? (aWins ? [ci[0], ci[1]] : [1 / ci[1], 1 / ci[0]]) : undefined;
  const details = [factorCi ? ciText(factorCi[0], factorCi[1]) : null, pValue !== undefined ? formatP(pValue) : null].filter(Boolean).join(', ');
  const phrase = aspect === 'memory' ? `needs ${formatRatio(factor)} less peak memory than` : `is ${formatRatio(factor)} faster than`;
  const figures = headline ? `: ${headline.prefix}${headline.value(winner)} vs ${headline.value(loser)}${headline.suffix}` : '';
  return {
    winner: winner.variant.engine,
    winnerVariant: winner.variant.label,
    outcome: 'winner',
    sentence: `${winner.variant.label} ${phrase} ${loser.variant.label}${figures}${details ? ` (${details})` : ''}.`,
    ratio: factor,
    ci95: factorCi,
    pValue,
  };
}

function baseVerdict(ctx: VerdictContext, aspect: Aspect, a: VariantTaskFigures, b: VariantTaskFigures, fixtures: string[]): Verdict {
  return {
    runId: ctx.runId,
    deviceLabel: ctx.deviceLabel,
    task: ctx.task,
    aspect,
    contenders: [a.variant.label, b.variant.label],
    winner: null,
    winnerVariant: null,
    outcome: 'insufficient',
    short: '',
    sentence: '',
    evidence: '',
    n: 0,
    fixtures,
  };
}

function qualityVerdict(ctx: VerdictContext, a: VariantTaskFigures, b: VariantTaskFigures, metric: string | null): Verdict {
  const base = baseVerdict(ctx, 'quality', a, b, []);
  const synthetic = [a, b].filter((f) => f.variant.synthetic !== false);
  if (synthetic.length > 0) {
    return {
      ...base,
      outcome: 'not-judged',
      sentence: `Quality not judged: ${synthetic.map((f) => `${f.variant.label} (${f.variant.synthetic} synthetic weights)`).join(' and ')} ${synthetic.length === 1 ? 'has' : 'have'} random weights, so quality figures mean nothing.`,
      evidence: 'Synthetic models are for plumbing and speed checks only.',
    };
  }
  if (!metric) return { ...base, outcome: 'not-judged', sentence: `No quality metric was recorded for ${TASK_LABELS[ctx.task]}.`, evidence: ctx.fixtureSetNote };
  const cellsA = okCellByFixture(a);
  const cellsB = okCellByFixture(b);
  const common = [...cellsA.keys()]
    .filter((f) => cellsB.has(f))
    .filter((f) => typeof cellsA.get(f)!.quality?.[metric] === 'number' && typeof cellsB.get(f)!.quality?.[metric] === 'number')
    .sort();
  const label = metricLabel(metric);
  if (common.length === 0) {
    return { ...base, metric, sentence: `No quality verdict: no fixture has a ${label} score for both ${a.variant.label} and ${b.variant.label}.`, evidence: ctx.fixtureSetNote };
  }
  const higherIsBetter = metricHigherIsBetter(metric);
  const valuesA = common.map((f) => cellsA.get(f)!.quality![metric] as number);
  const valuesB = common.map((f) => cellsB.get(f)!.quality![metric] as number);
  // Positive = A better, whatever the metric's direction.
  const advantage = valuesA.map((va, i) => (higherIsBetter ? va - valuesB[i]! : valuesB[i]! - va));
  const winsA = advantage.filter((d) => d > 0).length;
  const winsB = advantage.filter((d) => d < 0).length;
  const ties = common.length - winsA - winsB;
  const test = wilcoxonSignedRank(advantage);
  const canReach = wilcoxonMinimumPValue(test.n) <= DEFAULT_ALPHA;
  const meanOf = (values: ArrayLike<number>): number => Array.from(values).reduce((x, y) => x + y, 0) / values.length;
  const meanA = meanOf(valuesA);
  const meanB = meanOf(valuesB);
  const meanAdvantage = meanOf(advantage);
  const ci = bootstrapCi(advantage, {}, meanOf);
  const others = a.quality
    .filter((q) => q.name !== metric && q.mean !== null)
    .map((q) => `${q.label} ${formatNumber(q.mean)} vs ${formatNumber(b.quality.find((x) => x.name === q.name)?.mean ?? null)}`);
  const evidence =
    `Mean ${label} (${higherIsBetter ? 'higher' : 'lower'} is better) over ${plural(common.length, 'common fixture')}: ` +
    `${a.variant.label} ${formatNumber(meanA)}, ${b.variant.label} ${formatNumber(meanB)}. ` +
    `Per fixture, ${a.variant.label} is better on ${winsA}, ${b.variant.label} on ${winsB}, ${ties} tied; Wilcoxon signed-rank ${formatP(test.pValue)}` +
    (ci ? `; 95% bootstrap CI of ${a.variant.label}'s mean advantage: ${formatNumber(ci[0])} to ${formatNumber(ci[1])}` : '') +
    '. ' +
    (canReach ? '' : `With ${plural(test.n, 'untied fixture')} the test cannot reach p < ${DEFAULT_ALPHA}. `) +
    (others.length ? `Other metrics (${a.variant.label} vs ${b.variant.label}): ${others.join('; ')}. ` : '') +
    `${ctx.fixtureSetNote}.`;
  const common_ = { ...base, metric, n: common.length, fixtures: common, pValue: test.pValue, evidence };
  if (!canReach || test.pValue >= DEFAULT_ALPHA || meanAdvantage === 0) {
    const why = canReach ? formatP(test.pValue) : `too few untied fixtures (${test.n}) for the test to reach p < ${DEFAULT_ALPHA}`;
    return {
      ...common_,
      outcome: canReach ? 'no-difference' : 'insufficient',
      ci95: ci ?? undefined,
      sentence: `${canReach ? 'No significant quality difference' : 'No quality verdict'} on ${label}: ${a.variant.label} ${formatNumber(meanA)} vs ${b.variant.label} ${formatNumber(meanB)} (${why}; ${plural(common.length, 'fixture')}).`,
    };
  }
  const aWins = meanAdvantage > 0;
  const winner = aWins ? a : b;
  const loser = aWins ? b : a;
  return {
    ...common_,
    ci95: ci ? (aWins ? ci : [-ci[1], -ci[0]]) : undefined,
    ratio: undefined,
    winner: winner.variant.engine,
    winnerVariant: winner.variant.label,
    outcome: 'winner',
    sentence:
      `${winner.variant.label} is better on ${label} than ${loser.variant.label}: mean ${formatNumber(aWins ? meanA : meanB)} vs ${formatNumber(aWins ? meanB : meanA)} ` +
      `(better on ${aWins ? winsA : winsB} of ${common.length} fixtures, ${formatP(test.pValue)}${ci ? `, 95% CI of the mean difference ${formatNumber(Math.abs(aWins ? ci[0] : ci[1]))} to ${formatNumber(Math.abs(aWins ? ci[1] : ci[0]))}` : ''}).`,
  };
}

function memoryVerdict(ctx: VerdictContext, a: VariantTaskFigures, b: VariantTaskFigures): Verdict {
  const base = baseVerdict(ctx, 'memory', a, b, []);
  const totals = (f: VariantTaskFigures): number[] =>
    f.cells.flatMap(countedSamples).map(sampleTotalPeak).filter((v): v is number => v !== null);
  const totalsA = totals(a);
  const totalsB = totals(b);
  const fixtures = [...new Set([...a.cells, ...b.cells].filter((c) => c.status === 'ok').map((c) => c.key.fixture))].sort();
  const describe = (f: VariantTaskFigures): string =>
    `${f.variant.label} peaks at ${formatBytes(f.totalPeakBytes)} (host ${formatBytes(f.hostPeakBytes)}${f.workerPeakBytes !== null ? ` + worker ${formatBytes(f.workerPeakBytes)}` : ', no worker'})`;
  const evidence =
    `${describe(a)}; ${describe(b)}, load included. The test compares per-sample peaks (host VmHWM + worker VmHWM): ` +
    `${plural(totalsA.length, 'sample')} vs ${plural(totalsB.length, 'sample')} over ${plural(fixtures.length, 'fixture')}. ${ctx.fixtureSetNote}.`;
  if (totalsA.length === 0 || totalsB.length === 0) {
    return { ...base, fixtures, sentence: `No memory verdict: peak memory was not recorded for ${totalsA.length === 0 ? a.variant.label : b.variant.label}.`, evidence };
  }
  const comparison = compareSamples(totalsA.map((v) => v / 1024 / 1024), totalsB.map((v) => v / 1024 / 1024), { labelA: a.variant.label, labelB: b.variant.label, unit: 'MiB', lowerIsBetter: true, betterWord: 'leaner' });
  return { ...base, ...directionalVerdict(comparison, a, b, 'memory', { prefix: '', value: (f) => formatBytes(f.totalPeakBytes), suffix: ', host + worker' }), fixtures, n: totalsA.length + totalsB.length, evidence };
}

function shortVerdict(v: Verdict): string {
  switch (v.outcome) {
    case 'winner':
      if (v.aspect === 'quality') return `${v.winnerVariant} better on ${metricLabel(v.metric ?? '')}`;
      return `${v.winnerVariant} ${v.ratio !== undefined ? formatRatio(v.ratio) : ''} ${v.aspect === 'speed' ? 'faster' : 'less memory'}`;
    case 'no-difference':
      return 'no significant difference';
    case 'insufficient':
      return 'too little data to call';
    case 'not-judged':
      return 'not judged';
    case 'single-engine':
      return 'nothing to compare';
  }
}

function singleEngineVerdicts(ctx: VerdictContext, allFigures: VariantTaskFigures[]): Verdict[] {
  const figures = allFigures.filter((f) => f.okCells > 0);
  const withoutResults = allFigures.filter((f) => f.okCells === 0).map((f) => f.variant.label);
  const engines = [...new Set(figures.map((f) => f.variant.engine))];
  const labels = figures.map((f) => f.variant.label);
  const ran = engines.length === 0 ? 'No engine produced results' : `Only one engine (${engines.join(', ')}) produced results`;
  const what = withoutResults.length ? `${ran}; ${withoutResults.join(', ')} failed or was unavailable on every fixture` : ran;
  return (['speed', 'quality', 'memory'] as const).map((aspect) => ({
    runId: ctx.runId,
    deviceLabel: ctx.deviceLabel,
    task: ctx.task,
    aspect,
    contenders: labels,
    winner: null,
    winnerVariant: null,
    outcome: 'single-engine' as const,
    short: 'nothing to compare',
    sentence: `${what} for ${TASK_LABELS[ctx.task]}: there is nothing to compare ${aspect} against.`,
    evidence: ctx.fixtureSetNote,
    n: figures.reduce((sum, f) => sum + f.latencySamples.length, 0),
    fixtures: [...new Set(figures.flatMap((f) => f.cells.map((c) => c.key.fixture)))].sort(),
  }));
}

function buildTaskView(run: RunView, task: TaskId, variants: Map<string, Variant>): TaskView | null {
  const results = run.results;
  const cells = results.cells.filter((c) => c.key.task === task);
  const fixtures = results.fixtures.items.filter((f) => f.task === task);
  if (cells.length === 0) return null;
  const metricNames = [...new Set(cells.flatMap((c) => Object.keys(c.quality ?? {})))].sort();
  const headline = headlineMetricFor(task, metricNames);
  const orderedMetrics = headline ? [headline, ...metricNames.filter((m) => m !== headline)] : metricNames;
  const byVariant = new Map<string, Cell[]>();
  for (const cell of cells) {
    const id = variantId(cell.key);
    byVariant.set(id, [...(byVariant.get(id) ?? []), cell]);
  }
  const figures = [...byVariant.entries()]
    .map(([id, variantCells]) => figuresFor(variants.get(id)!, task, variantCells, orderedMetrics, fixtures))
    .sort((x, y) => x.variant.index - y.variant.index);
  const ctx: VerdictContext = {
    runId: run.runId,
    deviceLabel: run.deviceLabel,
    task,
    fixtureSetNote: `Fixture set: ${plural(fixtures.length, TASK_LABELS[task] + ' fixture')} from manifest sha256 ${results.fixtures.manifestSha256.slice(0, 12)}`,
  };
  const pairs = contenderPairs(figures.filter((f) => f.okCells > 0));
  const verdicts = (
    pairs.length === 0
      ? singleEngineVerdicts(ctx, figures)
      : pairs.flatMap(([a, b]) => [speedVerdict(ctx, a, b), qualityVerdict(ctx, a, b, headline), memoryVerdict(ctx, a, b)])
  ).map((v) => ({ ...v, short: shortVerdict(v) }));
  const categories = [...new Set(fixtures.map((f) => f.category))].sort().map((category) => {
    const inCategory = new Set(fixtures.filter((f) => f.category === category).map((f) => f.id));
    return {
      category,
      fixtures: inCategory.size,
      values: figures.map((figure) => {
        const categoryCells = (byVariant.get(figure.variant.id) ?? []).filter((c) => inCategory.has(c.key.fixture) && c.status === 'ok');
        const scores = headline && figure.variant.synthetic !== 'shape' ? corpusScores(task, categoryCells, fixtures) : {};
        return { variant: figure.variant, value: headline ? (scores[headline] ?? null) : null, n: categoryCells.length };
      }),
    };
  });
  return { runId: run.runId, deviceLabel: run.deviceLabel, task, fixtures, headlineMetric: headline, metricNames: orderedMetrics, variants: figures, verdicts, categories };
}

function buildGallery(runs: RunView[], variants: Map<string, Variant>, extraDirs: string[]): GalleryItem[] {
  const items = new Map<string, GalleryItem>();
  for (const run of runs) {
    const results = run.results;
    for (const fixture of results.fixtures.items) {
      const id = `${fixture.task}|${fixture.id}`;
      if (!items.has(id)) items.set(id, { task: fixture.task, fixture, imageDirs: [], outputs: [] });
      const item = items.get(id)!;
      for (const dir of [results.fixtures.dir, ...extraDirs]) if (!item.imageDirs.includes(dir)) item.imageDirs.push(dir);
    }
    for (const cell of results.cells) {
      const id = `${cell.key.task}|${cell.key.fixture}`;
      const item = items.get(id);
      if (!item) continue;
      const variant = variants.get(variantId(cell.key))!;
      const latencies = cell.samples.map((s) => s.latencyMs);
      item.outputs.push({
        cellKey: cellKeyId(cell.key),
        runId: run.runId,
        deviceLabel: run.deviceLabel,
        variant,
        status: cell.status,
        reason: cell.reason ?? null,
        text: cell.output?.text ?? null,
        stableAcrossSamples: cell.output?.stableAcrossSamples ?? null,
        quality: Object.entries(cell.quality ?? {}).map(([name, value]) => ({ name, label: metricLabel(name), value })),
        qualityHidden: variant.synthetic === 'shape',
        latencyMedianMs: cell.status === 'ok' ? median(latencies) : null,
      });
    }
  }
  for (const item of items.values()) item.outputs.sort((x, y) => x.variant.index - y.variant.index);
  return [...items.values()].sort((x, y) => (x.task === y.task ? x.fixture.id.localeCompare(y.fixture.id) : x.task.localeCompare(y.task)));
}

function describeDtypes(dtypes: Record<string, string>): string {
  const entries = Object.entries(dtypes);
  return entries.length ? entries.map(([part, dtype]) => `${part}: ${dtype}`).join(', ') : '–';
}

function joinDistinct(values: Array<string | number | null | undefined>): string {
  const distinct = [...new Set(values.filter((v) => v !== null && v !== undefined && v !== '').map(String))];
  return distinct.length ? distinct.join(' / ') : '–';
}

function buildFairness(run: RunView, variants: Variant[]): FairnessView {
  const results = run.results;
  const present = variants.filter((v) => results.cells.some((c) => variantId(c.key) === v.id));
  const cellsOf = (v: Variant): Cell[] => results.cells.filter((c) => variantId(c.key) === v.id);
  const modelOf = (v: Variant): ModelRecord | undefined =>
    results.models.find((m) => m.id === v.model && m.engine === v.engine && m.quant === v.quant) ?? results.models.find((m) => m.id === v.model && m.engine === v.engine);
  const engineOf = (v: Variant) => results.engines.find((e) => e.id === v.engine);
  const attribute = (name: string, value: (v: Variant) => string): FairnessRow => {
    const values = present.map(value);
    return { attribute: name, values, differs: new Set(values).size > 1 };
  };
  const samplesOf = (v: Variant): Sample[] => cellsOf(v).flatMap((c) => c.samples);
  const rows: FairnessRow[] = [
    attribute('Engine package', (v) => `${engineOf(v)?.packageName ?? v.engine} ${engineOf(v)?.version ?? '(version unknown)'}`),
    attribute('Model', (v) => v.model),
    attribute('Quantisation', (v) => v.quant),
    attribute('Model source', (v) => `${modelOf(v)?.source ?? '–'}${modelOf(v)?.revision ? ` @ ${modelOf(v)!.revision}` : ''}`),
    attribute('Synthetic weights', (v) => (v.synthetic === false ? 'no (real weights)' : v.synthetic)),
    attribute('Target', (v) => v.target),
    attribute('Backend requested', (v) => joinDistinct(cellsOf(v).map((c) => c.load?.backendRequested))),
    attribute('Backend actual', (v) => joinDistinct(cellsOf(v).map((c) => c.load?.backendActual))),
    attribute('Device', (v) => joinDistinct(cellsOf(v).map((c) => c.load?.device))),
    attribute('Threads', (v) => joinDistinct(cellsOf(v).map((c) => c.load?.threads))),
    attribute('dtypes', (v) => joinDistinct(cellsOf(v).map((c) => (c.load ? describeDtypes(c.load.dtypes) : null)))),
    attribute('Frames per image', (v) => joinDistinct(samplesOf(v).map((s) => s.frames))),
    attribute('Image tokens', (v) => joinDistinct(samplesOf(v).map((s) => s.imageTokens))),
    attribute('Prompt tokens', (v) => {
      const values = distinctSorted(samplesOf(v).map((s) => s.promptTokens));
      return values.length ? (values.length === 1 ? String(values[0]) : `${values[0]}–${values[values.length - 1]}`) : '–';
    }),
    attribute('Max new tokens', (v) => joinDistinct(cellsOf(v).map((c) => (c.prompt ? `${c.key.task}: ${c.prompt.maxNewTokens}` : null)))),
    attribute('Temperature', (v) => joinDistinct(cellsOf(v).map((c) => c.prompt?.temperature))),
    attribute('Seed', (v) => joinDistinct(cellsOf(v).map((c) => c.prompt?.seed))),
    attribute('Flags', (v) => joinDistinct(cellsOf(v).flatMap((c) => c.flags ?? []))),
  ];
  const s = results.run.settings;
  const settings: Array<[string, string]> = [
    ['Engines', s.engines.join(', ')],
    ['Models', s.models.join(', ')],
    ['Targets', s.targets.join(', ')],
    ['Tasks', s.tasks.join(', ')],
    ['Counted runs per cell', String(s.runs)],
    ['Warm-up runs per cell', String(s.warmup)],
    ['Extra warm-up runs after each model load', String(s.hostWarmup ?? 0)],
    ['Minimum time per cell', s.minTimeMs !== undefined ? formatMs(s.minTimeMs) : '–'],
    ['Threads', String(s.threads)],
    ['Max new tokens', Object.entries(s.maxNewTokens).map(([task, n]) => `${task}: ${n}`).join(', ')],
    ['Decoding', 'greedy (temperature 0)'],
    ['Scheduling', s.scheduling],
    ['Cool-down between requests', s.cooldownMs !== undefined ? formatMs(s.cooldownMs) : '–'],
    ['Timeout per request', formatMs(s.timeoutMs)],
    ['Offline', String(s.offline)],
    ['Profile', s.profile ?? '–'],
    ['Fixtures dir', s.fixturesDir],
  ];
  return {
    runId: run.runId,
    deviceLabel: run.deviceLabel,
    variants: present,
    rows,
    notes: present.map((v) => ({ variant: v.label, notes: [...new Set(cellsOf(v).flatMap((c) => c.load?.notes ?? []))] })),
    settings,
    prompts: Object.entries(results.prompts),
  };
}

function modelHashes(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): string {
  const model = results.models.find((m) => m.id === key.model && m.engine === key.engine && m.quant === key.quant);
  return model ? model.files.map((f) => f.sha256).sort().join(',') : '';
}

function settingsFingerprint(results: Results): Record<string, string> {
  const s = results.run.settings;
  return {
    'tool version': results.tool.version,
    threads: String(s.threads),
    'counted runs': String(s.runs),
    'warm-up runs': String(s.warmup),
    'warm-up runs after each load': String(s.hostWarmup ?? 0),
    'max new tokens': JSON.stringify(s.maxNewTokens),
    scheduling: s.scheduling,
    prompts: JSON.stringify(results.prompts),
    'fixture manifest': results.fixtures.manifestSha256,
  };
}

function buildCrossDevice(runs: RunView[], variants: Map<string, Variant>): CrossDeviceView | null {
  if (runs.length < 2) return null;
  const keys = new Map<string, CellKey>();
  for (const run of runs) for (const cell of run.results.cells) keys.set(cellKeyId(cell.key), cell.key);
  const baseline = settingsFingerprint(runs[0]!.results);
  const settingDifferences: string[] = [];
  for (const run of runs.slice(1)) {
    const other = settingsFingerprint(run.results);
    for (const [name, value] of Object.entries(baseline)) {
      if (other[name] !== value) settingDifferences.push(`${name} differs between run ${runs[0]!.runId} and run ${run.runId}`);
    }
  }
  const rows: CrossDeviceRow[] = [...keys.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([keyId, key]) => {
      const differences: string[] = [];
      const perRun = runs.map((run) => {
        const cell = run.results.cells.find((c) => cellKeyId(c.key) === keyId);
        if (!cell) return { latencyMedianMs: null, ttftMedianMs: null, totalPeakBytes: null, status: null };
        const ok = cell.status === 'ok';
        return {
          latencyMedianMs: ok ? median(cell.samples.map((s) => s.latencyMs)) : null,
          ttftMedianMs: ok ? median(cell.samples.map((s) => s.ttftMs).filter((v): v is number => v !== null)) : null,
          totalPeakBytes: ok ? cellTotalPeak(cell) : null,
          status: cell.status,
        };
      });
      if (perRun.some((r) => r.status === null)) differences.push('missing from some runs');
      if (perRun.some((r) => r.status !== null && r.status !== 'ok')) differences.push('failed or unavailable on some runs');
      const hashes = runs.map((run) => modelHashes(run.results, key)).filter((h) => h !== '');
      if (new Set(hashes).size > 1) differences.push('model files differ (sha256)');
      const backends = runs.map((run) => run.results.cells.find((c) => cellKeyId(c.key) === keyId)?.load?.backendActual).filter(Boolean);
      if (new Set(backends).size > 1) differences.push(`backend actually used differs (${[...new Set(backends)].join(' / ')})`);
      const threads = runs.map((run) => run.results.cells.find((c) => cellKeyId(c.key) === keyId)?.load?.threads).filter((t) => t !== undefined);
      if (new Set(threads).size > 1) differences.push(`threads differ (${[...new Set(threads)].join(' / ')})`);
      return { keyId, key, perRun, comparable: differences.length === 0 && settingDifferences.length === 0, differences };
    });
  const groupKeys = new Map<string, { variant: Variant; task: TaskId }>();
  for (const key of keys.values()) groupKeys.set(`${variantId(key)}|${key.task}`, { variant: variants.get(variantId(key))!, task: key.task });
  const groups: CrossDeviceGroup[] = [...groupKeys.values()]
    .sort((x, y) => (x.task === y.task ? x.variant.index - y.variant.index : x.task.localeCompare(y.task)))
    .map(({ variant, task }) => ({
      variant,
      task,
      latencyMedianMs: runs.map((run) =>
        median(
          run.results.cells
            .filter((c) => c.status === 'ok' && c.key.task === task && variantId(c.key) === variant.id)
            .flatMap((c) => c.samples.map((s) => s.latencyMs)),
        ),
      ),
    }));
  const comparableCount = rows.filter((r) => r.comparable).length;
  const statements = [
    `${runs.length} runs on ${new Set(runs.map((r) => r.results.environment.cpu.model + r.results.environment.hostname)).size} distinct machine(s) are shown side by side.`,
    settingDifferences.length === 0
      ? 'Settings, prompts, tool version and fixture manifest are identical across runs, so figures for the same cell key measure the same work.'
      : `Not comparable as-is: ${settingDifferences.join('; ')}.`,
    `${comparableCount} of ${rows.length} cell keys are directly comparable (same model files, backend, threads and settings on every run); the rest list what differs.`,
    'Latency and memory across devices compare the machines, not the engines; quality should be identical for identical model files and greedy decoding, and a difference points to a numerical or backend difference.',
  ];
  return { runs: runs.map((r) => ({ runId: r.runId, deviceLabel: r.deviceLabel })), rows, groups, statements };
}

/** Names each variant by as few of engine, model, quant and target as tell them apart. */
function assignShortLabels(variants: Variant[]): void {
  const distinct = (pick: (v: Variant) => string): number => new Set(variants.map(pick)).size;
  const parts: Array<(v: Variant) => string> = [(v) => v.engine];
  if (distinct((v) => v.model) > 1) parts.push((v) => v.model);
  if (distinct((v) => `${v.engine}|${v.model}`) < variants.length) parts.push((v) => v.quant);
  if (distinct((v) => v.target) > 1) parts.push((v) => v.target);
  const labels = variants.map((v) => parts.map((part) => part(v)).join(' · '));
  const unique = new Set(labels).size === labels.length;
  variants.forEach((v, i) => {
    v.label = unique ? labels[i]! : v.fullLabel;
  });
}

/** Builds the whole report model. Inputs must already be schema-valid (see parseResultsForReport). */
export function buildReportModel(resultsList: Results[], options: BuildOptions = {}): ReportModel {
  if (resultsList.length === 0) throw new UserError('No results to report: pass at least one results.json.');
  const runs: RunView[] = resultsList.map((results) => ({ runId: results.run.id, deviceLabel: deviceLabelOf(results), results }));
  const variants = new Map<string, Variant>();
  for (const run of runs) {
    for (const cell of run.results.cells) {
      const id = variantId(cell.key);
      if (variants.has(id)) continue;
      const { engine, model, quant, target } = cell.key;
      variants.set(id, {
        id,
        engine,
        model,
        quant,
        target,
        label: '',
        fullLabel: `${engine} · ${model} ${quant}${target !== 'cpu' ? ` · ${target}` : ''}`,
        synthetic: syntheticOf(run.results, cell.key),
        index: variants.size,
      });
    }
  }
  assignShortLabels([...variants.values()]);
  const tasks: TaskView[] = [];
  for (const run of runs) {
    const taskIds = [...new Set([...run.results.run.settings.tasks, ...run.results.cells.map((c) => c.key.task)])];
    for (const task of taskIds) {
      const view = buildTaskView(run, task, variants);
      if (view) tasks.push(view);
    }
  }
  const failures: FailureRow[] = runs.flatMap((run) =>
    run.results.cells
      .filter((c) => c.status !== 'ok')
      .map((c) => ({
        runId: run.runId,
        deviceLabel: run.deviceLabel,
        key: c.key,
        status: c.status as 'failed' | 'unavailable',
        reason: c.reason ?? '(no reason recorded)',
      })),
  );
  const models = runs.flatMap((run) => run.results.models.map((m) => ({ ...m, runId: run.runId })));
  const variantList = [...variants.values()];
  const syntheticModels = (kind: 'tiny' | 'shape'): string[] => [...new Set(models.filter((m) => m.synthetic === kind).map((m) => m.id))];
  return {
    title: options.title ?? 'vlmbench report',
    generatedAt: (options.now ?? new Date()).toISOString(),
    runs,
    variants: variantList,
    engines: [...new Set(variantList.map((v) => v.engine))],
    models,
    synthetic: { tiny: syntheticModels('tiny'), shape: syntheticModels('shape') },
    incompleteRuns: runs.filter((r) => !r.results.run.complete).map((r) => r.runId),
    tasks,
    verdicts: tasks.flatMap((t) => t.verdicts),
    failures,
    gallery: buildGallery(runs, variants, options.fixturesDirs ?? []),
    fairness: runs.map((run) => buildFairness(run, variantList)),
    crossDevice: buildCrossDevice(runs, variants),
    claims: evaluateClaims(resultsList),
    footprints: runs.flatMap((run) => {
      const footprint = readFootprint(run.results);
      return footprint ? [{ runId: run.runId, deviceLabel: run.deviceLabel, footprint }] : [];
    }),
  };
}
