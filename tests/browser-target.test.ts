/**
 * The browser targets end to end on the tiny model: transformers.js inside headless Chromium
 * (WASM, and WebGPU on Chromium's software adapter) must produce the same greedy tokens as
 * the Node engine for the same image and prompt, report what ran, and leave no process behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeResolve, startBrowserServer } from '../src/browser/server.js';
import type { Engine, LoadRequest, RunRequest, TargetId } from '../src/engines/engine.js';
import { createTransformersJsBrowserEngine } from '../src/engines/transformersjs-browser.js';
import { createTransformersJsEngine } from '../src/engines/transformersjs.js';
import { descendantPids, isAlive } from '../src/measure/memory.js';
import { ensureTiny } from '../src/models/tiny/index.js';
import { decodingFor, TASK_PROMPTS } from '../src/tasks.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`browser-target tests skipped: ${CHROMIUM} is absent (apt-get install chromium)`);

let workDir = '';
let modelDir = '';
let imagePath = '';

/** Chromium processes this test process started (directly or through Playwright): its descendants. */
function ourChromiumProcesses(): number[] {
  return descendantPids(process.pid).filter((pid) => {
    if (!isAlive(pid)) return false;
    try {
      return /chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/**
 * The token comparison runs under the single budget on a 512 px square image: one frame at the
 * frame's own size, so neither side resizes (canvas and sharp resample differently).
 */
function loadRequest(target: TargetId, threads = 1, imageBudget = 'single'): LoadRequest {
  return {
    model: { id: 'tiny-smolvlm', quant: 'fp32', files: { dir: modelDir }, synthetic: 'tiny' },
    target,
    threads,
    timeoutMs: 150_000,
    options: { imageBudget },
  };
}

function runRequest(path = imagePath, size = { width: 512, height: 512 }): RunRequest {
  return { fixtureId: 'stripes', task: 'caption', imagePath: path, imageSize: size, prompt: TASK_PROMPTS.caption, decoding: decodingFor('caption', 12) };
}

async function tokensOf(engine: Engine): Promise<{ tokens: string[]; text: string; generated: number; output: Awaited<ReturnType<Engine['run']>> }> {
  const tokens: string[] = [];
  const output = await engine.run(runRequest(), (text) => tokens.push(text));
  return { tokens, text: output.text, generated: output.generatedTokens, output };
}

let stripPath = '';
let nodeStripImage: unknown = null;

let reference: { tokens: string[]; text: string; generated: number } | null = null;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'vlmbench-browser-'));
  modelDir = (await ensureTiny('tiny-onnx')).dir as string;
  // 512 px, one frame of the tiny model, so neither side resizes under the single budget.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="512" height="512" fill="white"/>
    <rect x="0" width="128" height="512" fill="black"/><rect x="256" width="128" height="512" fill="green"/><circle cx="384" cy="160" r="72" fill="red"/></svg>`;
  imagePath = join(workDir, 'stripes.png');
  await writeFile(imagePath, await sharp(Buffer.from(svg)).removeAlpha().png().toBuffer());
  // A 600×104 strip for the native budget: SmolVLM2's processor makes it a 4×1 grid plus the global frame.
  stripPath = join(workDir, 'strip.png');
  await writeFile(stripPath, await sharp({ create: { width: 600, height: 104, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer());
  const node = createTransformersJsEngine();
  await node.load({ ...loadRequest('cpu'), target: 'cpu' });
  reference = await tokensOf(node);
  await node.unload();
  const native = createTransformersJsEngine();
  await native.load({ ...loadRequest('cpu', 1, 'native'), target: 'cpu' });
  nodeStripImage = (await native.run(runRequest(stripPath, { width: 600, height: 104 }), () => {})).image;
  await native.unload();
}, 60_000);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('browser server', () => {
  it('serves the page, library and model with isolation headers and refuses traversal', async () => {
    const server = await startBrowserServer({ models: { tiny: modelDir } });
    try {
      const get = (path: string) =>
        new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
          });
          req.on('error', reject);
          req.end();
        });
      const page = await get('/');
      expect(page.status).toBe(200);
      expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect((await get('/lib/transformers.js')).status).toBe(200);
      expect((await get('/ort/ort-wasm-simd-threaded.asyncify.wasm')).status).toBe(200);
      expect((await get('/models/tiny/config.json')).status).toBe(200);
      expect((await get('/models/tiny/../../../../etc/passwd')).status).toBe(404);
      expect((await get('/models/tiny/..%2f..%2f..%2f..%2fetc%2fpasswd')).status).toBe(404);
      expect((await get('/ort/package.json')).status).toBe(404);
      const image = server.addImage(imagePath);
      expect((await get(image)).status).toBe(200);
      expect((await get('/images/nope.png')).status).toBe(404);
    } finally {
      await server.close();
    }
    expect(safeResolve(modelDir, '../index.ts')).toBeNull();
    expect(safeResolve(modelDir, 'config.json')).toBe(join(modelDir, 'config.json'));
  });
});

describe.skipIf(!hasChromium)('transformers.js in headless Chromium', () => {
  it('WASM: same greedy tokens as the Node engine, threads and memory reported', async () => {
    const engine = createTransformersJsBrowserEngine();
    try {
      expect(await engine.availability('browser-wasm')).toEqual({ available: true });
      const report = await engine.load(loadRequest('browser-wasm', 2));
      expect(report.backendActual).toBe('wasm');
      expect(report.engineStats?.crossOriginIsolated).toBe('true');
      expect(report.threads).toBe(2);
      // ORT's pthread pool: at least one Web Worker beside the main thread.
      expect(Number(report.engineStats?.workersStarted)).toBeGreaterThanOrEqual(1);
      expect(Number(report.engineStats?.wasmMemoryBytes)).toBeGreaterThan(0);
      const run = await tokensOf(engine);
      expect(run.tokens).toEqual(reference?.tokens);
      expect(run.text).toBe(reference?.text);
      expect(run.generated).toBe(reference?.generated);
      expect(run.output.frames).toBe(1);
      expect(run.output.imageTokens).toBeGreaterThan(0);
      expect(run.output.image).toMatchObject({ budget: 'single', source: 'measured', frames: 1, grid: null, frameSizes: [{ width: 512, height: 512, count: 1 }] });
      expect(run.output.workerPeakRssBytes).toBeGreaterThan(20 * 1024 * 1024);
      expect(run.output.engineStats?.memorySource).toBe('procfs-vmhwm');
    } finally {
      await engine.unload();
      await engine.unload();
    }
    expect(ourChromiumProcesses()).toEqual([]);
  }, 120_000);

  it('native budget: the page tiles a strip as the Node engine does, read from the same tensors', async () => {
    const engine = createTransformersJsBrowserEngine();
    try {
      const report = await engine.load(loadRequest('browser-wasm', 1, 'native'));
      expect(report.imageBudget).toEqual({ budget: 'native', frameSide: 512 });
      const output = await engine.run(runRequest(stripPath, { width: 600, height: 104 }), () => {});
      expect(output.image).toMatchObject({ budget: 'native', frames: 5, grid: { columns: 4, rows: 1 }, overview: true, imageTokens: 80 });
      expect(output.image).toEqual(nodeStripImage);
    } finally {
      await engine.unload();
    }
    expect(ourChromiumProcesses()).toEqual([]);
  }, 120_000);

  // SwiftShader compiles every shader on the CPU: this test takes 30-90 s, most of it in load's untimed first generate.
  it('WebGPU on the software adapter: same tokens, adapter recorded, first run reported as load time', async () => {
    const engine = createTransformersJsBrowserEngine();
    try {
      const report = await engine.load(loadRequest('browser-webgpu', 1));
      expect(report.backendActual).toBe('webgpu');
      expect(report.engineStats?.isFallbackAdapter).toBe('true');
      expect(Number(report.engineStats?.firstRunMs)).toBeGreaterThan(0);
      expect(report.notes.join('\n')).toMatch(/never steady state/);
      const run = await tokensOf(engine);
      expect(run.tokens).toEqual(reference?.tokens);
      expect(run.text).toBe(reference?.text);
    } finally {
      await engine.unload();
    }
    expect(ourChromiumProcesses()).toEqual([]);
  }, 180_000);
});
