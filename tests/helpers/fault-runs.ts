/**
 * Shared by the fault-suite files: the runs they strike, and what every try checks afterwards
 * (README.md's exit codes, kept cells, no process left behind).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { EXIT } from '../../src/exit-codes.js';
import { ResultsSchema, cellKeyId, type Cell, type Results } from '../../src/results/schema.js';
import { fixtureFolder, runCli } from './cli.js';
import { expectNoOrphans, type LiveRun } from './faults.js';

/** QVAC's worker takes seconds to start on a loaded machine: its tries measure less, to keep the suite within minutes. */
export const FIXTURES: Record<string, string[]> = { transformersjs: ['ocr-clean-01', 'scene-01', 'scene-02'], qvac: ['ocr-clean-01', 'scene-01'] };
export const TRY_TIMEOUT = 240_000;

export function runArgs(engine: string, work: string, extra: string[] = []): string[] {
  const fixtures = fixtureFolder(FIXTURES[engine] as string[]);
  return ['run', '--engines', engine, '--models', 'tiny-smolvlm', '--fixtures', fixtures, '--runs', '2', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '6', '--results-dir', join(work, 'results'), '--no-report', ...extra];
}

export function journalPathOf(run: LiveRun): string | null {
  return /journal (\S+journal\.jsonl)/.exec(run.out())?.[1] ?? null;
}

export function readResults(journalPath: string): Results {
  return ResultsSchema.parse(JSON.parse(readFileSync(join(journalPath, '..', 'results.json'), 'utf8')));
}

/** The status the documented table gives these cells. */
export function documentedExit(cells: Cell[]): number {
  if (!cells.some((cell) => cell.status === 'ok')) return EXIT.noCellSucceeded;
  return cells.some((cell) => cell.status === 'failed') ? EXIT.someCellsFailed : EXIT.ok;
}

/** After a run that finished despite a kill inside it: complete results, the documented code, at most the hit cell lost, nothing left running. */
export async function expectFinishedDespite(run: LiveRun, engine: string, what: string): Promise<Results> {
  const { code } = await run.exited;
  const context = `${what}\n${run.out()}\n${run.err()}`;
  expect(run.err(), context).not.toMatch(/internal error|ERR_IPC_CHANNEL_CLOSED|EPIPE/);
  const journal = journalPathOf(run) as string;
  const results = readResults(journal);
  expect(results.run.complete, context).toBe(true);
  expect(results.cells, context).toHaveLength((FIXTURES[engine] as string[]).length);
  expect(code, context).toBe(documentedExit(results.cells));
  // A kill costs at most the cell it hit; a kill during load costs none (it is retried).
  expect(results.cells.filter((cell) => cell.status !== 'ok').length, context).toBeLessThanOrEqual(1);
  expect(await expectNoOrphans(run), context).toEqual([]);
  return results;
}

/** Resumes an interrupted run and checks the cells measured before are kept, untouched. */
export async function expectResumes(work: string, journal: string, engine: string, before: Cell[], context: string): Promise<void> {
  const runId = journal.split('/').slice(-2)[0] as string;
  const resumed = await runCli(['run', '--resume', runId, '--results-dir', join(work, 'results'), '--no-report'], { timeoutMs: 180_000 });
  const results = readResults(journal);
  const full = `${context}\n--- resume:\n${resumed.stdout}\n${resumed.stderr}`;
  expect(resumed.code, full).toBe(documentedExit(results.cells));
  expect(results.run.complete, full).toBe(true);
  expect(results.cells.map((cell) => cellKeyId(cell.key)).sort(), full).toHaveLength((FIXTURES[engine] as string[]).length);
  for (const cell of before) {
    const kept = results.cells.find((candidate) => cellKeyId(candidate.key) === cellKeyId(cell.key));
    expect(kept?.samples, full).toEqual(cell.samples);
  }
}

