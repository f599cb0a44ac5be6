/** Several runs side by side: which cell keys measure the same work on each device, and what differs. */
import type { TaskId } from '../../engines/engine.js';
import { cellKeyId, type CellKey, type Results } from '../../results/schema.js';
import { peakMemoryBytes } from '../../compare/cell-figures.js';
import { medianOrNull } from '../../stats/index.js';
import { variantId } from './variants.js';
import type { CrossDeviceGroup, CrossDeviceRow, CrossDeviceView, RunView, Variant } from './types.js';

function modelHashes(results: Results, key: Pick<CellKey, 'engine' | 'model' | 'quant'>): string {
  const model = results.models.find((m) => m.id === key.model && m.engine === key.engine && m.quant === key.quant);
  return model ? model.files.map((f) => f.sha256).sort().join(',') : '';
}

function settingsFingerprint(results: Results): Record<string, string> {
  const s = results.run.settings;
  return {
    'tool version': results.tool.version,
    threads: String(s.threads),
    'counted runs': String(s.runs),
    'warm-up runs': String(s.warmup),
    'warm-up runs after each load': String(s.hostWarmup ?? 0),
    'max new tokens': JSON.stringify(s.maxNewTokens),
    scheduling: s.scheduling,
    prompts: JSON.stringify(results.prompts),
    'fixture manifest': results.fixtures.manifestSha256,
  };
}

export function buildCrossDevice(runs: RunView[], variants: Map<string, Variant>): CrossDeviceView | null {
  if (runs.length < 2) return null;
  const keys = new Map<string, CellKey>();
  for (const run of runs) for (const cell of run.results.cells) keys.set(cellKeyId(cell.key), cell.key);
  const baseline = settingsFingerprint(runs[0]!.results);
  const settingDifferences: string[] = [];
  for (const run of runs.slice(1)) {
    const other = settingsFingerprint(run.results);
    for (const [name, value] of Object.entries(baseline)) {
      if (other[name] !== value) settingDifferences.push(`${name} differs between run ${runs[0]!.runId} and run ${run.runId}`);
    }
  }
  const rows: CrossDeviceRow[] = [...keys.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([keyId, key]) => {
      const differences: string[] = [];
      const perRun = runs.map((run) => {
        const cell = run.results.cells.find((c) => cellKeyId(c.key) === keyId);
        if (!cell) return { latencyMedianMs: null, ttftMedianMs: null, totalPeakBytes: null, status: null };
        const ok = cell.status === 'ok';
        return {
          latencyMedianMs: ok ? medianOrNull(cell.samples.map((s) => s.latencyMs)) : null,
          ttftMedianMs: ok ? medianOrNull(cell.samples.map((s) => s.ttftMs).filter((v): v is number => v !== null)) : null,
          totalPeakBytes: ok ? peakMemoryBytes(cell) : null,
          status: cell.status,
        };
      });
      if (perRun.some((r) => r.status === null)) differences.push('missing from some runs');
      if (perRun.some((r) => r.status !== null && r.status !== 'ok')) differences.push('failed or unavailable on some runs');
      const hashes = runs.map((run) => modelHashes(run.results, key)).filter((h) => h !== '');
      if (new Set(hashes).size > 1) differences.push('model files differ (sha256)');
      const backends = runs.map((run) => run.results.cells.find((c) => cellKeyId(c.key) === keyId)?.load?.backendActual).filter(Boolean);
      if (new Set(backends).size > 1) differences.push(`backend actually used differs (${[...new Set(backends)].join(' / ')})`);
      const threads = runs.map((run) => run.results.cells.find((c) => cellKeyId(c.key) === keyId)?.load?.threads).filter((t) => t !== undefined);
      if (new Set(threads).size > 1) differences.push(`threads differ (${[...new Set(threads)].join(' / ')})`);
      return { keyId, key, perRun, comparable: differences.length === 0 && settingDifferences.length === 0, differences };
    });
  const groupKeys = new Map<string, { variant: Variant; task: TaskId }>();
  for (const key of keys.values()) groupKeys.set(`${variantId(key)}|${key.task}`, { variant: variants.get(variantId(key))!, task: key.task });
  const groups: CrossDeviceGroup[] = [...groupKeys.values()]
    .sort((x, y) => (x.task === y.task ? x.variant.index - y.variant.index : x.task.localeCompare(y.task)))
    .map(({ variant, task }) => ({
      variant,
      task,
      latencyMedianMs: runs.map((run) =>
        medianOrNull(
          run.results.cells
            .filter((c) => c.status === 'ok' && c.key.task === task && variantId(c.key) === variant.id)
            .flatMap((c) => c.samples.map((s) => s.latencyMs)),
        ),
      ),
    }));
  const comparableCount = rows.filter((r) => r.comparable).length;
  const statements = [
    `${runs.length} runs on ${new Set(runs.map((r) => r.results.environment.cpu.model + r.results.environment.hostname)).size} distinct machine(s) are shown side by side.`,
    settingDifferences.length === 0
      ? 'Settings, prompts, tool version and fixture manifest are identical across runs, so figures for the same cell key measure the same work.'
      : `Not comparable as-is: ${settingDifferences.join('; ')}.`,
    `${comparableCount} of ${rows.length} cell keys are directly comparable (same model files, backend, threads and settings on every run); the rest list what differs.`,
    'Latency and memory across devices compare the machines, not the engines; quality should be identical for identical model files and greedy decoding, and a difference points to a numerical or backend difference.',
  ];
  return { runs: runs.map((r) => ({ runId: r.runId, deviceLabel: r.deviceLabel })), rows, groups, statements };
}

