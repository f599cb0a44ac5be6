/**
 * Both runtimes through the real CLI on the tiny models: every fixture gets a cell from each
 * engine with identical prompts and settings; killing QVAC's worker mid-run costs only the cell
 * it hit; no engine process or worker is left afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantPids, isAlive } from '../src/measure/memory.js';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { fixtureFolder, runCli, startCli, tempDir } from './helpers/cli.js';

const FIXTURES = ['ocr-clean-01', 'ocr-numbers-01', 'scene-01', 'scene-05'];

function readResultsFrom(stdout: string): Results {
  return ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), /results: (\S+)/.exec(stdout)?.[1] as string), 'utf8')));
}

function bareWorkers(root: number): number[] {
  return descendantPids(root).filter((pid) => {
    try {
      return /bare/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

describe('vlmbench run --engines transformersjs,qvac --models tiny', () => {
  it('gives both engines a cell for every fixture, with the same prompt, image and settings', async () => {
    const work = tempDir('two-engines');
    // One frame per image keeps this run short; both runtimes' tiling is tests/image-budget-e2e.test.ts's.
    const run = await runCli(['run', '--engines', 'transformersjs,qvac', '--models', 'tiny', '--fixtures', fixtureFolder(FIXTURES), '--image-budget', 'single', '--runs', '2', '--warmup', '1', '--max-new-tokens', '16', '--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const results = readResultsFrom(run.stdout);
    for (const fixture of FIXTURES) {
      const cells = results.cells.filter((cell) => cell.key.fixture === fixture);
      expect(cells.map((cell) => cell.key.engine).sort()).toEqual(['qvac', 'transformersjs']);
      for (const cell of cells) expect(cell.status, cell.reason).toBe('ok');
      const [a, b] = cells;
      expect(a?.prompt).toEqual(b?.prompt);
    }
    const qvac = results.cells.filter((cell) => cell.key.engine === 'qvac');
    for (const cell of qvac) {
      expect(cell.load?.backendActual).toBe('cpu');
      expect(cell.samples[0]?.workerPeakRssBytes).toBeGreaterThan(50 * 1024 * 1024);
      expect(cell.samples[0]?.frames).toBeGreaterThan(0);
      expect(cell.samples[0]?.engineStats?.timeToFirstToken).toBeDefined();
      expect(cell.samples[0]?.generatedTokens).toBeLessThanOrEqual(16);
      // The probe that learns the backend is timed apart from the load.
      expect(cell.load?.probeMs).toBeGreaterThan(0);
      expect(cell.load?.engineStats?.loadModelMs).toBeLessThanOrEqual(cell.load?.ms as number);
      // Decode rate and TTFT from where tokens are made (the worker), host figures kept and labelled.
      const sample = cell.samples[0]!;
      expect(sample.decodeTokensPerSec).toBe(sample.engineStats?.tokensPerSecond);
      expect(sample.timingSource).toMatch(/QVAC worker/);
      expect(sample.tokenTimesSource).toBe('host-arrival');
      expect(sample.hostTiming).toBeDefined();
      expect(cell.decodingApplied).toMatchObject({ temp: 0, predict: 16 });
      expect(sample.residentKinds?.worker?.rssAnonBytes).toBeGreaterThan(0);
    }
    for (const cell of results.cells.filter((c) => c.key.engine === 'transformersjs')) {
      expect(cell.samples[0]?.tokenTimesSource).toBe('engine-process');
      expect(cell.decodingApplied).toMatchObject({ do_sample: false, max_new_tokens: 16 });
      expect(cell.samples[0]?.residentKinds?.host?.rssAnonBytes).toBeGreaterThan(0);
    }
    expect(results.engines.find((engine) => engine.id === 'qvac')?.version).toMatch(/^0\.19/);
  }, 300_000);

  it('a worker killed mid-run fails only the cell it hit; a fresh worker measures the rest; nothing is left behind', async () => {
    const work = tempDir('worker-kill');
    const child = startCli(['run', '--engines', 'qvac', '--models', 'tiny-smolvlm', '--fixtures', fixtureFolder(FIXTURES), '--image-budget', 'single', '--runs', '3', '--warmup', '0', '--max-new-tokens', '16', '--results-dir', join(work, 'results'), '--no-report']);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const root = child.pid as number;
    // Kill the first worker once the first cell is done and the second is under way.
    const deadline = Date.now() + 120_000;
    let killed: number | null = null;
    const seen = new Set<number>();
    while (Date.now() < deadline && killed === null) {
      for (const pid of bareWorkers(root)) seen.add(pid);
      if (/\[1\/4\] ok/.test(stdout)) {
        const [worker] = bareWorkers(root);
        if (worker) {
          process.kill(worker, 'SIGKILL');
          killed = worker;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(killed).not.toBeNull();
    // Finished, but the cell the kill hit failed: the documented exit code for that (README.md, "Exit codes").
    expect(await exited).toBe(4);
    const results = readResultsFrom(stdout);
    const failed = results.cells.filter((cell) => cell.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toMatch(/WORKER_CRASHED|worker|crash/i);
    expect(results.cells.filter((cell) => cell.status === 'ok')).toHaveLength(3);
    for (const pid of [...seen, killed as number]) expect(isAlive(pid)).toBe(false);
  }, 300_000);
});
