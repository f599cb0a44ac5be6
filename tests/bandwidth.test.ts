import { describe, expect, it } from 'vitest';
import { measureBandwidth } from '../src/measure/bandwidth.js';

describe('measureBandwidth', () => {
  it('runs the triad on every worker and reports a positive, finite figure', async () => {
    const result = await measureBandwidth({ elements: 1_000_003, threads: 2, rounds: 2 });
    expect(result.threads).toBe(2);
    expect(result.elements).toBe(1_000_003);
    // a = b + 3·c with b = 1, c = 2 everywhere: 7 per element, including the uneven last slice.
    expect(result.expectedChecksum).toBe(7 * 1_000_003);
    expect(result.checksum).toBe(result.expectedChecksum);
    for (const figure of [result.bestGBps, result.triadGBps, result.copyGBps, result.medianGBps]) {
      expect(Number.isFinite(figure)).toBe(true);
      expect(figure).toBeGreaterThan(0);
    }
    expect(result.bestGBps).toBe(Math.max(result.triadGBps, result.copyGBps));
  });

  it('covers every element when the array does not split evenly across more threads than needed', async () => {
    const result = await measureBandwidth({ elements: 5, threads: 3, rounds: 1 });
    expect(result.checksum).toBe(35);
  });
});
