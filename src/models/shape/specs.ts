/**
 * The real SmolVLM2 sizes that shape-faithful models copy, in both generators' terms
 * (the ONNX writer's `SmolVlmSpec`, the GGUF writer's text and vision dims).
 */
import { SMOLVLM2_256M_SHAPE_SPEC, type SmolVlmSpec } from '../tiny/smolvlm-spec.js';
import type { TextDims, VisionDims } from '../tiny/smolvlm-gguf.js';

export type ShapeSize = 'smolvlm2-256m' | 'smolvlm2-500m';
export const SHAPE_SIZES: readonly ShapeSize[] = ['smolvlm2-256m', 'smolvlm2-500m'];

/** The real models' vocabulary: 49152 SmolLM2 ids plus SmolVLM's image and turn markers, padded to 49280. */
export const SHAPE_VOCAB_SIZE = 49280;

/**
 * SmolVLM2-500M-Video-Instruct: a SmolLM2-360M text backbone (hidden 960, FFN 2560, 32 layers,
 * 15 query / 5 KV heads, head_dim 64 — as in huggingface.co/unsloth/SmolLM2-360M config.json,
 * a mirror of HuggingFaceTB/SmolLM2-360M) with the same SigLIP-B/16 512 px vision tower and
 * pixel-shuffle factor 4 as the 256M model. The vocabulary is SmolVLM's 49280.
 */
export const SMOLVLM2_500M_SHAPE_SPEC: SmolVlmSpec = {
  name: 'shape-faithful-smolvlm2-500m',
  text: { hidden: 960, ffn: 2560, layers: 32, heads: 15, kvHeads: 5, headDim: 64, vocabExtra: SMOLVLM2_256M_SHAPE_SPEC.text.vocabExtra },
  vision: { ...SMOLVLM2_256M_SHAPE_SPEC.vision },
  scaleFactor: 4,
  processor: SMOLVLM2_256M_SHAPE_SPEC.processor,
};

export { SMOLVLM2_256M_SHAPE_SPEC };

export function shapeSpec(size: ShapeSize): SmolVlmSpec {
  switch (size) {
    case 'smolvlm2-256m':
      return SMOLVLM2_256M_SHAPE_SPEC;
    case 'smolvlm2-500m':
      return SMOLVLM2_500M_SHAPE_SPEC;
  }
}

export function parseShapeSize(value: string): ShapeSize {
  const normalised = value.replace(/^shape-/, '');
  const found = SHAPE_SIZES.find((size) => size === normalised);
  if (!found) throw new Error(`unknown shape-faithful size "${value}" — choose from: ${SHAPE_SIZES.join(', ')}`);
  return found;
}

/** SmolLM2's context window; it bounds the KV cache llama.cpp may allocate, not the speed of a short run. */
const CONTEXT_LENGTH = 8192;
/** SmolLM2's rope_theta. */
const ROPE_THETA = 100000;

export function ggufTextDims(spec: SmolVlmSpec): TextDims {
  if (spec.text.hidden / spec.text.heads !== spec.text.headDim) {
    throw new Error(`${spec.name}: the GGUF writer derives head_dim as hidden/heads, which is not ${spec.text.headDim}`);
  }
  return {
    hidden: spec.text.hidden,
    layers: spec.text.layers,
    heads: spec.text.heads,
    kvHeads: spec.text.kvHeads,
    ffn: spec.text.ffn,
    contextLength: CONTEXT_LENGTH,
    ropeTheta: ROPE_THETA,
    rmsNormEps: 1e-5,
  };
}

export function ggufVisionDims(spec: SmolVlmSpec): VisionDims {
  return {
    imageSize: spec.vision.imageSize,
    patchSize: spec.vision.patchSize,
    hidden: spec.vision.hidden,
    ffn: spec.vision.ffn,
    layers: spec.vision.layers,
    heads: spec.vision.heads,
    scaleFactor: spec.scaleFactor,
    layerNormEps: 1e-6,
    // The real mmproj writes preproc_image_size from the processor's size.longest_edge (2048),
    // as the ONNX side's preprocessor_config.json does: both runtimes tile as with real weights.
    preprocImageSize: spec.processor.longestEdge,
  };
}
