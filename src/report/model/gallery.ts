/** The gallery: every fixture with each variant's output, its scores and its median latency. */
import { cellKeyId } from '../../results/schema.js';
import { performanceSamples } from '../../verdict/index.js';
import { medianOrNull } from '../../stats/index.js';
import { metricLabel } from './metrics.js';
import { variantId } from './variants.js';
import type { GalleryItem, RunView, Variant } from './types.js';

export function buildGallery(runs: RunView[], variants: Map<string, Variant>, extraDirs: string[]): GalleryItem[] {
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
      const latencies = performanceSamples(cell).map((s) => s.latencyMs);
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
        qualityHidden: variant.synthetic !== false,
        latencyMedianMs: cell.status === 'ok' ? medianOrNull(latencies) : null,
      });
    }
  }
  for (const item of items.values()) item.outputs.sort((x, y) => x.variant.index - y.variant.index);
  return [...items.values()].sort((x, y) => (x.task === y.task ? x.fixture.id.localeCompare(y.fixture.id) : x.task.localeCompare(y.task)));
}
