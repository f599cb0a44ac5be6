import { describe, expect, it } from 'vitest';
import type { LoadedFixture } from '../src/fixtures/manifest.js';
import type { Cell, Sample } from '../src/results/schema.js';
import { mergeCellParts } from '../src/run/merge-parts.js';
import { isTwoPass, maxRounds, narrowEnough, performanceSubset } from '../src/run/passes.js';

function fixture(id: string, task: 'ocr' | 'caption', category: string): LoadedFixture {
  return { id, task, category, image: `${id}.png`, imagePath: `/x/${id}.png`, sha256: 'a', references: ['x'], source: 's', licence: 'l' };
}

function sample(latencyMs: number, process?: number, pass?: 'accuracy' | 'performance'): Sample {
  return {
    latencyMs,
    ttftMs: latencyMs / 3,
    decodeTokensPerSec: 10,
    promptTokens: 5,
    imageTokens: 1,
    frames: 1,
    generatedTokens: 4,
    peakRssBytes: 100,
    workerPeakRssBytes: null,
    ...(process !== undefined ? { process } : {}),
    ...(pass ? { pass } : {}),
  };
}

function cell(engine: string, fixtureId: string, samples: Sample[], status: Cell['status'] = 'ok', text = 'out'): Cell {
  return {
    key: { engine, model: 'm', quant: 'q', target: 'cpu', task: 'ocr', fixture: fixtureId },
    status,
    ...(status === 'ok' ? { output: { text, stableAcrossSamples: true } } : { reason: 'crashed' }),
    startedAt: '2026-12-03T00:00:00.000Z',
    finishedAt: '2026-12-03T00:00:01.000Z',
    warmup: [],
    samples,
  };
}

describe('the performance subset', () => {
  it('spreads over the categories of each task, deterministically', () => {
    const fixtures = [
      ...['a', 'b', 'c', 'd', 'e', 'f'].flatMap((category) => [1, 2].map((n) => fixture(`ocr-${category}-${n}`, 'ocr', category))),
      fixture('scene-1', 'caption', 's1'),
      fixture('scene-2', 'caption', 's2'),
    ];
    const subset = performanceSubset(fixtures, 3);
    expect(subset.map((f) => f.id)).toEqual(['ocr-a-1', 'ocr-c-1', 'ocr-e-1', 'scene-1', 'scene-2']);
    expect(performanceSubset(fixtures, 8).filter((f) => f.task === 'ocr').map((f) => f.id)).toEqual([
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `ocr-${c}-1`),
      'ocr-a-2',
      'ocr-d-2',
    ]);
  });

  it('is used only when processes or a budget ask for it', () => {
    expect(isTwoPass({ processes: 1 })).toBe(false);
    expect(isTwoPass({ processes: 3 })).toBe(true);
    expect(isTwoPass({ processes: 1, budgetMs: 60_000 })).toBe(true);
    expect(maxRounds({ processes: 1, budgetMs: 60_000 })).toBe(10);
    expect(maxRounds({ processes: 5 })).toBe(5);
  });
});

describe('merging a cell measured in several processes', () => {
  it('keeps every process’s samples, takes the output from the accuracy part, and records each part', () => {
    const [merged] = mergeCellParts([
      { cell: cell('a', 'f', [sample(100, 0, 'accuracy')], 'ok', 'from accuracy'), part: 'accuracy' },
      { cell: cell('a', 'f', [sample(90, 2, 'performance'), sample(92, 2, 'performance')]), part: 'process-2' },
      { cell: cell('a', 'f', [sample(80, 1, 'performance')]), part: 'process-1' },
    ]);
    expect(merged!.status).toBe('ok');
    expect(merged!.output?.text).toBe('from accuracy');
    expect(merged!.samples.map((s) => s.process)).toEqual([0, 1, 2, 2]);
    expect(merged!.parts?.map((p) => p.part)).toEqual(['accuracy', 'process-1', 'process-2']);
    // Statistics describe the timing runs only.
    expect(merged!.stats?.latencyMs?.n).toBe(3);
    expect(merged!.output?.stableAcrossSamples).toBe(false);
  });

  it('a failed process costs only its own samples; a later line of the same part replaces an earlier one', () => {
    const [merged] = mergeCellParts([
      { cell: cell('a', 'f', [sample(80, 1, 'performance')]), part: 'process-1' },
      { cell: cell('a', 'f', [], 'failed'), part: 'process-2' },
      { cell: cell('a', 'f', [sample(70, 1, 'performance')]), part: 'process-1' },
    ]);
    expect(merged!.status).toBe('ok');
    expect(merged!.samples.map((s) => s.latencyMs)).toEqual([70]);
    expect(merged!.parts).toEqual([
      { part: 'process-1', status: 'ok', samples: 1 },
      { part: 'process-2', status: 'failed', reason: 'crashed', samples: 0 },
    ]);
    const [failed] = mergeCellParts([{ cell: cell('a', 'f', [], 'failed'), part: 'process-1' }]);
    expect(failed!.status).toBe('failed');
    expect(failed!.reason).toBe('process-1: crashed');
  });

  it('leaves a single-pass cell as it was', () => {
    const plain = cell('a', 'f', [sample(10)]);
    expect(mergeCellParts([{ cell: plain }])).toEqual([plain]);
  });
});

describe('stopping the performance pass early', () => {
  const rounds = (factorB: (p: number) => number, processes: number) =>
    mergeCellParts(
      [1, 2, 3, 4, 5]
        .slice(0, processes)
        .flatMap((p) => ['f1', 'f2'].flatMap((f) => [
          { cell: cell('a', f, [sample(100, p, 'performance'), sample(101, p, 'performance')]), part: `process-${p}` },
          { cell: cell('b', f, [sample(100 * factorB(p), p, 'performance'), sample(101 * factorB(p), p, 'performance')]), part: `process-${p}` },
        ])),
    );

  it('waits for 3 processes, then stops once every pair’s interval is narrower than the band', () => {
    expect(narrowEnough(rounds(() => 1.5, 2), 2).stop).toBe(false);
    const steady = narrowEnough(rounds((p) => 1.5 + 0.001 * p, 3), 3);
    expect(steady.stop).toBe(true);
    expect(steady.reason).toMatch(/every engine pair's 95% interval is narrower than the band/);
  });

  it('goes on while processes disagree', () => {
    const noisy = narrowEnough(rounds((p) => [1.2, 1.6, 1.0, 1.5][p - 1] as number, 4), 4);
    expect(noisy.stop).toBe(false);
    expect(noisy.reason).toMatch(/still wider than ±5%/);
  });
});
