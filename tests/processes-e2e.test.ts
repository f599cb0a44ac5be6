/**
 * run --processes N on the real engines (tiny models): an accuracy pass over every fixture, then
 * process rounds of fresh hosts on a subset, each sample tagged with its pass and process, the
 * cells merged from their parts, and the report's verdicts resting on process units.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { buildReportModel } from '../src/report/model.js';
import { fixtureFolder, runCli, startCli, tempDir } from './helpers/cli.js';

const FIXTURES = ['ocr-clean-01', 'ocr-numbers-01', 'scene-01', 'scene-05'];

function resultsOf(stdout: string): Results {
  return ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), /results: (\S+)/.exec(stdout)?.[1] as string), 'utf8')));
}

describe('vlmbench run --processes', () => {
  it('measures accuracy once per fixture and timing in fresh processes on a subset', async () => {
    const work = tempDir('processes');
    const fixtures = fixtureFolder(FIXTURES);
    const run = await runCli([
      'run', '--engines', 'transformersjs,qvac', '--models', 'tiny', '--fixtures', fixtures, '--processes', '3', '--perf-fixtures', '1',
      '--runs', '2', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '8', '--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports'),
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/plan: accuracy: 8 cells × \(0 warm-up \+ 1 runs\); process-1: 4 cells/);
    expect(run.stdout).toMatch(/estimated time: /);
    const results = resultsOf(run.stdout);
    expect(results.run.settings.processes).toBe(3);
    const passes = results.extra?.passes as { performance: { fixtures: string[]; processes: number; stopped: string } };
    expect(passes.performance.fixtures).toHaveLength(2);
    expect(passes.performance.processes).toBeGreaterThanOrEqual(1);
    for (const cell of results.cells) {
      expect(cell.status, cell.reason).toBe('ok');
      const accuracy = cell.samples.filter((s) => s.pass === 'accuracy');
      expect(accuracy).toHaveLength(1);
      expect(accuracy[0]?.process).toBe(0);
      const timed = cell.samples.filter((s) => s.pass === 'performance');
      if (passes.performance.fixtures.includes(cell.key.fixture)) {
        expect(new Set(timed.map((s) => s.process))).toEqual(new Set(Array.from({ length: passes.performance.processes }, (_, i) => i + 1)));
        expect(cell.parts?.map((p) => p.part)).toEqual(['accuracy', ...Array.from({ length: passes.performance.processes }, (_, i) => `process-${i + 1}`)]);
      } else {
        expect(timed).toHaveLength(0);
      }
      expect(cell.machineLoad?.loadAverage).toHaveLength(2);
    }
    // Tiny weights are never judged, but the units the verdicts would use are processes.
    const model = buildReportModel([results]);
    expect(model.verdicts.every((v) => v.outcome === 'not-judged')).toBe(true);
  }, 300_000);

  it('stops the process rounds when the budget would be overspent', async () => {
    const work = tempDir('budget');
    const fixtures = fixtureFolder(['ocr-clean-01']);
    const run = await runCli([
      'run', '--engines', 'transformersjs', '--models', 'tiny', '--fixtures', fixtures, '--budget', '1s', '--runs', '1', '--warmup', '0',
      '--host-warmup', '0', '--max-new-tokens', '4', '--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports'),
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/performance pass: the 1 s budget would be overspent by another process/);
    const results = resultsOf(run.stdout);
    expect((results.extra?.passes as { performance: { processes: number } }).performance.processes).toBe(1);
  }, 300_000);

  it('an interrupted run resumes the rounds it had not finished, and keeps the parts it had', async () => {
    const work = tempDir('processes-resume');
    const fixtures = fixtureFolder(['ocr-clean-01', 'scene-01']);
    const args = ['--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports'), '--no-report'];
    const child = startCli(['run', '--engines', 'transformersjs', '--models', 'tiny', '--fixtures', fixtures, '--processes', '3', '--perf-fixtures', '1', '--runs', '1', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '4', ...args]);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    let interrupted = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Stop it once the second process round has begun: one Ctrl-C, as a user presses it (more output
      // may follow before it stops, and a second Ctrl-C means "exit now", another path).
      if (!interrupted && /process round 2 of at most 3/.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(await exited).toBe(130);
    const runId = /vlmbench run --resume (\S+)/.exec(stdout)?.[1] ?? /run (\S+): journal/.exec(stdout)?.[1];
    expect(runId).toBeDefined();
    const resumed = await runCli(['run', '--resume', runId as string, ...args]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/cell parts \(passes and process rounds\) already measured/);
    const results = resultsOf(resumed.stdout);
    expect(results.run.complete).toBe(true);
    for (const cell of results.cells) {
      const parts = cell.parts?.map((p) => p.part) ?? [];
      expect(parts[0]).toBe('accuracy');
      if (cell.samples.some((s) => s.pass === 'performance')) expect(parts.filter((p) => p.startsWith('process-')).length).toBeGreaterThanOrEqual(3);
    }
  }, 300_000);

  it('refuses bad values with exit 2', async () => {
    for (const args of [['--processes', '0'], ['--budget', 'soon'], ['--perf-fixtures', 'x']]) {
      const run = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny', ...args]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/--processes|--budget|--perf-fixtures/);
    }
  });
});
