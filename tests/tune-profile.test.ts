import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfile, profilePath, saveProfile, type TuneProfile, type TuneTrial } from '../src/tune/profile.js';
import { clearlyFaster, searchSpace } from '../src/tune/sweep.js';

const profile = (): TuneProfile => ({
  name: 'best',
  createdAt: '2026-11-23T00:00:00.000Z',
  machine: { hostname: 'h', cpuModel: 'cpu', logicalCores: 4, physicalCores: 4 },
  model: 'shape-smolvlm2-256m',
  task: 'caption',
  fixture: 'scene-01',
  maxNewTokens: 32,
  objective: 'median latency',
  best: {
    transformersjs: { quant: 'q8', threads: 3, threadsSettable: true, engineOptions: { graphOptimizationLevel: 'extended' }, medianLatencyMs: 1000, defaultMedianLatencyMs: 1100 },
    qvac: { quant: 'Q8_0', threads: 4, threadsSettable: false, engineOptions: { 'modelConfig.flash-attn': 'on' }, medianLatencyMs: 900, defaultMedianLatencyMs: 950 },
  },
  notSwept: { qvac: ['threads'] },
  trials: [],
});

describe('tuning profiles', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips through a file and turns into run settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlmbench-profile-'));
    dirs.push(dir);
    const path = saveProfile(profile(), join(dir, 'best.json'));
    const run = loadProfile(path);
    expect(run.quant).toEqual({ transformersjs: 'q8', qvac: 'Q8_0' });
    expect(run.engineOptions).toEqual({ transformersjs: { graphOptimizationLevel: 'extended' }, qvac: { 'modelConfig.flash-attn': 'on' } });
    // Only engines that can set threads decide the run's thread count.
    expect(run.threads).toBe(3);
    expect(run.source.best.transformersjs?.defaultMedianLatencyMs).toBe(1100);
  });

  it('puts named profiles under the cache and explains a missing one', () => {
    const previous = process.env.VLMBENCH_CACHE;
    process.env.VLMBENCH_CACHE = '/tmp/vlmbench-cache-for-test';
    try {
      expect(profilePath('best')).toBe('/tmp/vlmbench-cache-for-test/profiles/best.json');
      expect(() => loadProfile('nope-not-here')).toThrow(/vlmbench tune/);
    } finally {
      if (previous === undefined) delete process.env.VLMBENCH_CACHE;
      else process.env.VLMBENCH_CACHE = previous;
    }
  });
});

describe('search space', () => {
  it('sweeps threads 1..cores, dtype and graph optimisation for transformers.js', () => {
    const space = searchSpace('transformersjs', ['q8', 'fp32'], 4);
    expect(space.threadsSettable).toBe(true);
    expect(space.knobs.find((k) => k.name === 'threads')?.values).toEqual([4, 3, 2, 1]);
    expect(space.knobs.find((k) => k.name === 'graphOptimizationLevel')?.values).toEqual(['all', 'extended', 'basic', 'disabled']);
  });

  it('says QVAC threads cannot be set and sweeps what its modelConfig exposes', () => {
    const space = searchSpace('qvac', ['Q8_0', 'F32'], 4);
    expect(space.threadsSettable).toBe(false);
    expect(space.knobs.map((k) => k.name)).toEqual(['quant', 'modelConfig.flash-attn', 'modelConfig.cache-type-k']);
    expect(space.notSwept.join(' ')).toMatch(/threads/);
  });
});

describe('choosing a configuration', () => {
  const trial = (latencies: number[]): TuneTrial => ({
    engine: 'transformersjs',
    quant: 'q8',
    threads: 2,
    engineOptions: {},
    medianLatencyMs: [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)]!,
    medianTtftMs: null,
    medianDecodeTokensPerSec: null,
    samples: latencies.length,
    latencySamples: latencies,
    runId: 'r',
  });

  it('keeps the default when a candidate is only 0.6% faster (the case that used to flip it)', () => {
    const verdict = clearlyFaster(trial([1220, 1224, 1217]), trial([1213, 1215, 1210]));
    expect(verdict.better).toBe(false);
    expect(verdict.reason).toMatch(/^no clear difference/);
  });

  it('takes a candidate that is clearly faster, and never a failed one', () => {
    expect(clearlyFaster(trial([1220, 1224, 1217]), trial([800, 805, 798])).better).toBe(true);
    expect(clearlyFaster(trial([1220, 1224, 1217]), { ...trial([]), medianLatencyMs: null, error: 'boom' })).toEqual({ better: false, reason: 'failed: boom' });
  });
});
