/**
 * summary.json: the machine-readable verdicts and headline figures of a report, for CI
 * bots and dashboards. Versioned on its own; documented field by field in docs/summary-json.md.
 * Within a version, fields may be added but never renamed or repurposed.
 */
import { claimsForSummary } from '../claims/evaluate.js';
import { z } from 'zod';
import { TaskSchema } from '../results/schema.js';
import type { ReportModel } from './model.js';
import { networkForSummary, networkView } from './network.js';
import { runFacts } from './run-facts.js';

export const SUMMARY_SCHEMA_NAME = 'vlmbench-summary';
export const SUMMARY_VERSION = 1;

const FiniteNumber = z.number().refine(Number.isFinite, 'must be a finite number');

export const SummaryVerdictSchema = z.object({
  runId: z.string(),
  device: z.string(),
  task: TaskSchema,
  aspect: z.enum(['speed', 'ttft', 'decode', 'memory', 'quality']),
  contenders: z.array(z.string()),
  winner: z.string().nullable(),
  winnerVariant: z.string().nullable(),
  outcome: z.enum(['winner', 'no-difference', 'insufficient', 'not-judged', 'single-engine']),
  short: z.string(),
  sentence: z.string().min(1),
  evidence: z.string(),
  metric: z.string().optional(),
  ratio: FiniteNumber.optional(),
  ci95: z.tuple([FiniteNumber, FiniteNumber]).optional(),
  pValue: FiniteNumber.optional(),
  n: z.number().int().nonnegative(),
  fixtures: z.array(z.string()),
  /** What the weights behind the verdict are: `tiny` verdicts are never judged, `shape` ones are labelled. */
  weights: z.enum(['real', 'unverified', 'shape', 'tiny']),
  /** The noise band in force: relative for ratio aspects (0.05 = ±5%), absolute metric points for quality. */
  band: FiniteNumber.optional(),
  /** The replication unit (`process` with run --processes ≥ 2, else `fixture`) and how many. */
  unit: z.enum(['process', 'fixture']).optional(),
  units: z.number().int().nonnegative().optional(),
  /** Processes per contender that measured the figures. */
  processes: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional(),
  /** The statistic the ratio is computed from. */
  statistic: z.string().optional(),
  /** Each contender's figure (contender order) whose ratio or difference the verdict states, and its unit. */
  figures: z.tuple([FiniteNumber, FiniteNumber]).optional(),
  figureUnit: z.string().optional(),
  /** Process-to-process spread in words; null with one process per engine. */
  spread: z.string().nullable().optional(),
  /** Settings that differ between the contenders. */
  caveats: z.array(z.string()),
  /** The image budget the contenders ran with (docs/image-budget.md); also stated in the evidence. */
  imageBudget: z.string().optional(),
});

const NetworkFiguresSchema = z.object({ attempts: z.number().int().nonnegative(), destinations: z.array(z.string()) });

const MetricSummarySchema = z.object({ p50: FiniteNumber, p90: FiniteNumber, n: z.number().int().nonnegative() }).nullable();

export const SummaryFiguresSchema = z.object({
  runId: z.string(),
  task: TaskSchema,
  engine: z.string(),
  model: z.string(),
  quant: z.string(),
  target: z.string(),
  synthetic: z.union([z.literal(false), z.literal('tiny'), z.literal('shape')]),
  cells: z.object({ ok: z.number().int(), failed: z.number().int(), unavailable: z.number().int() }),
  latencyMs: MetricSummarySchema,
  ttftMs: MetricSummarySchema,
  decodeTokensPerSec: MetricSummarySchema,
  peakRssBytes: z.object({ host: FiniteNumber.nullable(), worker: FiniteNumber.nullable(), total: FiniteNumber.nullable() }),
  /** Corpus-level quality per metric; null when hidden (synthetic weights, tiny or shape-faithful) or not computed. */
  quality: z.record(z.string(), FiniteNumber.nullable()).nullable(),
  frames: z.array(z.number().int()),
  imageTokens: z.array(z.number().int()),
});

export const SummaryJsonSchema = z.object({
  schema: z.literal(SUMMARY_SCHEMA_NAME),
  version: z.literal(SUMMARY_VERSION),
  generatedAt: z.string(),
  runIds: z.array(z.string()).min(1),
  complete: z.boolean(),
  synthetic: z.object({ any: z.boolean(), tiny: z.array(z.string()), shape: z.array(z.string()) }),
  /**
   * What each run measured (src/report/run-facts.ts): hardware, engine versions, models and
   * quantisation, image budget and weights, each alone and all in one line. Always written;
   * optional only so summaries from before it existed still validate.
   */
  measured: z
    .array(
      z.object({
        runId: z.string(),
        line: z.string(),
        hardware: z.string(),
        engines: z.string(),
        models: z.string(),
        imageBudget: z.string(),
        weights: z.enum(['real', 'unverified', 'shape', 'tiny']),
        weightsText: z.string(),
      }),
    )
    .optional(),
  verdicts: z.array(SummaryVerdictSchema),
  engines: z.array(z.object({ id: z.string(), packageName: z.string(), version: z.string().nullable(), available: z.boolean(), reason: z.string().optional() })),
  models: z.array(
    z.object({ id: z.string(), engine: z.string(), quant: z.string(), source: z.string(), synthetic: z.union([z.literal(false), z.literal('tiny'), z.literal('shape')]), sha256: z.array(z.string()) }),
  ),
  figures: z.array(SummaryFiguresSchema),
  failures: z.array(
    z.object({
      runId: z.string(),
      engine: z.string(),
      model: z.string(),
      quant: z.string(),
      target: z.string(),
      task: TaskSchema,
      fixture: z.string(),
      status: z.enum(['failed', 'unavailable']),
      reason: z.string(),
    }),
  ),
  /** The comparison page's claims, checked against these runs (claims/ledger.json). */
  claims: z
    .array(
      z.object({
        id: z.string(),
        subject: z.string(),
        claim: z.string(),
        source: z.string(),
        verdict: z.string(),
        sentence: z.string(),
        cells: z.array(z.string()),
      }),
    )
    .optional(),
  /** run --network-audit only: per engine, model and target, what was attempted during load and inference, and the expected model downloads apart. */
  network: z
    .array(
      z.object({
        runId: z.string(),
        engine: z.string(),
        model: z.string(),
        quant: z.string(),
        target: z.string(),
        status: z.enum(['measured', 'unavailable', 'partly measured']),
        reason: z.string().optional(),
        launchedByVlmbench: z.boolean().optional(),
        load: NetworkFiguresSchema,
        inference: NetworkFiguresSchema,
        downloads: NetworkFiguresSchema,
      }),
    )
    .optional(),
});
export type SummaryJson = z.infer<typeof SummaryJsonSchema>;

function finite(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return finite(value) ?? null;
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** Builds and validates summary.json from the report model (throws if the result breaks its own schema). */
export function buildSummaryJson(model: ReportModel): SummaryJson {
  const claims = claimsForSummary(model.claims);
  const network = networkView(model.runs.map((run) => run.results));
  const summary: SummaryJson = {
    schema: SUMMARY_SCHEMA_NAME,
    version: SUMMARY_VERSION,
    generatedAt: model.generatedAt,
    runIds: model.runs.map((r) => r.runId),
    complete: model.incompleteRuns.length === 0,
    synthetic: { any: model.synthetic.tiny.length + model.synthetic.shape.length > 0, tiny: model.synthetic.tiny, shape: model.synthetic.shape },
    measured: model.runs.map((run) => ({ runId: run.runId, ...runFacts(run.results) })),
    verdicts: model.verdicts.map((v) => {
      const ci = v.ci95 && Number.isFinite(v.ci95[0]) && Number.isFinite(v.ci95[1]) ? v.ci95 : undefined;
      return {
        runId: v.runId,
        device: v.deviceLabel,
        task: v.task,
        aspect: v.aspect,
        contenders: v.contenders,
        winner: v.winner,
        winnerVariant: v.winnerVariant,
        outcome: v.outcome,
        short: v.short,
        sentence: v.sentence,
        evidence: v.evidence,
        ...(v.metric ? { metric: v.metric } : {}),
        ...(finite(v.ratio) !== undefined ? { ratio: finite(v.ratio) } : {}),
        ...(ci ? { ci95: ci } : {}),
        ...(finite(v.pValue) !== undefined ? { pValue: finite(v.pValue) } : {}),
        n: v.n,
        fixtures: v.fixtures,
        weights: v.weights,
        ...(finite(v.band) !== undefined ? { band: v.band } : {}),
        ...(v.unit ? { unit: v.unit, units: v.units ?? 0 } : {}),
        ...(v.processes ? { processes: v.processes } : {}),
        ...(v.statistic ? { statistic: v.statistic } : {}),
        ...(v.figures && v.figures.every(Number.isFinite) ? { figures: v.figures, figureUnit: v.figureUnit } : {}),
        ...(v.spread !== undefined ? { spread: v.spread } : {}),
        caveats: v.caveats,
        ...(v.imageBudget ? { imageBudget: v.imageBudget } : {}),
      };
    }),
    engines: uniqueBy(
      model.runs.flatMap((r) => r.results.engines),
      (e) => `${e.id}|${e.version}`,
    ).map((e) => ({ id: e.id, packageName: e.packageName, version: e.version, available: e.available, ...(e.reason ? { reason: e.reason } : {}) })),
    models: uniqueBy(model.models, (m) => `${m.id}|${m.engine}|${m.quant}`).map((m) => ({
      id: m.id,
      engine: m.engine,
      quant: m.quant,
      source: m.source,
      synthetic: m.synthetic,
      sha256: m.files.map((f) => f.sha256),
    })),
    figures: model.tasks.flatMap((view) =>
      view.variants.map((f) => {
        const stat = (s: typeof f.latency) => (s && Number.isFinite(s.p50) && Number.isFinite(s.p90) ? { p50: s.p50, p90: s.p90, n: s.n } : null);
        return {
          runId: view.runId,
          task: view.task,
          engine: f.variant.engine,
          model: f.variant.model,
          quant: f.variant.quant,
          target: f.variant.target,
          synthetic: f.variant.synthetic,
          cells: { ok: f.okCells, failed: f.failedCells, unavailable: f.unavailableCells },
          latencyMs: stat(f.latency),
          ttftMs: stat(f.ttft),
          decodeTokensPerSec: stat(f.decodeTokensPerSec),
          peakRssBytes: { host: finiteOrNull(f.hostPeakBytes), worker: finiteOrNull(f.workerPeakBytes), total: finiteOrNull(f.totalPeakBytes) },
          quality: f.qualityHidden ? null : Object.fromEntries(f.quality.map((q) => [q.name, finiteOrNull(q.corpus ?? q.mean)])),
          frames: f.frames,
          imageTokens: f.imageTokens,
        };
      }),
    ),
    failures: model.failures.map((f) => ({ runId: f.runId, ...f.key, status: f.status, reason: f.reason })),
    ...(claims.length ? { claims } : {}),
    ...(network.audited ? { network: networkForSummary(network) } : {}),
  };
  return SummaryJsonSchema.parse(summary);
}
