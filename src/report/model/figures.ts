/** Per variant and task: the descriptive figures the tables and charts show (inference lives in src/verdict). */
import type { TaskId } from '../../engines/engine.js';
import { scoreTask } from '../../metrics/index.js';
import type { Cell, FixtureRecord, Sample, Summary } from '../../results/schema.js';
import { medianOrNull, summarize } from '../../stats/index.js';
import { peakHostRssBytes, peakMemoryBytes, peakWorkerRssBytes } from '../../compare/cell-figures.js';
import { performanceSamples } from '../../verdict/index.js';
import { metricHigherIsBetter, metricLabel } from './metrics.js';
import type { MetricFigure, Variant, VariantTaskFigures } from './types.js';

function maxOrNull(values: Array<number | null | undefined>): number | null {
  let best: number | null = null;
  for (const v of values) if (typeof v === 'number' && (best === null || v > best)) best = v;
  return best;
}

export function distinctSorted(values: Array<number | null | undefined>): number[] {
  return [...new Set(values.filter((v): v is number => typeof v === 'number'))].sort((x, y) => x - y);
}

function summaryOrNull(values: number[]): Summary | null {
  return values.length > 0 ? summarize(values) : null;
}

/** Corpus-level scores recomputed from the outputs and references (CER: total edits / total length; CIDEr-D: IDF over the set). */
export function corpusScores(task: TaskId, cells: Cell[], fixtures: FixtureRecord[]): Record<string, number | null> {
  const items = cells
    .filter((c) => c.status === 'ok' && c.output)
    .flatMap((c) => {
      const fixture = fixtures.find((f) => f.id === c.key.fixture);
      return fixture ? [{ fixtureId: fixture.id, output: c.output!.text, references: fixture.references, facts: fixture.facts, category: fixture.category }] : [];
    });
  if (items.length === 0) return {};
  return scoreTask(task, items).corpus;
}

export function figuresFor(variant: Variant, task: TaskId, cells: Cell[], metricNames: string[], fixtures: FixtureRecord[]): VariantTaskFigures {
  // Timing and memory figures come from the performance samples only (all samples of a single-pass run).
  const samples = cells.flatMap(performanceSamples);
  const corpus = corpusScores(task, cells, fixtures);
  const latencySamples = samples.map((s) => s.latencyMs);
  const qualityHidden = variant.synthetic !== false;
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
    hostPeakBytes: maxOrNull(okCells.map(peakHostRssBytes)),
    workerPeakBytes: maxOrNull(okCells.map(peakWorkerRssBytes)),
    totalPeakBytes: maxOrNull(okCells.map(peakMemoryBytes)),
    quality,
    qualityHidden,
    frames: distinctSorted(samples.map((s) => s.frames)),
    imageTokens: distinctSorted(samples.map((s) => s.imageTokens)),
    promptTokens: distinctSorted(samples.map((s) => s.promptTokens)),
  };
}

/**
 * The median over runs of the threads that did work (src/measure/threads.ts), or null where the
 * runs recorded none: the run-facts line (per engine) and the fairness table (per variant) both say it.
 */
export function medianActiveThreads(samples: readonly Sample[]): number | null {
  return medianOrNull(samples.map((sample) => sample.activeThreads).filter((n): n is number => typeof n === 'number'));
}
