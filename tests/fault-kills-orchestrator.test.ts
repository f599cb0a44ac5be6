/**
 * The fault suite: kill -9 of the orchestrator (the `vlmbench run` process) five times, during
 * load, runs and a journal write, and SIGINT/SIGTERM five times, at seeded-random moments. After
 * each: no process the run started is left, the journal (or results.json) keeps every finished
 * cell, the exit code is the documented one, and `--resume` completes the run without redoing
 * a finished cell.
 *
 * Heavy: every try starts real engine processes. Timeouts are generous and nothing asserts speed,
 * so it stays reliable on 2 shared cores. FAULT_SEED=n reproduces another draw.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';
import { readJournal } from '../src/run/journal.js';
import { cellKeyId } from '../src/results/schema.js';
import { tempDir } from './helpers/cli.js';
import { expectResumes, journalPathOf, readResults, runArgs, TRY_TIMEOUT } from './helpers/fault-runs.js';
import { expectNoOrphans, kill, launch, seeded, sleep, waitFor } from './helpers/faults.js';

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
      const run = launch(runArgs(engine, work));
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
      await expectResumes(work, journal, engine, before, context);
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
      const args = runArgs(engine, work, extra).filter((arg) => !(withReport && arg === '--no-report'));
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
      await expectResumes(work, journal, engine, results.cells, context);
    }, TRY_TIMEOUT);
  }
});
