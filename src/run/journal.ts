/**
 * The journal: one JSON line per event, appended and fsynced as each cell finishes, so an
 * interrupted run loses at most the cell in flight and `--resume` can pick up from it.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../engines/engine.js';
import { CellSchema, EngineRecordSchema, type Cell, type Results } from '../results/schema.js';
import type { ThermalSnapshot } from '../measure/environment.js';

export type JournalHeader = Omit<Results, 'cells' | 'engines' | 'run'> & {
  run: Omit<Results['run'], 'finishedAt' | 'complete'>;
};

export type JournalEntry =
  | { type: 'header'; header: JournalHeader }
  | { type: 'engine'; record: Results['engines'][number] }
  | { type: 'cell'; cell: Cell }
  | { type: 'thermal'; snapshot: ThermalSnapshot }
  /** A named section of `Results.extra` measured during the run (e.g. footprint); the last one of a name wins. */
  | { type: 'extra'; name: string; value: unknown };

export class Journal {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(entry: JournalEntry): void {
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

export interface JournalContents {
  header: JournalHeader;
  engines: Results['engines'];
  cells: Cell[];
  thermal: ThermalSnapshot[];
  extra: Record<string, unknown>;
}

/** Reads a journal back; a torn last line (a kill mid-write) is ignored, anything else invalid is an error. */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) throw new UserError(`no journal at ${path} — pass the run id printed by "vlmbench run" (a folder under results/)`);
  const lines = readFileSync(path, 'utf8').split('\n');
  let header: JournalHeader | null = null;
  const engines = new Map<string, Results['engines'][number]>();
  const cells: Cell[] = [];
  const thermal: ThermalSnapshot[] = [];
  const extra: Record<string, unknown> = {};
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      if (index >= lines.length - 2) break; // a torn final line from a kill mid-append
      throw new UserError(`journal ${path} line ${index + 1} is not JSON — the file was edited or corrupted`);
    }
    if (entry.type === 'header') header = entry.header;
    else if (entry.type === 'engine') engines.set(entry.record.id, EngineRecordSchema.parse(entry.record));
    else if (entry.type === 'cell') cells.push(CellSchema.parse(entry.cell));
    else if (entry.type === 'thermal') thermal.push(entry.snapshot);
    else if (entry.type === 'extra') extra[entry.name] = entry.value;
  }
  if (!header) throw new UserError(`journal ${path} has no header line — it is not a vlmbench journal`);
  return { header, engines: [...engines.values()], cells, thermal, extra };
}
