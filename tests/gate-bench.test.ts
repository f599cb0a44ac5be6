/** bench:gate's pieces: the inflation it measures the gate against, and its arguments. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { inflateLatencies } from '../bench/inflate.js';
import { DEFAULT_FLAGS, keptPairs, main, parseArgs, tripped } from '../bench/gate.js';
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

  it('inflates one engine alone when named, leaving the others as they were', () => {
    const engine = results.cells.find((c) => c.status === 'ok')!.key.engine;
    const slower = inflateLatencies(results, 1.3, engine);
    results.cells.forEach((cell, i) => {
      const after = slower.cells[i]!;
      if (cell.status !== 'ok' || cell.samples.length === 0) return;
      const factor = cell.key.engine === engine ? 1.3 : 1;
      expect(after.samples[0]!.latencyMs).toBeCloseTo(cell.samples[0]!.latencyMs * factor, 9);
    });
    expect(results.cells.some((cell) => cell.status === 'ok' && cell.key.engine !== engine)).toBe(true);
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

describe('bench:gate --judge', () => {
  /** A folder laid out as --keep leaves it, with the given head for each pair. */
  function keptFolder(heads: Array<ReturnType<typeof makeResults>>): string {
    const root = mkdtempSync(join(tmpdir(), 'vlmbench-gate-judge-'));
    const base = makeResults({ processes: 3 });
    heads.forEach((head, i) => {
      for (const [side, results] of [['base', base], ['head', head]] as const) {
        mkdirSync(join(root, `pair-${i + 1}`, side), { recursive: true });
        writeFileSync(join(root, `pair-${i + 1}`, side, 'results.json'), JSON.stringify(results));
      }
    });
    mkdirSync(join(root, 'pair-9', 'base'), { recursive: true }); // a pair cut short: no head, not judged
    return root;
  }

  async function judged(root: string): Promise<{ code: number; printed: string }> {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = await main(['--judge', root]);
      return { code, printed: log.mock.calls.map((call) => call.join(' ')).join('\n') };
    } finally {
      log.mockRestore();
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('asks both questions of every kept pair without running anything, and counts them', async () => {
    const same = makeResults({ processes: 3 });
    const root = keptFolder([same, same]);
    expect(keptPairs(root)).toEqual([1, 2]);
    const { code, printed } = await judged(root);
    expect(printed).toMatch(/judging the 2 kept pair\(s\)/);
    expect(printed).toMatch(/A\/A: 2\/2 pass \(target 2\/2\); 30% inflation: 2\/2 caught/);
    const engines = [...new Set(same.cells.filter((cell) => cell.status === 'ok').map((cell) => cell.key.engine))].sort();
    expect(engines.length).toBeGreaterThan(1);
    expect(printed).toContain(`30% inflation of one engine alone: ${engines.map((engine) => `${engine} 2/2`).join(', ')} caught`);
    expect(code).toBe(0);
  });

  it('exits 1 when a kept A/A pair fails the gate', async () => {
    const same = makeResults({ processes: 3 });
    const { code, printed } = await judged(keptFolder([same, inflateLatencies(same, 1.5)]));
    expect(printed).toMatch(/pair 2: A\/A exit 1 \(FAIL\)/);
    expect(printed).toMatch(/A\/A: 1\/2 pass/);
    expect(code).toBe(1);
  });
});
