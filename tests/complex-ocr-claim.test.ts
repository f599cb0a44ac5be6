/**
 * The "too small for document-heavy OCR with complex layouts" claim is decided on the built-in
 * full document pages (page-* categories), against tesseract, and never on the OCR strips alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateClaims, loadLedger } from '../src/claims/evaluate.js';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { REPO } from './helpers/cli.js';

const CLAIM = 'smolvlm2-complex-ocr-not-enough';
const manifest = JSON.parse(readFileSync(join(REPO, 'fixtures', 'builtin', 'manifest.json'), 'utf8')) as { items: Results['fixtures']['items'] };
const ocrItems = manifest.items.filter((item) => item.task === 'ocr');
const pages = ocrItems.filter((item) => item.category.startsWith('page-') && item.category !== 'page-prose');
const strips = ocrItems.filter((item) => ['two-column', 'table', 'small-font'].includes(item.category));

function results(fixtureIds: string[], cer: (engine: string, index: number) => number): Results {
  const sample = { latencyMs: 100, ttftMs: 10, decodeTokensPerSec: 20, promptTokens: 10, imageTokens: 4, frames: 1, generatedTokens: 3, peakRssBytes: 1e8, workerPeakRssBytes: null };
  const cells = ['transformersjs', 'tesseract'].flatMap((engine) =>
    fixtureIds.map((fixture, index) => ({
      key: { engine, model: engine === 'tesseract' ? 'tesseract-eng' : 'smolvlm2-256m', quant: engine === 'tesseract' ? 'lstm-eng' : 'q8', target: 'cpu', task: 'ocr', fixture },
      status: 'ok',
      startedAt: '2026-12-03T00:00:00.000Z',
      finishedAt: '2026-12-03T00:00:01.000Z',
      warmup: [],
      samples: [sample],
      quality: { cer: cer(engine, index) },
    })),
  );
  return ResultsSchema.parse({
    schemaVersion: 1,
    tool: { name: 'vlmbench', version: '0.0.0' },
    run: {
      id: 'run-pages',
      command: 'vlmbench run',
      startedAt: '2026-12-03T00:00:00.000Z',
      finishedAt: '2026-12-03T00:01:00.000Z',
      settings: { engines: ['transformersjs', 'tesseract'], models: ['smolvlm2-256m', 'tesseract-eng'], targets: ['cpu'], tasks: ['ocr'], fixturesDir: '/f', runs: 1, warmup: 0, threads: 2, maxNewTokens: { ocr: 96 }, timeoutMs: 1000, scheduling: 'interleaved', offline: true, imageBudget: 'native' },
      complete: true,
    },
    environment: { os: { platform: 'linux', release: '6', arch: 'x64' }, cpu: { model: 'cpu', logicalCores: 2, physicalCores: 1, flags: [] }, memoryBytes: 8e9, gpu: [], node: 'v20', packages: {}, git: { commit: null, dirty: null } },
    engines: [],
    models: [
      { id: 'smolvlm2-256m', engine: 'transformersjs', quant: 'q8', source: 'hf', synthetic: false, files: [] },
      { id: 'tesseract-eng', engine: 'tesseract', quant: 'lstm-eng', source: 'npm', synthetic: false, files: [] },
    ],
    fixtures: { manifestSha256: 'ff', dir: '/f', items: manifest.items },
    prompts: { ocr: 'Read' },
    cells,
  });
}

describe(`the ${CLAIM} claim`, () => {
  const claim = loadLedger().claims.find((c) => c.id === CLAIM)!;

  it('checks only the full document pages with complex layouts', () => {
    const categories = (claim.check as { categories: string[] }).categories;
    expect(categories.every((category) => category.startsWith('page-'))).toBe(true);
    expect(categories).not.toContain('page-prose');
    expect(pages.length).toBeGreaterThanOrEqual(8);
    expect(claim.measureWith).toContain('page-scanned-02');
  });

  it('is never decided from the strips alone', () => {
    const verdict = evaluateClaims([results(strips.map((s) => s.id), (engine) => (engine === 'tesseract' ? 0.05 : 0.6))]).find((v) => v.id === CLAIM);
    expect(verdict?.verdict).toBe('not measured in this run');
  });

  it('is supported when SmolVLM2 reads the pages clearly worse than tesseract, contradicted when clearly better', () => {
    const worse = results(pages.map((p) => p.id), (engine, i) => (engine === 'tesseract' ? 0.03 + i * 0.002 : 0.55 + i * 0.01));
    expect(evaluateClaims([worse]).find((v) => v.id === CLAIM)?.verdict).toBe('supported');
    const better = results(pages.map((p) => p.id), (engine, i) => (engine === 'tesseract' ? 0.4 + i * 0.01 : 0.02 + i * 0.002));
    expect(evaluateClaims([better]).find((v) => v.id === CLAIM)?.verdict).toBe('contradicted');
  });
});
