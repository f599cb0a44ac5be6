/**
 * The report model: everything a report shows, computed once from one or more Results.
 * Every renderer (HTML, Markdown, summary.json, embed) reads this and decides nothing; the
 * verdicts in it are decided by src/verdict. The pieces live in src/report/model/.
 */
import { UserError } from '../engines/engine.js';
import type { Results } from '../results/schema.js';
import { evaluateClaims } from '../claims/evaluate.js';
import { readFootprint } from '../footprint/collect.js';
import { DEFAULT_NOISE_BAND } from '../verdict/index.js';
import { buildCrossDevice } from './model/cross-device.js';
import { buildFairness } from './model/fairness.js';
import { buildGallery } from './model/gallery.js';
import { buildTaskView } from './model/task-view.js';
import type { BuildOptions, FailureRow, ReportModel, RunView, TaskView, Variant } from './model/types.js';
import { assignShortLabels, deviceLabelOf, syntheticOf, unverifiedOf, variantId } from './model/variants.js';

export * from './model/types.js';
export { parseResultsForReport } from './model/parse.js';
export { TASK_LABELS, metricHeading, metricHigherIsBetter, metricLabel, qualityNotShown, showsQuality } from './model/metrics.js';
export { formatBytes, formatMs, formatNumber, formatRatio } from './format.js';
export { WEIGHTS_LABELS, weightsOf } from './model/variants.js';

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
        ...(unverifiedOf(run.results, cell.key) ? { unverified: true } : {}),
        index: variants.size,
      });
    }
  }
  assignShortLabels([...variants.values()]);
  const variantList = [...variants.values()];
  const fairness = runs.map((run) => buildFairness(run, variantList));
  const tasks: TaskView[] = [];
  for (const [index, run] of runs.entries()) {
    const noiseBand = options.noiseBand ?? run.results.run.settings.noiseBand ?? DEFAULT_NOISE_BAND;
    const taskIds = [...new Set([...run.results.run.settings.tasks, ...run.results.cells.map((c) => c.key.task)])];
    for (const task of taskIds) {
      const view = buildTaskView(run, task, variants, { noiseBand, fairness: fairness[index] });
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
    fairness,
    crossDevice: buildCrossDevice(runs, variants),
    claims: evaluateClaims(resultsList),
    footprints: runs.flatMap((run) => {
      const footprint = readFootprint(run.results);
      return footprint ? [{ runId: run.runId, deviceLabel: run.deviceLabel, footprint }] : [];
    }),
  };
}

