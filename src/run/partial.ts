/**
 * results.json from the journal as it stands, for a second Ctrl-C: the process exits at once,
 * before the orchestrator can write its own, yet the cells measured so far must be readable.
 */
import { join } from 'node:path';
import { isoNow } from '../measure/clock.js';
import { TOOL_VERSION } from '../measure/environment.js';
import { writeResults } from '../results/io.js';
import { assembleResults } from './assemble.js';
import { readJournal } from './journal.js';

/** Writes `runDir/results.json` (complete: false) and returns its path, or null when there is no usable journal yet. */
export function writePartialResults(runDir: string): string | null {
  try {
    const contents = readJournal(join(runDir, 'journal.jsonl'));
    const path = join(runDir, 'results.json');
    writeResults(path, assembleResults(contents, { finishedAt: isoNow(), complete: false, version: TOOL_VERSION }));
    return path;
  } catch {
    return null;
  }
}
