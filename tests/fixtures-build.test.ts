import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { PINNED_FONTS, readFontVersion, resolvePinnedFonts } from '../src/fixtures/build/fonts.js';
import { buildFixtures, builtinFixtureIds, type FixtureManifestFile } from '../src/fixtures/build/index.js';
import { addGaussianNoise, addSaltAndPepper, OCR_SPECS } from '../src/fixtures/build/ocr.js';
import { PAGE_BUILD_CATEGORIES, PAGE_SPECS } from '../src/fixtures/build/pages.js';
import { encodeGrey4Png } from '../src/fixtures/build/png-grey4.js';
import { captionsFor, placeObjects, SCENE_SPECS } from '../src/fixtures/build/scenes.js';
import { BUILTIN_FIXTURES_DIR, loadManifest } from '../src/fixtures/manifest.js';

const scratch: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vlmbench-build-'));
  scratch.push(dir);
  return dir;
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(relative(root, path));
  }
  return out.sort();
}

let first: string;
let second: string;

beforeAll(async () => {
  first = await tempDir();
  second = await tempDir();
  await buildFixtures(first);
  await buildFixtures(second);
}, 60_000);

afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe('the built-in build', () => {
  test('is byte-reproducible: two builds give identical files', async () => {
    const filesA = await listFiles(first);
    const filesB = await listFiles(second);
    expect(filesA).toEqual(filesB);
    expect(filesA).toContain('manifest.json');
    expect(filesA.length).toBe(builtinFixtureIds().length + 1);
    for (const file of filesA) {
      const [a, b] = [await readFile(join(first, file)), await readFile(join(second, file))];
      expect(a.equals(b), file).toBe(true);
    }
  });

  test('its output verifies with loadManifest', async () => {
    const loaded = await loadManifest(first);
    expect(loaded.items.map((item) => item.id)).toEqual(builtinFixtureIds());
  });

  test('matches the committed fixtures/builtin when built with the same fonts and libraries', async () => {
    const committed = JSON.parse(await readFile(join(BUILTIN_FIXTURES_DIR, 'manifest.json'), 'utf8')) as FixtureManifestFile;
    const fresh = JSON.parse(await readFile(join(first, 'manifest.json'), 'utf8')) as FixtureManifestFile;
    // Another font build or libvips renders different pixels; the committed set is then
    // verified by its hashes only (fixtures-manifest.test.ts).
    if (JSON.stringify(committed.generator) !== JSON.stringify(fresh.generator)) return;
    expect(fresh).toEqual(committed);
  });

  test('a subset build writes only the requested ids, with the same bytes as the full build', async () => {
    const ids = ['ocr-gaussian-noise-02', 'ocr-jpeg-03', 'scene-25'];
    const dir = await tempDir();
    expect(await buildFixtures(dir, { ids })).toEqual({ items: 3 });
    const loaded = await loadManifest(dir);
    expect(loaded.items.map((item) => item.id)).toEqual(ids);
    for (const item of loaded.items) {
      expect((await readFile(item.imagePath)).equals(await readFile(join(first, item.image))), item.id).toBe(true);
    }
  });

  test('a rebuild removes images the set no longer contains', async () => {
    const dir = await tempDir();
    await buildFixtures(dir, { ids: ['ocr-clean-01', 'scene-01'] });
    await buildFixtures(dir, { ids: ['scene-01'] });
    expect(await listFiles(dir)).toEqual(['manifest.json', 'scenes/scene-01.png']);
  });

  test('an unknown id is a UserError', async () => {
    await expect(buildFixtures(await tempDir(), { ids: ['ocr-nope'] })).rejects.toThrow(UserError);
  });

  test('JPEG fixtures are JPEG files, the rest PNG, OCR pages greyscale', async () => {
    for (const file of await listFiles(first)) {
      if (file === 'manifest.json') continue;
      const metadata = await sharp(join(first, file)).metadata();
      expect(metadata.format, file).toBe(file.endsWith('.jpg') ? 'jpeg' : 'png');
      if (file.startsWith('ocr/') || file.startsWith('pages/')) expect(metadata.channels, file).toBe(1);
      if (file.startsWith('pages/')) expect(metadata.bitsPerSample, file).toBe(4);
    }
    const jpegs = OCR_SPECS.filter((spec) => spec.category === 'jpeg').map((spec) => `ocr/${spec.id}.jpg`);
    for (const file of jpegs) expect((await stat(join(first, file))).size).toBeGreaterThan(0);
  });
});

describe('references follow the reading-order rules', () => {
  async function referenceOf(id: string): Promise<string> {
    const loaded = await loadManifest(first);
    const found = loaded.items.find((item) => item.id === id);
    if (!found) throw new Error(`no ${id}`);
    return found.references[0] ?? '';
  }

  test('two-column pages: left column, then right column', async () => {
    const text = await referenceOf('ocr-two-column-02');
    expect(text).toBe('The council approved the\nnew bicycle lanes on\nMonday evening.\nWork will begin in May\nand should finish before\nthe end of summer.');
  });

  test('tables: row by row, cells separated by single spaces', async () => {
    const text = await referenceOf('ocr-table-02');
    expect(text.split('\n')).toEqual(['Item Qty Price Total', 'Pens 10 0.50 5.00', 'Paper 2 4.25 8.50', 'Stapler 1 7.99 7.99']);
  });

  test('receipts: header lines, then "item price" lines', async () => {
    const text = await referenceOf('ocr-receipt-01');
    expect(text.split('\n').slice(0, 3)).toEqual(['CORNER MARKET', '12 High Street', 'Milk 1L 1.29']);
    expect(text.endsWith('TOTAL 9.87\nCASH 10.00\nCHANGE 0.13')).toBe(true);
  });

  test('numbers fixtures have short single-line references (scored with ANLS)', async () => {
    for (const spec of OCR_SPECS.filter((s) => s.category === 'numbers')) {
      const text = await referenceOf(spec.id);
      expect(text).not.toContain('\n');
      expect(text.length).toBeLessThanOrEqual(20);
    }
  });
});

describe('document pages', () => {
  async function pageOf(id: string): Promise<{ reference: string; width: number; height: number; category: string; bytes: number }> {
    const loaded = await loadManifest(first);
    const found = loaded.items.find((item) => item.id === id);
    if (!found) throw new Error(`no ${id}`);
    return { reference: found.references[0] ?? '', width: found.width ?? 0, height: found.height ?? 0, category: found.category, bytes: (await stat(found.imagePath)).size };
  }

  test('are a dozen A4 pages at 150 dpi in page-* categories, each under 200 KB', async () => {
    expect(PAGE_SPECS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(PAGE_SPECS.map((spec) => spec.category))).toEqual(new Set(PAGE_BUILD_CATEGORIES));
    for (const spec of PAGE_SPECS) {
      const page = await pageOf(spec.id);
      expect(page.category).toMatch(/^page-/);
      expect(page.height, spec.id).toBe(1754);
      expect(page.width, spec.id).toBe(spec.category === 'page-receipt' ? 620 : 1240);
      expect(page.bytes, spec.id).toBeLessThan(200_000);
      expect(page.reference.split('\n').length, spec.id).toBeGreaterThanOrEqual(14);
    }
  });

  test('columns read left column first, top to bottom; the title comes first', async () => {
    const { reference } = await pageOf('page-three-column-01');
    const lines = reference.split('\n');
    expect(lines[0]).toBe('The Valley Gazette');
    // The text flows through the columns: every line but the title is body text, none is blank.
    expect(lines.slice(1).every((line) => line.trim().length > 0)).toBe(true);
    expect(lines.length).toBeGreaterThan(100);
  });

  test('tables read row by row, header first, cells separated by single spaces', async () => {
    const lines = (await pageOf('page-table-02')).reference.split('\n');
    const header = lines.indexOf('Line From To Departs Arrives Bay');
    expect(header).toBeGreaterThan(0);
    for (const row of lines.slice(header + 1)) expect(row).toMatch(/^\d+ .+ \d\d:\d\d \d\d:\d\d \d$/);
  });

  test('forms read section by section, fields left to right as "Label: value"', async () => {
    const lines = (await pageOf('page-form-01')).reference.split('\n');
    expect(lines.slice(0, 5)).toEqual(['Library Membership Application', 'Applicant', 'First name: Anna', 'Last name: Lindqvist', 'Date of birth: 14/03/1986']);
    expect(lines).toContain('Email: anna.lindqvist@example.org');
  });

  test('the long receipt lists every item and totals that add up', async () => {
    const lines = (await pageOf('page-receipt-01')).reference.split('\n');
    expect(lines[0]).toBe('GREEN VALLEY FOODS');
    const prices = lines.slice(4, lines.indexOf(lines.find((line) => line.startsWith('SUBTOTAL')) ?? '')).map((line) => Number(line.split(' ').at(-1)));
    expect(prices.length).toBeGreaterThanOrEqual(30);
    const subtotal = Number(lines.find((line) => line.startsWith('SUBTOTAL'))?.split(' ')[1]);
    expect(subtotal).toBeCloseTo(prices.reduce((a, b) => a + b, 0), 2);
  });

  test('the 4-bit greyscale writer round-trips 16 grey levels exactly', async () => {
    const pixels = Buffer.from(Array.from({ length: 7 * 3 }, (_, i) => (i % 16) * 17));
    const { data, info } = await sharp(encodeGrey4Png(pixels, 7, 3)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([7, 3]);
    expect([...data]).toEqual([...pixels]);
  });
});

describe('scenes', () => {
  test('object counts match the difficulty tag', () => {
    for (const spec of SCENE_SPECS) {
      const total = spec.groups.reduce((sum, group) => sum + group.count, 0);
      const [min, max] =
        spec.category === 'scene-1-2-objects' ? [1, 2] : spec.category === 'scene-3-5-objects' ? [3, 5] : spec.category === 'scene-6-8-objects' ? [6, 8] : [2, 8];
      expect(total, spec.id).toBeGreaterThanOrEqual(min);
      expect(total, spec.id).toBeLessThanOrEqual(max);
      expect(placeObjects(spec)).toHaveLength(total);
    }
  });

  test('overlap scenes overlap; the others do not', () => {
    for (const spec of SCENE_SPECS) {
      const placed = placeObjects(spec);
      const touching = placed.some((a, i) => placed.some((b, j) => j > i && Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r));
      expect(touching, spec.id).toBe(spec.category === 'scene-overlap');
    }
  });

  test('captions are varied and name every colour and shape', () => {
    const spec = SCENE_SPECS.find((s) => s.id === 'scene-08');
    if (!spec) throw new Error('scene-08 missing');
    const captions = captionsFor(spec);
    expect(captions).toContain('Two red circles and a blue square on a white background.');
    expect(captions).toContain('A white background with two red circles and one blue square.');
    for (const s of SCENE_SPECS) {
      for (const caption of captionsFor(s)) {
        for (const group of s.groups) {
          expect(caption, s.id).toContain(group.color);
          expect(caption, s.id).toContain(group.shape);
        }
      }
    }
  });
});

describe('deterministic noise', () => {
  const page = Buffer.alloc(1000, 200);

  test('the same seed gives the same pixels; another seed different ones', () => {
    expect(addGaussianNoise(page, 30, 7).equals(addGaussianNoise(page, 30, 7))).toBe(true);
    expect(addGaussianNoise(page, 30, 7).equals(addGaussianNoise(page, 30, 8))).toBe(false);
    expect(addSaltAndPepper(page, 0.1, 7).equals(addSaltAndPepper(page, 0.1, 7))).toBe(true);
  });

  test('salt-and-pepper flips about the requested fraction to black or white', () => {
    const noisy = addSaltAndPepper(Buffer.alloc(20_000, 128), 0.1, 3);
    const flipped = [...noisy].filter((v) => v !== 128);
    expect(flipped.every((v) => v === 0 || v === 255)).toBe(true);
    expect(flipped.length / noisy.length).toBeGreaterThan(0.08);
    expect(flipped.length / noisy.length).toBeLessThan(0.12);
  });
});

describe('pinned fonts', () => {
  test('reads the version from the font file', async () => {
    const version = readFontVersion(await readFile(PINNED_FONTS.sans.file));
    expect(version).toMatch(/^Version \d+\.\d+/);
  });

  test('a missing font is a UserError naming the apt package', async () => {
    const missing = { sans: { family: 'Nowhere Sans', file: '/nonexistent/NowhereSans.ttf', aptPackage: 'fonts-nowhere' } };
    await expect(resolvePinnedFonts(missing)).rejects.toThrow(/apt-get install fonts-nowhere/);
  });
});
