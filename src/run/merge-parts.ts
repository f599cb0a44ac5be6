/**
 * A cell measured in several processes (run --processes N) is journaled one part per process:
 * `accuracy` (the one output-giving run) and `process-1`, `process-2`, …. Results hold one cell
 * per key, so the parts are merged here: samples are the union (each tagged with its process
 * and pass), the output comes from the accuracy part, and a part that failed costs only its own
 * samples, recorded in `parts` with its reason.
 */
import { cellKeyId, type Cell } from '../results/schema.js';
import { cellStats } from './measure-cell.js';

export interface JournaledCell {
  cell: Cell;
  /** Absent for a single-pass run's cell. */
  part?: string;
}

function partOrder(part: string | undefined): number {
  if (part === undefined || part === 'accuracy') return -1;
  const round = Number(part.replace('process-', ''));
  return Number.isFinite(round) ? round : 1e9;
}

function mergeOne(entries: JournaledCell[]): Cell {
  const sorted = [...entries].sort((x, y) => partOrder(x.part) - partOrder(y.part));
  const ok = sorted.filter((entry) => entry.cell.status === 'ok');
  const base = ok[0] ?? sorted[0];
  if (!base) throw new Error('mergeOne needs at least one part');
  const cell: Cell = structuredClone(base.cell);
  cell.startedAt = (sorted[0] as JournaledCell).cell.startedAt;
  cell.finishedAt = (sorted[sorted.length - 1] as JournaledCell).cell.finishedAt;
  cell.warmup = sorted.flatMap((entry) => entry.cell.warmup);
  cell.samples = sorted.flatMap((entry) => entry.cell.samples);
  cell.parts = sorted.map((entry) => ({
    part: entry.part ?? 'single',
    status: entry.cell.status,
    ...(entry.cell.reason ? { reason: entry.cell.reason } : {}),
    samples: entry.cell.samples.length,
    ...(entry.cell.load ? { loadMs: entry.cell.load.ms } : {}),
  }));
  if (ok.length > 0) {
    cell.status = 'ok';
    delete cell.reason;
    cell.stats = cellStats(cell.samples.filter((sample) => sample.pass !== 'accuracy'));
    const texts = ok.map((entry) => entry.cell.output?.text);
    if (cell.output) cell.output.stableAcrossSamples = ok.every((entry) => entry.cell.output?.stableAcrossSamples !== false) && texts.every((text) => text === texts[0]);
  } else {
    cell.reason = sorted.map((entry) => `${entry.part ?? 'single'}: ${entry.cell.reason ?? entry.cell.status}`).join('; ');
  }
  const loads = sorted.map((entry) => entry.cell.machineLoad).filter((load) => load !== undefined);
  if (loads.length > 0) cell.machineLoad = loads.reduce((worst, load) => ((load.otherCpuShare ?? 0) > (worst.otherCpuShare ?? 0) ? load : worst));
  const networks = sorted.map((entry) => entry.cell.network).filter((network) => network !== undefined);
  if (networks.length > 1 && cell.network) cell.network = { ...cell.network, attempts: networks.flatMap((network) => network.attempts) };
  return cell;
}

/** One cell per key: a later line of the same key and part replaces an earlier one (a resumed run may redo it). */
export function mergeCellParts(entries: JournaledCell[]): Cell[] {
  const byKey = new Map<string, Map<string, JournaledCell>>();
  for (const entry of entries) {
    const id = cellKeyId(entry.cell.key);
    const parts = byKey.get(id) ?? new Map<string, JournaledCell>();
    parts.set(entry.part ?? '', entry);
    byKey.set(id, parts);
  }
  return [...byKey.values()].map((parts) => {
    const list = [...parts.values()];
    const only = list.length === 1 ? list[0] : undefined;
    return only && only.part === undefined ? structuredClone(only.cell) : mergeOne(list);
  });
}
