/**
 * Long runs: a kill at a random cell or a Ctrl-C keeps every finished cell on disk, leaves no
 * engine process behind, and --resume finishes the run without redoing finished cells.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantPids, isAlive } from '../src/measure/memory.js';
import { readJournal } from '../src/run/journal.js';
import { ResultsSchema, cellKeyId } from '../src/results/schema.js';
import { fixtureFolder, runCli, startCli, tempDir } from './helpers/cli.js';

const FIXTURES = ['ocr-clean-01', 'ocr-clean-02', 'ocr-clean-03', 'scene-01', 'scene-02', 'scene-03'];

async function waitFor<T>(probe: () => T | null | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function cellLines(journalPath: string): number {
  if (!existsSync(journalPath)) return 0;
  return readFileSync(journalPath, 'utf8').split('\n').filter((line) => line.includes('"type":"cell"')).length;
}

async function interruptedRun(signal: NodeJS.Signals, afterCells: number) {
  const work = tempDir(`interrupt-${signal}`);
  const fixtures = fixtureFolder(FIXTURES);
  const args = ['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--fixtures', fixtures, '--runs', '2', '--warmup', '0', '--max-new-tokens', '24', '--results-dir', join(work, 'results'), '--no-report'];
  const child = startCli(args);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  const journal = await waitFor(() => /journal (\S+journal\.jsonl)/.exec(stdout)?.[1], 60_000);
  await waitFor(() => cellLines(journal) >= afterCells || null, 120_000);
  // This run's engine hosts (and anything they started), not other tests' processes.
  const hostsBefore = descendantPids(child.pid as number);
  const sentAt = Date.now();
  child.kill(signal);
  const code = await exited;
  return { work, journal, code, exitMs: Date.now() - sentAt, hostsBefore, stdout, args };
}

describe('interrupting a run', () => {
  it('Ctrl-C exits within 5 s, keeps a valid journal and leaves no engine host', async () => {
    const { journal, code, exitMs, hostsBefore, stdout } = await interruptedRun('SIGINT', 2);
    expect(hostsBefore.length).toBeGreaterThan(0);
    expect(code).toBe(130);
    expect(exitMs).toBeLessThan(5000);
    expect(stdout).toMatch(/resume with: vlmbench run --resume/);
    const contents = readJournal(journal);
    expect(contents.cells.length).toBeGreaterThanOrEqual(2);
    for (const cell of contents.cells) expect(cell.status).toBe('ok');
    await waitFor(() => hostsBefore.every((pid) => !isAlive(pid)) || null, 3000).catch(() => undefined);
    expect(hostsBefore.filter((pid) => isAlive(pid))).toEqual([]);
    const partial = ResultsSchema.parse(JSON.parse(readFileSync(join(journal, '..', 'results.json'), 'utf8')));
    expect(partial.run.complete).toBe(false);
  }, 180_000);

  it('after a kill at a random cell, --resume measures only the missing cells and the result equals a full run', async () => {
    const afterCells = 1 + Math.floor(Math.random() * (FIXTURES.length - 2));
    const { work, journal, args, hostsBefore } = await interruptedRun('SIGKILL', afterCells);
    // A SIGKILLed orchestrator cannot clean up: its hosts notice the lost IPC channel and exit.
    await waitFor(() => hostsBefore.every((pid) => !isAlive(pid)) || null, 10_000);
    const before = readJournal(journal).cells.map((cell) => cellKeyId(cell.key));
    expect(before.length).toBeGreaterThanOrEqual(afterCells);
    const runId = journal.split('/').slice(-2)[0] as string;
    const resumed = await runCli(['run', '--resume', runId, '--results-dir', join(work, 'results'), '--no-report']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`resuming ${runId}: ${before.length} cells already measured`));
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(journal, '..', 'results.json'), 'utf8')));
    expect(results.run.complete).toBe(true);
    // Finished cells were not redone: their samples are the journal's, untouched.
    const firstPass = readJournal(journal).cells.slice(0, before.length);
    for (const cell of firstPass) {
      const final = results.cells.find((candidate) => cellKeyId(candidate.key) === cellKeyId(cell.key));
      expect(final?.samples).toEqual(cell.samples);
    }
    const full = await runCli([...args.slice(0, args.indexOf('--results-dir')), '--results-dir', join(work, 'full'), '--no-report']);
    const fullPath = /results: (\S+)/.exec(full.stdout)?.[1] as string;
    const fullResults = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), fullPath), 'utf8')));
    const keys = (list: typeof results.cells) => list.map((cell) => `${cellKeyId(cell.key)}:${cell.status}`).sort();
    expect(keys(results.cells)).toEqual(keys(fullResults.cells));
    // Greedy decoding: the resumed cells' outputs equal the uninterrupted run's.
    for (const cell of fullResults.cells) {
      expect(results.cells.find((candidate) => cellKeyId(candidate.key) === cellKeyId(cell.key))?.output?.text).toBe(cell.output?.text);
    }
  }, 300_000);
});
