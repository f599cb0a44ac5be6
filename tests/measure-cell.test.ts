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

describe('toSample with the engine’s own timing (QVAC’s worker)', () => {
  const bursty = {
    ...base,
    latencyMs: 2000,
    // Chunks reached the host in one burst at the end: a transport figure, not a generation one.
    ttftMs: 1990,
    tokenTimesMs: [1990, 1991, 1992, 1993],
    output: { text: 'abcd', generatedTokens: 64, engineTiming: { decodeTokensPerSec: 100, decodeMs: 640, source: 'llama.cpp decode timer' } },
  };

  it('takes the decode rate from the engine and TTFT as latency minus its decode time, keeping the host figures labelled', () => {
    const sample = toSample(bursty);
    expect(sample.decodeTokensPerSec).toBe(100);
    expect(sample.ttftMs).toBe(1360);
    expect(sample.timingSource).toBe('llama.cpp decode timer');
    expect(sample.tokenTimesSource).toBe('host-arrival');
    expect(sample.hostTiming).toEqual({ ttftMs: 1990, decodeTokensPerSec: 21000 });
  });

  it('falls back to the host figures when the engine’s decode time exceeds the latency', () => {
    const sample = toSample({ ...bursty, output: { ...bursty.output, engineTiming: { decodeTokensPerSec: 10, decodeMs: 6400, source: 'x' } } });
    expect(sample.ttftMs).toBe(1990);
    expect(sample.timingSource).toBeUndefined();
    expect(sample.tokenTimesSource).toBe('engine-process');
  });

  it('records the threads that worked and the resident memory by kind', () => {
    const kinds = { rssAnonBytes: 3, rssFileBytes: 2, rssShmemBytes: 0 };
    const sample = toSample({ ...bursty, threads: { activeThreads: 2, cpuMs: 3900.5, runQueueWaitMs: 12.25 }, residentKinds: { host: kinds, worker: null } });
    expect(sample.activeThreads).toBe(2);
    expect(sample.runQueueWaitMs).toBe(12.25);
    expect(sample.residentKinds?.host).toEqual(kinds);
    expect(toSample({ ...bursty, threads: null }).activeThreads).toBeNull();
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
