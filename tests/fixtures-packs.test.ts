import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { checkImage, loadManifest, sha256Hex } from '../src/fixtures/manifest.js';
import { listPacks, PACK_LOCK_FILE, PackDefinitionSchema, pullPack, type PackDefinition } from '../src/fixtures/packs.js';

/** A local stand-in for the internet: serves fixed bytes by path and counts requests. */
let server: Server;
let base: string;
const served = new Map<string, Buffer>();
let requests: string[] = [];

let tiff: Buffer;
let jpeg: Buffer;
let work: string;

beforeAll(async () => {
  tiff = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ffffff' } })
    .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect x="5" y="5" width="30" height="10" fill="#000"/></svg>') }])
    .tiff()
    .toBuffer();
  jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#208040' } }).jpeg().toBuffer();
  served.set('/page.tif', tiff);
  served.set('/photo.jpg', jpeg);
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body = served.get(request.url ?? '');
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'vlmbench-packs-'));
  requests = [];
  return async () => rm(work, { recursive: true, force: true });
});

async function writePack(pack: PackDefinition): Promise<string> {
  const file = join(work, `${pack.name}.json`);
  await writeFile(file, JSON.stringify(pack));
  return file;
}

function scanPack(overrides: Partial<PackDefinition['items'][number]> = {}): PackDefinition {
  return {
    name: 'local-scans',
    version: 1,
    task: 'ocr',
    title: 'test',
    description: 'test',
    items: [
      {
        id: 'scan-one',
        category: 'scanned-page',
        urls: [`${base}/page.tif`],
        sha256: sha256Hex(tiff),
        filename: 'page.tif',
        licence: 'CC0-1.0',
        attribution: 'test fixture',
        references: ['HELLO'],
        ...overrides,
      },
    ],
  };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

describe('the shipped pack definitions', () => {
  test('parse, and there is a caption pack of photos and an OCR pack of scans', async () => {
    const packs = await listPacks();
    const photos = packs.find((pack) => pack.task === 'caption');
    const scans = packs.find((pack) => pack.task === 'ocr');
    expect(photos?.items).toBeGreaterThanOrEqual(3);
    expect(scans?.items).toBeGreaterThanOrEqual(1);
    for (const pack of packs) {
      const definition = PackDefinitionSchema.parse(JSON.parse(await readFile(pack.file, 'utf8')));
      for (const item of definition.items) {
        expect(item.licence.length, item.id).toBeGreaterThan(0);
        expect(item.attribution.length, item.id).toBeGreaterThan(0);
        for (const url of item.urls) expect(url.startsWith('https://'), url).toBe(true);
        if (definition.task === 'caption') expect(item.references.length, item.id).toBeGreaterThanOrEqual(3);
      }
    }
  });
});

describe('pullPack', () => {
  test('offline (connection refused) fails fast with one line naming the remedy', async () => {
    const port = await closedPort();
    const file = await writePack(scanPack({ urls: [`http://127.0.0.1:${port}/page.tif`] }));
    const started = Date.now();
    const error = await pullPack(file, { cacheDir: work, timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toContain('cannot download fixture pack "local-scans"');
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('retry "vlmbench fixtures pull local-scans"');
    expect(message).toContain('--fixtures DIR');
    expect(message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('downloads, verifies, converts TIFF to PNG, and writes a manifest loadManifest accepts', async () => {
    const file = await writePack(scanPack());
    const messages: string[] = [];
    const result = await pullPack(file, { cacheDir: work, onProgress: (m) => messages.push(m) });
    expect(result).toEqual({ dir: join(work, 'local-scans'), items: 1 });
    const loaded = await loadManifest(result.dir);
    const fixture = loaded.items[0];
    expect(fixture?.image).toBe('images/scan-one.png');
    expect((await sharp(fixture?.imagePath ?? '').metadata()).format).toBe('png');
    expect(await checkImage(fixture?.imagePath ?? '', { width: fixture?.width, height: fixture?.height })).toBeNull();
    expect(fixture?.source).toContain(`sha256 ${sha256Hex(tiff)}`);
    expect(fixture?.source).toContain('converted from tiff to PNG');
    expect(fixture?.licence).toBe('CC0-1.0');
    expect(messages.some((m) => m.includes('downloading'))).toBe(true);

    requests = [];
    await pullPack(file, { cacheDir: work });
    expect(requests).toEqual([]);
  });

  test('a JPEG is kept as is, and a 404 falls through to the next URL', async () => {
    const pack = scanPack({ id: 'photo-one', urls: [`${base}/missing.jpg`, `${base}/photo.jpg`], sha256: sha256Hex(jpeg), filename: 'photo.jpg' });
    const file = await writePack({ ...pack, name: 'local-photos', task: 'caption', items: pack.items.map((i) => ({ ...i, category: 'photo' })) });
    const { dir } = await pullPack(file, { cacheDir: work });
    const loaded = await loadManifest(dir);
    expect(loaded.items[0]?.image).toBe('images/photo-one.jpg');
    expect(loaded.items[0]?.sha256).toBe(sha256Hex(jpeg));
    expect(requests).toEqual(['/missing.jpg', '/photo.jpg']);
  });

  test('bytes that differ from the pinned sha256 are refused', async () => {
    const file = await writePack(scanPack({ sha256: 'b'.repeat(64) }));
    await expect(pullPack(file, { cacheDir: work })).rejects.toThrow(/no source gave a valid "scan-one".*is not the pinned bbbbbbbbbbbb/);
  });

  test('an unpinned file needs --trust-on-first-use, which records its hash for later pulls', async () => {
    const file = await writePack(scanPack({ sha256: null }));
    await expect(pullPack(file, { cacheDir: work })).rejects.toThrow(/without a pinned sha256 \(scan-one\) — rerun with --trust-on-first-use/);
    expect(requests).toEqual([]);

    const { dir } = await pullPack(file, { cacheDir: work, trustOnFirstUse: true });
    const lock = JSON.parse(await readFile(join(dir, PACK_LOCK_FILE), 'utf8')) as Record<string, string>;
    expect(lock['scan-one']).toBe(sha256Hex(tiff));
    expect((await loadManifest(dir)).items[0]?.source).toContain('trusted on first use');

    // Once locked, a later pull verifies against the recorded hash without the flag.
    await expect(pullPack(file, { cacheDir: work })).resolves.toEqual({ dir, items: 1 });
  });

  test('an unknown pack name lists the known ones', async () => {
    await expect(pullPack('no-such-pack', { cacheDir: work })).rejects.toThrow(/unknown fixture pack "no-such-pack" — known packs: .*pd-photos/);
  });
});
