/**
 * How many frames and image tokens llama.cpp's idefics3 (SmolVLM) path makes of an image.
 *
 * QVAC streams no image-token count, so vlmbench derives it from the mmproj header and llama.cpp's
 * preprocessing rule (tools/mtmd/clip.cpp): resize, keeping the aspect ratio, so the long side is
 * `preproc_image_size`; round each side up to a multiple of `image_size`; cut that into a grid of
 * `image_size` slices, and add one overview frame. Even a single-slice grid gives 2 frames.
 * Each frame becomes (image_size / patch_size / scale_factor)^2 tokens after pixel shuffle.
 */
import { readGgufMetadata, type GgufMetadataValue } from '../models/gguf/reader.js';

export interface Idefics3Geometry {
  imageSize: number;
  patchSize: number;
  scaleFactor: number;
  /** `clip.vision.preproc_image_size`; the image's long side is resized to this before slicing. */
  longestEdge: number;
  /** QVAC's `clip.vision.preproc_no_upscale`: small images keep their size (rounded up to whole slices). */
  noUpscale: boolean;
  projectorType: string;
  fileType?: number;
}

export interface Idefics3Slicing {
  frames: number;
  gridColumns: number;
  gridRows: number;
  tokensPerFrame: number;
  imageTokens: number;
}

function numberOf(value: GgufMetadataValue | undefined): number | undefined {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

/** Geometry from an idefics3 mmproj's header, or null when the file is not an idefics3 projector. */
export function readIdefics3Geometry(mmprojPath: string): Idefics3Geometry | null {
  const kv = readGgufMetadata(mmprojPath);
  const projectorType = kv.get('clip.projector_type') ?? kv.get('clip.vision.projector_type');
  const imageSize = numberOf(kv.get('clip.vision.image_size'));
  const patchSize = numberOf(kv.get('clip.vision.patch_size'));
  if (projectorType !== 'idefics3' || imageSize === undefined || patchSize === undefined) return null;
  return {
    imageSize,
    patchSize,
    scaleFactor: numberOf(kv.get('clip.vision.projector.scale_factor')) ?? 1,
    longestEdge: numberOf(kv.get('clip.vision.preproc_image_size')) ?? imageSize,
    noUpscale: kv.get('clip.vision.preproc_no_upscale') === true,
    projectorType,
    fileType: numberOf(kv.get('general.file_type')),
  };
}

function alignUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/**
 * The "refined" size llama.cpp's idefics3 path resizes an image to before cutting it into
 * `imageSize` slices: the long side to `longestEdge` (or, with no-upscale, to the long side rounded
 * up to whole slices, capped there), aspect kept, then each side rounded up to whole slices.
 */
export function idefics3RefinedSize(width: number, height: number, geometry: Pick<Idefics3Geometry, 'imageSize' | 'longestEdge' | 'noUpscale'>): { width: number; height: number } {
  const { imageSize, longestEdge } = geometry;
  let targetLong = longestEdge;
  if (geometry.noUpscale) targetLong = Math.min(longestEdge, alignUp(Math.max(width, height), imageSize));
  const scale = Math.min(targetLong / width, targetLong / height);
  // clip.cpp truncates the scaled size to an int before aligning it up.
  return { width: alignUp(Math.max(1, Math.trunc(width * scale)), imageSize), height: alignUp(Math.max(1, Math.trunc(height * scale)), imageSize) };
}

/** Frames and image tokens for an image of `width` × `height` pixels. */
export function idefics3Slicing(width: number, height: number, geometry: Idefics3Geometry): Idefics3Slicing {
  const { imageSize } = geometry;
  const refined = idefics3RefinedSize(width, height, geometry);
  const refinedWidth = refined.width;
  const refinedHeight = refined.height;
  const gridColumns = refinedWidth / imageSize;
  const gridRows = refinedHeight / imageSize;
  const side = imageSize / geometry.patchSize / geometry.scaleFactor;
  const tokensPerFrame = side * side;
  const frames = gridColumns * gridRows + 1;
  return { frames, gridColumns, gridRows, tokensPerFrame, imageTokens: frames * tokensPerFrame };
}

const GGML_FILE_TYPE: Record<number, string> = { 0: 'F32', 1: 'F16', 7: 'Q8_0', 2: 'Q4_0', 3: 'Q4_1', 8: 'Q5_0', 9: 'Q5_1', 15: 'Q4_K_M', 17: 'Q5_K_M', 18: 'Q6_K' };

export function ggmlFileTypeName(fileType: number | undefined): string | undefined {
  return fileType === undefined ? undefined : (GGML_FILE_TYPE[fileType] ?? `file_type ${fileType}`);
}
