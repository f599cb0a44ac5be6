/**
 * The image budget: how many frames, at what resolution, each vision engine encodes per image.
 * It is a run setting (`--image-budget`), recorded in the results, part of what `compare` checks,
 * and stated beside every verdict that depends on it, because the same model encodes a page as
 * one squashed frame or as 17 tiles depending on it, and that, not the runtime, dominates speed
 * and OCR quality.
 *
 * - native: each runtime as its users get it for the checkpoint: transformers.js follows the
 *   checkpoint's processor config, llama.cpp its own idefics3 slicing (the mmproj's settings).
 * - matched: both encode the same tile grid and global frame at the same resolution, so speed per
 *   image and quality compare runtimes, not preprocessing. transformers.js is steered to
 *   llama.cpp's grid (llama.cpp's slicing cannot be steered beyond `image_no_upscale`).
 * - single: one frame, the image padded to a square (aspect ratio kept, not squashed); llama.cpp
 *   cannot encode fewer than a slice plus its overview, so it gets that minimum.
 */

export const IMAGE_BUDGETS = ['native', 'matched', 'single'] as const;
export type ImageBudget = (typeof IMAGE_BUDGETS)[number];
export const DEFAULT_IMAGE_BUDGET: ImageBudget = 'native';

export const IMAGE_BUDGET_WORDS: Record<ImageBudget, string> = {
  native: "each runtime's own preprocessing for the checkpoint",
  matched: 'the same tile grid and global frame on both runtimes',
  single: 'one frame per image, padded to a square (aspect kept)',
};

export function isImageBudget(value: unknown): value is ImageBudget {
  return typeof value === 'string' && (IMAGE_BUDGETS as readonly string[]).includes(value);
}

/**
 * The budget a run's settings record, as compared and shown. Runs from before `--image-budget`
 * had only `imageSplitting` (transformers.js only; QVAC always sliced natively), so they get a
 * legacy name of their own and never compare equal to a run with a budget.
 */
export function budgetOfSettings(settings: { imageBudget?: string; imageSplitting?: boolean }): string {
  if (settings.imageBudget) return settings.imageBudget;
  return settings.imageSplitting ? 'legacy (transformers.js splitting on)' : 'legacy (transformers.js one squashed frame)';
}

export interface Size {
  width: number;
  height: number;
}

/** What an engine encoded for one image, per sample: measured where the engine shows it, else an estimate that says so. */
export interface ImageSeen {
  budget: ImageBudget;
  /** measured: read from what the engine encoded (tensors, the worker's log); estimated: computed from a rule. */
  source: 'measured' | 'estimated';
  /** Where the figures come from, in words. */
  method: string;
  /** The image the engine was given, in pixels. */
  input: Size;
  /** When the harness prepared that image (single: padded to a square frame), the fixture's own size. */
  preparedFrom?: Size;
  frames: number;
  /** The tile grid the image was cut into; null when it was encoded whole, as one frame. */
  grid: { columns: number; rows: number } | null;
  /** Whether a global (overview) frame was encoded beside the tiles. */
  overview: boolean;
  /** The frames' resolutions, each with how many frames had it. */
  frameSizes: Array<Size & { count: number }>;
  /** Frames whose attention mask leaves part of the frame out (padding the encoder ignores). */
  paddedFrames?: number;
  tokensPerFrame: number | null;
  imageTokens: number | null;
  /** Why this image could not get exactly the requested budget, when it could not. */
  note?: string;
}

/** "512×512", or "512×512 ×12 + 512×384" when frames differ. */
export function describeFrameSizes(sizes: ImageSeen['frameSizes']): string {
  if (sizes.length === 0) return '–';
  if (sizes.length === 1) return `${sizes[0]!.width}×${sizes[0]!.height}`;
  return sizes.map((s) => `${s.width}×${s.height}${s.count > 1 ? ` ×${s.count}` : ''}`).join(' + ');
}

/** "3×4 + global", "whole image", "1×1 + overview". */
export function describeGrid(seen: Pick<ImageSeen, 'grid' | 'overview'>): string {
  if (!seen.grid) return 'whole image';
  return `${seen.grid.columns}×${seen.grid.rows}${seen.overview ? ' + global' : ''}`;
}
