/**
 * A full document page and an OCR strip through both runtimes' tiny models, which carry SmolVLM2's
 * real preprocessing, under each --image-budget, through the real CLI: the frames and grids each
 * engine encoded (measured: the processor's tensors, llama.cpp's log), equal frames and image
 * tokens under `matched`, one padded frame under `single`, and the budget in every OCR verdict.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageBudget, ImageSeen } from '../src/engines/image-budget.js';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';

const PAGE = 'page-prose-01';
const STRIP = 'ocr-clean-01';
const work = tempDir('image-budget-e2e');
const fixtures = fixtureFolder([PAGE, STRIP]);
const runs = new Map<ImageBudget, { results: Results; markdown: string; runDir: string }>();

function seenBy(results: Results, engine: string, fixture: string): ImageSeen {
  const cell = results.cells.find((c) => c.key.engine === engine && c.key.fixture === fixture);
  expect(cell?.status, `${engine} ${fixture}: ${cell?.reason}`).toBe('ok');
  const image = cell?.samples[0]?.image;
  expect(image, `${engine} ${fixture} has an image record`).toBeDefined();
  return image as ImageSeen;
}

beforeAll(async () => {
  for (const budget of ['native', 'matched', 'single'] as const) {
    const args = ['run', '--engines', 'transformersjs,qvac', '--models', 'tiny', '--tasks', 'ocr', '--fixtures', fixtures, '--image-budget', budget];
    const run = await runCli([...args, '--runs', '1', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '4', '--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports')], { timeoutMs: 300_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const path = /results: (\S+)/.exec(run.stdout)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
    const markdown = readFileSync(join(work, 'reports', results.run.id, 'report.md'), 'utf8');
    runs.set(budget, { results, markdown, runDir: join(work, 'results', results.run.id) });
  }
}, 900_000);

describe('--image-budget through both runtimes', () => {
  it('native: a 1240×1754 page is a 3×4 grid plus the global frame on both, measured; a 560×104 strip 4×1 plus global', () => {
    const { results } = runs.get('native')!;
    expect(results.run.settings.imageBudget).toBe('native');
    for (const engine of ['transformersjs', 'qvac']) {
      const page = seenBy(results, engine, PAGE);
      expect(page, engine).toMatchObject({ budget: 'native', source: 'measured', input: { width: 1240, height: 1754 }, frames: 13, grid: { columns: 3, rows: 4 }, overview: true, frameSizes: [{ width: 512, height: 512, count: 13 }], tokensPerFrame: 16, imageTokens: 208 });
      expect(seenBy(results, engine, STRIP), engine).toMatchObject({ frames: 5, grid: { columns: 4, rows: 1 }, overview: true });
    }
    expect(seenBy(results, 'qvac', PAGE).method).toMatch(/llama\.cpp's log/);
    expect(seenBy(results, 'transformersjs', PAGE).method).toMatch(/pixel_values and pixel_attention_mask/);
  });

  it('matched: equal frames and equal image tokens on every fixture', () => {
    const { results } = runs.get('matched')!;
    for (const fixture of [PAGE, STRIP]) {
      const [a, b] = [seenBy(results, 'transformersjs', fixture), seenBy(results, 'qvac', fixture)];
      expect(a.frames, fixture).toBe(b.frames);
      expect(a.imageTokens, fixture).toBe(b.imageTokens);
      expect(a.grid, fixture).toEqual(b.grid);
      expect(a.frameSizes, fixture).toEqual(b.frameSizes);
    }
  });

  it('single: one padded frame for transformers.js; llama.cpp says it cannot go below slice + overview', () => {
    const { results, runDir } = runs.get('single')!;
    const tjs = seenBy(results, 'transformersjs', PAGE);
    expect(tjs).toMatchObject({ budget: 'single', frames: 1, grid: null, overview: false, input: { width: 512, height: 512 }, preparedFrom: { width: 1240, height: 1754 } });
    const qvac = seenBy(results, 'qvac', PAGE);
    expect(qvac).toMatchObject({ budget: 'single', source: 'measured', frames: 2, grid: { columns: 1, rows: 1 }, preparedFrom: { width: 1240, height: 1754 } });
    expect(qvac.note).toMatch(/single is not possible in llama\.cpp/);
    // Both were given the same prepared image: one file per fixture and frame side.
    expect(readdirSync(join(runDir, 'prepared-images')).sort()).toHaveLength(2);
  });

  it('the prepared single-frame page keeps its aspect ratio: white bands left and right, not a squashed page', async () => {
    const { runDir, results } = runs.get('single')!;
    const sha = results.fixtures.items.find((item) => item.id === PAGE)?.sha256 as string;
    const { data, info } = await sharp(join(runDir, 'prepared-images', `${sha}-single-512.png`)).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    // 1240/1754 of 512 ≈ 362 px of page, so about 75 px of padding each side; the page itself has a white margin too.
    const columnIsWhite = (x: number) => Array.from({ length: 512 }, (_, y) => data[y * 512 + x] as number).every((v) => v > 250);
    expect(columnIsWhite(20)).toBe(true);
    expect(columnIsWhite(491)).toBe(true);
    expect(Array.from({ length: 512 }, (_, x) => !columnIsWhite(x)).filter(Boolean).length).toBeLessThan(362);
  });

  it('every OCR verdict in the report states the budget', () => {
    for (const [budget, { markdown }] of runs) {
      const ocr = markdown.slice(markdown.indexOf('### OCR'), markdown.indexOf('## Claims checked'));
      expect(ocr.match(new RegExp(`Image budget: ${budget}\\.`, 'g'))?.length, budget).toBe(5);
    }
  });
});
