/**
 * The plan: which hosts (engine × model × target) run which cells. A cell is one
 * (engine, model, quant, target, task, fixture); every later stage matches on that key.
 */
import type { TargetId, TaskId } from '../engines/engine.js';
import { ENGINE_INFO } from '../engines/registry.js';
import type { LoadedFixture } from '../fixtures/manifest.js';
import { catalogEntry, variantFor, type CatalogEntry, type EngineVariant } from '../models/catalog.js';
import { cellKeyId, type CellKey } from '../results/schema.js';

export interface HostPlan {
  label: string;
  engine: string;
  entry: CatalogEntry;
  variant: EngineVariant;
  target: TargetId;
  fixtures: LoadedFixture[];
}

/**
 * One block per target: every (engine, model) host of the block is alive and loaded at once,
 * so the scheduler can alternate between them on each fixture (interleaving).
 */
export interface Block {
  target: TargetId;
  hosts: HostPlan[];
}

export function cellKey(host: HostPlan, fixture: LoadedFixture): CellKey {
  return { engine: host.engine, model: host.entry.id, quant: host.variant.quant, target: host.target, task: fixture.task, fixture: fixture.id };
}

export function makePlan(options: {
  engines: string[];
  models: string[];
  targets: TargetId[];
  tasks: TaskId[];
  fixtures: LoadedFixture[];
  quant?: Record<string, string>;
  skip?: Set<string>;
}): Block[] {
  const blocks: Block[] = [];
  for (const target of options.targets) {
    const hosts: HostPlan[] = [];
    for (const model of options.models) {
      const entry = catalogEntry(model);
      for (const engine of options.engines) {
        const variant = variantFor(entry, engine, options.quant?.[engine]);
        const info = ENGINE_INFO[engine];
        if (!variant || !info) continue;
        const fixtures = options.fixtures.filter(
          (fixture) => options.tasks.includes(fixture.task) && info.tasks.includes(fixture.task),
        );
        const pending = fixtures.filter((fixture) => !options.skip?.has(cellKeyId({ engine, model: entry.id, quant: variant.quant, target, task: fixture.task, fixture: fixture.id })));
        if (pending.length === 0) continue;
        hosts.push({ label: `${engine}/${entry.id}/${variant.quant}/${target}`, engine, entry, variant, target, fixtures: pending });
      }
    }
    if (hosts.length > 0) blocks.push({ target, hosts });
  }
  return blocks;
}

export function countCells(blocks: Block[]): number {
  return blocks.reduce((sum, block) => sum + block.hosts.reduce((s, host) => s + host.fixtures.length, 0), 0);
}

/**
 * The runs a plan will make: each cell's warm-up and counted runs, and each host's extra
 * warm-up after its load (it happens once per host, on its first fixture). Progress counts
 * against this, so a host's warm-ups never push the count past its total.
 */
export function plannedRuns(blocks: Block[], runs: { warmup: number; runs: number; hostWarmup: number }): number {
  return blocks.reduce((sum, block) => sum + block.hosts.reduce((s, host) => s + host.fixtures.length * (runs.warmup + runs.runs) + runs.hostWarmup, 0), 0);
}
