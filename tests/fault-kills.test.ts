/**
 * The fault suite, part 1: kills and interrupts at seeded-random moments of real runs on the tiny
 * models. Five kills each of the engine host, of QVAC's Bare worker and of the orchestrator itself
 * (during load, during a run, during a write), and five SIGINT/SIGTERM. After each: the finished
 * cells are kept, no process the run started is left, results.json is valid or the journal
 * resumes, and the exit code is the documented one (README.md, "Exit codes").
 *
 * Heavy: every try starts real engine processes. Timeouts are generous and nothing asserts speed,
 * so it stays reliable on 2 shared cores. FAULT_SEED=n reproduces another draw.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';
import { readJournal } from '../src/run/journal.js';
import { ResultsSchema, cellKeyId, type Cell, type Results } from '../src/results/schema.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';
import { expectNoOrphans, isHost, isWorker, kill, launch, seeded, sleep, waitFor, type LiveRun } from './helpers/faults.js';

const FIXTURES = ['ocr-clean-01', 'scene-01', 'scene-02'];
const TRY_TIMEOUT = 240_000;

function runArgs(engine: string, work: string, fixtures: string, extra: string[] = []): string[] {
  return ['run', '--engines', engine, '--models', 'tiny-smolvlm', '--fixtures', fixtures, '--runs', '2', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '6', '--results-dir', join(work, 'results'), '--no-report', ...extra];
}

function journalPathOf(run: LiveRun): string | null {
  return /journal (\S+journal\.jsonl)/.exec(run.out())?.[1] ?? null;
}

function readResults(journalPath: string): Results {
  return ResultsSchema.parse(JSON.parse(readFileSync(join(journalPath, '..', 'results.json'), 'utf8')));
}

/** The status the documented table gives these cells. */
function documentedExit(cells: Cell[]): number {
  if (!cells.some((cell) => cell.status === 'ok')) return EXIT.noCellSucceeded;
  return cells.some((cell) => cell.status === 'failed') ? EXIT.someCellsFailed : EXIT.ok;
}

/** After a run that finished despite a kill inside it: complete results, the documented code, at most the hit cell lost, nothing left running. */
async function expectFinishedDespite(run: LiveRun, what: string): Promise<Results> {
  const { code } = await run.exited;
  const context = `${what}\n${run.out()}\n${run.err()}`;
  expect(run.err(), context).not.toMatch(/internal error|ERR_IPC_CHANNEL_CLOSED|EPIPE/);
  const journal = journalPathOf(run) as string;
  const results = readResults(journal);
  expect(results.run.complete, context).toBe(true);
  expect(results.cells, context).toHaveLength(FIXTURES.length);
  expect(code, context).toBe(documentedExit(results.cells));
  // A kill costs at most the cell it hit; a kill during load costs none (it is retried).
  expect(results.cells.filter((cell) => cell.status !== 'ok').length, context).toBeLessThanOrEqual(1);
  expect(await expectNoOrphans(run), context).toEqual([]);
  return results;
}

describe('kill -9 of an engine host, 5 times (during load and during runs)', () => {
  const { random, seed } = seeded('host');
  for (let attempt = 0; attempt < 5; attempt++) {
    const engine = attempt % 2 === 0 ? 'transformersjs' : 'qvac';
    const phase = attempt % 2 === 0 ? 'load' : 'run';
    const delayMs = Math.round(random() * (phase === 'load' ? (engine === 'qvac' ? 1500 : 150) : 400));
    it(`#${attempt + 1}: ${engine} host, ${phase} + ${delayMs} ms (seed ${seed})`, async () => {
      const work = tempDir('fault-host');
      const run = launch(runArgs(engine, work, fixtureFolder(FIXTURES)));
      await run.waitOut(phase === 'load' ? /loading / : /loaded /);
      const host = await waitFor(() => run.find(isHost)[0], 30_000, 'the engine host');
      await sleep(delayMs);
      kill(host);
      const results = await expectFinishedDespite(run, `host ${host} killed at ${phase} + ${delayMs} ms`);
      for (const cell of results.cells.filter((c) => c.status === 'failed')) expect(cell.reason).toMatch(/crash|killed|exited|closed its channel/);
    }, TRY_TIMEOUT);
  }
});

describe("kill -9 of QVAC's Bare worker, 5 times (during load and during runs)", () => {
  const { random, seed } = seeded('worker');
  for (let attempt = 0; attempt < 5; attempt++) {
    const phase = attempt % 2 === 0 ? 'load' : 'run';
    const delayMs = Math.round(random() * (phase === 'load' ? 1500 : 400));
    it(`#${attempt + 1}: worker, ${phase} + ${delayMs} ms (seed ${seed})`, async () => {
      const work = tempDir('fault-worker');
      const run = launch(runArgs('qvac', work, fixtureFolder(FIXTURES)));
      await run.waitOut(phase === 'load' ? /loading / : /loaded /);
      const worker = await waitFor(() => run.find(isWorker)[0], 30_000, 'the Bare worker');
      await sleep(delayMs);
      kill(worker);
      await expectFinishedDespite(run, `worker ${worker} killed at ${phase} + ${delayMs} ms`);
    }, TRY_TIMEOUT);
  }
});

/** Resumes an interrupted run and checks the cells measured before are kept, untouched. */
async function expectResumes(work: string, journal: string, before: Cell[], context: string): Promise<void> {
  const runId = journal.split('/').slice(-2)[0] as string;
  const resumed = await runCli(['run', '--resume', runId, '--results-dir', join(work, 'results'), '--no-report'], { timeoutMs: 180_000 });
  const results = readResults(journal);
  const full = `${context}\n--- resume:\n${resumed.stdout}\n${resumed.stderr}`;
  expect(resumed.code, full).toBe(documentedExit(results.cells));
  expect(results.run.complete, full).toBe(true);
  expect(results.cells.map((cell) => cellKeyId(cell.key)).sort(), full).toHaveLength(FIXTURES.length);
  for (const cell of before) {
    const kept = results.cells.find((candidate) => cellKeyId(candidate.key) === cellKeyId(cell.key));
    expect(kept?.samples, full).toEqual(cell.samples);
  }
}

describe('kill -9 of the orchestrator, 5 times (during load, runs and journal writes)', () => {
  const { random, seed } = seeded('orchestrator');
  for (let attempt = 0; attempt < 5; attempt++) {
    const engine = attempt === 2 ? 'qvac' : 'transformersjs';
    // Offsets after the journal is named cover model resolution, load and runs; the last try
    // strikes at a journal write, the moment a cell's line lands (a write cut in half is the torn
    // journal of tests/fault-storage.test.ts).
    const atWrite = attempt === 4;
    const delayMs = Math.round(random() * (engine === 'qvac' ? 3000 : 1200));
    it(`#${attempt + 1}: ${engine} run, killed ${atWrite ? 'at its first cell write' : `${delayMs} ms after start`} (seed ${seed})`, async () => {
      const work = tempDir('fault-orchestrator');
      const run = launch(runArgs(engine, work, fixtureFolder(FIXTURES)));
      await run.waitOut(/journal (\S+)/);
      if (atWrite) {
        const path = journalPathOf(run) as string;
        await waitFor(() => existsSync(path) && readFileSync(path, 'utf8').includes('"type":"cell"'), 120_000, 'a cell line in the journal');
      } else await sleep(delayMs);
      kill(run.pid);
      await run.exited;
      const context = `orchestrator killed ${atWrite ? 'at a cell write' : `at +${delayMs} ms`}\n${run.out()}`;
      expect(await expectNoOrphans(run, 15_000), context).toEqual([]);
      const journal = journalPathOf(run) as string;
      const text = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
      if (!text.includes('"type":"header"')) {
        // Killed before the header: nothing was measured, so nothing is lost.
        expect(text, context).not.toMatch(/"type":"cell"/);
        return;
      }
      const before = readJournal(journal).cells;
      await expectResumes(work, journal, before, context);
    }, TRY_TIMEOUT);
  }
});

describe('SIGINT and SIGTERM at random points, 5 times', () => {
  const { random, seed } = seeded('signals');
  for (let attempt = 0; attempt < 5; attempt++) {
    const signal: NodeJS.Signals = attempt % 2 === 0 ? 'SIGINT' : 'SIGTERM';
    const engine = attempt === 3 ? 'qvac' : 'transformersjs';
    const delayMs = Math.round(random() * (engine === 'qvac' ? 3000 : 700));
    const withReport = attempt % 2 === 0;
    it(`#${attempt + 1}: ${signal} to a ${engine} run ${delayMs} ms after start${withReport ? ', report on' : ''} (seed ${seed})`, async () => {
      const work = tempDir('fault-signal');
      const extra = withReport ? ['--reports-dir', join(work, 'reports')] : [];
      const args = runArgs(engine, work, fixtureFolder(FIXTURES), extra).filter((arg) => !(withReport && arg === '--no-report'));
      const run = launch(args);
      await run.waitOut(/journal (\S+)/);
      await sleep(delayMs);
      const finishedBefore = /results: /.test(run.out());
      kill(run.pid, signal);
      const { code } = await run.exited;
      const context = `${signal} at +${delayMs} ms\n${run.out()}\n${run.err()}`;
      expect(run.err(), context).not.toMatch(/internal error|ERR_IPC_CHANNEL_CLOSED|EPIPE/);
      if (finishedBefore && code === EXIT.ok) return; // the run had ended before the signal arrived: nothing to interrupt
      expect(code, context).toBe(EXIT.interrupted);
      expect(await expectNoOrphans(run), context).toEqual([]);
      const journal = journalPathOf(run) as string;
      const results = readResults(journal);
      // results.json holds exactly the cells the journal kept, and the command to resume is printed.
      expect(results.cells.map((cell) => cellKeyId(cell.key)).sort()).toEqual(readJournal(journal).cells.map((cell) => cellKeyId(cell.key)).sort());
      expect(run.out(), context).toMatch(/resume with: vlmbench run --resume \S+/);
      await expectResumes(work, journal, results.cells, context);
    }, TRY_TIMEOUT);
  }
});
