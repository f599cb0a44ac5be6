/** bench:gate's pieces: the inflation it measures the gate against, and its arguments. */
import { describe, expect, it } from 'vitest';
import { inflateLatencies } from '../bench/inflate.js';
import { DEFAULT_FLAGS, parseArgs, tripped } from '../bench/gate.js';
import { compareRuns, exitCodeFor } from '../src/compare/gate.js';
import { makeResults } from './helpers/report-results.js';

describe('inflateLatencies', () => {
  const results = makeResults({ processes: 3 });

  it('makes every timing slower by the factor and leaves memory, outputs and quality alone', () => {
    const before = structuredClone(results);
    const slower = inflateLatencies(results, 1.3);
    expect(results).toEqual(before); // a copy: the run itself is untouched
    const cell = results.cells.find((c) => c.status === 'ok')!;
    const inflated = slower.cells.find((c) => c.key.fixture === cell.key.fixture && c.key.engine === cell.key.engine)!;
    inflated.samples.forEach((sample, i) => {
      const original = cell.samples[i]!;
      expect(sample.latencyMs).toBeCloseTo(original.latencyMs * 1.3, 9);
      if (original.ttftMs !== null) expect(sample.ttftMs).toBeCloseTo(original.ttftMs * 1.3, 9);
      if (original.decodeTokensPerSec !== null) expect(sample.decodeTokensPerSec).toBeCloseTo(original.decodeTokensPerSec / 1.3, 9);
      expect(sample.peakRssBytes).toBe(original.peakRssBytes);
    });
    expect(inflated.stats?.latencyMs?.median).toBeCloseTo((cell.stats?.latencyMs?.median ?? Number.NaN) * 1.3, 6);
    expect(inflated.output).toEqual(cell.output);
    expect(inflated.quality).toEqual(cell.quality);
  });

  it('is what the gate catches, while the same run passes', () => {
    expect(exitCodeFor(compareRuns(results, results))).toBe(0);
    const report = compareRuns(results, inflateLatencies(results, 1.3));
    expect(exitCodeFor(report)).toBe(1);
    expect(tripped(report).some((line) => /latency.*30\.0%/i.test(line))).toBe(true);
  });
});

describe('bench:gate arguments', () => {
  it('defaults to 10 pairs, 30% inflation and the CI profile on two fixtures per task', () => {
    expect(parseArgs([])).toEqual({ pairs: 10, inflation: 1.3, flags: DEFAULT_FLAGS.split(' ') });
    expect(DEFAULT_FLAGS).toBe('--runs 10 --processes 3 --limit 2');
    expect(parseArgs(['--pairs', '3', '--flags', '--runs 5 --engines transformersjs', '--keep', '/tmp/x'])).toEqual({ pairs: 3, inflation: 1.3, flags: ['--runs', '5', '--engines', 'transformersjs'], keep: '/tmp/x' });
  });

  it('refuses what it cannot use, with the flag named', () => {
    expect(() => parseArgs(['--pairs', '0'])).toThrow(/--pairs/);
    expect(() => parseArgs(['--inflation', '0.9'])).toThrow(/--inflation/);
    expect(() => parseArgs(['--bogus', '1'])).toThrow(/unknown argument --bogus/);
    expect(() => parseArgs(['--pairs'])).toThrow(/--pairs needs a value/);
  });
});
