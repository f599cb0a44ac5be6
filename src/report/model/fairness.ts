/** The fairness table: per run, what each variant actually ran with, and which settings differ. */
import type { Cell, ModelRecord, Sample } from '../../results/schema.js';
import { formatMs } from '../format.js';
import { budgetOfSettings } from '../../engines/image-budget.js';
import { distinctSorted, medianActiveThreads } from './figures.js';
import { budgetOfVariant, distinctFrameSizes, distinctGrids, framesSourceOf, imageSeenRows } from './image-seen.js';
import { variantId } from './variants.js';
import type { FairnessRow, FairnessView, RunView, Variant } from './types.js';

function describeDtypes(dtypes: Record<string, string>): string {
  const entries = Object.entries(dtypes);
  return entries.length ? entries.map(([part, dtype]) => `${part}: ${dtype}`).join(', ') : '–';
}

function joinDistinct(values: Array<string | number | null | undefined>): string {
  const distinct = [...new Set(values.filter((v) => v !== null && v !== undefined && v !== '').map(String))];
  return distinct.length ? distinct.join(' / ') : '–';
}

export function buildFairness(run: RunView, variants: Variant[]): FairnessView {
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
    // 0: the engine cannot be given a thread count (QVAC's SDK); the measured row says what worked.
    attribute('Threads requested', (v) => joinDistinct(cellsOf(v).map((c) => (c.load?.threads === 0 ? 'not settable' : c.load?.threads)))),
    attribute('Threads that worked (measured, median per run)', (v) => String(medianActiveThreads(samplesOf(v)) ?? '–')),
    attribute('dtypes', (v) => joinDistinct(cellsOf(v).map((c) => (c.load ? describeDtypes(c.load.dtypes) : null)))),
    attribute('Image budget', (v) => budgetOfVariant(samplesOf(v), results.run.settings)),
    attribute('Frames per image', (v) => joinDistinct(samplesOf(v).map((s) => s.frames))),
    attribute('Tile grid', (v) => distinctGrids(samplesOf(v))),
    attribute('Frame resolution', (v) => distinctFrameSizes(samplesOf(v))),
    attribute('Frames measured by', (v) => framesSourceOf(samplesOf(v))),
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
    ['Passes', passesSetting(results)],
    ['Noise band (ratio verdicts)', s.noiseBand !== undefined ? `±${Number((s.noiseBand * 100).toPrecision(3))}%` : 'default (±5% across processes, ±12.5% with one process per engine)'],
    ['Minimum time per cell', s.minTimeMs !== undefined ? formatMs(s.minTimeMs) : '–'],
    ['Threads', String(s.threads)],
    ['Max new tokens', Object.entries(s.maxNewTokens).map(([task, n]) => `${task}: ${n}`).join(', ')],
    ['Image budget', budgetOfSettings(s)],
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
    imagesSeen: imageSeenRows(
      results.cells.filter((c) => present.some((v) => v.id === variantId(c.key))),
      present,
      (c) => variantId(c.key),
      new Map(results.fixtures.items.map((item) => [item.id, { width: item.width, height: item.height }])),
    ),
  };
}

/** How the run was split: one pass, or an accuracy pass and process rounds (src/run/passes.ts). */
function passesSetting(results: RunView['results']): string {
  const passes = results.extra?.passes as
    | { accuracy?: { fixtures?: number; skipped?: string }; performance?: { fixtures?: string[]; processes?: number; maxProcesses?: number; stopped?: string } }
    | undefined;
  if (!passes?.performance) return 'one pass: every fixture, one process per engine';
  const accuracy = passes.accuracy?.skipped ? `no accuracy pass (${passes.accuracy.skipped})` : `accuracy pass over ${passes.accuracy?.fixtures ?? '?'} fixtures`;
  const perf = passes.performance;
  return `${accuracy}; performance pass on ${perf.fixtures?.length ?? '?'} fixtures in ${perf.processes ?? '?'} of at most ${perf.maxProcesses ?? '?'} fresh processes per engine (${perf.stopped ?? 'no stop recorded'})`;
}
