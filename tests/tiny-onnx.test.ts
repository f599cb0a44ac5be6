import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AutoModelForVision2Seq, AutoProcessor, RawImage, Tensor, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TINY_SMOLVLM_SPEC, imageSeqLen, writeSmolVlmOnnx } from '../src/models/tiny/smolvlm-onnx.js';

const SEED = 7;
const MAX_NEW_TOKENS = 8;
const LOAD_TIMEOUT_MS = 60_000;
const MESSAGES = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Describe this image.' }] }];

env.allowRemoteModels = false;

const roots: string[] = [];
async function freshDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tiny-smolvlm-${label}-`));
  roots.push(dir);
  return dir;
}

async function solidImage(red: number, green: number, blue: number): Promise<RawImage> {
  const png = await sharp({ create: { width: 48, height: 36, channels: 3, background: { r: red, g: green, b: blue } } })
    .png()
    .toBuffer();
  return RawImage.fromBlob(new Blob([new Uint8Array(png)]));
}

async function stripesImage(): Promise<RawImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">
    <rect width="64" height="64" fill="white"/><rect x="0" y="0" width="16" height="64" fill="black"/>
    <rect x="32" y="0" width="16" height="64" fill="green"/></svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return RawImage.fromBlob(new Blob([new Uint8Array(png)]));
}

interface LoadedModel {
  processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
  model: Awaited<ReturnType<typeof AutoModelForVision2Seq.from_pretrained>>;
}

async function load(dir: string, dtype: 'fp32' | 'q8'): Promise<LoadedModel> {
  const processor = await AutoProcessor.from_pretrained(dir);
  const model = await AutoModelForVision2Seq.from_pretrained(dir, { dtype, device: 'cpu' });
  return { processor, model };
}

async function generate({ processor, model }: LoadedModel, image: RawImage) {
  const prompt = processor.apply_chat_template(MESSAGES, { add_generation_prompt: true });
  if (typeof prompt !== 'string') throw new Error('chat template did not render a string');
  const inputs = await processor(prompt, [image]);
  const promptLength = (inputs.input_ids as Tensor).dims[1] ?? 0;
  const output = await model.generate({ ...inputs, max_new_tokens: MAX_NEW_TOKENS, do_sample: false });
  if (!(output instanceof Tensor)) throw new Error('generate did not return a tensor');
  const sequence = (output.tolist() as bigint[][])[0] ?? [];
  const newTokens = sequence.slice(promptLength).map(Number);
  const text = processor.batch_decode(output.slice(null, [promptLength, sequence.length]), { skip_special_tokens: true })[0] ?? '';
  return { prompt, inputs, newTokens, text };
}

async function readAll(dir: string, files: string[]): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(files.map(async (file) => [file, await readFile(join(dir, file))] as const)));
}

afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('tiny SmolVLM ONNX generator', () => {
  let dir = '';
  let files: string[] = [];
  let fp32: LoadedModel;

  beforeAll(async () => {
    dir = await freshDir('main');
    ({ files } = await writeSmolVlmOnnx(dir, TINY_SMOLVLM_SPEC, { seed: SEED, dtypes: ['fp32', 'q8'] }));
    fp32 = await load(dir, 'fp32');
  }, LOAD_TIMEOUT_MS);

  it('writes every file transformers.js needs', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'config.json',
        'generation_config.json',
        'preprocessor_config.json',
        'processor_config.json',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'onnx/vision_encoder.onnx',
        'onnx/embed_tokens.onnx',
        'onnx/decoder_model_merged.onnx',
        'onnx/vision_encoder_quantized.onnx',
        'onnx/embed_tokens_quantized.onnx',
        'onnx/decoder_model_merged_quantized.onnx',
      ]),
    );
  });

  it('keeps the whole fp32 model under 1 MB', async () => {
    const sizes = await Promise.all(files.filter((f) => !f.includes('_quantized')).map(async (f) => (await stat(join(dir, f))).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(1_000_000);
  });

  it('is byte-identical for the same seed and differs for another seed', async () => {
    const again = await freshDir('again');
    const other = await freshDir('other');
    const { files: againFiles } = await writeSmolVlmOnnx(again, TINY_SMOLVLM_SPEC, { seed: SEED, dtypes: ['fp32', 'q8'] });
    await writeSmolVlmOnnx(other, TINY_SMOLVLM_SPEC, { seed: SEED + 1, dtypes: ['fp32'] });
    expect(againFiles).toEqual(files);
    const first = await readAll(dir, files);
    const second = await readAll(again, files);
    for (const file of files) expect(second.get(file)?.equals(first.get(file) ?? Buffer.alloc(0)), file).toBe(true);
    const otherDecoder = await readFile(join(other, 'onnx/decoder_model_merged.onnx'));
    expect(otherDecoder.equals(first.get('onnx/decoder_model_merged.onnx') ?? Buffer.alloc(0))).toBe(false);
  });

  it('renders a SmolVLM2-style prompt with one image token per feature row', async () => {
    const { prompt, inputs } = await generate(fp32, await solidImage(255, 0, 0));
    expect(prompt).toBe('<|im_start|>User:<image>Describe this image.<end_of_utterance>\nAssistant:');
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { image_token_id: number };
    const ids = ((inputs.input_ids as Tensor).tolist() as bigint[][])[0] ?? [];
    const imageTokens = ids.filter((id) => Number(id) === config.image_token_id).length;
    const pixelValues = inputs.pixel_values as Tensor;
    // SmolVLM2's processor settings: the 48×36 image is resized to 2048×1536 and cut into a
    // 4×3 grid of 512 px frames plus the global frame, 16 image tokens each.
    const side = TINY_SMOLVLM_SPEC.vision.imageSize;
    expect(pixelValues.dims).toEqual([1, 13, 3, side, side]);
    expect(imageTokens).toBe(13 * imageSeqLen(TINY_SMOLVLM_SPEC));
  });

  it('carries the real checkpoints\' processor settings', async () => {
    const preprocessor = JSON.parse(await readFile(join(dir, 'preprocessor_config.json'), 'utf8'));
    expect(preprocessor).toMatchObject({ do_image_splitting: true, size: { longest_edge: 2048 }, max_image_size: { longest_edge: 512 } });
  });

  it('tokenizes byte-level text losslessly and keeps SmolVLM markers whole', () => {
    const tokenizer = fp32.processor.tokenizer;
    if (!tokenizer) throw new Error('processor has no tokenizer');
    for (const text of ['Describe this image.', ' héllo wörld 123\n\nnext 🙂']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
    const markers = ['<fake_token_around_image>', '<global-img>', '<image>', '<row_6_col_6>', '<end_of_utterance>', '<|im_start|>', '<|im_end|>'];
    for (const marker of markers) expect(tokenizer.encode(marker, { add_special_tokens: false })).toHaveLength(1);
  });

  it('generates greedily and deterministically, and different images give different text', async () => {
    const red = await generate(fp32, await solidImage(255, 0, 0));
    const redAgain = await generate(fp32, await solidImage(255, 0, 0));
    const stripes = await generate(fp32, await stripesImage());
    expect(red.newTokens.length).toBeGreaterThan(0);
    expect(red.newTokens.length).toBeLessThanOrEqual(MAX_NEW_TOKENS);
    expect(redAgain.newTokens).toEqual(red.newTokens);
    expect(redAgain.text).toBe(red.text);
    expect(stripes.newTokens).not.toEqual(red.newTokens);
  });

  it('decoder with a KV cache matches a full forward pass', async () => {
    const session = await ort.InferenceSession.create(join(dir, 'onnx/decoder_model_merged.onnx'));
    const { hidden, kvHeads, headDim, layers } = TINY_SMOLVLM_SPEC.text;
    const length = 6;
    const embeds = Float32Array.from({ length: length * hidden }, (_, i) => Math.sin(i * 0.37));
    const run = async (start: number, end: number, past: Record<string, ort.Tensor> | null) => {
      const pastLength = start;
      const feeds: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', embeds.slice(start * hidden, end * hidden), [1, end - start, hidden]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(end).fill(1n), [1, end]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: end - start }, (_, i) => BigInt(start + i)), [1, end - start]),
      };
      for (let layer = 0; layer < layers; layer++) {
        for (const kind of ['key', 'value']) {
          feeds[`past_key_values.${layer}.${kind}`] =
            past?.[`present.${layer}.${kind}`] ?? new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, pastLength, headDim]);
        }
      }
      return session.run(feeds);
    };
    const full = await run(0, length, null);
    const prefix = await run(0, length - 1, null);
    const step = await run(length - 1, length, prefix);
    const fullLogits = full.logits?.data as Float32Array;
    const stepLogits = step.logits?.data as Float32Array;
    const vocab = stepLogits.length;
    expect(step['present.0.key']?.dims).toEqual([1, kvHeads, length, headDim]);
    const lastRow = fullLogits.slice((length - 1) * vocab, length * vocab);
    const worst = lastRow.reduce((max, value, i) => Math.max(max, Math.abs(value - (stepLogits[i] ?? NaN))), 0);
    expect(worst).toBeLessThan(1e-4);
    // Causality: the prefix's logits must not change when a later token is appended.
    const prefixLogits = prefix.logits?.data as Float32Array;
    const earlyWorst = prefixLogits.reduce((max, value, i) => Math.max(max, Math.abs(value - (fullLogits[i] ?? NaN))), 0);
    expect(earlyWorst).toBeLessThan(1e-4);
    await session.release();
  });

  it('applies RoPE: shifting every position leaves logits unchanged, reordering them does not', async () => {
    const session = await ort.InferenceSession.create(join(dir, 'onnx/decoder_model_merged.onnx'));
    const { hidden, kvHeads, headDim, layers } = TINY_SMOLVLM_SPEC.text;
    const length = 5;
    const embeds = Float32Array.from({ length: length * hidden }, (_, i) => Math.cos(i * 0.91));
    const logitsFor = async (positions: number[]) => {
      const feeds: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', embeds, [1, length, hidden]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, length]),
      };
      for (let layer = 0; layer < layers; layer++) {
        for (const kind of ['key', 'value']) {
          feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
        }
      }
      return (await session.run(feeds)).logits?.data as Float32Array;
    };
    const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] ?? NaN))), 0);
    const base = await logitsFor([0, 1, 2, 3, 4]);
    expect(maxDifference(base, await logitsFor([3, 4, 5, 6, 7]))).toBeLessThan(1e-3);
    expect(maxDifference(base, await logitsFor([0, 3, 1, 4, 2]))).toBeGreaterThan(1e-2);
    await session.release();
  });

  it('q8 files load with dtype q8 and generate deterministically', async () => {
    const q8 = await load(dir, 'q8');
    const first = await generate(q8, await solidImage(0, 0, 255));
    const second = await generate(q8, await solidImage(0, 0, 255));
    expect(first.newTokens.length).toBeGreaterThan(0);
    expect(second.newTokens).toEqual(first.newTokens);
    await q8.model.dispose();
  }, LOAD_TIMEOUT_MS);
});

describe('eosReachable: false', () => {
  it('zeroes end-of-generation logits, so generation always runs to max_new_tokens', async () => {
    const dir = await freshDir('no-eos');
    await writeSmolVlmOnnx(dir, TINY_SMOLVLM_SPEC, { seed: SEED, dtypes: ['fp32'], eosReachable: false });
    const generation = JSON.parse(await readFile(join(dir, 'generation_config.json'), 'utf8')) as { eos_token_id: number[] };
    const loaded = await load(dir, 'fp32');
    const { inputs, newTokens } = await generate(loaded, await stripesImage());
    expect(newTokens).toHaveLength(MAX_NEW_TOKENS);
    for (const id of generation.eos_token_id) expect(newTokens).not.toContain(id);

    const session = await ort.InferenceSession.create(join(dir, 'onnx/decoder_model_merged.onnx'));
    const embeds = await loaded.model.sessions['embed_tokens']?.run({ input_ids: inputs.input_ids as Tensor });
    const { kvHeads, headDim, layers } = TINY_SMOLVLM_SPEC.text;
    const ids = inputs.input_ids as Tensor;
    const length = ids.dims[1] ?? 0;
    const embedTensor = embeds?.['inputs_embeds'] as Tensor | undefined;
    if (!embedTensor) throw new Error('embed_tokens produced no inputs_embeds');
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', embedTensor.data as Float32Array, embedTensor.dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length }, (_, i) => BigInt(i)), [1, length]),
    };
    for (let layer = 0; layer < layers; layer++) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
      }
    }
    const logits = (await session.run(feeds)).logits?.data as Float32Array;
    const vocab = logits.length / length;
    for (let position = 0; position < length; position++) {
      for (const id of generation.eos_token_id) expect(logits[position * vocab + id]).toBe(0);
    }
    await session.release();
    await loaded.model.dispose();
  }, LOAD_TIMEOUT_MS);
});
