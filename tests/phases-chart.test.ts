import { describe, expect, it } from 'vitest';
import { phaseBars, phasesChart } from '../src/report/charts/phases.js';
import type { Results } from '../src/results/schema.js';

const sample = (extra: Record<string, unknown>) => ({ startedAtMs: 0, latencyMs: 1000, ttftMs: 400, decodeTokensPerSec: 50, promptTokens: 80, imageTokens: 64, frames: 1, generatedTokens: 32, peakRssBytes: 1, ...extra });
const cell = (engine: string, quant: string, samples: unknown[]) => ({ key: { engine, model: 'shape-smolvlm2-256m', quant, target: 'cpu', task: 'caption', fixture: 'f' }, status: 'ok', samples });

describe('phase bars', () => {
  const results = {
    cells: [
      cell('transformersjs', 'q8', [
        sample({ phases: { preprocessMs: 100, visionEncodeMs: 300, visionEncodePerFrameMs: 300, prefillMs: 50, decodeMs: 500 } }),
        sample({ phases: { preprocessMs: 120, visionEncodeMs: 320, visionEncodePerFrameMs: 320, prefillMs: 60, decodeMs: 520 } }),
      ]),
      cell('qvac', 'Q8_0', [sample({ latencyMs: 3000, ttftMs: 2500, frames: 2, phases: { estimated: ['frames'] } }), sample({ latencyMs: 3200, ttftMs: 2600, frames: 2 })]),
    ],
  } as unknown as Pick<Results, 'cells'>;

  it('takes measured phases as medians and estimates the ones an engine does not expose', () => {
    const [tjs, qvac] = phaseBars(results);
    expect(tjs?.segments.map((s) => [s.phase, s.ms, s.estimated])).toEqual([
      ['preprocess', 110, false],
      ['visionEncode', 310, false],
      ['prefill', 55, false],
      ['decode', 510, false],
    ]);
    expect(tjs?.visionPerFrameMs).toBe(310);
    expect(qvac?.estimated).toBe(true);
    expect(qvac?.segments).toEqual([
      { phase: 'visionAndPrefill', ms: 2550, estimated: true },
      { phase: 'decode', ms: 550, estimated: true },
    ]);
    expect(qvac?.label).toMatch(/2 frames \(estimated\)/);
  });

  it('draws one labelled bar per engine with a hatched estimate', () => {
    const svg = phasesChart(phaseBars(results)) ?? '';
    expect(svg).toContain('<svg');
    expect(svg).toContain('transformersjs q8 · 1 frame');
    expect(svg).toContain('url(#phase-hatch-');
    expect(phasesChart([])).toBeNull();
  });
});
