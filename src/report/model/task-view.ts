/** One task in one run: its variants' figures, its verdicts and its quality per category. */
import type { TaskId } from '../../engines/engine.js';
import type { Cell } from '../../results/schema.js';
import { plural } from '../format.js';
import { corpusScores, figuresFor } from './figures.js';
import { headlineMetricFor, TASK_LABELS } from './metrics.js';
import type { FairnessView, RunView, TaskView, Variant } from './types.js';
import { variantId } from './variants.js';
import { taskVerdicts } from './verdicts.js';
import type { VerdictContext } from './verdict-words.js';

export function buildTaskView(run: RunView, task: TaskId, variants: Map<string, Variant>, options: { noiseBand: number; fairness?: FairnessView }): TaskView | null {
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
    noiseBand: options.noiseBand,
  };
  const verdicts = taskVerdicts(ctx, figures, headline, options.fairness);
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
