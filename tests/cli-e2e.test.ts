/**
 * End to end through the real CLI and the real transformers.js engine on the tiny generated
 * model: results validate, every cell has samples, and the report names every fixture.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { DEFAULT_HOST_WARMUP } from '../src/run/orchestrator.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';

const FIXTURES = ['ocr-clean-01', 'ocr-receipt-01', 'scene-01', 'scene-02'];

describe('vlmbench run → report (transformersjs, tiny model)', () => {
  const work = tempDir('e2e');
  let results: Results;
  let stdout = '';

  beforeAll(async () => {
    const fixtures = fixtureFolder(FIXTURES);
    const run = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--fixtures', fixtures, '--runs', '3', '--warmup', '1', '--max-new-tokens', '12', '--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports')]);
    stdout = run.stdout;
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const path = /results: (\S+)/.exec(run.stdout)?.[1];
    expect(path).toBeDefined();
    results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path as string), 'utf8')));
  }, 240_000);

  it('writes a schema-valid results file with one ok cell per fixture, each with its counted samples', () => {
    expect(results.cells.map((cell) => cell.key.fixture).sort()).toEqual([...FIXTURES].sort());
    for (const [index, cell] of results.cells.entries()) {
      expect(cell.status).toBe('ok');
      expect(cell.samples).toHaveLength(3);
      // The host's first cell also carries the warm-up after its load.
      expect(cell.warmup).toHaveLength(index === 0 ? 1 + DEFAULT_HOST_WARMUP : 1);
      expect(cell.stats?.latencyMs?.n).toBe(3);
      for (const sample of cell.samples) {
        expect(sample.latencyMs).toBeGreaterThan(0);
        expect(sample.ttftMs).not.toBeNull();
        expect(sample.ttftMs as number).toBeLessThanOrEqual(sample.latencyMs);
        expect(sample.generatedTokens).toBeGreaterThan(0);
        expect(sample.generatedTokens).toBeLessThanOrEqual(12);
        // The default budget is native: SmolVLM2's processor tiles every image (a grid plus the global frame).
        expect(sample.frames).toBeGreaterThan(1);
        expect(sample.image).toMatchObject({ budget: 'native', source: 'measured', overview: true });
        expect(sample.imageTokens).toBe(sample.image?.imageTokens);
        expect(sample.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
      }
      expect(results.run.settings.imageBudget).toBe('native');
      expect(cell.load?.backendActual).toBe('cpu');
      expect(cell.load?.threads).toBe(results.run.settings.threads);
      expect(cell.output?.stableAcrossSamples).toBe(true);
      expect(cell.quality).toBeDefined();
    }
  });

  it('records the environment, model hashes, fixture hashes and the exact command', () => {
    expect(results.environment.cpu.logicalCores).toBeGreaterThan(0);
    expect(results.environment.packages['@huggingface/transformers']).toMatch(/^4\./);
    expect(results.models[0]?.synthetic).toBe('tiny');
    expect(results.models[0]?.files.every((file) => /^[0-9a-f]{64}$/.test(file.sha256))).toBe(true);
    expect(results.fixtures.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(results.run.command).toContain('--models tiny-smolvlm');
    expect(results.prompts.ocr).toBeTruthy();
    expect(results.qualityAggregates?.map((a) => a.task).sort()).toEqual(['caption', 'ocr']);
  });

  it('prints the synthetic-weights banner and writes a report that names every fixture', () => {
    expect(stdout).toMatch(/SYNTHETIC WEIGHTS/);
    const reportDir = join(tempDirOf(stdout));
    const markdown = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(markdown).toMatch(/synthetic/i);
    for (const fixture of FIXTURES) expect(markdown).toContain(fixture);
    expect(existsSync(join(reportDir, 'report.html'))).toBe(true);
  });
});

function tempDirOf(stdout: string): string {
  const match = /report: (\S+)report\.html/.exec(stdout);
  if (!match) throw new Error(`no report path in:\n${stdout}`);
  return join(process.cwd(), match[1] as string);
}
