/**
 * The classical baseline end to end over the whole built-in OCR set, through the real CLI.
 * Clean, high-contrast fixtures must come back almost exactly: if the rendering, the
 * references or the CER metric were broken, this fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { runCli, tempDir } from './helpers/cli.js';

describe('tesseract over the built-in OCR set', () => {
  let results: Results;

  beforeAll(async () => {
    const work = tempDir('tesseract');
    const run = await runCli(['run', '--engines', 'tesseract', '--models', 'tesseract-eng', '--tasks', 'ocr', '--runs', '1', '--warmup', '0', '--results-dir', join(work, 'results'), '--no-report', '--quiet']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const path = /results: (\S+)/.exec(run.stdout)?.[1] as string;
    results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
  }, 300_000);

  it('measures every OCR fixture as a real cell', () => {
    const ocrFixtures = results.fixtures.items.filter((item) => item.task === 'ocr');
    expect(ocrFixtures.length).toBeGreaterThanOrEqual(40);
    expect(results.cells).toHaveLength(ocrFixtures.length);
    for (const cell of results.cells) {
      expect(cell.status, cell.reason).toBe('ok');
      expect(cell.samples[0]?.latencyMs).toBeGreaterThan(0);
      expect(cell.samples[0]?.peakRssBytes).toBeGreaterThan(0);
    }
  });

  it('reads clean, high-contrast fixtures with CER under 2%', () => {
    const categories = new Map(results.fixtures.items.map((item) => [item.id, item.category]));
    const clean = results.cells.filter((cell) => ['clean', 'numbers', 'mixed-case'].includes(categories.get(cell.key.fixture) ?? ''));
    expect(clean.length).toBeGreaterThanOrEqual(6);
    for (const cell of clean) expect(cell.quality?.cer, `${cell.key.fixture}: ${cell.output?.text}`).toBeLessThan(0.02);
  });

  it('aggregates a corpus CER for the engine', () => {
    const aggregate = results.qualityAggregates?.find((entry) => entry.engine === 'tesseract');
    expect(aggregate?.scores.cer).toBeGreaterThanOrEqual(0);
    expect(aggregate?.scores.cer).toBeLessThan(0.5);
  });
});
