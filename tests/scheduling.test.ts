/**
 * Interleaving: with both hosts loaded, runs alternate A, B, A, B on each fixture; sequential does not.
 * Warm-up: one per cell, plus --host-warmup after each load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { DEFAULT_HOST_WARMUP } from '../src/run/orchestrator.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';

async function twoEngineRun(scheduling: string, extra: string[] = []): Promise<Results> {
  const work = tempDir(`sched-${scheduling}`);
  const fixtures = fixtureFolder(['ocr-clean-01', 'ocr-clean-02']);
  const run = await runCli(['run', '--engines', 'transformersjs,tesseract', '--models', 'tiny-smolvlm,tesseract-eng', '--tasks', 'ocr', '--fixtures', fixtures, '--runs', '3', '--warmup', '1', '--max-new-tokens', '8', '--scheduling', scheduling, '--results-dir', join(work, 'results'), '--no-report', ...extra]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), /results: (\S+)/.exec(run.stdout)?.[1] as string), 'utf8')));
}

/** The engine of each counted run, in the order the orchestrator sent them, per fixture. */
function sendOrder(results: Results, fixture: string): string[] {
  return results.cells
    .filter((cell) => cell.key.fixture === fixture)
    .flatMap((cell) => cell.samples.map((sample) => ({ engine: cell.key.engine, at: sample.startedAtMs as number })))
    .sort((a, b) => a.at - b.at)
    .map((entry) => entry.engine);
}

describe('scheduling', () => {
  it('interleaved mode alternates the engines run by run on each fixture, and records the mode', async () => {
    const results = await twoEngineRun('interleaved');
    expect(results.run.settings.scheduling).toBe('interleaved');
    for (const fixture of ['ocr-clean-01', 'ocr-clean-02']) {
      const order = sendOrder(results, fixture);
      expect(order).toEqual(['transformersjs', 'tesseract', 'transformersjs', 'tesseract', 'transformersjs', 'tesseract']);
    }
    const transformers = results.cells.find((cell) => cell.key.engine === 'transformersjs');
    expect(transformers?.load?.threads).toBe(results.run.settings.threads);
    // A freshly loaded host warms up longer on its first fixture only, and the results say so.
    expect(results.run.settings.hostWarmup).toBe(DEFAULT_HOST_WARMUP);
    for (const cell of results.cells) {
      expect(cell.warmup, `${cell.key.engine} ${cell.key.fixture}`).toHaveLength(cell.key.fixture === 'ocr-clean-01' ? 1 + DEFAULT_HOST_WARMUP : 1);
    }
  }, 180_000);

  it('sequential mode runs each cell’s samples back to back', async () => {
    const results = await twoEngineRun('sequential', ['--host-warmup', '0']);
    expect(results.run.settings.scheduling).toBe('sequential');
    expect(results.run.settings.hostWarmup).toBe(0);
    for (const cell of results.cells) expect(cell.warmup).toHaveLength(1);
    for (const fixture of ['ocr-clean-01', 'ocr-clean-02']) {
      const order = sendOrder(results, fixture);
      expect(order).toHaveLength(6);
      // no alternation: each engine's three runs are contiguous
      expect(new Set(order.slice(0, 3)).size).toBe(1);
      expect(new Set(order.slice(3)).size).toBe(1);
    }
  }, 180_000);
});
