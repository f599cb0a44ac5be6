import { describe, expect, it } from 'vitest';
import { SMOLVLM2_256M_SHAPE_SPEC, SMOLVLM2_500M_SHAPE_SPEC } from '../src/models/shape/specs.js';
import { classify, COMPUTE_BOUND_SHARE, decodeRoofline, textWeightBytesPerToken, weightBytesPerToken } from '../src/report/roofline.js';
import type { Results } from '../src/results/schema.js';

// SmolVLM2-256M's text decoder, counted by hand: per layer q,o 576·576 each, k,v 576·192 each,
// gate/up/down 576·1536 each → 3,538,944 weights; 30 layers plus the 49280 × 576 output head.
const WEIGHTS_256M = 30 * 3_538_944 + 49_280 * 576;

describe('bytes of weights per decoded token', () => {
  it('counts every layer and the output head once, at the bytes of the quantisation', () => {
    expect(WEIGHTS_256M).toBe(134_553_600);
    const q8 = textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'q8');
    expect(q8.matrices).toBe(WEIGHTS_256M);
    expect(q8.norms).toBe(61 * 576 * 4);
    expect(q8.embeddingRow).toBe(576);
    expect(textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'fp32').matrices).toBe(WEIGHTS_256M * 4);
    expect(textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'Q8_0').matrices).toBeCloseTo((WEIGHTS_256M * 34) / 32, 3);
    // FACTS.md quotes 538 MB (fp32), 143 MB (Q8_0) and 135 MB (int8) per token for this model.
    expect(textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'fp32').total / 1e6).toBeCloseTo(538, 0);
    expect(textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'Q8_0').total / 1e6).toBeCloseTo(143, 0);
    expect(textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'q8').total / 1e6).toBeCloseTo(134.7, 0);
  });

  it('scales with the 500M dimensions', () => {
    const perLayer = 2 * 960 * 960 + 2 * 960 * 320 + 3 * 960 * 2560;
    expect(textWeightBytesPerToken(SMOLVLM2_500M_SHAPE_SPEC, 'q8').matrices).toBe(32 * perLayer + 49_280 * 960);
  });

  it('rejects a quantisation it has no figure for', () => {
    expect(() => textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'mystery')).toThrow(/mystery/);
  });

  it('prefers the decoder file when the record has one, and strips the embedding table from a GGUF', () => {
    const onnx = weightBytesPerToken({ id: 'shape-smolvlm2-256m', quant: 'q8', files: [{ role: 'dir/onnx/decoder_model_merged_quantized.onnx', path: '/x', bytes: 134_920_857, sha256: 'a' }] });
    expect(onnx?.bytes).toBe(134_920_857 + 576);
    const gguf = weightBytesPerToken({ id: 'shape-smolvlm2-256m', quant: 'F32', files: [{ role: 'gguf', path: '/y', bytes: 653_132_640, sha256: 'b' }] });
    expect(gguf?.bytes).toBe(653_132_640 - 49_280 * 576 * 4 + 576 * 4);
    expect(weightBytesPerToken({ id: 'unknown-model', quant: 'F32', files: [] })).toBeNull();
  });
});

describe('decodeRoofline', () => {
  const results = {
    environment: { extra: { memoryBandwidth: { bestGBps: 60 } } },
    models: [{ id: 'shape-smolvlm2-256m', engine: 'qvac', quant: 'Q8_0', source: 's', synthetic: 'shape', files: [] }],
    cells: [
      { key: { engine: 'qvac', model: 'shape-smolvlm2-256m', quant: 'Q8_0', target: 'cpu', task: 'caption', fixture: 'f' }, status: 'ok', stats: { decodeTokensPerSec: { median: 100 } } },
      { key: { engine: 'qvac', model: 'shape-smolvlm2-256m', quant: 'Q8_0', target: 'cpu', task: 'caption', fixture: 'g' }, status: 'failed', stats: {} },
    ],
  } as unknown as Pick<Results, 'cells' | 'models' | 'environment'>;

  it('turns tokens per second into GB/s and a share of the measured ceiling', () => {
    const rows = decodeRoofline(results);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    const bytes = textWeightBytesPerToken(SMOLVLM2_256M_SHAPE_SPEC, 'Q8_0').total;
    expect(row.weightBytesPerToken).toBeCloseTo(bytes, 0);
    expect(row.achievedGBps).toBeCloseTo((bytes * 100) / 1e9, 6);
    expect(row.share).toBeCloseTo((bytes * 100) / 1e9 / 60, 6);
    expect(row.bound).toBe('plausibly compute-bound');
  });

  it('has no share or verdict without a bandwidth measurement', () => {
    const rows = decodeRoofline({ ...results, environment: { extra: {} } } as unknown as typeof results);
    expect(rows[0]?.share).toBeNull();
    expect(rows[0]?.bound).toBeNull();
  });

  it('draws the compute-bound line at the documented share', () => {
    expect(classify(COMPUTE_BOUND_SHARE - 0.01)).toBe('plausibly compute-bound');
    expect(classify(COMPUTE_BOUND_SHARE)).toBe('memory-bound');
  });
});
