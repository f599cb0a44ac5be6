/** Builds the results document from the journal's contents: quality is scored here, once. */
import type { JournalContents } from './journal.js';
import { ResultsSchema, SCHEMA_VERSION, cellKeyId, type Cell, type Results } from '../results/schema.js';
import { scoreTask, type ScoredItem } from '../metrics/index.js';
import { thermalDrift } from '../measure/environment.js';
import { capReason } from '../results/text-cap.js';
import { auditWarning } from '../measure/network-audit/auditor.js';

function groupKey(cell: Cell): string {
  const { engine, model, quant, target, task } = cell.key;
  return [engine, model, quant, target, task].join('|');
}

export function assembleResults(journal: JournalContents, options: { finishedAt: string; complete: boolean; version: string }): Results {
  const { header } = journal;
  const fixtures = new Map(header.fixtures.items.map((item) => [item.id, item]));
  // Later journal lines win: a resumed run may re-record a cell.
  const byKey = new Map<string, Cell>();
  for (const cell of journal.cells) byKey.set(cellKeyId(cell.key), structuredClone(cell));
  const cells = [...byKey.values()];
  // Failure reasons quote engines and runners; keep each within what a report can show.
  for (const cell of cells) if (cell.reason !== undefined) cell.reason = capReason(cell.reason);

  const groups = new Map<string, Cell[]>();
  for (const cell of cells) {
    if (cell.status !== 'ok' || !cell.output) continue;
    const list = groups.get(groupKey(cell)) ?? [];
    list.push(cell);
    groups.set(groupKey(cell), list);
  }
  const qualityAggregates: NonNullable<Results['qualityAggregates']> = [];
  for (const group of groups.values()) {
    const first = group[0] as Cell;
    const items: ScoredItem[] = group.map((cell) => {
      const fixture = fixtures.get(cell.key.fixture);
      return { fixtureId: cell.key.fixture, output: cell.output?.text ?? '', references: fixture?.references ?? [], facts: fixture?.facts, category: fixture?.category };
    });
    const scored = scoreTask(first.key.task, items);
    for (const cell of group) cell.quality = scored.perItem[cell.key.fixture] ?? {};
    const { engine, model, quant, target, task } = first.key;
    qualityAggregates.push({ engine, model, quant, target, task, fixtures: group.length, scores: scored.corpus });
  }

  const warnings: string[] = [];
  const contaminated = contaminationWarning(cells);
  if (contaminated) warnings.push(contaminated);
  const [start, end] = [journal.thermal[0], journal.thermal[journal.thermal.length - 1]];
  if (start && end && start !== end) warnings.push(...thermalDrift(start, end));
  const audit = auditWarning(journal.extra);
  if (audit) warnings.push(audit);
  for (const cell of cells) {
    if (cell.output && !cell.output.stableAcrossSamples) warnings.push(`${cellKeyId(cell.key)}: counted runs produced different texts under greedy decoding`);
    for (const part of cell.parts ?? []) {
      if (cell.status === 'ok' && part.status !== 'ok') warnings.push(`${cellKeyId(cell.key)}: its ${part.part} part ${part.status} (${part.reason ?? 'no reason'}); the samples of its other processes are kept`);
    }
  }
  const results: Results = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'vlmbench', version: options.version },
    run: { ...header.run, finishedAt: options.finishedAt, complete: options.complete },
    environment: { ...header.environment, extra: { ...(header.environment.extra ?? {}), thermal: journal.thermal } },
    engines: journal.engines,
    models: header.models,
    fixtures: header.fixtures,
    prompts: header.prompts,
    cells,
    qualityAggregates,
    warnings,
    extra: Object.keys(journal.extra).length > 0 || header.extra ? { ...(header.extra ?? {}), ...journal.extra } : undefined,
  };
  return ResultsSchema.parse(results);
}

/**
 * The warning a run gets when outside load contaminated some of its cells (src/measure/machine-load.ts).
 * It starts with "Outside load" so the report and the regression gate can find it.
 */
export function contaminationWarning(cells: Cell[]): string | null {
  const hit = cells.filter((cell) => cell.machineLoad?.contaminated);
  if (hit.length === 0) return null;
  const worst = hit.reduce((a, b) => ((b.machineLoad?.otherCpuShare ?? 0) > (a.machineLoad?.otherCpuShare ?? 0) ? b : a));
  const share = Math.round((worst.machineLoad?.otherCpuShare ?? 0) * 100);
  const load = worst.machineLoad?.loadAverage.filter((v): v is number => v !== null).map((v) => v.toFixed(1)).join('→') ?? '';
  return `${OUTSIDE_LOAD_PREFIX} contaminated ${hit.length} of ${cells.length} cells: other processes used up to ${share}% of the machine while they ran (load average ${load || 'n/a'} at ${cellKeyId(worst.key)}). Their timings are suspect: re-run on a quiet machine.`;
}

export const OUTSIDE_LOAD_PREFIX = 'Outside load';
