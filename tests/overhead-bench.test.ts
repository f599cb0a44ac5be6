/**
 * bench:overhead's machinery on the tiny models: both engines are driven through a vlmbench host
 * and through their direct-call child, the same number of rounds each, doing the same work, and
 * the ratio comes with a CI that resamples whole sessions. Behaviour only: the figures themselves are the benchmark's.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { measureOverhead, sameWorkCheck } from '../bench/overhead.js';

describe('bench:overhead', () => {
  it('refuses a session whose two sides generated different numbers of tokens', () => {
    const sameWork = sameWorkCheck('transformersjs');
    sameWork('vlmbench', 32);
    sameWork('direct', 32);
    expect(() => sameWork('direct', 31)).toThrow(/direct generated 31 tokens but vlmbench generated 32/);
  });

  it('refuses too few sessions or rounds before it loads anything', () => {
    for (const [flag, value] of [['--sessions', '1'], ['--rounds', 'x'], ['--warmup', '-1']]) {
      const run = spawnSync(process.execPath, [join('dist', 'bench', 'overhead.js'), flag as string, value as string], { encoding: 'utf8', timeout: 30_000 });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain(`bench:overhead failed: ${flag} must be an integer`);
    }
  });

  it('times both sides of each engine in interleaved rounds and in fresh process pairs, and gives a ratio with a CI over sessions', async () => {
    const results = await measureOverhead({
      model: 'tiny-smolvlm',
      engines: ['transformersjs', 'qvac'],
      sessions: 2,
      rounds: 2,
      warmupRounds: 1,
      maxNewTokens: 8,
      threads: 1,
      // A strip: 5 frames under SmolVLM2's tiling (a square scene is 17), so the sessions stay short.
      fixtureId: 'ocr-numbers-01',
      log: () => {},
    });
    expect(results.map((result) => result.engine)).toEqual(['transformersjs', 'qvac']);
    expect(results.every((result) => !result.control)).toBe(true);
    for (const result of results) {
      expect(result.sessions).toHaveLength(2);
      for (const session of result.sessions) {
        expect(session.harnessMs).toHaveLength(2);
        expect(session.directMs).toHaveLength(2);
        // Timed from outside, each call includes the time the engine code reported for itself.
        for (const [index, ms] of session.harnessMs.entries()) expect(ms).toBeGreaterThanOrEqual(session.hostReportedMs[index] as number);
        for (const [index, ms] of session.directMs.entries()) expect(ms).toBeGreaterThanOrEqual(session.directInsideMs[index] as number);
        expect(session.ratio).toBeGreaterThan(0);
      }
      expect(Number.isFinite(result.ratio) && result.ratio > 0).toBe(true);
      const [low, high] = result.ratioCi95 as [number, number];
      expect(low).toBeLessThanOrEqual(high);
    }
  }, 240_000);

  it('--control puts a second direct child where vlmbench was, and says so', async () => {
    const [result] = await measureOverhead({
      model: 'tiny-smolvlm',
      engines: ['transformersjs'],
      sessions: 2,
      rounds: 2,
      warmupRounds: 1,
      maxNewTokens: 8,
      threads: 1,
      // A strip: 5 frames under SmolVLM2's tiling (a square scene is 17), so the sessions stay short.
      fixtureId: 'ocr-numbers-01',
      control: true,
      log: () => {},
    });
    expect(result?.control).toBe(true);
    expect(result?.sessions).toHaveLength(2);
    for (const session of result?.sessions ?? []) expect(session.harnessMs).toHaveLength(2);
  }, 240_000);
});
