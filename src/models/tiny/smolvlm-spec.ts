/**
 * Dimensions of a SmolVLM-compatible model (SigLIP-like vision tower, pixel-shuffle
 * connector, llama-like text decoder), and the quantities derived from them.
 */

export interface SmolVlmSpec {
  name: string;
  text: {
    hidden: number;
    ffn: number;
    layers: number;
    heads: number;
    kvHeads: number;
    headDim: number;
    /** Learned BPE tokens beyond the byte alphabet and the special tokens. */
    vocabExtra?: number;
  };
  vision: {
    imageSize: number;
    patchSize: number;
    hidden: number;
    ffn: number;
    layers: number;
    heads: number;
  };
  /** Pixel-shuffle factor: scaleFactor² patches merge into one image token. */
  scaleFactor: number;
  /**
   * The image processor's settings, as the real checkpoints ship them: an image's long side is
   * resized to `longestEdge` (preprocessor `size.longest_edge`, the mmproj's
   * `clip.vision.preproc_image_size`), then cut into `vision.imageSize` frames plus a global
   * frame when `doImageSplitting` is on.
   */
  processor: { longestEdge: number; doImageSplitting: boolean };
}

/**
 * SmolVLM2's processor settings (HuggingFaceTB/SmolVLM2-256M-Video-Instruct and -500M
 * preprocessor_config.json: size.longest_edge 2048, max_image_size.longest_edge 512,
 * do_image_splitting true). Generated models carry them so that they take the same tiling
 * paths the real weights take: a 1240×1754 page becomes a 3×4 grid plus the global frame.
 */
export const SMOLVLM2_PROCESSOR = { longestEdge: 2048, doImageSplitting: true } as const;

/**
 * The tiny model the tests and quick runs use: under 1 MB of fp32 ONNX. Its frames are the real
 * 512 px, so images tile exactly as they do for SmolVLM2; the tower stays cheap by cutting a frame
 * into only 16×16 patches of 32 px (one narrow layer), and the pixel shuffle (factor 4, as in the
 * real model) leaves 16 image tokens per frame.
 */
export const TINY_SMOLVLM_SPEC: SmolVlmSpec = {
  name: 'tiny-random-smolvlm',
  text: { hidden: 64, ffn: 96, layers: 2, heads: 4, kvHeads: 2, headDim: 16, vocabExtra: 213 },
  vision: { imageSize: 512, patchSize: 32, hidden: 16, ffn: 32, layers: 1, heads: 2 },
  scaleFactor: 4,
  processor: SMOLVLM2_PROCESSOR,
};

/**
 * SmolVLM2-256M-Video-Instruct's dimensions (SmolLM2-135M text, SigLIP-B/16 at 512 px).
 * The vocabulary comes to 49280 ids, as in the real model.
 */
export const SMOLVLM2_256M_SHAPE_SPEC: SmolVlmSpec = {
  name: 'shape-faithful-smolvlm2-256m',
  text: { hidden: 576, ffn: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64, vocabExtra: 48981 },
  vision: { imageSize: 512, patchSize: 16, hidden: 768, ffn: 3072, layers: 12, heads: 12 },
  scaleFactor: 4,
  processor: SMOLVLM2_PROCESSOR,
};

/** Patches along one side of a frame. */
export function patchesPerSide(spec: SmolVlmSpec): number {
  return spec.vision.imageSize / spec.vision.patchSize;
}

/** Image tokens one frame becomes after the pixel shuffle (processor_config's image_seq_len). */
export function imageSeqLen(spec: SmolVlmSpec): number {
  const side = patchesPerSide(spec);
  return (side * side) / (spec.scaleFactor * spec.scaleFactor);
}

export function validateSpec(spec: SmolVlmSpec): void {
  const problems: string[] = [];
  const { text, vision, scaleFactor } = spec;
  if (vision.imageSize % vision.patchSize !== 0) problems.push('vision.imageSize must be a multiple of vision.patchSize');
  if (patchesPerSide(spec) % scaleFactor !== 0) problems.push('patches per side must be a multiple of scaleFactor');
  if (vision.hidden % vision.heads !== 0) problems.push('vision.hidden must be a multiple of vision.heads');
  if (text.heads % text.kvHeads !== 0) problems.push('text.heads must be a multiple of text.kvHeads');
  if (text.headDim % 2 !== 0) problems.push('text.headDim must be even (RoPE rotates pairs)');
  if (spec.processor.longestEdge < vision.imageSize) problems.push('processor.longestEdge must be at least vision.imageSize');
  const counts: Array<[string, number, number]> = [
    ['text.hidden', text.hidden, 1], ['text.ffn', text.ffn, 1], ['text.layers', text.layers, 1],
    ['text.heads', text.heads, 1], ['text.kvHeads', text.kvHeads, 1], ['text.headDim', text.headDim, 1],
    ['text.vocabExtra', text.vocabExtra ?? 0, 0], ['vision.imageSize', vision.imageSize, 1],
    ['vision.patchSize', vision.patchSize, 1], ['vision.hidden', vision.hidden, 1], ['vision.ffn', vision.ffn, 1],
    ['vision.layers', vision.layers, 0], ['vision.heads', vision.heads, 1], ['scaleFactor', scaleFactor, 1],
  ];
  for (const [label, value, minimum] of counts) {
    if (!Number.isInteger(value) || value < minimum) problems.push(`${label} must be an integer >= ${minimum}`);
  }
  if (problems.length > 0) throw new Error(`invalid SmolVLM spec "${spec.name}": ${problems.join('; ')}`);
}
