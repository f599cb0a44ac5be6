/**
 * The fault suite, part 2: the run's files under attack. A journal torn mid-line, two resumes of
 * one run at once (after a kill -9 left a stale lock), and a disk that fills up mid-run. Each
 * keeps the finished cells, leaves no process behind, and ends with the documented exit code and
 * a journal that resumes.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';
import { readJournal } from '../src/run/journal.js';
import { ResultsSchema, cellKeyId } from '../src/results/schema.js';
import { REPO, fixtureFolder, runCli, tempDir } from './helpers/cli.js';
import { expectNoOrphans, kill, launch, waitFor } from './helpers/faults.js';

const FIXTURES = ['ocr-clean-01', 'ocr-clean-02', 'ocr-clean-03', 'scene-01', 'scene-02', 'scene-03'];

function runArgs(work: string, fixtures: string): string[] {
  return ['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--fixtures', fixtures, '--runs', '2', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '8', '--results-dir', join(work, 'results'), '--no-report'];
}

const resumeArgs = (work: string, runId: string) => ['run', '--resume', runId, '--results-dir', join(work, 'results'), '--no-report'];

function cellLines(journal: string): string[] {
  return readFileSync(journal, 'utf8').split('\n').filter((line) => line.includes('"type":"cell"'));
}

function resultsAt(journal: string) {
  return ResultsSchema.parse(JSON.parse(readFileSync(join(journal, '..', 'results.json'), 'utf8')));
}

describe('a torn journal', () => {
  it('is repaired on --resume, which measures only the torn cell, and every later resume still works', async () => {
    const work = tempDir('fault-torn');
    const first = await runCli(runArgs(work, fixtureFolder(FIXTURES.slice(0, 3))));
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const journal = /journal (\S+journal\.jsonl)/.exec(first.stdout)?.[1] as string;
    const runId = journal.split('/').slice(-2)[0] as string;
    // A kill (or a full disk) in the middle of the last append: cut the last cell line in half.
    const text = readFileSync(journal, 'utf8');
    const lastCell = text.lastIndexOf('{"type":"cell"');
    writeFileSync(journal, text.slice(0, lastCell + Math.floor((text.indexOf('\n', lastCell) - lastCell) / 2)));
    rmSync(join(journal, '..', 'results.json'));
    const kept = readJournal(journal).cells;
    expect(kept).toHaveLength(2);

    const resumed = await runCli(resumeArgs(work, runId));
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming .*: 2 cells already measured/);
    expect(resumed.stdout).toMatch(/journal \S+: cut a torn final line \(\d+ bytes/);
    const results = resultsAt(journal);
    expect(results.run.complete).toBe(true);
    expect(results.cells).toHaveLength(3);
    for (const cell of kept) expect(results.cells.find((c) => cellKeyId(c.key) === cellKeyId(cell.key))?.samples).toEqual(cell.samples);
    for (const line of readFileSync(journal, 'utf8').trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();

    const again = await runCli(resumeArgs(work, runId));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/3 cells already measured/);
  }, 180_000);
});

describe('two --resume of one run at once', () => {
  it('after a kill -9 left a stale lock: one takes it over with a note, the other is refused with exit 2, and no cell is measured twice', async () => {
    const work = tempDir('fault-concurrent');
    const first = launch(runArgs(work, fixtureFolder(FIXTURES)));
    const [, journal] = (await first.waitOut(/journal (\S+journal\.jsonl)/)) as unknown as [string, string];
    await waitFor(() => existsSync(journal) && cellLines(journal).length >= 1, 120_000, 'the first cell');
    kill(first.pid);
    await first.exited;
    expect(await expectNoOrphans(first, 15_000)).toEqual([]);
    expect(existsSync(join(journal, '..', 'run.lock'))).toBe(true);
    const runId = journal.split('/').slice(-2)[0] as string;

    const [a, b] = await Promise.all([runCli(resumeArgs(work, runId)), runCli(resumeArgs(work, runId))]);
    const outcomes = [a, b].sort((x, y) => (x.code ?? 99) - (y.code ?? 99));
    const [winner, loser] = outcomes as [typeof a, typeof a];
    const context = `A:\n${a.stdout}${a.stderr}\nB:\n${b.stdout}${b.stderr}`;
    expect(winner.code, context).toBe(EXIT.ok);
    expect(winner.stdout, context).toMatch(/taking over the stale lock \S+run\.lock: process \d+ .* is gone/);
    expect(loser.code, context).toBe(EXIT.usage);
    expect(loser.stderr.trim(), context).toMatch(/^vlmbench: run \S+ is being written by process \d+ .*— wait for it to finish or stop it/);
    const keys = cellLines(journal).map((line) => cellKeyId((JSON.parse(line) as { cell: { key: Parameters<typeof cellKeyId>[0] } }).cell.key));
    expect(new Set(keys).size, context).toBe(keys.length);
    expect(resultsAt(journal).run.complete).toBe(true);
    expect(existsSync(join(journal, '..', 'run.lock'))).toBe(false);
  }, 240_000);
});

describe('a full disk mid-run', () => {
  it('stops with exit 5 and the resume command, keeps the cells written before, and the torn journal resumes', async () => {
    const work = tempDir('fault-full-disk');
    const hook = join(REPO, 'tests', 'helpers', 'full-disk-hook.mjs');
    // Header, thermal snapshot, engine record and one cell fit; the second cell's line is cut in half.
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${hook}`.trim(), FULL_DISK_AFTER: '4' };
    const run = launch(runArgs(work, fixtureFolder(FIXTURES.slice(0, 4))), { env });
    const { code } = await run.exited;
    const context = `${run.out()}\n${run.err()}`;
    expect(code, context).toBe(EXIT.storage);
    expect(run.err().trim().split('\n'), context).toEqual([expect.stringMatching(/^vlmbench: could not write the run's files \(ENOSPC: no space left on device.*\) — free some space, then resume with: vlmbench run --resume \S+ --results-dir /)]);
    expect(await expectNoOrphans(run), context).toEqual([]);
    const journal = /journal (\S+journal\.jsonl)/.exec(run.out())?.[1] as string;
    const before = readJournal(journal).cells;
    expect(before, context).toHaveLength(1);
    expect(readFileSync(journal, 'utf8').endsWith('\n')).toBe(false);

    const runId = journal.split('/').slice(-2)[0] as string;
    const resumed = await runCli(resumeArgs(work, runId));
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/cut a torn final line/);
    const results = resultsAt(journal);
    expect(results.run.complete).toBe(true);
    expect(results.cells).toHaveLength(4);
    expect(results.cells.find((cell) => cellKeyId(cell.key) === cellKeyId(before[0]!.key))?.samples).toEqual(before[0]!.samples);
  }, 180_000);
});
