/**
 * What a run measured, in words: the hardware, the engine versions, the models and their
 * quantisation, the image budget and the weights' kind. Built here once and shown by every
 * output that carries a figure (report.html, report.md, embed.html, summary.json, the compare
 * Markdown, CSV, BMF and github-action-benchmark), so a number never travels without them.
 */
import type { CellKey, Results } from '../results/schema.js';
import { budgetOfSettings } from '../engines/image-budget.js';
import { formatBytes } from './format.js';
import { medianActiveThreads } from './model/figures.js';
import type { Weights } from './model/types.js';
import { WEIGHTS_LABELS, syntheticOf, unverifiedOf, weakestWeights, weightsOf } from './model/variants.js';

export interface RunFacts {
  /** CPU model, cores, threads requested and (where measured) used per engine, RAM, OS, accelerator. */
  hardware: string;
  /** Each engine's package and version. */
  engines: string;
  /** Each model with its quantisation (and the engine that ran it). */
  models: string;
  /** The image budget in force (a legacy name for runs from before --image-budget). */
  imageBudget: string;
  /** The least real weights in the run: a run is only as real as its least real model. */
  weights: Weights;
  /** The weights in words, per kind when the run mixes kinds. */
  weightsText: string;
  /** All of the above in one line. */
  line: string;
}

function accelerator(results: Results): string {
  const gpus = results.environment.gpu.map((gpu) => `${gpu.name}${gpu.memoryBytes ? ` ${formatBytes(gpu.memoryBytes)}` : ''}`);
  if (gpus.length === 0) return 'no accelerator';
  const used = results.run.settings.targets.some((target) => target !== 'cpu');
  return `accelerator ${gpus.join(' + ')}${used ? '' : ' (not used: CPU targets only)'}`;
}

/** hardwareOf per results document: the exports ask once per cell, and the threads measured scan every sample. */
const hardwareMemo = new WeakMap<Results, string>();

export function hardwareOf(results: Results): string {
  const known = hardwareMemo.get(results);
  if (known !== undefined) return known;
  const { cpu, os, memoryBytes } = results.environment;
  const cores = `${cpu.logicalCores} logical cores${cpu.physicalCores !== null ? ` (${cpu.physicalCores} physical)` : ''}`;
  const system = `${os.platform === 'linux' ? 'Linux' : os.platform} ${os.release} ${os.arch}${os.distro ? ` (${os.distro})` : ''}`;
  const hardware = `${cpu.model}, ${cores}, ${threadsOf(results)}, ${formatBytes(memoryBytes)} RAM, ${system}, ${accelerator(results)}`;
  hardwareMemo.set(results, hardware);
  return hardware;
}

/**
 * Threads as asked and as each engine ran them: QVAC's SDK cannot be told a thread count, so the
 * requested number alone would overstate what is equal. The measured figure is the median over
 * the engine's counted runs of the threads that did work (src/measure/threads.ts); engines whose
 * runs recorded none are left out rather than guessed.
 */
function threadsOf(results: Results): string {
  const measured: string[] = [];
  for (const engine of [...new Set(results.cells.map((cell) => cell.key.engine))]) {
    const active = medianActiveThreads(results.cells.filter((cell) => cell.key.engine === engine).flatMap((cell) => cell.samples));
    if (active !== null) measured.push(`${engine} ${active}`);
  }
  return `${results.run.settings.threads} threads requested${measured.length ? ` (measured: ${measured.join(', ')})` : ''}`;
}

/** The CPU and threads in a few words, for places that must stay short (benchmark names). */
export function hardwareShort(results: Results): string {
  const gpu = results.run.settings.targets.some((target) => target !== 'cpu') ? results.environment.gpu.map((g) => g.name).join(' + ') : '';
  return `${results.environment.cpu.model} ${results.run.settings.threads}T${gpu ? ` + ${gpu}` : ''}`;
}

/** The engine's package and version, e.g. "@qvac/sdk 0.19.1"; null when the run has no record of it. */
export function engineVersionOf(results: Results, engine: string): string | null {
  const record = results.engines.find((candidate) => candidate.id === engine);
  return record ? `${record.packageName} ${record.version ?? '(version unknown)'}` : null;
}

function engineVersion(results: Results, engine: string): string {
  return engineVersionOf(results, engine) ?? `${engine} (version not recorded)`;
}

function enginesOf(results: Results): string {
  const ids = [...new Set([...results.engines.map((e) => e.id), ...results.cells.map((c) => c.key.engine)])];
  const versions = [...new Set(ids.map((id) => engineVersion(results, id)))];
  return versions.join(', ') || 'no engine recorded';
}

/** model quant (engine) for every model the run used, from its records or else its cells. */
function modelKeys(results: Results): Array<Pick<CellKey, 'engine' | 'model' | 'quant'>> {
  const keys = results.models.length
    ? results.models.map((m) => ({ engine: m.engine, model: m.id, quant: m.quant }))
    : results.cells.map((c) => ({ engine: c.key.engine, model: c.key.model, quant: c.key.quant }));
  const seen = new Map<string, Pick<CellKey, 'engine' | 'model' | 'quant'>>();
  for (const key of keys) seen.set(`${key.engine}|${key.model}|${key.quant}`, key);
  return [...seen.values()];
}

export function weightsOfKey(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): Weights {
  return weightsOf(syntheticOf(results, key), unverifiedOf(results, key));
}

function weightsText(results: Results, keys: Array<Pick<CellKey, 'engine' | 'model' | 'quant'>>): { weights: Weights; text: string } {
  const byKind = new Map<Weights, Set<string>>();
  for (const key of keys) {
    const kind = weightsOfKey(results, key);
    byKind.set(kind, (byKind.get(kind) ?? new Set()).add(key.model));
  }
  const weights = weakestWeights([...byKind.keys()]);
  if (byKind.size <= 1) return { weights, text: WEIGHTS_LABELS[weights] };
  const order: Weights[] = ['tiny', 'shape', 'unverified', 'real'];
  const text = order
    .filter((kind) => byKind.has(kind))
    .map((kind) => `${WEIGHTS_LABELS[kind]} (${[...(byKind.get(kind) as Set<string>)].join(', ')})`)
    .join(', ');
  return { weights, text };
}

export function runFacts(results: Results): RunFacts {
  const keys = modelKeys(results);
  const hardware = hardwareOf(results);
  const engines = enginesOf(results);
  const models = keys.map((key) => `${key.model} ${key.quant} (${key.engine})`).join(', ') || 'no model recorded';
  const imageBudget = budgetOfSettings(results.run.settings);
  const { weights, text } = weightsText(results, keys);
  const line = `${hardware} · ${engines} · ${models} · image budget: ${imageBudget} · ${text}`;
  return { hardware, engines, models, imageBudget, weights, weightsText: text, line };
}

/** The facts behind one cell's figures: its engine version, model and quantisation, and weights, on the run's hardware. */
export function cellFactsLine(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): string {
  const imageBudget = budgetOfSettings(results.run.settings);
  return `${hardwareOf(results)} · ${engineVersion(results, key.engine)} · ${key.model} ${key.quant} · image budget: ${imageBudget} · ${WEIGHTS_LABELS[weightsOfKey(results, key)]}`;
}
