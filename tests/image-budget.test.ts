/**
 * The image budget's pure parts: the plan each budget gives transformers.js's processor, the
 * llama.cpp slicing it is matched to, reading the tensors and the QVAC worker's log, the
 * harness-prepared single-frame images, and the flag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { imageBudget } from '../src/commands/options.js';
import { QUICKSTART_IMAGE_BUDGET } from '../src/commands/run.js';
import { UserError } from '../src/engines/engine.js';
import { budgetOfSettings, describeFrameSizes, describeGrid } from '../src/engines/image-budget.js';
import { imageSeenEstimate, imageSeenFromLog, parseMtmdImageLog } from '../src/engines/qvac-frames.js';
import { idefics3RefinedSize, idefics3Slicing } from '../src/engines/qvac-idefics3.js';
import { imageSeenFromProcessor, maskExtents, padToSquarePixels, processorGeometry, processorPlan } from '../src/engines/transformersjs-image.js';
import { PreparedImages } from '../src/run/prepared-images.js';

const SMOLVLM2 = processorGeometry({ size: { longest_edge: 2048 }, max_image_size: { longest_edge: 512 }, do_image_splitting: true })!;
const PAGE = { width: 1240, height: 1754 };
const STRIP = { width: 600, height: 104 };
const work = mkdtempSync(join(tmpdir(), 'vlmbench-image-budget-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the plan each budget gives transformers.js', () => {
  it('native leaves the checkpoint as shipped', () => {
    expect(processorPlan('native', PAGE, SMOLVLM2)).toEqual({ doImageSplitting: true, longestEdge: 2048 });
  });

  it("matched resizes to llama.cpp's refined size, so both cut the same grid", () => {
    // 1240×1754 → long side 2048 → 1447×2048 → whole 512 px slices: 1536×2048, a 3×4 grid.
    expect(idefics3RefinedSize(PAGE.width, PAGE.height, { imageSize: 512, longestEdge: 2048, noUpscale: false })).toEqual({ width: 1536, height: 2048 });
    expect(processorPlan('matched', PAGE, SMOLVLM2)).toEqual({ doImageSplitting: true, longestEdge: 2048, resizeTo: { width: 1536, height: 2048 } });
    expect(processorPlan('matched', STRIP, SMOLVLM2)).toEqual({ doImageSplitting: true, longestEdge: 2048, resizeTo: { width: 2048, height: 512 } });
    expect(idefics3Slicing(STRIP.width, STRIP.height, { imageSize: 512, longestEdge: 2048, noUpscale: false, patchSize: 16, scaleFactor: 4, projectorType: 'idefics3' }).frames).toBe(5);
  });

  it('matched says so when an image fits one slice (llama.cpp adds an overview, transformers.js does not)', () => {
    const small = processorGeometry({ size: { longest_edge: 512 }, max_image_size: { longest_edge: 512 } })!;
    expect(processorPlan('matched', { width: 300, height: 200 }, small).note).toMatch(/not exact for this image/);
    expect(processorPlan('matched', PAGE, SMOLVLM2).note).toBeUndefined();
  });

  it('single pads to a square and keeps one frame at the frame size', () => {
    expect(processorPlan('single', PAGE, SMOLVLM2)).toEqual({ padToSquare: true, doImageSplitting: false, longestEdge: 512 });
    expect(processorPlan('single', { width: 512, height: 512 }, SMOLVLM2)).toEqual({ padToSquare: false, doImageSplitting: false, longestEdge: 512 });
  });

  it('is not applied to a processor without Idefics3 sizes', () => {
    expect(processorGeometry({ size: { longest_edge: 224 } })).toBeNull();
  });
});

describe('reading what transformers.js encoded', () => {
  it('pads to a centred white square, keeping the aspect ratio', () => {
    // A 4×2 black image, one channel: rows 1 and 2 of the 4×4 square are black, rows 0 and 3 white.
    const { side, data } = padToSquarePixels(new Uint8Array(8), 4, 2, 1);
    expect(side).toBe(4);
    expect([...data]).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
  });

  it("takes each frame's attended extent from the mask's first row and column", () => {
    // Two 3×4 frames: the first whole, the second padded to 2 columns × 1 row.
    const full = Array(12).fill(1);
    const partial = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(maskExtents([1, 2, 3, 4], [...full, ...partial])).toEqual([[4, 3], [2, 1]]);
  });

  it('records frames, grid, frame size and padded frames', () => {
    const seen = imageSeenFromProcessor(
      { pixelDims: [1, 13, 3, 512, 512], extents: Array(13).fill([512, 512]), rows: 4, cols: 3, imageTokens: 832, tokensPerFrame: 64 },
      { budget: 'native', input: PAGE },
    );
    expect(seen).toEqual({
      budget: 'native',
      source: 'measured',
      method: expect.stringContaining('pixel_values and pixel_attention_mask'),
      input: PAGE,
      frames: 13,
      grid: { columns: 3, rows: 4 },
      overview: true,
      frameSizes: [{ width: 512, height: 512, count: 13 }],
      tokensPerFrame: 64,
      imageTokens: 832,
    });
    expect(describeGrid(seen)).toBe('3×4 + global');
    expect(describeFrameSizes(seen.frameSizes)).toBe('512×512');
    const single = imageSeenFromProcessor({ pixelDims: [1, 1, 3, 512, 512], extents: [[300, 512]], rows: 0, cols: 0, imageTokens: 64, tokensPerFrame: 64 }, { budget: 'single', input: STRIP });
    expect(single).toMatchObject({ frames: 1, grid: null, overview: false, paddedFrames: 1 });
    expect(describeGrid(single)).toBe('whole image');
  });
});

describe("reading what QVAC's llama.cpp encoded, from its worker's log", () => {
  // Lines as the 0.19.1 worker prints them for a 1240×1754 page with the tiny model (trimmed).
  const page = [
    'mtmd_group_mergeable_bitmaps: no merging for part index 1',
    'add_media: preproc_out has 12 entries, grid_x = 3, grid_y = 4, has_overview = 1',
    'add_media: adding 12 slices (4 rows x 3 cols)',
    ...Array.from({ length: 13 }, () => [
      'clip_encode: encoding 1 tile(s), grid=0x0, tile_size=512x512',
      'clip_encode: output embedding shape [64, 16, 1]',
      'decoding image batch 1/1, n_tokens_batch = 16',
      'image decoded (batch 1/1) in 3 ms',
    ]).flat(),
  ];

  it('counts frames, the grid, the overview, frame sizes and image tokens', () => {
    const facts = parseMtmdImageLog(page);
    expect(facts).toEqual({ slicing: { slices: 12, columns: 3, rows: 4, overview: true }, frames: 13, frameSizes: [{ width: 512, height: 512, count: 13 }], tokensPerFrame: 16, imageTokens: 208 });
    expect(imageSeenFromLog(facts!, { budget: 'native', input: PAGE })).toMatchObject({ source: 'measured', frames: 13, grid: { columns: 3, rows: 4 }, overview: true, imageTokens: 208 });
  });

  it('is null when the log shows no encoded tile (then the engine estimates, and says so)', () => {
    expect(parseMtmdImageLog(['add_text: hello', 'Job completed'])).toBeNull();
    const estimate = imageSeenEstimate(idefics3Slicing(PAGE.width, PAGE.height, { imageSize: 512, patchSize: 16, scaleFactor: 4, longestEdge: 2048, noUpscale: false, projectorType: 'idefics3' }), 512, {
      budget: 'native',
      input: PAGE,
      why: 'the worker log had no image lines for this run',
    });
    expect(estimate).toMatchObject({ source: 'estimated', frames: 13, imageTokens: 832 });
    expect(estimate.method).toMatch(/^estimate: .*no image lines/);
  });
});

describe('single-budget images the harness prepares', () => {
  it('pads to a centred white square at the frame side: the aspect ratio is kept, never squashed', async () => {
    const source = join(work, 'strip.png');
    await sharp({ create: { width: 600, height: 104, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toFile(source);
    const prepared = new PreparedImages(join(work, 'prepared'));
    const fixture = { imagePath: source, sha256: 'a'.repeat(64) };
    const path = await prepared.single(fixture, 512);
    expect(await prepared.single(fixture, 512)).toBe(path);
    const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    const column = Array.from({ length: 512 }, (_, y) => data[y * 512 + 256] as number);
    const black = column.filter((value) => value < 128).length;
    // 104/600 of 512 rows ≈ 89: the strip keeps its shape (squashed it would fill all 512).
    expect(black).toBeGreaterThanOrEqual(87);
    expect(black).toBeLessThanOrEqual(91);
    expect(column[0]).toBeGreaterThan(250);
    expect(column[511]).toBeGreaterThan(250);
    expect(column[256]).toBeLessThan(5);
  });

  it('names files by the fixture hash, never by anything the manifest chose', () => {
    const prepared = new PreparedImages(join(work, 'prepared'));
    expect(() => prepared.single({ imagePath: 'x', sha256: '../../etc/passwd' }, 512)).toThrow(/cannot prepare/);
  });
});

describe('the flag and the recorded setting', () => {
  it('defaults to native; --image-splitting is a deprecated alias for it', () => {
    const warnings: string[] = [];
    expect(imageBudget({})).toBe('native');
    expect(imageBudget({ imageBudget: 'matched' })).toBe('matched');
    expect(imageBudget({ imageSplitting: true }, (line) => warnings.push(line))).toBe('native');
    expect(warnings).toEqual([expect.stringMatching(/--image-splitting is deprecated: it is --image-budget native/)]);
    expect(() => imageBudget({ imageBudget: 'many' })).toThrow(UserError);
    expect(() => imageBudget({ imageBudget: 'single', imageSplitting: true })).toThrow(/contradicts/);
  });

  it("the quick start's default (single) gives way to an explicit budget or the alias", () => {
    expect(QUICKSTART_IMAGE_BUDGET).toBe('single');
    expect(imageBudget({ defaultImageBudget: QUICKSTART_IMAGE_BUDGET })).toBe('single');
    expect(imageBudget({ defaultImageBudget: QUICKSTART_IMAGE_BUDGET, imageBudget: 'native' })).toBe('native');
    expect(imageBudget({ defaultImageBudget: QUICKSTART_IMAGE_BUDGET, imageSplitting: true }, () => {})).toBe('native');
  });

  it('gives runs from before the budget a legacy name of their own', () => {
    expect(budgetOfSettings({ imageBudget: 'single' })).toBe('single');
    expect(budgetOfSettings({ imageSplitting: false })).toBe('legacy (transformers.js one squashed frame)');
    expect(budgetOfSettings({ imageSplitting: true })).toBe('legacy (transformers.js splitting on)');
  });
});
