/**
 * A head run that is slower by a known factor, made from a real run: every sample's latency,
 * time to first token, token arrival times and phases are multiplied by the factor, its decode
 * rate divided by it, and the cell statistics recomputed. Memory, outputs and quality are left
 * as they were. The regression gate must catch a 30% inflation (tests/ci-workflow.test.ts,
 * `npm run bench:gate`); nothing in a real run is ever changed this way.
 */
import { cellStats } from '../src/run/measure-cell.js';
import type { Results, Sample } from '../src/results/schema.js';

function slower(sample: Sample, factor: number): Sample {
  const phases = sample.phases
    ? Object.fromEntries(Object.entries(sample.phases).map(([name, value]) => [name, typeof value === 'number' ? value * factor : value]))
    : undefined;
  return {
    ...sample,
    latencyMs: sample.latencyMs * factor,
    ttftMs: sample.ttftMs === null ? null : sample.ttftMs * factor,
    decodeTokensPerSec: sample.decodeTokensPerSec === null ? null : sample.decodeTokensPerSec / factor,
    ...(sample.tokenTimesMs ? { tokenTimesMs: sample.tokenTimesMs.map((t) => t * factor) } : {}),
    ...(phases ? { phases } : {}),
  };
}

/** A copy of the results with every timing `factor` times slower (1.3 = 30% slower), or only one engine's. */
export function inflateLatencies(results: Results, factor: number, engine?: string): Results {
  return {
    ...results,
    cells: results.cells.map((cell) => {
      if (cell.samples.length === 0 || (engine !== undefined && cell.key.engine !== engine)) return cell;
      const samples = cell.samples.map((sample) => slower(sample, factor));
      // As the orchestrator does: statistics over the performance samples (all of them in a single-pass run).
      return { ...cell, warmup: cell.warmup.map((sample) => slower(sample, factor)), samples, stats: cellStats(samples.filter((sample) => sample.pass !== 'accuracy')) };
    }),
  };
}
