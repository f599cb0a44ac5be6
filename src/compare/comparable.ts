/**
 * Whether two runs can be compared at all. Every differing field is listed, in
 * one of five kinds:
 *
 * - hardware (CPU model, cores, RAM, OS platform/arch, GPUs) — blocking: the
 *   numbers would measure the machine, not the change;
 * - settings (threads, runs, warm-up, time floors, cool-down, token limits,
 *   targets, scheduling, image budget, prompts) — blocking: the benchmark itself changed;
 * - models (file sha256 per role, synthetic flag, for models in both runs) — blocking;
 * - fixtures (image sha256 and references, for fixtures in both runs) — blocking;
 * - software (node, OS release/kernel/distro, CPU governor, package and engine
 *   versions) — listed but NOT blocking: a dependency upgrade is exactly the kind
 *   of change the regression gate exists to measure.
 *
 * RAM is compared with a 1% tolerance because the kernel's MemTotal shifts by a
 * few MiB between kernel builds on the same machine.
 */
import { budgetOfSettings } from '../engines/image-budget.js';
import type { Results } from '../results/schema.js';

export type DifferenceKind = 'hardware' | 'settings' | 'models' | 'fixtures' | 'software';

export interface FieldDifference {
  /** Dotted path of the field, e.g. `environment.cpu.model` or `settings.maxNewTokens.ocr`. */
  field: string;
  kind: DifferenceKind;
  base: string;
  head: string;
  /** True when this difference alone makes the runs incomparable. */
  blocking: boolean;
}

export interface Comparability {
  /** No blocking difference. */
  comparable: boolean;
  differences: FieldDifference[];
}

const BLOCKING: Record<DifferenceKind, boolean> = {
  hardware: true,
  settings: true,
  models: true,
  fixtures: true,
  software: false,
};

const MEMORY_TOLERANCE = 0.01;
const ABSENT = '(absent)';

function show(value: unknown): string {
  if (value === undefined) return ABSENT;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

class DifferenceList {
  readonly items: FieldDifference[] = [];

  compare(field: string, kind: DifferenceKind, base: unknown, head: unknown): void {
    const shownBase = show(base);
    const shownHead = show(head);
    if (shownBase !== shownHead) this.items.push({ field, kind, base: shownBase, head: shownHead, blocking: BLOCKING[kind] });
  }

  /** Compares two records key by key over the union of their keys. */
  compareRecords(prefix: string, kind: DifferenceKind, base: Record<string, unknown>, head: Record<string, unknown>): void {
    for (const key of [...new Set([...Object.keys(base), ...Object.keys(head)])].sort()) {
      this.compare(`${prefix}.${key}`, kind, base[key], head[key]);
    }
  }
}

function sortedCopy<T>(values: readonly T[]): T[] {
  return [...values].sort();
}

function compareEnvironment(list: DifferenceList, base: Results['environment'], head: Results['environment']): void {
  list.compare('environment.cpu.model', 'hardware', base.cpu.model, head.cpu.model);
  list.compare('environment.cpu.logicalCores', 'hardware', base.cpu.logicalCores, head.cpu.logicalCores);
  list.compare('environment.cpu.physicalCores', 'hardware', base.cpu.physicalCores, head.cpu.physicalCores);
  const memoryDrift = Math.abs(head.memoryBytes - base.memoryBytes) / Math.max(base.memoryBytes, 1);
  if (memoryDrift > MEMORY_TOLERANCE) list.compare('environment.memoryBytes', 'hardware', base.memoryBytes, head.memoryBytes);
  list.compare('environment.os.platform', 'hardware', base.os.platform, head.os.platform);
  list.compare('environment.os.arch', 'hardware', base.os.arch, head.os.arch);
  list.compare('environment.gpu', 'hardware', sortedCopy(base.gpu.map((gpu) => gpu.name)), sortedCopy(head.gpu.map((gpu) => gpu.name)));

  list.compare('environment.os.release', 'software', base.os.release, head.os.release);
  list.compare('environment.os.kernel', 'software', base.os.kernel, head.os.kernel);
  list.compare('environment.os.distro', 'software', base.os.distro, head.os.distro);
  list.compare('environment.cpu.governor', 'software', base.cpu.governor ?? undefined, head.cpu.governor ?? undefined);
  list.compare('environment.node', 'software', base.node, head.node);
  list.compareRecords('environment.packages', 'software', base.packages, head.packages);
}

function compareSettings(list: DifferenceList, base: Results, head: Results): void {
  const baseSettings = base.run.settings;
  const headSettings = head.run.settings;
  list.compare('settings.threads', 'settings', baseSettings.threads, headSettings.threads);
  list.compare('settings.runs', 'settings', baseSettings.runs, headSettings.runs);
  list.compare('settings.warmup', 'settings', baseSettings.warmup, headSettings.warmup);
  list.compare('settings.hostWarmup', 'settings', baseSettings.hostWarmup ?? 0, headSettings.hostWarmup ?? 0);
  list.compare('settings.minTimeMs', 'settings', baseSettings.minTimeMs, headSettings.minTimeMs);
  list.compare('settings.cooldownMs', 'settings', baseSettings.cooldownMs, headSettings.cooldownMs);
  list.compareRecords('settings.maxNewTokens', 'settings', baseSettings.maxNewTokens, headSettings.maxNewTokens);
  list.compare('settings.targets', 'settings', sortedCopy(baseSettings.targets), sortedCopy(headSettings.targets));
  list.compare('settings.scheduling', 'settings', baseSettings.scheduling, headSettings.scheduling);
  // Frames per image move latency and OCR quality more than most runtime changes do.
  list.compare('settings.imageBudget', 'settings', budgetOfSettings(baseSettings), budgetOfSettings(headSettings));
  list.compareRecords('prompts', 'settings', base.prompts, head.prompts);
}

function compareEngineVersions(list: DifferenceList, base: Results, head: Results): void {
  const versions = (results: Results): Record<string, unknown> =>
    Object.fromEntries(results.engines.map((engine) => [engine.id, engine.version ?? 'unknown']));
  const baseVersions = versions(base);
  const headVersions = versions(head);
  // Engines present in one run only are not a difference here; their cells show up as unmatched.
  for (const id of Object.keys(baseVersions).filter((engine) => engine in headVersions).sort()) {
    list.compare(`engines.${id}.version`, 'software', baseVersions[id], headVersions[id]);
  }
}

function compareModels(list: DifferenceList, base: Results, head: Results): void {
  const modelKey = (model: Results['models'][number]): string => `${model.engine}/${model.id}/${model.quant}`;
  const headModels = new Map(head.models.map((model) => [modelKey(model), model]));
  for (const baseModel of base.models) {
    const headModel = headModels.get(modelKey(baseModel));
    if (!headModel) continue;
    const prefix = `models.${modelKey(baseModel)}`;
    list.compare(`${prefix}.synthetic`, 'models', baseModel.synthetic, headModel.synthetic);
    const hashes = (model: Results['models'][number]): Record<string, unknown> => Object.fromEntries(model.files.map((file) => [file.role, file.sha256]));
    list.compareRecords(`${prefix}.sha256`, 'models', hashes(baseModel), hashes(headModel));
  }
}

function compareFixtures(list: DifferenceList, base: Results, head: Results): void {
  const headItems = new Map(head.fixtures.items.map((item) => [item.id, item]));
  for (const baseItem of base.fixtures.items) {
    const headItem = headItems.get(baseItem.id);
    if (!headItem) continue;
    list.compare(`fixtures.${baseItem.id}.sha256`, 'fixtures', baseItem.sha256, headItem.sha256);
    list.compare(`fixtures.${baseItem.id}.references`, 'fixtures', baseItem.references, headItem.references);
  }
}

export function checkComparability(base: Results, head: Results): Comparability {
  const list = new DifferenceList();
  compareEnvironment(list, base.environment, head.environment);
  compareEngineVersions(list, base, head);
  compareSettings(list, base, head);
  compareModels(list, base, head);
  compareFixtures(list, base, head);
  return { comparable: !list.items.some((difference) => difference.blocking), differences: list.items };
}
