/**
 * Random-weight SmolVLM-style GGUF pair for llama.cpp (QVAC): a `llama` text model and an
 * idefics3 `clip` projector. Tiny by default (well under 2 MB, runs in milliseconds); the
 * same code writes real-dimension "shape-faithful" models when given SmolVLM2's dims.
 *
 * Byte-deterministic for a seed: every tensor draws from its own seeded stream.
 * Format facts (key names, tensor names, shapes) follow llama.cpp's gguf-py and tools/mtmd/clip.cpp.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeGguf, type GgufTensor, type GgufTensorType, type GgufValue } from '../gguf/writer.js';
import { buildLlamaVocab, defaultWordPieces, llamaVocabKv, type LlamaVocab } from './llama-vocab.js';
import { createRng } from './rng.js';

export type SmolVlmGgufQuant = 'F32' | 'Q8_0';

export interface TextDims {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  contextLength: number;
  ropeTheta: number;
  rmsNormEps: number;
}

export interface VisionDims {
  /** Side of one square frame the encoder sees. */
  imageSize: number;
  patchSize: number;
  hidden: number;
  ffn: number;
  layers: number;
  heads: number;
  /** Pixel-shuffle factor: image tokens per frame = (imageSize / patchSize / scaleFactor)^2. */
  scaleFactor: number;
  layerNormEps: number;
  /** idefics3 slicing: the long side an image is resized to before it is cut into frames. */
  preprocImageSize: number;
}

export const TINY_TEXT_DIMS: TextDims = { hidden: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128, contextLength: 4096, ropeTheta: 10000, rmsNormEps: 1e-5 };
/**
 * The tiny projector: the real 512 px frames and SmolVLM2's preproc_image_size 2048, so llama.cpp
 * tiles images exactly as it does with the real mmproj; 32 px patches and one narrow layer keep it
 * cheap, and the pixel shuffle (factor 4) leaves 16 image tokens per frame, as in the tiny ONNX model.
 */
export const TINY_VISION_DIMS: VisionDims = {
  imageSize: 512,
  patchSize: 32,
  hidden: 16,
  ffn: 32,
  layers: 1,
  heads: 2,
  scaleFactor: 4,
  layerNormEps: 1e-6,
  preprocImageSize: 2048,
};

export interface SmolVlmGgufOptions {
  seed: number;
  quant?: SmolVlmGgufQuant;
  text?: TextDims;
  vision?: VisionDims;
  /** Zero the output-head rows of every end-of-generation id, so a run always uses its whole token budget. */
  unreachableEos?: boolean;
  /** Pad the vocabulary with filler pieces up to this size (real SmolVLM2: 49280). */
  vocabSize?: number;
  /** File name stem; defaults to `tiny-smolvlm`. */
  name?: string;
  /** Overrides the Jinja chat template (defaults to SmolVLM2's layout). */
  chatTemplate?: string;
}

export interface SmolVlmGgufFiles {
  gguf: string;
  mmproj: string;
}

/** SmolVLM's image markers and chat tokens; llama.cpp's idefics3 path looks each up as one token. */
const IMAGE_MARKERS = ['<fake_token_around_image>', '<global-img>', '<image>'];
const ROW_COL_MARKERS = Array.from({ length: 36 }, (_, i) => `<row_${Math.floor(i / 6) + 1}_col_${(i % 6) + 1}>`);
const CHAT_CONTROL = ['<|im_start|>', '<|im_end|>', '<end_of_utterance>'];
const COMMON_WORDS = ['the', 'a', 'an', 'of', 'in', 'on', 'and', 'is', 'with', 'image', 'text', 'this', 'photo', 'shows', 'to', 'User', 'Assistant'];

/**
 * SmolVLM2's prompt layout for one user turn: `<|im_start|>User:<image>PROMPT<end_of_utterance>\nAssistant:`.
 * QVAC 0.19.1 does not run this as Jinja (a template that raises fails with "this custom template is
 * not supported, try using --jinja"): llama.cpp recognises SmolVLM by `<|im_start|>` plus
 * `<end_of_utterance>` and applies its built-in SmolVLM format, exactly as for the real model's GGUF.
 * Both markers must therefore stay in this string; the Jinja body serves Jinja-enabled runtimes.
 */
export const SMOLVLM_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}" +
  "{% if message['content'].startswith('<') %}{{ ':' }}{% else %}{{ ': ' }}{% endif %}" +
  "{{ message['content'] }}<end_of_utterance>\n{% endfor %}" +
  "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

export function buildSmolVlmVocab(vocabSize?: number): LlamaVocab {
  const pieces = defaultWordPieces(COMMON_WORDS);
  const base = buildLlamaVocab({ control: CHAT_CONTROL, userDefined: [...IMAGE_MARKERS, ...ROW_COL_MARKERS, '\n\n'], pieces });
  if (vocabSize === undefined || vocabSize <= base.entries.length) return base;
  const filler = Array.from({ length: vocabSize - base.entries.length }, (_, i) => `\u2581w${i}`);
  return buildLlamaVocab({ control: CHAT_CONTROL, userDefined: [...IMAGE_MARKERS, ...ROW_COL_MARKERS, '\n\n'], pieces: [...pieces, ...filler] });
}

/** Ids a run may stop on; `unreachableEos` zeroes their output-head rows. */
export function endOfGenerationIds(vocab: LlamaVocab): number[] {
  return ['</s>', '<|im_end|>', '<end_of_utterance>'].map((t) => vocab.id(t));
}

/** Uniform values with the given standard deviation, from the tensor's own stream. */
function randomValues(seed: number, stream: string, count: number, std: number): Float32Array {
  const rng = createRng(seed, stream);
  const out = new Float32Array(count);
  const halfWidth = std * Math.sqrt(3);
  for (let i = 0; i < count; i++) out[i] = (rng.nextFloat() * 2 - 1) * halfWidth;
  return out;
}

function constant(count: number, value: number): Float32Array {
  return new Float32Array(count).fill(value);
}

/** Matmul weights take the model's quant when their rows fit Q8_0 blocks; everything else stays F32. */
function matrixType(quant: SmolVlmGgufQuant, rowLength: number): GgufTensorType {
  return quant === 'Q8_0' && rowLength % 32 === 0 ? 'Q8_0' : 'F32';
}

const FILE_TYPE: Record<SmolVlmGgufQuant, number> = { F32: 0, Q8_0: 7 };

function textTensors(seed: number, quant: SmolVlmGgufQuant, dims: TextDims, vocabSize: number, zeroRows: number[]): GgufTensor[] {
  const headDim = dims.hidden / dims.heads;
  const kvWidth = headDim * dims.kvHeads;
  const matrix = (name: string, rows: number, cols: number, std = 1 / Math.sqrt(cols)): GgufTensor => ({
    name,
    shape: [rows, cols],
    type: matrixType(quant, cols),
    values: () => randomValues(seed, name, rows * cols, std),
  });
  const ones = (name: string, n: number): GgufTensor => ({ name, shape: [n], type: 'F32', values: () => constant(n, 1) });

  const tensors: GgufTensor[] = [matrix('token_embd.weight', vocabSize, dims.hidden, 1)];
  for (let layer = 0; layer < dims.layers; layer++) {
    const p = `blk.${layer}`;
    tensors.push(
      ones(`${p}.attn_norm.weight`, dims.hidden),
      matrix(`${p}.attn_q.weight`, dims.hidden, dims.hidden),
      matrix(`${p}.attn_k.weight`, kvWidth, dims.hidden),
      matrix(`${p}.attn_v.weight`, kvWidth, dims.hidden),
      matrix(`${p}.attn_output.weight`, dims.hidden, dims.hidden),
      ones(`${p}.ffn_norm.weight`, dims.hidden),
      matrix(`${p}.ffn_gate.weight`, dims.ffn, dims.hidden),
      matrix(`${p}.ffn_up.weight`, dims.ffn, dims.hidden),
      matrix(`${p}.ffn_down.weight`, dims.hidden, dims.ffn),
    );
  }
  tensors.push(ones('output_norm.weight', dims.hidden));
  // Untied and wider than the embedding so random weights do not just echo the last token.
  const head = matrix('output.weight', vocabSize, dims.hidden, 2 / Math.sqrt(dims.hidden));
  const headValues = head.values;
  tensors.push({
    ...head,
    values: () => {
      const values = headValues();
      for (const row of zeroRows) values.fill(0, row * dims.hidden, (row + 1) * dims.hidden);
      return values;
    },
  });
  return tensors;
}

function textKv(name: string, quant: SmolVlmGgufQuant, dims: TextDims, vocab: LlamaVocab, chatTemplate: string): Record<string, GgufValue> {
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: name },
    'general.file_type': u32(FILE_TYPE[quant]),
    'llama.context_length': u32(dims.contextLength),
    'llama.embedding_length': u32(dims.hidden),
    'llama.block_count': u32(dims.layers),
    'llama.feed_forward_length': u32(dims.ffn),
    'llama.attention.head_count': u32(dims.heads),
    'llama.attention.head_count_kv': u32(dims.kvHeads),
    'llama.rope.dimension_count': u32(dims.hidden / dims.heads),
    'llama.rope.freq_base': { type: 'f32', value: dims.ropeTheta },
    'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: dims.rmsNormEps },
    'llama.vocab_size': u32(vocab.entries.length),
    ...llamaVocabKv(vocab, {
      bos: vocab.id('<|im_start|>'),
      eos: vocab.id('<end_of_utterance>'),
      unknown: vocab.id('<unk>'),
      padding: vocab.id('<unk>'),
    }),
    'tokenizer.ggml.add_space_prefix': { type: 'bool', value: false },
    'tokenizer.chat_template': { type: 'string', value: chatTemplate },
  };
}

function visionTensors(seed: number, quant: SmolVlmGgufQuant, dims: VisionDims, projectionDim: number): GgufTensor[] {
  const patchesPerSide = dims.imageSize / dims.patchSize;
  const patchCount = patchesPerSide * patchesPerSide;
  const shuffledWidth = dims.hidden * dims.scaleFactor * dims.scaleFactor;
  const matrix = (name: string, rows: number, cols: number): GgufTensor => ({
    name,
    shape: [rows, cols],
    type: matrixType(quant, cols),
    values: () => randomValues(seed, name, rows * cols, 1 / Math.sqrt(cols)),
  });
  const vector = (name: string, n: number, value: number): GgufTensor => ({ name, shape: [n], type: 'F32', values: () => constant(n, value) });
  const bias = (name: string, n: number): GgufTensor => ({ name, shape: [n], type: 'F32', values: () => randomValues(seed, name, n, 0.02) });

  const patchFanIn = 3 * dims.patchSize * dims.patchSize;
  const tensors: GgufTensor[] = [
    // The conv kernel stays F32: ggml's im2col path wants F32/F16 kernels.
    {
      name: 'v.patch_embd.weight',
      shape: [dims.hidden, 3, dims.patchSize, dims.patchSize],
      type: 'F32',
      values: () => randomValues(seed, 'v.patch_embd.weight', dims.hidden * patchFanIn, 1 / Math.sqrt(patchFanIn)),
    },
    bias('v.patch_embd.bias', dims.hidden),
    { name: 'v.position_embd.weight', shape: [patchCount, dims.hidden], type: 'F32', values: () => randomValues(seed, 'v.position_embd.weight', patchCount * dims.hidden, 0.02) },
  ];
  for (let layer = 0; layer < dims.layers; layer++) {
    const p = `v.blk.${layer}`;
    tensors.push(
      vector(`${p}.ln1.weight`, dims.hidden, 1),
      vector(`${p}.ln1.bias`, dims.hidden, 0),
      matrix(`${p}.attn_q.weight`, dims.hidden, dims.hidden),
      bias(`${p}.attn_q.bias`, dims.hidden),
      matrix(`${p}.attn_k.weight`, dims.hidden, dims.hidden),
      bias(`${p}.attn_k.bias`, dims.hidden),
      matrix(`${p}.attn_v.weight`, dims.hidden, dims.hidden),
      bias(`${p}.attn_v.bias`, dims.hidden),
      matrix(`${p}.attn_out.weight`, dims.hidden, dims.hidden),
      bias(`${p}.attn_out.bias`, dims.hidden),
      vector(`${p}.ln2.weight`, dims.hidden, 1),
      vector(`${p}.ln2.bias`, dims.hidden, 0),
      matrix(`${p}.ffn_up.weight`, dims.ffn, dims.hidden),
      bias(`${p}.ffn_up.bias`, dims.ffn),
      matrix(`${p}.ffn_down.weight`, dims.hidden, dims.ffn),
      bias(`${p}.ffn_down.bias`, dims.hidden),
    );
  }
  tensors.push(vector('v.post_ln.weight', dims.hidden, 1), vector('v.post_ln.bias', dims.hidden, 0), matrix('mm.model.fc.weight', projectionDim, shuffledWidth));
  return tensors;
}

function visionKv(name: string, quant: SmolVlmGgufQuant, dims: VisionDims, projectionDim: number): Record<string, GgufValue> {
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return {
    'general.architecture': { type: 'string', value: 'clip' },
    'general.name': { type: 'string', value: `${name}-mmproj` },
    'general.file_type': u32(FILE_TYPE[quant]),
    'clip.projector_type': { type: 'string', value: 'idefics3' },
    'clip.has_text_encoder': { type: 'bool', value: false },
    'clip.has_vision_encoder': { type: 'bool', value: true },
    'clip.has_llava_projector': { type: 'bool', value: false },
    'clip.use_gelu': { type: 'bool', value: true },
    'clip.vision.image_size': u32(dims.imageSize),
    'clip.vision.preproc_image_size': u32(dims.preprocImageSize),
    'clip.vision.patch_size': u32(dims.patchSize),
    'clip.vision.embedding_length': u32(dims.hidden),
    'clip.vision.feed_forward_length': u32(dims.ffn),
    'clip.vision.projection_dim': u32(projectionDim),
    'clip.vision.block_count': u32(dims.layers),
    'clip.vision.attention.head_count': u32(dims.heads),
    'clip.vision.attention.layer_norm_epsilon': { type: 'f32', value: dims.layerNormEps },
    'clip.vision.image_mean': { type: 'f32[]', value: [0.5, 0.5, 0.5] },
    'clip.vision.image_std': { type: 'f32[]', value: [0.5, 0.5, 0.5] },
    'clip.vision.projector.scale_factor': u32(dims.scaleFactor),
  };
}

function checkDims(text: TextDims, vision: VisionDims): void {
  if (text.hidden % text.heads !== 0 || text.heads % text.kvHeads !== 0) throw new Error(`text dims: hidden ${text.hidden}, heads ${text.heads}, kv heads ${text.kvHeads} do not divide`);
  if (vision.hidden % vision.heads !== 0) throw new Error(`vision dims: hidden ${vision.hidden} not divisible by heads ${vision.heads}`);
  const side = vision.imageSize / vision.patchSize;
  if (!Number.isInteger(side) || side % vision.scaleFactor !== 0) {
    throw new Error(`vision dims: image ${vision.imageSize} / patch ${vision.patchSize} must be a whole multiple of scale factor ${vision.scaleFactor}`);
  }
}

/** Image tokens one frame becomes after pixel shuffle. */
export function imageTokensPerFrame(vision: VisionDims): number {
  const side = vision.imageSize / vision.patchSize / vision.scaleFactor;
  return side * side;
}

/** Writes `<name>-<quant>.gguf` and `mmproj-<name>-<quant>.gguf` into `outDir`. */
export async function writeTinySmolVlmGguf(outDir: string, options: SmolVlmGgufOptions): Promise<SmolVlmGgufFiles> {
  const quant = options.quant ?? 'F32';
  const text = options.text ?? TINY_TEXT_DIMS;
  const vision = options.vision ?? TINY_VISION_DIMS;
  const name = options.name ?? 'tiny-smolvlm';
  checkDims(text, vision);
  const vocab = buildSmolVlmVocab(options.vocabSize);
  const zeroRows = options.unreachableEos ? endOfGenerationIds(vocab) : [];

  mkdirSync(outDir, { recursive: true });
  const gguf = join(outDir, `${name}-${quant}.gguf`);
  const mmproj = join(outDir, `mmproj-${name}-${quant}.gguf`);
  writeGguf(gguf, textKv(name, quant, text, vocab, options.chatTemplate ?? SMOLVLM_CHAT_TEMPLATE), textTensors(options.seed, quant, text, vocab.entries.length, zeroRows));
  writeGguf(mmproj, visionKv(name, quant, vision, text.hidden), visionTensors(options.seed, quant, vision, text.hidden));
  return { gguf, mmproj };
}
