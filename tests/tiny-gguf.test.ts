/**
 * The tiny SmolVLM-style GGUF pair: byte-deterministic, small, well-formed for llama.cpp, and
 * loadable by the real @qvac/sdk worker (F32 and Q8_0).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { closeAndWaitForWorker, findWorkerPids, loadQvacSdk, type QvacSdk } from '../src/engines/qvac-sdk.js';
import { readGgufMetadata } from '../src/models/gguf/reader.js';
import { ensureTiny, TINY_GENERATION, tinyCacheKey } from '../src/models/tiny/index.js';
import { TOKEN_TYPE } from '../src/models/tiny/llama-vocab.js';
import { TINY_TEXT_DIMS, TINY_VISION_DIMS, buildSmolVlmVocab, endOfGenerationIds, writeTinySmolVlmGguf } from '../src/models/tiny/smolvlm-gguf.js';

const workDir = mkdtempSync(join(tmpdir(), 'vlmbench-tiny-gguf-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the tiny model cache', () => {
  it('keeps each generation in its own folder, so a changed generator never reuses stale files', async () => {
    const root = join(workDir, 'cache');
    const files = await ensureTiny('tiny-gguf', root);
    expect(tinyCacheKey()).toMatch(new RegExp(`^g${TINY_GENERATION}-[0-9a-f]{10}$`));
    expect(files.mmproj?.startsWith(join(root, tinyCacheKey(), 'tiny-gguf'))).toBe(true);
    expect(readGgufMetadata(files.mmproj as string).get('clip.vision.preproc_image_size')).toBe(2048);
  });
});

describe('writeTinySmolVlmGguf', () => {
  it('is byte-deterministic for a seed and differs across seeds', async () => {
    const a = await writeTinySmolVlmGguf(join(workDir, 'a'), { seed: 7 });
    const b = await writeTinySmolVlmGguf(join(workDir, 'b'), { seed: 7 });
    const c = await writeTinySmolVlmGguf(join(workDir, 'c'), { seed: 8 });
    expect(readFileSync(a.gguf).equals(readFileSync(b.gguf))).toBe(true);
    expect(readFileSync(a.mmproj).equals(readFileSync(b.mmproj))).toBe(true);
    expect(readFileSync(a.gguf).equals(readFileSync(c.gguf))).toBe(false);
    expect(readFileSync(a.mmproj).equals(readFileSync(c.mmproj))).toBe(false);
  });

  it('is small in F32 and smaller in Q8_0', async () => {
    const f32 = await writeTinySmolVlmGguf(join(workDir, 'size-f32'), { seed: 1 });
    const q8 = await writeTinySmolVlmGguf(join(workDir, 'size-q8'), { seed: 1, quant: 'Q8_0' });
    const bytes = (p: string) => statSync(p).size;
    expect(bytes(f32.gguf) + bytes(f32.mmproj)).toBeLessThan(2 * 1024 * 1024);
    expect(bytes(q8.gguf)).toBeLessThan(bytes(f32.gguf));
    expect(bytes(q8.mmproj)).toBeLessThan(bytes(f32.mmproj));
  });

  it('writes a llama text model with a unique SentencePiece vocabulary and SmolVLM markers', async () => {
    const { gguf } = await writeTinySmolVlmGguf(join(workDir, 'meta'), { seed: 1 });
    const kv = readGgufMetadata(gguf);
    expect(kv.get('general.architecture')).toBe('llama');
    expect(kv.get('tokenizer.ggml.model')).toBe('llama');
    expect(kv.get('llama.embedding_length')).toBe(TINY_TEXT_DIMS.hidden);
    const tokens = kv.get('tokenizer.ggml.tokens') as string[];
    const types = kv.get('tokenizer.ggml.token_type') as number[];
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(types).toHaveLength(tokens.length);
    for (let byte = 0; byte < 256; byte++) {
      const text = `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
      expect(types[tokens.indexOf(text)]).toBe(TOKEN_TYPE.byte);
    }
    const singles = ['<fake_token_around_image>', '<global-img>', '<image>', '<row_1_col_1>', '<row_6_col_6>', '\n\n', '<end_of_utterance>', '<|im_start|>', '<|im_end|>'];
    for (const text of singles) expect(tokens, text).toContain(text);
    const template = kv.get('tokenizer.chat_template') as string;
    // llama.cpp recognises SmolVLM's format by these two markers.
    expect(template).toContain('<|im_start|>');
    expect(template).toContain('<end_of_utterance>');
    expect(tokens[kv.get('tokenizer.ggml.eos_token_id') as number]).toBe('<end_of_utterance>');
  });

  it('writes an idefics3 clip projector whose projection matches the text width', async () => {
    const { mmproj } = await writeTinySmolVlmGguf(join(workDir, 'meta'), { seed: 1 });
    const kv = readGgufMetadata(mmproj);
    expect(kv.get('general.architecture')).toBe('clip');
    expect(kv.get('clip.projector_type')).toBe('idefics3');
    expect(kv.get('clip.has_vision_encoder')).toBe(true);
    expect(kv.get('clip.use_gelu')).toBe(true);
    expect(kv.get('clip.vision.projection_dim')).toBe(TINY_TEXT_DIMS.hidden);
    expect(kv.get('clip.vision.image_size')).toBe(TINY_VISION_DIMS.imageSize);
    expect(kv.get('clip.vision.patch_size')).toBe(TINY_VISION_DIMS.patchSize);
    expect(kv.get('clip.vision.projector.scale_factor')).toBe(TINY_VISION_DIMS.scaleFactor);
    // The real mmproj's preprocessing: 512 px frames, long side resized to 2048 before slicing.
    expect(kv.get('clip.vision.image_size')).toBe(512);
    expect(kv.get('clip.vision.preproc_image_size')).toBe(2048);
    expect(kv.get('clip.vision.image_mean')).toHaveLength(3);
  });

  it('zeroes the output-head rows of end-of-generation ids only when asked', async () => {
    const plain = await writeTinySmolVlmGguf(join(workDir, 'eos-plain'), { seed: 3 });
    const capped = await writeTinySmolVlmGguf(join(workDir, 'eos-capped'), { seed: 3, unreachableEos: true });
    const a = readFileSync(plain.gguf);
    const b = readFileSync(capped.gguf);
    expect(a.length).toBe(b.length);
    // output.weight is the last tensor: F32, one row of `hidden` floats per token.
    const hidden = TINY_TEXT_DIMS.hidden;
    const vocab = buildSmolVlmVocab();
    const headBytes = vocab.entries.length * hidden * 4;
    const headStart = b.length - headBytes;
    for (const id of endOfGenerationIds(vocab)) {
      const row = b.subarray(headStart + id * hidden * 4, headStart + (id + 1) * hidden * 4);
      expect(row.every((byte) => byte === 0)).toBe(true);
      expect(a.subarray(headStart + id * hidden * 4, headStart + (id + 1) * hidden * 4).some((byte) => byte !== 0)).toBe(true);
    }
    expect(a.subarray(0, headStart).equals(b.subarray(0, headStart))).toBe(true);
  });

  it('rejects dims llama.cpp cannot slice', async () => {
    await expect(writeTinySmolVlmGguf(join(workDir, 'bad'), { seed: 1, vision: { ...TINY_VISION_DIMS, imageSize: 40 } })).rejects.toThrow(/scale factor/);
  });
});

describe('tiny GGUF pair in the real QVAC worker', () => {
  let sdk: QvacSdk | null = null;

  beforeAll(async () => {
    const result = await loadQvacSdk();
    if ('sdk' in result) sdk = result.sdk;
  });

  afterAll(async () => {
    if (sdk) await closeAndWaitForWorker(sdk, 15_000);
  });

  it.each(['F32', 'Q8_0'] as const)('loads and completes text in %s', async (quant) => {
    expect(sdk, 'the @qvac/sdk optional dependency is installed here').not.toBeNull();
    // The SDK functions this test calls, as documented.
    const api = sdk as unknown as {
      loadModel(o: { modelSrc: string; modelType: string; modelConfig: Record<string, unknown> }): Promise<string>;
      completion(p: { modelId: string; stream: true; history: { role: string; content: string }[]; generationParams: Record<string, number> }): {
        final: Promise<{ contentText: string; stats?: { generatedTokens?: number; promptTokens?: number } }>;
      };
      unloadModel(p: { modelId: string }): Promise<void>;
    };
    const files = await writeTinySmolVlmGguf(join(workDir, `load-${quant}`), { seed: 5, quant, unreachableEos: true });
    const modelId = await api.loadModel({
      modelSrc: files.gguf,
      modelType: 'llamacpp-completion',
      modelConfig: { projectionModelSrc: files.mmproj, ctx_size: 1024, device: 'cpu', gpu_layers: 0, temp: 0, seed: 1, predict: 8 },
    });
    const final = await api.completion({ modelId, stream: true, history: [{ role: 'user', content: 'Hello there' }], generationParams: { temp: 0, seed: 1, predict: 8 } }).final;
    expect(final.stats?.generatedTokens).toBe(8);
    expect(final.stats?.promptTokens).toBeGreaterThan(3);
    await api.unloadModel({ modelId });
  }, 60_000);

  it('leaves no worker after close', async () => {
    if (sdk) await closeAndWaitForWorker(sdk, 15_000);
    expect(findWorkerPids()).toEqual([]);
  });
});
