import { describe, expect, it } from 'vitest';
import { benchmarkMetrics, SYNTHETIC_CAPTION_ITEMS, SYNTHETIC_OCR_ITEMS, syntheticSuite } from '../bench/metrics.bench.js';
import { scoreTask } from '../src/metrics/index.js';

describe('metrics micro-benchmark', () => {
  it('builds a deterministic suite shaped like the built-in one', () => {
    const suite = syntheticSuite();
    expect(suite.ocr).toHaveLength(SYNTHETIC_OCR_ITEMS);
    expect(suite.caption).toHaveLength(SYNTHETIC_CAPTION_ITEMS);
    for (const item of suite.ocr) {
      expect(item.references[0]!.length).toBeGreaterThanOrEqual(190);
      expect(item.references[0]!.length).toBeLessThan(240);
    }
    for (const item of suite.caption) {
      expect(item.references).toHaveLength(3);
      expect(item.facts?.length).toBeGreaterThan(0);
    }
    expect(syntheticSuite()).toEqual(suite);
  });
  it('the suite exercises every metric with non-null values', () => {
    const suite = syntheticSuite();
    for (const value of Object.values(scoreTask('ocr', suite.ocr).corpus)) expect(value).not.toBeNull();
    const caption = scoreTask('caption', suite.caption).corpus;
    for (const value of Object.values(caption)) expect(value).not.toBeNull();
    expect(caption.factRecall).toBeGreaterThan(0);
    expect(caption.factRecall).toBeLessThan(1);
  });
  it('reports a mean time and a sample count', async () => {
    const result = await benchmarkMetrics({ timeMs: 20, iterations: 2 });
    expect(result.meanMs).toBeGreaterThan(0);
    expect(result.samples).toBeGreaterThanOrEqual(2);
  });
});
