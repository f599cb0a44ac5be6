/**
 * The fault suite: kill -9 of an engine host and of QVAC's Bare worker, five times each, at
 * seeded-random moments during load and during runs of real tiny-model runs. After each: the run
 * finishes, the kill costs at most the cell it hit (none during load: that is retried once), no
 * process the run started is left, results.json is valid and complete, and the exit code is the
 * documented one (README.md, "Exit codes").
 *
 * Heavy: every try starts real engine processes. Timeouts are generous and nothing asserts speed,
 * so it stays reliable on 2 shared cores. FAULT_SEED=n reproduces another draw.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { expectFinishedDespite, runArgs, TRY_TIMEOUT } from './helpers/fault-runs.js';
import { isHost, isWorker, kill, launch, seeded, sleep, waitFor } from './helpers/faults.js';

describe('kill -9 of an engine host, 5 times (during load and during runs)', () => {
  const { random, seed } = seeded('host');
  for (let attempt = 0; attempt < 5; attempt++) {
    // Two of the five on QVAC's host (a grandchild worker to clean up), load and run alternating.
    const engine = attempt === 1 || attempt === 2 ? 'qvac' : 'transformersjs';
    const phase = attempt % 2 === 0 ? 'load' : 'run';
    const delayMs = Math.round(random() * (phase === 'load' ? (engine === 'qvac' ? 1500 : 150) : 400));
    it(`#${attempt + 1}: ${engine} host, ${phase} + ${delayMs} ms (seed ${seed})`, async () => {
      const work = tempDir('fault-host');
      const run = launch(runArgs(engine, work));
      await run.waitOut(phase === 'load' ? /loading / : /loaded /);
      const host = await waitFor(() => run.find(isHost)[0], 30_000, 'the engine host');
      await sleep(delayMs);
      kill(host);
      const results = await expectFinishedDespite(run, engine, `host ${host} killed at ${phase} + ${delayMs} ms`);
      // The killed host could not remove its QVAC worker's socket; the harness did.
      expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`qvac-worker-${host}-`))).toEqual([]);
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
      const run = launch(runArgs('qvac', work));
      await run.waitOut(phase === 'load' ? /loading / : /loaded /);
      const worker = await waitFor(() => run.find(isWorker)[0], 30_000, 'the Bare worker');
      await sleep(delayMs);
      kill(worker);
      await expectFinishedDespite(run, 'qvac', `worker ${worker} killed at ${phase} + ${delayMs} ms`);
    }, TRY_TIMEOUT);
  }
});
