/** From one measured host run to a sample: TTFT, decode rate and memory, as the report reads them. */
import { describe, expect, it } from 'vitest';
import { cellStats, toSample } from '../src/run/measure-cell.js';

const base = { latencyMs: 1000, memory: { hostPeakRssBytes: 100, workerPeakRssBytes: 50 } };

describe('toSample', () => {
  it('takes TTFT from the first token and the decode rate from the engine’s count after it', () => {
    const sample = toSample({ ...base, ttftMs: 200, tokenTimesMs: [200, 400, 600, 1000], output: { text: 'abcd', generatedTokens: 5 } });
    expect(sample.ttftMs).toBe(200);
    // 4 tokens decoded after the first, between 200 ms and 1000 ms
    expect(sample.decodeTokensPerSec).toBeCloseTo(5, 10);
    expect(sample.peakRssBytes).toBe(100);
    expect(sample.workerPeakRssBytes).toBe(50);
  });

  it('has no decode rate for an engine that does not stream tokens (OCR pipelines), and no TTFT without output', () => {
    expect(toSample({ ...base, ttftMs: 1000, tokenTimesMs: [1000], output: { text: 'x', generatedTokens: 0 } }).decodeTokensPerSec).toBeNull();
    const silent = toSample({ ...base, ttftMs: null, tokenTimesMs: [], output: { text: '', generatedTokens: 0 } });
    expect(silent.ttftMs).toBeNull();
    expect(silent.decodeTokensPerSec).toBeNull();
  });
});

describe('cellStats', () => {
  it('summarises latency, TTFT, decode rate and host + worker peak memory over the counted samples', () => {
    const samples = [300, 100, 200].map((latencyMs) => toSample({ latencyMs, ttftMs: 50, tokenTimesMs: [50, latencyMs], output: { text: '', generatedTokens: 2 }, memory: { hostPeakRssBytes: 10, workerPeakRssBytes: 5 } }));
    const stats = cellStats(samples);
    expect(stats.latencyMs?.median).toBe(200);
    expect(stats.latencyMs?.n).toBe(3);
    expect(stats.ttftMs?.median).toBe(50);
    expect(stats.peakRssBytes?.max).toBe(15);
    expect(cellStats([])).toEqual({});
  });
});
