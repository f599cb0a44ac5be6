/**
 * A plan cannot be empty without a reason, each engine has its own default model, and
 * `run --out DIR` writes one flat folder. Through the real CLI with tesseract (seconds), and the
 * plan check's pieces directly.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../src/engines/registry.js';
import { DEFAULT_MODEL_BY_ENGINE, catalogEntry, defaultModelsFor, variantFor } from '../src/models/catalog.js';
import { engineGaps, suggestCommand, withFlag } from '../src/run/plan-check.js';
import { ResultsSchema } from '../src/results/schema.js';
import type { LoadedFixture } from '../src/fixtures/manifest.js';
import { runCli, tempDir } from './helpers/cli.js';

const quick = ['--limit', '1', '--runs', '1', '--warmup', '0', '--host-warmup', '0', '--offline'];

function oneLine(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() && !line.startsWith('npm warn'));
}

describe('default models', () => {
  it('every engine has a default model it can run', () => {
    for (const engine of ENGINE_IDS) {
      const model = DEFAULT_MODEL_BY_ENGINE[engine];
      expect(model, engine).toBeDefined();
      expect(variantFor(catalogEntry(model as string), engine), engine).not.toBeNull();
    }
    expect(defaultModelsFor(['transformersjs', 'qvac', 'tesseract'])).toEqual(['tiny-smolvlm', 'tesseract-eng']);
  });
});

describe('plan check', () => {
  const ocr = { id: 'ocr-clean-01', task: 'ocr' } as LoadedFixture;
  const scene = { id: 'scene-01', task: 'caption' } as LoadedFixture;

  it('names why each engine gets no cell', () => {
    expect(engineGaps({ engines: ['tesseract'], models: ['tiny-smolvlm'], tasks: ['ocr'], fixtures: [ocr] }).map((g) => g.reason)).toEqual([
      'tesseract runs none of the models tiny-smolvlm (it runs tesseract-eng)',
    ]);
    expect(engineGaps({ engines: ['tesseract'], models: ['tesseract-eng'], tasks: ['caption'], fixtures: [scene] }).map((g) => g.reason)).toEqual([
      'tesseract does ocr only, and --tasks asks for caption',
    ]);
    expect(engineGaps({ engines: ['tesseract'], models: ['tesseract-eng'], tasks: ['caption', 'ocr'], fixtures: [scene] }).map((g) => g.reason)).toEqual([
      'none of the selected fixtures is for ocr, the task tesseract does',
    ]);
    expect(engineGaps({ engines: ['transformersjs', 'tesseract'], models: ['tiny-smolvlm', 'tesseract-eng'], tasks: ['ocr'], fixtures: [ocr] })).toEqual([]);
  });

  it('sets, adds and removes flags in the typed command', () => {
    expect(withFlag(['vlmbench', 'run', '--models', 'tiny', '--quiet'], '--models', 'tesseract-eng')).toEqual(['vlmbench', 'run', '--models', 'tesseract-eng', '--quiet']);
    expect(withFlag(['vlmbench', 'run', '--models=tiny'], '--models', 'x')).toEqual(['vlmbench', 'run', '--models', 'x']);
    expect(withFlag(['vlmbench', 'run'], '--tasks', 'ocr')).toEqual(['vlmbench', 'run', '--tasks', 'ocr']);
    expect(withFlag(['vlmbench', 'run', '--fixture', 'scene-01', '--quiet'], '--fixture', null)).toEqual(['vlmbench', 'run', '--quiet']);
  });

  it('suggests nothing when nothing is missing', () => {
    expect(suggestCommand('vlmbench run', { engines: ['tesseract'], models: ['tesseract-eng'], tasks: ['ocr'], fixtures: [ocr] }, [])).toBeNull();
  });
});

describe('vlmbench run: empty plans and --out', () => {
  const work = tempDir('plan');

  it('--engines tesseract alone runs, and --out writes one flat folder', async () => {
    const out = join(work, 'flat');
    const run = await runCli(['run', '--engines', 'tesseract', ...quick, '--out', out], { timeoutMs: 120_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['embed.html', 'journal.jsonl', 'report.html', 'report.md', 'results.json', 'summary.json']);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    expect(results.run.settings.models).toEqual(['tesseract-eng']);
    expect(results.cells.map((cell) => [cell.key.engine, cell.key.model, cell.status])).toEqual([['tesseract', 'tesseract-eng', 'ok']]);

    // A second run into the same folder would mix two runs' cells: refused, with the remedy.
    const again = await runCli(['run', '--engines', 'tesseract', ...quick, '--out', out]);
    expect(again.code).toBe(2);
    expect(oneLine(again.stderr)).toEqual([expect.stringMatching(new RegExp(`already holds a run \\(journal\\.jsonl of run ${results.run.id}\\).*--resume ${results.run.id}`))]);
  }, 180_000);

  const emptyPlans: Array<[string[], RegExp]> = [
    [['--engines', 'tesseract', '--tasks', 'ocr', '--models', 'tiny'], /tesseract runs none of the models tiny-smolvlm, tiny-ocr-easyocr \(it runs tesseract-eng\)/],
    [['--engines', 'transformersjs', '--models', 'ocr'], /transformersjs runs none of the models ocr-easyocr, ocr-doctr, tesseract-eng/],
    [['--engines', 'tesseract', '--models', 'tesseract-eng', '--tasks', 'caption'], /tesseract does ocr only, and --tasks asks for caption/],
  ];
  for (const [args, reason] of emptyPlans) {
    it(`${args.join(' ')}: exit 2, one line with the reason and a command that works`, async () => {
      const dirs = ['--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports')];
      const run = await runCli(['run', ...args, ...quick, ...dirs]);
      expect(run.code).toBe(2);
      const lines = oneLine(run.stderr);
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^vlmbench: nothing to run: /);
      expect(lines[0]).toMatch(reason);
      const suggestion = /— try: vlmbench (.+)$/.exec(lines[0] as string)?.[1];
      expect(suggestion).toBeDefined();
      // The suggestion plans cells: it runs as typed (with tiny or packaged models, offline).
      if (args.includes('tesseract')) {
        const retry = await runCli((suggestion as string).split(' '), { timeoutMs: 120_000 });
        expect(retry.code, retry.stdout + retry.stderr).toBe(0);
        expect(retry.stdout).toMatch(/\(1 ok, 0 failed, 0 unavailable\)/);
      }
    }, 180_000);
  }

  it('an engine left without a cell in a plan that has cells is named on stderr', async () => {
    const run = await runCli(['run', '--engines', 'tesseract,transformersjs', '--models', 'tesseract-eng', '--tasks', 'ocr', ...quick, '--out', join(work, 'partial'), '--quiet']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: transformersjs runs none of the models tesseract-eng .*so it gets no cell/);
    expect(existsSync(join(work, 'partial', 'results.json'))).toBe(true);
  }, 180_000);
});
