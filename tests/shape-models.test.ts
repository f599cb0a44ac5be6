/**
 * Builds the shape-faithful 256M pair for real in its 8-bit form (ONNX q8 + GGUF Q8_0 with
 * mmproj, a few seconds) and checks dimensions and sizes; the full-precision files (about
 * 1 GB each, tens of seconds to write) are checked by the dry-run byte count instead, which
 * the 8-bit build shows agrees with the writers.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufMetadata } from '../src/models/gguf/reader.js';
import { ensureShapePart, SHAPE_GENERATION, shapeCacheKey, type ShapePart } from '../src/models/shape/index.js';
import { estimateShapeBytes, parameterCounts } from '../src/models/shape/sizes.js';
import { SHAPE_VOCAB_SIZE, SMOLVLM2_256M_SHAPE_SPEC, SMOLVLM2_500M_SHAPE_SPEC, parseShapeSize } from '../src/models/shape/specs.js';
import { CATALOG } from '../src/models/catalog.js';

const MB = 1e6;
const within = (actual: number, expected: number, tolerance: number) => Math.abs(actual - expected) / expected <= tolerance;

describe('shape-faithful SmolVLM2-256M', () => {
  let root: string;
  let onnx: ShapePart;
  let gguf: ShapePart;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vlmbench-shape-'));
    onnx = await ensureShapePart('smolvlm2-256m', 'onnx', 'q8', root);
    gguf = await ensureShapePart('smolvlm2-256m', 'gguf', 'Q8_0', root);
  }, 180_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes the ONNX model with the real text and vision dimensions', () => {
    const config = JSON.parse(readFileSync(join(onnx.dir, 'config.json'), 'utf8'));
    expect(config.text_config).toMatchObject({ hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, vocab_size: SHAPE_VOCAB_SIZE });
    expect(config.vision_config).toMatchObject({ hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 512, patch_size: 16 });
    expect(JSON.parse(readFileSync(join(onnx.dir, 'processor_config.json'), 'utf8')).image_seq_len).toBe(64);
    // The real checkpoints' preprocessing, so a page tiles as it does with real weights.
    expect(JSON.parse(readFileSync(join(onnx.dir, 'preprocessor_config.json'), 'utf8'))).toMatchObject({ do_image_splitting: true, size: { longest_edge: 2048 }, max_image_size: { longest_edge: 512 } });
    for (const graph of ['vision_encoder', 'embed_tokens', 'decoder_model_merged']) {
      expect(statSync(join(onnx.dir, 'onnx', `${graph}_quantized.onnx`)).size).toBeGreaterThan(MB);
    }
  });

  it('writes the GGUF pair with the same dimensions and SmolVLM image markers', () => {
    const text = readGgufMetadata(gguf.files.gguf!);
    expect(text.get('llama.embedding_length')).toBe(576);
    expect(text.get('llama.feed_forward_length')).toBe(1536);
    expect(text.get('llama.block_count')).toBe(30);
    expect(text.get('llama.attention.head_count')).toBe(9);
    expect(text.get('llama.attention.head_count_kv')).toBe(3);
    const tokens = text.get('tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(SHAPE_VOCAB_SIZE);
    for (const marker of ['<fake_token_around_image>', '<global-img>', '<image>', '<row_6_col_6>', '\n\n', '<end_of_utterance>']) expect(tokens).toContain(marker);
    const mmproj = readGgufMetadata(gguf.files.mmproj!);
    expect(mmproj.get('clip.projector_type')).toBe('idefics3');
    expect(mmproj.get('clip.vision.embedding_length')).toBe(768);
    expect(mmproj.get('clip.vision.block_count')).toBe(12);
    expect(mmproj.get('clip.vision.projection_dim')).toBe(576);
    expect(mmproj.get('clip.vision.projector.scale_factor')).toBe(4);
    expect(mmproj.get('clip.vision.image_size')).toBe(512);
    expect(mmproj.get('clip.vision.preproc_image_size')).toBe(2048);
  });

  it('has about 256M parameters, and the 8-bit files weigh what the dry-run count says (±1%)', () => {
    expect(parameterCounts(SMOLVLM2_256M_SHAPE_SPEC).total / 1e6).toBeCloseTo(256.5, 0);
    const estimate = estimateShapeBytes(SMOLVLM2_256M_SHAPE_SPEC);
    expect(within(onnx.bytes, estimate.onnxQ8, 0.015)).toBe(true);
    expect(within(gguf.bytes, estimate.ggufQ8_0, 0.01)).toBe(true);
  });

  it('matches the sizes FACTS.md measured for this shape', () => {
    const estimate = estimateShapeBytes(SMOLVLM2_256M_SHAPE_SPEC);
    expect(within(estimate.onnxFp32, 1030 * MB, 0.01)).toBe(true);
    expect(within(estimate.ggufF32, 1027 * MB, 0.01)).toBe(true);
    expect(within(gguf.bytes, 278 * MB, 0.01)).toBe(true);
    // FACTS.md's generator kept a few vision tensors in fp32 (266 MB); this one quantises them too.
    expect(within(onnx.bytes, 266 * MB, 0.03)).toBe(true);
  });

  it('keys its cache folder by generation and generator inputs, so a changed generator never reuses stale files', () => {
    expect(gguf.dir.startsWith(join(root, shapeCacheKey('smolvlm2-256m')))).toBe(true);
    expect(shapeCacheKey('smolvlm2-256m')).toMatch(new RegExp(`^g${SHAPE_GENERATION}-[0-9a-f]{10}$`));
    expect(shapeCacheKey('smolvlm2-256m')).not.toBe(shapeCacheKey('smolvlm2-500m'));
  });

  it('reuses a complete cache entry instead of writing it again', async () => {
    const again = await ensureShapePart('smolvlm2-256m', 'gguf', 'Q8_0', root);
    expect(again.generatedSeconds).toBe(0);
    expect(again.bytes).toBe(gguf.bytes);
  });
});

describe('shape-faithful SmolVLM2-500M (dry run)', () => {
  it('has SmolLM2-360M text dims and the QVAC registry GGUF pair size (545.6 MB) within 1%', () => {
    expect(SMOLVLM2_500M_SHAPE_SPEC.text).toMatchObject({ hidden: 960, ffn: 2560, layers: 32, heads: 15, kvHeads: 5, headDim: 64 });
    expect(parameterCounts(SMOLVLM2_500M_SHAPE_SPEC).total / 1e6).toBeCloseTo(507.5, 0);
    expect(within(estimateShapeBytes(SMOLVLM2_500M_SHAPE_SPEC).ggufQ8_0, 436_808_704 + 108_785_184, 0.01)).toBe(true);
  });
});

describe('catalog and names', () => {
  it('pairs both sizes across engines and marks them shape-synthetic', () => {
    for (const id of ['shape-smolvlm2-256m', 'shape-smolvlm2-500m']) {
      const entry = CATALOG.find((e) => e.id === id);
      expect(entry?.synthetic).toBe('shape');
      expect(entry?.variants.map((v) => `${v.engine}:${v.quant}`)).toEqual(['transformersjs:q8', 'qvac:Q8_0', 'transformersjs:fp32', 'qvac:F32']);
    }
  });

  it('parses sizes with or without the shape- prefix and rejects others', () => {
    expect(parseShapeSize('shape-smolvlm2-500m')).toBe('smolvlm2-500m');
    expect(parseShapeSize('smolvlm2-256m')).toBe('smolvlm2-256m');
    expect(() => parseShapeSize('smolvlm2-2b')).toThrow(/smolvlm2-256m, smolvlm2-500m/);
  });

  it('refuses a dtype the runtime has no shape-faithful file for', async () => {
    await expect(ensureShapePart('smolvlm2-256m', 'onnx', 'Q8_0', join(tmpdir(), 'never-written'))).rejects.toThrow(/fp32 and q8/);
  });
});

describe('token budget of shape-faithful runs', () => {
  it('flags a shape-synthetic run that stopped short, and nothing else', async () => {
    const { tokenBudgetViolation } = await import('../src/models/shape/token-budget.js');
    expect(tokenBudgetViolation('shape', true, 64, 64)).toBeNull();
    expect(tokenBudgetViolation('shape', true, 12, 64)).toMatch(/12 tokens, not the 64/);
    expect(tokenBudgetViolation('tiny', true, 12, 64)).toBeNull();
    expect(tokenBudgetViolation(false, true, 3, 64)).toBeNull();
    // An OCR pipeline with real dimensions (the generated doctr model) reads text out: no token budget.
    expect(tokenBudgetViolation('shape', false, 0, 96)).toBeNull();
  });
});
