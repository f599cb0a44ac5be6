import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { OCR_BUILD_CATEGORIES } from '../src/fixtures/build/ocr.js';
import { PAGE_BUILD_CATEGORIES } from '../src/fixtures/build/pages.js';
import { SCENE_BUILD_CATEGORIES } from '../src/fixtures/build/scenes.js';
import {
  BUILTIN_FIXTURES_DIR,
  CAPTION_CATEGORIES,
  checkImage,
  loadManifest,
  OCR_CATEGORIES,
  sha256Hex,
} from '../src/fixtures/manifest.js';

let dir: string;
let png: Buffer;

async function writeManifest(items: unknown[], extra: Record<string, unknown> = {}): Promise<void> {
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ version: 1, ...extra, items }));
}

function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'ocr-one',
    task: 'ocr',
    category: 'clean',
    image: 'one.png',
    sha256: sha256Hex(png),
    width: 8,
    height: 6,
    references: ['hello'],
    source: 'test',
    licence: 'CC0-1.0',
    ...overrides,
  };
}

async function loadError(options?: Parameters<typeof loadManifest>[1]): Promise<UserError> {
  try {
    await loadManifest(dir, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain('\n');
    return error as UserError;
  }
  throw new Error('loadManifest did not throw');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlmbench-manifest-'));
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#336699' } }).png().toBuffer();
  await writeFile(join(dir, 'one.png'), png);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadManifest on a valid folder', () => {
  test('returns absolute image paths, the manifest hash and the records', async () => {
    await writeManifest([item()]);
    const loaded = await loadManifest(dir);
    expect(loaded.dir).toBe(dir);
    expect(loaded.manifestSha256).toBe(sha256Hex(await readFile(join(dir, 'manifest.json'))));
    expect(loaded.items).toHaveLength(1);
    expect(loaded.items[0]?.imagePath).toBe(join(dir, 'one.png'));
    expect(loaded.items[0]?.references).toEqual(['hello']);
  });

  test('accepts the path of the manifest file itself', async () => {
    await writeManifest([item()]);
    const loaded = await loadManifest(join(dir, 'manifest.json'));
    expect(loaded.items).toHaveLength(1);
  });

  test('"custom" is a valid category for either task; anything goes with allowUnknownCategories', async () => {
    await writeManifest([item({ category: 'custom' }), item({ id: 'cap', task: 'caption', category: 'custom' })]);
    expect((await loadManifest(dir)).items).toHaveLength(2);
    await writeManifest([item({ category: 'my-invoices' })]);
    expect((await loadManifest(dir, { allowUnknownCategories: true })).items[0]?.category).toBe('my-invoices');
  });
});

describe('loadManifest errors are one-line UserErrors naming the thing and the remedy', () => {
  test('missing manifest', async () => {
    const error = await loadError();
    expect(error.message).toMatch(/manifest\.json not found/);
    expect(error.message).toContain('vlmbench fixtures build');
  });

  test('invalid JSON', async () => {
    await writeFile(join(dir, 'manifest.json'), '{ "version": 1, "items": [ ');
    const error = await loadError();
    expect(error.message).toContain('is not valid JSON');
  });

  test('wrong top-level shape', async () => {
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ version: 2, items: [] }));
    const error = await loadError();
    expect(error.message).toContain('"version"');
  });

  test('schema error names the item and the field', async () => {
    await writeManifest([item(), item({ id: 'ocr-two', references: 'hello' })]);
    const error = await loadError();
    expect(error.message).toContain('item 1 ("ocr-two")');
    expect(error.message).toContain('field "references"');
  });

  test('empty references', async () => {
    await writeManifest([item({ references: [] })]);
    expect((await loadError()).message).toContain('"references" is empty');
  });

  test('duplicate id', async () => {
    await writeManifest([item(), item()]);
    expect((await loadError()).message).toContain('duplicate id "ocr-one"');
  });

  test('unknown category lists the valid ones for the task', async () => {
    await writeManifest([item({ category: 'handwriting' })]);
    const error = await loadError();
    expect(error.message).toContain('unknown ocr category "handwriting"');
    for (const category of OCR_CATEGORIES) expect(error.message).toContain(category);
  });

  test('a caption category is not valid for an OCR item', async () => {
    await writeManifest([item({ category: 'scene-overlap' })]);
    expect((await loadError()).message).toContain('unknown ocr category "scene-overlap"');
  });

  test('missing image file', async () => {
    await writeManifest([item({ image: 'ocr/gone.png' })]);
    const error = await loadError();
    expect(error.message).toMatch(/fixture "ocr-one": image .*ocr\/gone\.png is missing — run "vlmbench fixtures build" or fix the manifest/);
  });

  test('sha256 mismatch shows both hashes; verifyHashes: false skips the check', async () => {
    const wrong = 'a'.repeat(64);
    await writeManifest([item({ sha256: wrong })]);
    const error = await loadError();
    expect(error.message).toContain('sha256 mismatch');
    expect(error.message).toContain('manifest aaaaaaaaaaaa');
    expect(error.message).toContain(`file ${sha256Hex(png).slice(0, 12)}`);
    expect(error.message).toContain('vlmbench fixtures build');
    expect((await loadManifest(dir, { verifyHashes: false })).items).toHaveLength(1);
  });

  test('malformed sha256', async () => {
    await writeManifest([item({ sha256: 'abc' })]);
    expect((await loadError()).message).toContain('"sha256" must be 64 hex digits');
  });
});

describe('checkImage', () => {
  test('null for a good image, including a matching size', async () => {
    expect(await checkImage(join(dir, 'one.png'))).toBeNull();
    expect(await checkImage(join(dir, 'one.png'), { width: 8, height: 6 })).toBeNull();
  });

  test('a size different from the manifest is reported', async () => {
    expect(await checkImage(join(dir, 'one.png'), { width: 9, height: 6 })).toContain('the manifest says 9x6');
  });

  test('a truncated PNG is reported as one line naming the file', async () => {
    const big = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#123456' } })
      .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><circle cx="150" cy="100" r="80" fill="red"/></svg>') }])
      .png()
      .toBuffer();
    await writeFile(join(dir, 'cut.png'), big.subarray(0, Math.floor(big.length / 2)));
    const problem = await checkImage(join(dir, 'cut.png'));
    expect(problem).toContain('cut.png cannot be decoded');
    expect(problem).not.toContain('\n');
  });

  test('a file that is not an image at all', async () => {
    await writeFile(join(dir, 'notes.png'), 'just text');
    expect(await checkImage(join(dir, 'notes.png'))).toContain('cannot be decoded');
  });
});

describe('the committed built-in set', () => {
  test('BUILTIN_FIXTURES_DIR points at <repo>/fixtures/builtin', () => {
    expect(BUILTIN_FIXTURES_DIR.endsWith(join('fixtures', 'builtin'))).toBe(true);
    expect(existsSync(join(BUILTIN_FIXTURES_DIR, 'manifest.json'))).toBe(true);
  });

  test('verifies: every hash matches, every image decodes at its recorded size', async () => {
    const loaded = await loadManifest(BUILTIN_FIXTURES_DIR);
    for (const fixture of loaded.items) {
      expect(await checkImage(fixture.imagePath, { width: fixture.width, height: fixture.height }), fixture.id).toBeNull();
      expect(fixture.licence).toBe('CC0-1.0');
      expect(fixture.source).toMatch(/^vlmbench procedural \(src\/fixtures\/build\//);
    }
  });

  test('covers every required category, with at least 40 OCR images and 24 scenes', async () => {
    const loaded = await loadManifest(BUILTIN_FIXTURES_DIR);
    const ocr = loaded.items.filter((fixture) => fixture.task === 'ocr');
    const scenes = loaded.items.filter((fixture) => fixture.task === 'caption');
    expect(ocr.length).toBeGreaterThanOrEqual(40);
    expect(scenes.length).toBeGreaterThanOrEqual(24);
    expect(new Set(ocr.map((fixture) => fixture.category))).toEqual(new Set([...OCR_BUILD_CATEGORIES, ...PAGE_BUILD_CATEGORIES]));
    for (const category of PAGE_BUILD_CATEGORIES) expect(OCR_CATEGORIES).toContain(category);
    expect(new Set(scenes.map((fixture) => fixture.category))).toEqual(new Set(SCENE_BUILD_CATEGORIES));
    for (const category of OCR_BUILD_CATEGORIES) expect(OCR_CATEGORIES).toContain(category);
    for (const category of SCENE_BUILD_CATEGORIES) expect(CAPTION_CATEGORIES).toContain(category);
  });

  test('scenes carry facts and at least three distinct captions; OCR fixtures one reference', async () => {
    const loaded = await loadManifest(BUILTIN_FIXTURES_DIR);
    for (const fixture of loaded.items) {
      if (fixture.task === 'caption') {
        expect(fixture.facts?.length, fixture.id).toBeGreaterThan(0);
        expect(new Set(fixture.references).size, fixture.id).toBeGreaterThanOrEqual(3);
        expect([fixture.width, fixture.height]).toEqual([384, 384]);
      } else {
        expect(fixture.references, fixture.id).toHaveLength(1);
        expect(fixture.facts).toBeUndefined();
        // Strips from 380 to 820 px wide; document pages A4 at 150 dpi (a till receipt narrower).
        if (fixture.category.startsWith('page-')) {
          expect(fixture.height, fixture.id).toBe(1754);
        } else {
          expect(fixture.width, fixture.id).toBeGreaterThanOrEqual(380);
          expect(fixture.width, fixture.id).toBeLessThanOrEqual(820);
        }
      }
    }
  });

  test('the committed images stay under 4 MB in all', async () => {
    const loaded = await loadManifest(BUILTIN_FIXTURES_DIR);
    let total = 0;
    for (const fixture of loaded.items) total += (await readFile(fixture.imagePath)).length;
    expect(total).toBeLessThan(4 * 1024 * 1024);
  });
});
