/**
 * The journal: one JSON line per event, appended and fsynced as each cell finishes, so an
 * interrupted run loses at most the cell in flight and `--resume` can pick up from it.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../engines/engine.js';
import { CellSchema, EngineRecordSchema, type Cell, type Results } from '../results/schema.js';
import type { ThermalSnapshot } from '../measure/environment.js';
import { mergeCellParts, type JournaledCell } from './merge-parts.js';

export type JournalHeader = Omit<Results, 'cells' | 'engines' | 'run'> & {
  run: Omit<Results['run'], 'finishedAt' | 'complete'>;
};

export type JournalEntry =
  | { type: 'header'; header: JournalHeader }
  | { type: 'engine'; record: Results['engines'][number] }
  /** `part`: which pass or process of a cell measured in several (src/run/passes.ts); absent in a single-pass run. */
  | { type: 'cell'; cell: Cell; part?: string }
  | { type: 'thermal'; snapshot: ThermalSnapshot }
  /** A named section of `Results.extra` measured during the run (e.g. footprint); the last one of a name wins. */
  | { type: 'extra'; name: string; value: unknown };

export class Journal {
  /** False until the file's end was checked, and again after a failed append (which may have torn the line it wrote). */
  private tailChecked = false;

  constructor(
    readonly path: string,
    /** Told when a torn final line was repaired. */
    private readonly onNote: (message: string) => void = () => {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(entry: JournalEntry): void {
    if (!this.tailChecked) {
      const repaired = repairTornTail(this.path);
      if (repaired) this.onNote(repaired);
      this.tailChecked = true;
    }
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } catch (error) {
      this.tailChecked = false;
      throw error;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * A kill or a full disk in the middle of an append leaves a final line without its newline.
 * Appending after it would glue the next entry to the fragment, and the journal could no longer
 * be read. So before appending: a fragment is cut back to the last newline, and a final entry
 * that is whole but lacks only its newline gets one. Returns what was done, or null when the
 * file ended cleanly.
 */
export function repairTornTail(path: string): string | null {
  if (!existsSync(path)) return null;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return null;
    // Walk back in chunks to the last newline: entries are small, so this reads little.
    let keep = 0;
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0 && keep === 0; end -= chunk.length) {
      const start = Math.max(0, end - chunk.length);
      const read = readSync(fd, chunk, 0, end - start, start);
      const at = chunk.subarray(0, read).lastIndexOf(0x0a);
      if (at >= 0) keep = start + at + 1;
    }
    const tail = Buffer.alloc(size - keep);
    readSync(fd, tail, 0, tail.length, keep);
    if (isJson(tail.toString('utf8'))) {
      writeSync(fd, '\n', size);
      fsyncSync(fd);
      return `journal ${path}: its last entry was complete but lacked its newline (an interrupted write); added it`;
    }
    ftruncateSync(fd, keep);
    fsyncSync(fd);
    return `journal ${path}: cut a torn final line (${tail.length} bytes from an interrupted write) back to the last complete entry`;
  } finally {
    closeSync(fd);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Journals written before the repair above could hold a fragment with a whole entry glued after
 * it. Every entry starts with `{"type":`, so the last such start that parses is that entry.
 */
function entryAfterFragment(line: string): JournalEntry | null {
  for (let at = line.lastIndexOf('{"type":'); at > 0; at = line.lastIndexOf('{"type":', at - 1)) {
    try {
      return JSON.parse(line.slice(at)) as JournalEntry;
    } catch {
      // not this one
    }
  }
  return null;
}

export interface JournalContents {
  header: JournalHeader;
  engines: Results['engines'];
  /** One cell per key, its parts merged (src/run/merge-parts.ts). */
  cells: Cell[];
  /** Every cell line as journaled, with its part. */
  parts: JournaledCell[];
  thermal: ThermalSnapshot[];
  extra: Record<string, unknown>;
}

/** Reads a journal back; a torn last line (a kill mid-write) is ignored, anything else invalid is an error. */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) throw new UserError(`no journal at ${path} — pass the run id printed by "vlmbench run" (a folder under results/)`);
  const lines = readFileSync(path, 'utf8').split('\n');
  let header: JournalHeader | null = null;
  const engines = new Map<string, Results['engines'][number]>();
  const parts: JournaledCell[] = [];
  const thermal: ThermalSnapshot[] = [];
  const extra: Record<string, unknown> = {};
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      if (index >= lines.length - 2) break; // a torn final line from a kill mid-append
      const glued = entryAfterFragment(line);
      if (!glued) throw new UserError(`journal ${path} line ${index + 1} is not JSON — the file was edited or corrupted`);
      entry = glued;
    }
    if (entry.type === 'header') header = entry.header;
    else if (entry.type === 'engine') engines.set(entry.record.id, EngineRecordSchema.parse(entry.record));
    else if (entry.type === 'cell') parts.push({ cell: CellSchema.parse(entry.cell), ...(entry.part !== undefined ? { part: entry.part } : {}) });
    else if (entry.type === 'thermal') thermal.push(entry.snapshot);
    else if (entry.type === 'extra') extra[entry.name] = entry.value;
  }
  if (!header) throw new UserError(`journal ${path} has no header line — it is not a vlmbench journal`);
  return { header, engines: [...engines.values()], cells: mergeCellParts(parts), parts, thermal, extra };
}
