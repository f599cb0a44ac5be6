/**
 * Dry-run sizes: what each shape-faithful file weighs, counted from the dimensions without
 * writing a byte. It lets a test check the full-precision files (1–2 GB, tens of seconds to
 * write) against the spec, while it writes only the 8-bit pair for real.
 */
import type { SmolVlmSpec } from '../tiny/smolvlm-spec.js';
import { SHAPE_VOCAB_SIZE } from './specs.js';

export interface ParameterCounts {
  /** Decoder matrices read per token: all layers' projections plus the output head. */
  textMatrices: number;
  embeddingTable: number;
  textNorms: number;
  /** Vision matrices (attention, MLP, connector), quantisable. */
  visionMatrices: number;
  /** Patch-embedding kernel and position table. */
  visionEmbeddings: number;
  /** Biases and LayerNorm vectors. */
  visionVectors: number;
  total: number;
}

/** Counts need only the dimensions, not the processor settings. */
export function parameterCounts(spec: Omit<SmolVlmSpec, 'processor'>, vocabSize = SHAPE_VOCAB_SIZE): ParameterCounts {
  const { text, vision } = spec;
  const kvWidth = text.kvHeads * text.headDim;
  const textMatrices = text.layers * (2 * text.hidden * text.hidden + 2 * text.hidden * kvWidth + 3 * text.hidden * text.ffn) + vocabSize * text.hidden;
  const embeddingTable = vocabSize * text.hidden;
  const textNorms = (2 * text.layers + 1) * text.hidden;
  const patches = (vision.imageSize / vision.patchSize) ** 2;
  const visionMatrices = vision.layers * (4 * vision.hidden * vision.hidden + 2 * vision.hidden * vision.ffn) + vision.hidden * spec.scaleFactor ** 2 * text.hidden;
  const visionEmbeddings = vision.hidden * 3 * vision.patchSize ** 2 + patches * vision.hidden;
  const visionVectors = vision.hidden + vision.layers * (4 * vision.hidden + 4 * vision.hidden + vision.ffn + vision.hidden) + 2 * vision.hidden;
  return {
    textMatrices,
    embeddingTable,
    textNorms,
    visionMatrices,
    visionEmbeddings,
    visionVectors,
    total: textMatrices + embeddingTable + textNorms + visionMatrices + visionEmbeddings + visionVectors,
  };
}

export interface ShapeByteEstimate {
  onnxFp32: number;
  onnxQ8: number;
  /** Text GGUF plus mmproj. */
  ggufF32: number;
  ggufQ8_0: number;
}

/** Expected bytes of each part's weights (headers, graphs and tokenizer files excluded: well under 1%). */
export function estimateShapeBytes(spec: SmolVlmSpec, vocabSize = SHAPE_VOCAB_SIZE): ShapeByteEstimate {
  const p = parameterCounts(spec, vocabSize);
  const floats = p.textNorms + p.visionVectors;
  const q80 = 34 / 32;
  return {
    onnxFp32: p.total * 4,
    // The ONNX writer stores every random tensor as int8 plus one scale; norms and biases stay fp32.
    onnxQ8: p.textMatrices + p.embeddingTable + p.visionMatrices + p.visionEmbeddings + floats * 4,
    ggufF32: p.total * 4,
    // llama.cpp's Q8_0 covers the matrices whose rows are multiples of 32; the conv kernel and position table stay F32.
    ggufQ8_0: (p.textMatrices + p.embeddingTable + p.visionMatrices) * q80 + (p.visionEmbeddings + floats) * 4,
  };
}
