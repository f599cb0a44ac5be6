/**
 * The regression gate behind `vlmbench compare BASE HEAD`.
 *
 * Cells are matched by their key (cellKeyId). For cells that are ok in both runs:
 * - latency, TTFT, decode tokens/s and per-run peak memory (host + worker) are decided by
 *   src/verdict (see deltas.ts): a change regresses only when the base is the clear winner, i.e.
 *   the Welch (or paired) t-test is significant AND the 95% interval of head/base lies wholly
 *   beyond the larger of the metric's threshold (10% by default) and the noise band. Replicated
 *   runs (`run --processes N`) compare processes; single-process runs compare samples or
 *   fixtures with at least the one-process band (12.5%), because one process's luck is invisible
 *   in its own spread. The same decision also runs per variant × task over every matched fixture.
 *   A timing change counts only when each unit's fastest run shows it too (deltas.ts says why);
 *   one seen in the median alone is listed in a warning, not gated.
 * - every quality metric regresses when it moves the wrong way (direction from the metrics
 *   module) by more than the tolerance (0.01 absolute by default): outputs are deterministic
 *   under greedy decoding. Metrics of unknown direction are reported, never gated.
 * - output text changes are always listed, and are not by themselves a regression.
 * A cell that was ok and is now failed or unavailable is a regression; the reverse is an
 * improvement. Cells present in one run only are listed, not gated.
 *
 * Runs that are not comparable (see comparable.ts) are refused (exit 2) unless
 * allowMismatch is set; then the report is computed and carries a loud warning.
 */
import { cellKeyId, type Cell, type CellKey, type Results } from '../results/schema.js';
import { DEFAULT_ALPHA, DEFAULT_NOISE_BAND } from '../verdict/index.js';
import type { MetricName } from './cell-figures.js';
import { checkComparability } from './comparable.js';
import { qualityDeltas, ratioDelta } from './deltas.js';
import { formatChange } from './markdown.js';
import type { CompareReport, Finding, GateOptions, MetricDelta, RunReference, StatusChange, TextChange } from './types.js';

export { renderCompareMarkdown } from './markdown.js';
export type { MetricName } from './cell-figures.js';
export type * from './types.js';

export const DEFAULT_THRESHOLDS: Record<MetricName, number> = {
  latencyMs: 0.1,
  ttftMs: 0.1,
  decodeTokensPerSec: 0.1,
  peakMemoryBytes: 0.1,
};
export const DEFAULT_QUALITY_TOLERANCE = 0.01;

const GATED_METRICS: MetricName[] = ['latencyMs', 'ttftMs', 'decodeTokensPerSec', 'peakMemoryBytes'];

function runReference(results: Results): RunReference {
  return { id: results.run.id, startedAt: results.run.startedAt, commit: results.environment.git.commit, complete: results.run.complete };
}

type Decide = (metric: MetricName, baseCells: Cell[], headCells: Cell[], fixtures: Set<string>) => MetricDelta | null;

/** Per variant × task, over the fixtures ok in both runs: a uniform change shows here even when each cell is noisy. */
function groupDeltas(base: Results, head: Results, decide: Decide): CompareReport['groups'] {
  const groupOf = (key: CellKey) => [key.engine, key.model, key.quant, key.target, key.task].join('|');
  const okCells = (results: Results) => {
    const map = new Map<string, Cell[]>();
    for (const cell of results.cells) if (cell.status === 'ok') map.set(groupOf(cell.key), [...(map.get(groupOf(cell.key)) ?? []), cell]);
    return map;
  };
  const baseGroups = okCells(base);
  const headGroups = okCells(head);
  const groups: CompareReport['groups'] = [];
  for (const [id, baseCells] of baseGroups) {
    const headCells = headGroups.get(id);
    if (!headCells) continue;
    const fixtures = new Set(baseCells.map((c) => c.key.fixture).filter((fixture) => headCells.some((c) => c.key.fixture === fixture)));
    if (fixtures.size < 2) continue;
    const key: CellKey = { ...(baseCells[0] as Cell).key, fixture: '*' };
    const deltas = GATED_METRICS.map((metric) => decide(metric, baseCells, headCells, fixtures)).filter((d): d is MetricDelta => d !== null);
    groups.push({ key, id: `${id}|*`, deltas });
  }
  return groups;
}

export function compareRuns(base: Results, head: Results, options: GateOptions = {}): CompareReport {
  const thresholds: Record<MetricName, number> = { ...DEFAULT_THRESHOLDS };
  for (const [metric, value] of Object.entries(options.thresholds ?? {}) as Array<[MetricName, number | undefined]>) {
    if (value !== undefined) thresholds[metric] = value;
  }
  const qualityTolerance = options.qualityTolerance ?? DEFAULT_QUALITY_TOLERANCE;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const noiseBand = options.noiseBand ?? head.run.settings.noiseBand ?? DEFAULT_NOISE_BAND;
  const decide = (metric: MetricName, baseCells: Cell[], headCells: Cell[], fixtures: Set<string>) =>
    ratioDelta(metric, baseCells, headCells, fixtures, { threshold: thresholds[metric], noiseBand, alpha });
  const comparability = checkComparability(base, head);
  const refused = !comparability.comparable && !options.allowMismatch;
  const mismatchAllowed = !comparability.comparable && options.allowMismatch === true;

  const headCells = new Map(head.cells.map((cell) => [cellKeyId(cell.key), cell]));
  const baseIds = new Set(base.cells.map((cell) => cellKeyId(cell.key)));
  const regressions: Finding[] = [];
  const improvements: Finding[] = [];
  const statusChanges: StatusChange[] = [];
  const textChanges: TextChange[] = [];
  const cells: CompareReport['cells'] = [];
  const untestable = new Set<string>();
  const unknownDirections = new Set<string>();
  const unstableOutputs: string[] = [];
  let matchedCells = 0;
  let unchangedCells = 0;

  for (const baseCell of base.cells) {
    const id = cellKeyId(baseCell.key);
    const headCell = headCells.get(id);
    if (!headCell) continue;
    matchedCells++;
    const key = headCell.key;
    let changed = false;

    if (baseCell.status !== headCell.status) {
      changed = true;
      const statusChange: StatusChange = { key, id, base: baseCell.status, head: headCell.status };
      if (headCell.reason !== undefined) statusChange.reason = headCell.reason;
      statusChanges.push(statusChange);
      if (baseCell.status === 'ok') regressions.push({ key, id, statusChange });
      else if (headCell.status === 'ok') improvements.push({ key, id, statusChange });
    }

    const deltas: MetricDelta[] = [];
    if (baseCell.status === 'ok' && headCell.status === 'ok') {
      for (const metric of GATED_METRICS) {
        const delta = decide(metric, [baseCell], [headCell], new Set([baseCell.key.fixture]));
        if (delta) deltas.push(delta);
        if (delta && delta.reason?.startsWith('needs at least')) untestable.add(id);
      }
      deltas.push(...qualityDeltas(baseCell, headCell, qualityTolerance, unknownDirections));

      if (baseCell.output && headCell.output && baseCell.output.text !== headCell.output.text) {
        changed = true;
        textChanges.push({ key, id, baseText: baseCell.output.text, headText: headCell.output.text });
      }
      if (headCell.output && !headCell.output.stableAcrossSamples) unstableOutputs.push(id);
    }
    for (const delta of deltas) {
      if (delta.classification === 'regression') regressions.push({ key, id, delta });
      if (delta.classification === 'improvement') improvements.push({ key, id, delta });
      if (delta.classification === 'regression' || delta.classification === 'improvement') changed = true;
    }
    cells.push({ key, id, deltas });
    if (!changed) unchangedCells++;
  }

  const groups = groupDeltas(base, head, decide);
  for (const group of groups) {
    for (const delta of group.deltas) {
      if (delta.classification === 'regression') regressions.push({ key: group.key, id: group.id, delta });
      if (delta.classification === 'improvement') improvements.push({ key: group.key, id: group.id, delta });
    }
  }

  const warnings: string[] = [];
  const unconfirmed = [...cells, ...groups].flatMap((entry) =>
    entry.deltas.filter((delta) => delta.bestRun?.unconfirmed).map((delta) => `${entry.key.engine}/${entry.key.task}/${entry.key.fixture} ${delta.label} ${formatChange(delta)}`),
  );
  if (unconfirmed.length > 0) {
    warnings.push(
      `NOISY: ${unconfirmed.length} timing change(s) moved the median run but not the fastest runs (per process, or per fixture in one-process runs), so this machine's contention (how often runs are slowed) could have made them; not gated: ${unconfirmed.slice(0, 6).join('; ')}${unconfirmed.length > 6 ? '; …' : ''}.`,
    );
  }
  if (mismatchAllowed) {
    warnings.push(
      `Runs are NOT comparable (${comparability.differences.filter((difference) => difference.blocking).length} blocking difference(s)); compared anyway because --allow-mismatch was given.`,
    );
  }
  for (const [label, results] of [['Base', base], ['Head', head]] as const) {
    const hit = results.cells.filter((cell) => cell.machineLoad?.contaminated).length;
    if (hit > 0) {
      warnings.push(
        `CONTAMINATED: ${label} run ${results.run.id} was measured under outside load (${hit} of ${results.cells.length} cells ran while other processes used more than a quarter of the machine): its timings may be off by more than any threshold. Re-run it on a quiet machine before trusting this verdict.`,
      );
    }
  }
  if (!head.run.complete) warnings.push(`Head run ${head.run.id} is partial (interrupted): missing cells are not compared.`);
  if (!base.run.complete) warnings.push(`Base run ${base.run.id} is partial (interrupted): missing cells are not compared.`);
  if (untestable.size > 0) {
    warnings.push(
      `${untestable.size} cell(s) have too few samples (2 per side at least) to test, so their timing and memory regressions cannot be detected: raise --runs.`,
    );
  }
  if (unknownDirections.size > 0) {
    warnings.push(`Quality metric(s) of unknown direction changed and were not gated: ${[...unknownDirections].sort().join(', ')}.`);
  }
  if (unstableOutputs.length > 0) {
    warnings.push(`${unstableOutputs.length} head cell(s) produced different texts across samples despite greedy decoding.`);
  }
  if (matchedCells === 0) warnings.push('No cell key appears in both runs: nothing was compared.');

  const verdict: CompareReport['verdict'] = refused ? 'refused' : regressions.length > 0 ? 'regression' : 'clean';
  return {
    verdict,
    refused,
    mismatchAllowed,
    comparability,
    base: runReference(base),
    head: runReference(head),
    thresholds,
    qualityTolerance,
    alpha,
    noiseBand,
    matchedCells,
    unchangedCells,
    regressions,
    improvements,
    statusChanges,
    textChanges,
    onlyInBase: base.cells.filter((cell) => !headCells.has(cellKeyId(cell.key))).map((cell) => cell.key),
    onlyInHead: head.cells.filter((cell) => !baseIds.has(cellKeyId(cell.key))).map((cell) => cell.key),
    warnings,
    cells,
    groups,
  };
}

/** 2: refused (runs not comparable); 1: at least one regression; 0: clean. The CLI uses 2 for input errors too. */
export function exitCodeFor(report: CompareReport): 0 | 1 | 2 {
  if (report.refused) return 2;
  return report.regressions.length > 0 ? 1 : 0;
}
