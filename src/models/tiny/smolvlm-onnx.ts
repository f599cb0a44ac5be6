/**
 * Writes a random-weight, SmolVLM-compatible model that transformers.js loads offline:
 * three ONNX graphs (`vision_encoder`, `embed_tokens`, `decoder_model_merged`) plus the
 * configs, tokenizer and chat template its processor needs.
 *
 * Weights are drawn as symmetric int8 values times a per-tensor scale. The fp32 files
 * store those products, the `_quantized` (q8) files store the int8 values and the
 * scale, so both dtypes compute with the very same weights. Every tensor draws from
 * its own seeded stream and is produced only while its file is written, so the same
 * code can emit a model with SmolVLM2-256M's real dimensions without holding it twice.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  DataType,
  elementCount,
  float32Bytes,
  int64Bytes,
  writeOnnxModel,
  type Attribute,
  type DataTypeId,
  type LazyBytes,
  type NodeSpec,
  type TensorInit,
  type ValueInfo,
} from './onnx-writer.js';
import { createRng } from './rng.js';
import { imageSeqLen, patchesPerSide, validateSpec, type SmolVlmSpec } from './smolvlm-spec.js';
import {
  buildSmolVlmVocabulary,
  specialTokensMapJson,
  tokenizerConfigJson,
  tokenizerJson,
  type SmolVlmVocabulary,
} from './smolvlm-tokenizer.js';

export type { SmolVlmSpec } from './smolvlm-spec.js';
export { TINY_SMOLVLM_SPEC, SMOLVLM2_256M_SHAPE_SPEC, imageSeqLen } from './smolvlm-spec.js';

export type SmolVlmDtype = 'fp32' | 'q8';

export interface WriteSmolVlmOptions {
  seed: number;
  dtypes: SmolVlmDtype[];
  /** false zeroes the lm_head rows of the end-of-generation ids, so greedy decoding runs to max_new_tokens. */
  eosReachable?: boolean;
}

const OPSET = 17;
const PRODUCER = 'vlmbench-tiny-smolvlm';
const PRODUCER_VERSION = '1';
const RMS_NORM_EPS = 1e-5;
const LAYER_NORM_EPS = 1e-6;
const ROPE_THETA = 100000;
/** Large enough to silence masked positions, finite so fully masked rows cannot produce NaN. */
const MASKED_SCORE = -1e9;
/** Elements per generated chunk; a multiple of 4 so chunking never changes the int8 stream. */
const CHUNK_ELEMENTS = 1 << 20;

// ---------------------------------------------------------------------------
// Attributes

const int = (value: number): Attribute => ({ kind: 'int', value });
const ints = (value: number[]): Attribute => ({ kind: 'ints', value });
const float = (value: number): Attribute => ({ kind: 'float', value });

// ---------------------------------------------------------------------------
// Random weights

interface RandomWeight {
  /** Seeded stream name; identical across dtypes. */
  stream: string;
  dims: number[];
  /** Values are uniform in [-bound, bound], quantised to 255 levels. */
  bound: number;
  /** Indices along the last dimension forced to zero (lm_head rows of unreachable tokens). */
  zeroLastDim?: ReadonlySet<number>;
}

function int8Chunks(weight: RandomWeight, seed: number): Iterable<Int8Array> {
  const total = elementCount(weight.dims);
  const lastDim = weight.dims[weight.dims.length - 1] ?? 1;
  return {
    *[Symbol.iterator]() {
      const rng = createRng(seed, weight.stream);
      for (let start = 0; start < total; start += CHUNK_ELEMENTS) {
        const chunk = new Int8Array(Math.min(CHUNK_ELEMENTS, total - start));
        rng.fillSymmetricInt8(chunk);
        if (weight.zeroLastDim && weight.zeroLastDim.size > 0) {
          for (let i = 0; i < chunk.length; i++) {
            if (weight.zeroLastDim.has((start + i) % lastDim)) chunk[i] = 0;
          }
        }
        yield chunk;
      }
    },
  };
}

function scaleOf(weight: RandomWeight): number {
  return Math.fround(weight.bound / 127);
}

function lazyFloat32(weight: RandomWeight, seed: number): LazyBytes {
  const scale = scaleOf(weight);
  return {
    byteLength: elementCount(weight.dims) * 4,
    *produce() {
      for (const chunk of int8Chunks(weight, seed)) {
        const values = new Float32Array(chunk.length);
        for (let i = 0; i < chunk.length; i++) values[i] = (chunk[i] ?? 0) * scale;
        yield new Uint8Array(values.buffer);
      }
    },
  };
}

function lazyInt8(weight: RandomWeight, seed: number): LazyBytes {
  return {
    byteLength: elementCount(weight.dims),
    *produce() {
      for (const chunk of int8Chunks(weight, seed)) yield new Uint8Array(chunk.buffer);
    },
  };
}

// ---------------------------------------------------------------------------
// Graph building

class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorInit[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;

  constructor(
    private readonly seed: number,
    private readonly quantized: boolean,
  ) {}

  op(opType: string, inputs: string[], attributes?: Record<string, Attribute>, outputNames?: string[]): string[] {
    const id = this.counter++;
    const outputs = outputNames ?? [`${opType.toLowerCase()}_${id}`];
    this.nodes.push({ opType, inputs, outputs, name: `${opType}_${id}`, ...(attributes ? { attributes } : {}) });
    return outputs;
  }

  /** Single-output op. */
  op1(opType: string, inputs: string[], attributes?: Record<string, Attribute>, outputName?: string): string {
    const [output] = this.op(opType, inputs, attributes, outputName ? [outputName] : undefined);
    return output ?? '';
  }

  private constant(dataType: DataTypeId, dims: number[], values: number[], bytes: Uint8Array): string {
    const key = `${dataType}|${dims.join(',')}|${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_${this.constants.size}`;
    this.initializers.push({ name, dataType, dims, data: bytes });
    this.constants.set(key, name);
    return name;
  }

  int64s(values: number[], dims: number[] = [values.length]): string {
    return this.constant(DataType.INT64, dims, values, int64Bytes(values));
  }

  floats(values: number[], dims: number[] = [values.length]): string {
    const bytes = float32Bytes(values);
    return this.constant(DataType.FLOAT, dims, Array.from(new Float32Array(bytes.buffer)), bytes);
  }

  /** A named float tensor with eager values (norm weights, RoPE frequencies). */
  named(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, data: new Uint8Array(values.buffer) });
    return name;
  }

  /** A random float tensor used as-is (convolution kernels, biases, position embeddings). */
  randomFloat(weight: RandomWeight): string {
    if (!this.quantized) {
      this.initializers.push({ name: weight.stream, dataType: DataType.FLOAT, dims: weight.dims, data: lazyFloat32(weight, this.seed) });
      return weight.stream;
    }
    const quantizedName = `${weight.stream}_quantized`;
    this.initializers.push({ name: quantizedName, dataType: DataType.INT8, dims: weight.dims, data: lazyInt8(weight, this.seed) });
    const zeroPoint = `${weight.stream}_zero_point`;
    this.initializers.push({ name: zeroPoint, dataType: DataType.INT8, dims: [], data: new Uint8Array(1) });
    return this.op1('DequantizeLinear', [quantizedName, this.floats([scaleOf(weight)], []), zeroPoint]);
  }

  /** x·W (+ b) with W [inDim, outDim]; q8 runs it as DynamicQuantizeLinear + MatMulInteger. */
  linear(x: string, weight: RandomWeight, bias?: RandomWeight): string {
    let y: string;
    if (!this.quantized) {
      y = this.op1('MatMul', [x, this.randomFloat(weight)]);
    } else {
      const quantizedName = `${weight.stream}_quantized`;
      this.initializers.push({ name: quantizedName, dataType: DataType.INT8, dims: weight.dims, data: lazyInt8(weight, this.seed) });
      const [xq = '', xScale = '', xZeroPoint = ''] = this.op('DynamicQuantizeLinear', [x], undefined, [
        `${weight.stream}_x_q`,
        `${weight.stream}_x_scale`,
        `${weight.stream}_x_zero_point`,
      ]);
      const accumulated = this.op1('MatMulInteger', [xq, quantizedName, xZeroPoint]);
      const asFloat = this.op1('Cast', [accumulated], { to: int(DataType.FLOAT) });
      const scale = this.op1('Mul', [xScale, this.floats([scaleOf(weight)], [])]);
      y = this.op1('Mul', [asFloat, scale]);
    }
    return bias ? this.op1('Add', [y, this.randomFloat(bias)]) : y;
  }

  /** Gather rows of a random [rows, width] table. */
  embedding(ids: string, table: RandomWeight, outputName: string): string {
    if (!this.quantized) return this.op1('Gather', [this.randomFloat(table), ids], { axis: int(0) }, outputName);
    const quantizedName = `${table.stream}_quantized`;
    this.initializers.push({ name: quantizedName, dataType: DataType.INT8, dims: table.dims, data: lazyInt8(table, this.seed) });
    const rows = this.op1('Gather', [quantizedName, ids], { axis: int(0) });
    const asFloat = this.op1('Cast', [rows], { to: int(DataType.FLOAT) });
    return this.op1('Mul', [asFloat, this.floats([scaleOf(table)], [])], undefined, outputName);
  }

  reshape(x: string, shape: number[]): string {
    return this.op1('Reshape', [x, this.int64s(shape)]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op1('Transpose', [x], { perm: ints(perm) });
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.op1('Unsqueeze', [x, this.int64s(axes)]);
  }

  rmsNorm(x: string, name: string, width: number): string {
    const meanSquare = this.op1('ReduceMean', [this.op1('Mul', [x, x])], { axes: ints([-1]), keepdims: int(1) });
    const inverseRms = this.op1('Reciprocal', [this.op1('Sqrt', [this.op1('Add', [meanSquare, this.floats([RMS_NORM_EPS], [])])])]);
    const weight = this.named(name, new Float32Array(width).fill(1), [width]);
    return this.op1('Mul', [this.op1('Mul', [x, inverseRms]), weight]);
  }

  layerNorm(x: string, name: string, width: number): string {
    const scale = this.named(`${name}.weight`, new Float32Array(width).fill(1), [width]);
    const bias = this.named(`${name}.bias`, new Float32Array(width), [width]);
    return this.op1('LayerNormalization', [x, scale, bias], { axis: int(-1), epsilon: float(LAYER_NORM_EPS) });
  }

  /** gelu with the tanh approximation, as SigLIP uses. */
  gelu(x: string): string {
    const cube = this.op1('Mul', [this.op1('Mul', [x, x]), x]);
    const inner = this.op1('Add', [x, this.op1('Mul', [cube, this.floats([0.044715], [])])]);
    const tanh = this.op1('Tanh', [this.op1('Mul', [inner, this.floats([Math.sqrt(2 / Math.PI)], [])])]);
    const half = this.op1('Mul', [x, this.floats([0.5], [])]);
    return this.op1('Mul', [half, this.op1('Add', [tanh, this.floats([1], [])])]);
  }

  silu(x: string): string {
    return this.op1('Mul', [x, this.op1('Sigmoid', [x])]);
  }
}

/** Uniform bound giving unit-variance outputs for unit-variance inputs. */
function fanInBound(fanIn: number): number {
  return Math.sqrt(3 / fanIn);
}

function linearWeight(stream: string, inDim: number, outDim: number, zeroLastDim?: ReadonlySet<number>): RandomWeight {
  return { stream, dims: [inDim, outDim], bound: fanInBound(inDim), ...(zeroLastDim ? { zeroLastDim } : {}) };
}

function biasWeight(stream: string, width: number): RandomWeight {
  return { stream, dims: [width], bound: 0.1 };
}

interface BuiltGraph {
  builder: GraphBuilder;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

// ---------------------------------------------------------------------------
// vision_encoder: patch Conv → pre-LN transformer layers → pixel shuffle → projection

function buildVisionEncoder(spec: SmolVlmSpec, builder: GraphBuilder): BuiltGraph {
  const { imageSize, patchSize, hidden, ffn, layers, heads } = spec.vision;
  const side = patchesPerSide(spec);
  const patches = side * side;
  const scale = spec.scaleFactor;
  const headDim = hidden / heads;
  const b = builder;

  const frames = b.reshape('pixel_values', [-1, 3, imageSize, imageSize]);
  const kernel = b.randomFloat({ stream: 'vision.patch_embedding.weight', dims: [hidden, 3, patchSize, patchSize], bound: fanInBound(3 * patchSize * patchSize) });
  const convBias = b.randomFloat(biasWeight('vision.patch_embedding.bias', hidden));
  const patchGrid = b.op1('Conv', [frames, kernel, convBias], { kernel_shape: ints([patchSize, patchSize]), strides: ints([patchSize, patchSize]) });
  const sequence = b.transpose(b.reshape(patchGrid, [0, hidden, patches]), [0, 2, 1]);
  const positions = b.randomFloat({ stream: 'vision.position_embedding', dims: [patches, hidden], bound: 0.5 });
  let x = b.op1('Add', [sequence, positions]);

  for (let layer = 0; layer < layers; layer++) {
    const prefix = `vision.layers.${layer}`;
    const normed = b.layerNorm(x, `${prefix}.layer_norm1`, hidden);
    const splitHeads = (t: string): string => b.transpose(b.reshape(t, [0, 0, heads, headDim]), [0, 2, 1, 3]);
    const q = splitHeads(b.linear(normed, linearWeight(`${prefix}.q_proj`, hidden, hidden), biasWeight(`${prefix}.q_proj.bias`, hidden)));
    const k = splitHeads(b.linear(normed, linearWeight(`${prefix}.k_proj`, hidden, hidden), biasWeight(`${prefix}.k_proj.bias`, hidden)));
    const v = splitHeads(b.linear(normed, linearWeight(`${prefix}.v_proj`, hidden, hidden), biasWeight(`${prefix}.v_proj.bias`, hidden)));
    const scores = b.op1('MatMul', [b.op1('Mul', [q, b.floats([1 / Math.sqrt(headDim)], [])]), b.transpose(k, [0, 1, 3, 2])]);
    const context = b.op1('MatMul', [b.op1('Softmax', [scores], { axis: int(-1) }), v]);
    const merged = b.reshape(b.transpose(context, [0, 2, 1, 3]), [0, 0, hidden]);
    x = b.op1('Add', [x, b.linear(merged, linearWeight(`${prefix}.out_proj`, hidden, hidden), biasWeight(`${prefix}.out_proj.bias`, hidden))]);

    const normed2 = b.layerNorm(x, `${prefix}.layer_norm2`, hidden);
    const up = b.gelu(b.linear(normed2, linearWeight(`${prefix}.fc1`, hidden, ffn), biasWeight(`${prefix}.fc1.bias`, ffn)));
    x = b.op1('Add', [x, b.linear(up, linearWeight(`${prefix}.fc2`, ffn, hidden), biasWeight(`${prefix}.fc2.bias`, hidden))]);
  }
  x = b.layerNorm(x, 'vision.post_layernorm', hidden);

  // Idefics3's pixel shuffle: scale² neighbouring patches become one wider token.
  let shuffled = b.reshape(x, [0, side, side / scale, hidden * scale]);
  shuffled = b.transpose(shuffled, [0, 2, 1, 3]);
  shuffled = b.reshape(shuffled, [0, side / scale, side / scale, hidden * scale * scale]);
  shuffled = b.transpose(shuffled, [0, 2, 1, 3]);
  shuffled = b.reshape(shuffled, [0, patches / (scale * scale), hidden * scale * scale]);
  const projected = b.linear(shuffled, linearWeight('connector.modality_projection', hidden * scale * scale, spec.text.hidden));
  b.op1('Identity', [projected], undefined, 'image_features');

  return {
    builder: b,
    inputs: [
      { name: 'pixel_values', elemType: DataType.FLOAT, shape: ['batch_size', 'num_images', 3, imageSize, imageSize] },
      { name: 'pixel_attention_mask', elemType: DataType.BOOL, shape: ['batch_size', 'num_images', imageSize, imageSize] },
    ],
    outputs: [{ name: 'image_features', elemType: DataType.FLOAT, shape: ['num_frames', imageSeqLen(spec), spec.text.hidden] }],
  };
}

// ---------------------------------------------------------------------------
// embed_tokens

function buildEmbedTokens(spec: SmolVlmSpec, vocabSize: number, builder: GraphBuilder): BuiltGraph {
  builder.embedding('input_ids', { stream: 'text.embed_tokens', dims: [vocabSize, spec.text.hidden], bound: Math.sqrt(3) }, 'inputs_embeds');
  return {
    builder,
    inputs: [{ name: 'input_ids', elemType: DataType.INT64, shape: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'inputs_embeds', elemType: DataType.FLOAT, shape: ['batch_size', 'sequence_length', spec.text.hidden] }],
  };
}

// ---------------------------------------------------------------------------
// decoder_model_merged: llama decoder with RoPE, GQA, KV cache and SwiGLU

function buildDecoder(spec: SmolVlmSpec, vocabSize: number, unreachableIds: ReadonlySet<number>, builder: GraphBuilder): BuiltGraph {
  const { hidden, ffn, layers, heads, kvHeads, headDim } = spec.text;
  const groups = heads / kvHeads;
  const half = headDim / 2;
  const b = builder;

  // RoPE tables from position_ids: [batch, 1, seq, headDim].
  const inverseFrequencies = new Float32Array(half);
  for (let i = 0; i < half; i++) inverseFrequencies[i] = 1 / Math.pow(ROPE_THETA, (2 * i) / headDim);
  const positions = b.unsqueeze(b.op1('Cast', ['position_ids'], { to: int(DataType.FLOAT) }), [2]);
  const angles = b.op1('Mul', [positions, b.named('rope.inv_freq', inverseFrequencies, [half])]);
  const doubled = b.op1('Concat', [angles, angles], { axis: int(-1) });
  const cos = b.unsqueeze(b.op1('Cos', [doubled]), [1]);
  const sin = b.unsqueeze(b.op1('Sin', [doubled]), [1]);
  const rope = (t: string): string => {
    const first = b.op1('Slice', [t, b.int64s([0]), b.int64s([half]), b.int64s([3])]);
    const second = b.op1('Slice', [t, b.int64s([half]), b.int64s([headDim]), b.int64s([3])]);
    const rotated = b.op1('Concat', [b.op1('Neg', [second]), first], { axis: int(3) });
    return b.op1('Add', [b.op1('Mul', [t, cos]), b.op1('Mul', [rotated, sin])]);
  };

  // Additive mask [batch, 1, 1, seq, total]: causal with the past offset, and padding from attention_mask.
  const scalarOne = b.int64s([1], []);
  const scalarZero = b.int64s([0], []);
  const seqLength = b.op1('Gather', [b.op1('Shape', ['inputs_embeds']), scalarOne], { axis: int(0) });
  const totalLength = b.op1('Gather', [b.op1('Shape', ['attention_mask']), scalarOne], { axis: int(0) });
  const pastLength = b.op1('Sub', [totalLength, seqLength]);
  const queryPositions = b.unsqueeze(b.op1('Add', [b.op1('Range', [scalarZero, seqLength, scalarOne]), pastLength]), [1]);
  const keyPositions = b.unsqueeze(b.op1('Range', [scalarZero, totalLength, scalarOne]), [0]);
  const causal = b.op1('LessOrEqual', [keyPositions, queryPositions]);
  const notPadding = b.unsqueeze(b.op1('Cast', ['attention_mask'], { to: int(DataType.BOOL) }), [1, 2]);
  const allowed = b.op1('And', [causal, notPadding]);
  const maskBias = b.unsqueeze(b.op1('Where', [allowed, b.floats([0], []), b.floats([MASKED_SCORE], [])]), [2]);

  const inputs: ValueInfo[] = [
    { name: 'inputs_embeds', elemType: DataType.FLOAT, shape: ['batch_size', 'sequence_length', hidden] },
    { name: 'attention_mask', elemType: DataType.INT64, shape: ['batch_size', 'total_sequence_length'] },
    { name: 'position_ids', elemType: DataType.INT64, shape: ['batch_size', 'sequence_length'] },
  ];
  const outputs: ValueInfo[] = [{ name: 'logits', elemType: DataType.FLOAT, shape: ['batch_size', 'sequence_length', vocabSize] }];

  let x = 'inputs_embeds';
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `text.layers.${layer}`;
    for (const kind of ['key', 'value']) {
      inputs.push({ name: `past_key_values.${layer}.${kind}`, elemType: DataType.FLOAT, shape: ['batch_size', kvHeads, 'past_sequence_length', headDim] });
      outputs.push({ name: `present.${layer}.${kind}`, elemType: DataType.FLOAT, shape: ['batch_size', kvHeads, 'total_sequence_length', headDim] });
    }
    const normed = b.rmsNorm(x, `${prefix}.input_layernorm.weight`, hidden);
    const splitHeads = (t: string, count: number): string => b.transpose(b.reshape(t, [0, 0, count, headDim]), [0, 2, 1, 3]);
    const q = rope(splitHeads(b.linear(normed, linearWeight(`${prefix}.q_proj`, hidden, heads * headDim)), heads));
    const k = rope(splitHeads(b.linear(normed, linearWeight(`${prefix}.k_proj`, hidden, kvHeads * headDim)), kvHeads));
    const v = splitHeads(b.linear(normed, linearWeight(`${prefix}.v_proj`, hidden, kvHeads * headDim)), kvHeads);
    const presentKey = b.op1('Concat', [`past_key_values.${layer}.key`, k], { axis: int(2) }, `present.${layer}.key`);
    const presentValue = b.op1('Concat', [`past_key_values.${layer}.value`, v], { axis: int(2) }, `present.${layer}.value`);

    // Grouped-query attention without copying K/V: query heads are grouped per KV head
    // ([batch, kvHeads, groups, seq, headDim]) and K/V broadcast over the group axis.
    const scaledQ = b.op1('Mul', [q, b.floats([1 / Math.sqrt(headDim)], [])]);
    const groupedQ = b.reshape(scaledQ, [0, kvHeads, groups, -1, headDim]);
    const keysT = b.transpose(b.unsqueeze(presentKey, [2]), [0, 1, 2, 4, 3]);
    const scores = b.op1('Add', [b.op1('MatMul', [groupedQ, keysT]), maskBias]);
    const probabilities = b.op1('Softmax', [scores], { axis: int(-1) });
    const context = b.op1('MatMul', [probabilities, b.unsqueeze(presentValue, [2])]);
    const merged = b.reshape(b.transpose(b.reshape(context, [0, heads, -1, headDim]), [0, 2, 1, 3]), [0, 0, heads * headDim]);
    x = b.op1('Add', [x, b.linear(merged, linearWeight(`${prefix}.o_proj`, heads * headDim, hidden))]);

    const normed2 = b.rmsNorm(x, `${prefix}.post_attention_layernorm.weight`, hidden);
    const gate = b.silu(b.linear(normed2, linearWeight(`${prefix}.gate_proj`, hidden, ffn)));
    const up = b.linear(normed2, linearWeight(`${prefix}.up_proj`, hidden, ffn));
    x = b.op1('Add', [x, b.linear(b.op1('Mul', [gate, up]), linearWeight(`${prefix}.down_proj`, ffn, hidden))]);
  }
  const final = b.rmsNorm(x, 'text.norm.weight', hidden);
  const logits = b.linear(final, linearWeight('text.lm_head', hidden, vocabSize, unreachableIds));
  b.op1('Identity', [logits], undefined, 'logits');
  return { builder: b, inputs, outputs };
}

// ---------------------------------------------------------------------------
// Configs

function configJson(spec: SmolVlmSpec, vocabulary: SmolVlmVocabulary): object {
  const vocabSize = vocabulary.tokens.length;
  const { ids } = vocabulary;
  return {
    architectures: ['SmolVLMForConditionalGeneration'],
    model_type: 'smolvlm',
    image_token_id: ids.image,
    scale_factor: spec.scaleFactor,
    tie_word_embeddings: false,
    vocab_size: vocabSize,
    pad_token_id: ids.imEnd,
    text_config: {
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: spec.text.hidden,
      intermediate_size: spec.text.ffn,
      num_hidden_layers: spec.text.layers,
      num_attention_heads: spec.text.heads,
      num_key_value_heads: spec.text.kvHeads,
      head_dim: spec.text.headDim,
      hidden_act: 'silu',
      vocab_size: vocabSize,
      rms_norm_eps: RMS_NORM_EPS,
      rope_theta: ROPE_THETA,
      max_position_embeddings: 8192,
      tie_word_embeddings: false,
      bos_token_id: ids.imStart,
      eos_token_id: ids.endOfUtterance,
      pad_token_id: ids.imEnd,
    },
    vision_config: {
      model_type: 'smolvlm_vision',
      hidden_size: spec.vision.hidden,
      intermediate_size: spec.vision.ffn,
      num_hidden_layers: spec.vision.layers,
      num_attention_heads: spec.vision.heads,
      num_channels: 3,
      image_size: spec.vision.imageSize,
      patch_size: spec.vision.patchSize,
      hidden_act: 'gelu_pytorch_tanh',
      layer_norm_eps: LAYER_NORM_EPS,
    },
    vlmbench_synthetic: { generator: PRODUCER, spec: spec.name, note: 'random weights; not a trained model' },
  };
}

/** The real checkpoints' preprocessor settings (spec.processor), with the spec's frame size. */
function preprocessorConfigJson(spec: SmolVlmSpec): object {
  return {
    do_convert_rgb: true,
    do_image_splitting: spec.processor.doImageSplitting,
    do_normalize: true,
    do_pad: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_processor_type: 'SmolVLMImageProcessor',
    image_std: [0.5, 0.5, 0.5],
    max_image_size: { longest_edge: spec.vision.imageSize },
    processor_class: 'SmolVLMProcessor',
    resample: 1,
    rescale_factor: 1 / 255,
    size: { longest_edge: spec.processor.longestEdge },
  };
}

function generationConfigJson(vocabulary: SmolVlmVocabulary): object {
  return {
    _from_model_config: true,
    bos_token_id: vocabulary.ids.imStart,
    eos_token_id: vocabulary.endOfGenerationIds,
    pad_token_id: vocabulary.ids.imEnd,
  };
}

// ---------------------------------------------------------------------------
// Entry point

function writeJson(path: string, value: object): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes the model into `outDir` and returns the written files, relative to `outDir`,
 * in the order they were written. The same spec, seed and options give byte-identical files.
 */
export async function writeSmolVlmOnnx(
  outDir: string,
  spec: SmolVlmSpec,
  options: WriteSmolVlmOptions,
): Promise<{ files: string[] }> {
  validateSpec(spec);
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be an integer, got ${options.seed}`);
  const dtypes = [...new Set(options.dtypes)];
  if (dtypes.length === 0) throw new Error('at least one dtype is required');

  const vocabulary = buildSmolVlmVocabulary(spec, options.seed);
  const vocabSize = vocabulary.tokens.length;
  const unreachable = new Set(options.eosReachable === false ? [vocabulary.ids.endOfText, ...vocabulary.endOfGenerationIds] : []);

  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const files: string[] = [];
  const json = (name: string, value: object): void => {
    writeJson(join(outDir, name), value);
    files.push(name);
  };
  json('config.json', configJson(spec, vocabulary));
  json('generation_config.json', generationConfigJson(vocabulary));
  json('preprocessor_config.json', preprocessorConfigJson(spec));
  json('processor_config.json', { image_seq_len: imageSeqLen(spec), processor_class: 'SmolVLMProcessor' });
  json('special_tokens_map.json', specialTokensMapJson());
  json('tokenizer.json', tokenizerJson(vocabulary));
  json('tokenizer_config.json', tokenizerConfigJson(vocabulary));

  const graphs: Array<[string, (builder: GraphBuilder) => BuiltGraph]> = [
    ['vision_encoder', (builder) => buildVisionEncoder(spec, builder)],
    ['embed_tokens', (builder) => buildEmbedTokens(spec, vocabSize, builder)],
    ['decoder_model_merged', (builder) => buildDecoder(spec, vocabSize, unreachable, builder)],
  ];
  for (const dtype of (['fp32', 'q8'] as const).filter((d) => dtypes.includes(d))) {
    for (const [graphName, build] of graphs) {
      const { builder, inputs, outputs } = build(new GraphBuilder(options.seed, dtype === 'q8'));
      const file = `onnx/${graphName}${dtype === 'q8' ? '_quantized' : ''}.onnx`;
      writeOnnxModel(join(outDir, file), {
        graph: { name: graphName, nodes: builder.nodes, initializers: builder.initializers, inputs, outputs },
        opsetVersion: OPSET,
        producerName: PRODUCER,
        producerVersion: PRODUCER_VERSION,
        metadata: { spec: spec.name, seed: String(options.seed), dtype },
      });
      files.push(file);
    }
  }
  return { files };
}
