/**
 * The image budget on transformers.js's side (Node and browser): how its Idefics3/SmolVLM image
 * processor is steered for each budget, and what it encoded, read from the tensors it produced.
 *
 * The processor resizes an image's long side to `size.longest_edge`, then, with splitting on,
 * rounds each side up to whole `max_image_size` frames, cuts that into a grid and appends the whole
 * image squashed to one frame (the global frame); with splitting off it squashes the image to one
 * frame, aspect ratio lost.
 * - native: the checkpoint's own settings, untouched.
 * - matched: the image is first resized to exactly the size llama.cpp's idefics3 slicing makes of it
 *   (src/engines/qvac-idefics3.ts) and the processor's long side set to that size, so both runtimes
 *   cut the same grid of the same tiles and add the same global frame.
 * - single: splitting off on a square image (padded, aspect kept) at one frame's size.
 */
import { IMAGE_BUDGET_WORDS, type ImageBudget, type ImageSeen, type Size } from './image-budget.js';
import { idefics3RefinedSize } from './qvac-idefics3.js';

/** The processor settings the plan depends on (preprocessor_config.json). */
export interface ProcessorGeometry {
  /** size.longest_edge: the long side an image is resized to first. */
  longestEdge: number;
  /** max_image_size.longest_edge: the side of one square frame. */
  frameSide: number;
  /** do_image_splitting as the checkpoint ships it. */
  doImageSplitting: boolean;
}

/** What to do to one image before and in the processor call. */
export interface ProcessorPlan {
  /** Resize the image to exactly this first (matched). */
  resizeTo?: Size;
  /** Pad the image to a white square first, centred (single, when the harness has not). */
  padToSquare?: boolean;
  doImageSplitting: boolean;
  /** The processor's size.longest_edge for this call. */
  longestEdge: number;
  /** Why the image cannot get exactly the budget, when it cannot. */
  note?: string;
}

interface PreprocessorConfigLike {
  size?: { longest_edge?: number };
  max_image_size?: { longest_edge?: number };
  do_image_splitting?: boolean;
}

/** The geometry from a preprocessor config, or null when it is not an Idefics3-style one. */
export function processorGeometry(config: PreprocessorConfigLike): ProcessorGeometry | null {
  const longestEdge = config.size?.longest_edge;
  const frameSide = config.max_image_size?.longest_edge;
  if (typeof longestEdge !== 'number' || typeof frameSide !== 'number') return null;
  // Idefics3ImageProcessor's own default when the config omits it.
  return { longestEdge, frameSide, doImageSplitting: config.do_image_splitting ?? true };
}

/** The load note that says what the processor does with an image under the budget in force. */
export function budgetNote(budget: ImageBudget, geometry: ProcessorGeometry | null): string {
  if (!geometry) return `image budget ${budget} not applied: the processor has no size.longest_edge / max_image_size (not an Idefics3-style processor), so it ran as configured`;
  const shipped = `size.longest_edge ${geometry.longestEdge}, ${geometry.frameSide} px frames, do_image_splitting ${geometry.doImageSplitting}`;
  return `image budget ${budget} (${IMAGE_BUDGET_WORDS[budget]}); the checkpoint's processor: ${shipped}`;
}

export function processorPlan(budget: ImageBudget, image: Size, geometry: ProcessorGeometry): ProcessorPlan {
  switch (budget) {
    case 'native':
      return { doImageSplitting: geometry.doImageSplitting, longestEdge: geometry.longestEdge };
    case 'single':
      return { padToSquare: image.width !== image.height, doImageSplitting: false, longestEdge: geometry.frameSide };
    case 'matched': {
      const refined = idefics3RefinedSize(image.width, image.height, { imageSize: geometry.frameSide, longestEdge: geometry.longestEdge, noUpscale: false });
      const plan: ProcessorPlan = { doImageSplitting: true, longestEdge: Math.max(refined.width, refined.height) };
      if (refined.width !== image.width || refined.height !== image.height) plan.resizeTo = refined;
      if (refined.width === geometry.frameSide && refined.height === geometry.frameSide) {
        plan.note =
          'matched is not exact for this image: it fits one slice, which llama.cpp encodes as the slice plus an overview (2 frames) and transformers.js as one frame';
      }
      return plan;
    }
  }
}

/**
 * Pads 8-bit interleaved pixels to a centred square on white. Returns the new side and pixels; the
 * input is returned unchanged when it is already square.
 */
export function padToSquarePixels(data: ArrayLike<number>, width: number, height: number, channels: number): { side: number; data: Uint8ClampedArray } {
  const side = Math.max(width, height);
  const out = new Uint8ClampedArray(side * side * channels).fill(255);
  const left = Math.floor((side - width) / 2);
  const top = Math.floor((side - height) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) out[((top + y) * side + left) * channels + x] = data[y * width * channels + x] as number;
  }
  return { side, data: out };
}

/**
 * The part of each frame the encoder attends to, from pixel_attention_mask `[batch, frames, H, W]`:
 * the processor pads at the bottom and right, so the true cells of a frame's first row and first
 * column give its width and height (a few thousand reads, not the whole mask).
 */
export function maskExtents(dims: readonly number[], data: ArrayLike<boolean | number>): Array<[width: number, height: number]> {
  const [, frames = 0, height = 0, width = 0] = dims;
  const extents: Array<[number, number]> = [];
  for (let f = 0; f < frames; f++) {
    const base = f * height * width;
    let w = 0;
    while (w < width && data[base + w]) w++;
    let h = 0;
    while (h < height && data[base + h * width]) h++;
    extents.push([w, h]);
  }
  return extents;
}

/** What the processor produced, as read from its outputs (the browser page sends these over). */
export interface ProcessorFacts {
  /** pixel_values dims: [batch, frames, channels, height, width]. */
  pixelDims: number[];
  /** Per-frame attended extent from pixel_attention_mask (maskExtents); empty when there was no mask. */
  extents: Array<[number, number]>;
  /** The processor's tile grid (rows, cols); 0 and 0 when the image was not split. */
  rows: number;
  cols: number;
  imageTokens: number;
  /** processor_config.json's image_seq_len. */
  tokensPerFrame: number | null;
}

export function imageSeenFromProcessor(
  facts: ProcessorFacts,
  context: { budget: ImageBudget; input: Size; preparedFrom?: Size; note?: string },
): ImageSeen {
  const frames = facts.pixelDims[1] ?? 0;
  const frameHeight = facts.pixelDims[3] ?? 0;
  const frameWidth = facts.pixelDims[4] ?? 0;
  const split = facts.rows > 0 && facts.cols > 0;
  const seen: ImageSeen = {
    budget: context.budget,
    source: 'measured',
    method: 'pixel_values and pixel_attention_mask from the processor, and its tile rows/cols',
    input: context.input,
    frames,
    grid: split ? { columns: facts.cols, rows: facts.rows } : null,
    overview: split,
    frameSizes: frames > 0 ? [{ width: frameWidth, height: frameHeight, count: frames }] : [],
    tokensPerFrame: facts.tokensPerFrame,
    imageTokens: facts.imageTokens,
  };
  const padded = facts.extents.filter(([w, h]) => w < frameWidth || h < frameHeight).length;
  if (padded > 0) seen.paddedFrames = padded;
  if (context.preparedFrom) seen.preparedFrom = context.preparedFrom;
  if (context.note) seen.note = context.note;
  return seen;
}
