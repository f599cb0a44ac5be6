/**
 * The CDP attach path (what a phone behind `adb forward` looks like to the harness): a
 * Chromium started separately with --remote-debugging-port, attached to, used for the tiny
 * model, measured through memory-infra dumps, and left running after unload (it is not ours).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFlags, ensureEmptyModelManifest } from '../src/browser/launch.js';
import { createTransformersJsBrowserEngine } from '../src/engines/transformersjs-browser.js';
import { isAlive } from '../src/measure/memory.js';
import { ensureTiny } from '../src/models/tiny/index.js';
import { decodingFor, TASK_PROMPTS } from '../src/tasks.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`cdp-attach tests skipped: ${CHROMIUM} is absent (apt-get install chromium)`);

let workDir = '';
let chromium: ChildProcess | null = null;
let cdpUrl = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForDevtools(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const response = await fetch(`${url}/json/version`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`Chromium's DevTools endpoint ${url} did not answer within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Processes started with this test's Chromium profile directory (the browser and its helpers). */
function withProfile(): number[] {
  if (!workDir) return [];
  const marker = join(workDir, 'profile');
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function pageUrls(): Promise<string[]> {
  const list = (await (await fetch(`${cdpUrl}/json/list`)).json()) as Array<{ type: string; url: string }>;
  return list.filter((target) => target.type === 'page').map((target) => target.url);
}

describe.skipIf(!hasChromium)('attaching to a running Chromium over CDP', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'vlmbench-cdp-'));
    const port = await freePort();
    cdpUrl = `http://127.0.0.1:${port}`;
    ensureEmptyModelManifest();
    chromium = spawn(
      CHROMIUM,
      // The harness's own quiet flags: the attached browser of a test must not reach the network either.
      ['--headless', `--remote-debugging-port=${port}`, `--user-data-dir=${join(workDir, 'profile')}`, ...chromiumFlags(false), 'about:blank'],
      { stdio: 'ignore' },
    );
    await waitForDevtools(cdpUrl, 30_000);
  }, 40_000);

  afterAll(async () => {
    const pid = chromium?.pid;
    if (pid !== undefined && isAlive(pid)) {
      const exited = new Promise((resolve) => chromium?.once('exit', resolve));
      process.kill(pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    // The browser's helpers (zygotes, utility processes) carry the profile path; end any that linger, by PID.
    const deadline = Date.now() + 5000;
    while (withProfile().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const stray of withProfile()) process.kill(stray, 'SIGKILL');
    expect(withProfile()).toEqual([]);
    await rm(workDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }, 15_000);

  it('runs the tiny model through the attached browser, reads memory from memory-infra, and leaves the browser running', async () => {
    const modelDir = (await ensureTiny('tiny-onnx')).dir as string;
    const imagePath = join(workDir, 'square.png');
    await writeFile(imagePath, await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer());
    const engine = createTransformersJsBrowserEngine();
    try {
      const report = await engine.load({
        model: { id: 'tiny-smolvlm', quant: 'fp32', files: { dir: modelDir }, synthetic: 'tiny' },
        target: 'browser-wasm',
        threads: 1,
        timeoutMs: 120_000,
        options: { cdpUrl },
      });
      expect(report.backendActual).toBe('wasm');
      expect(report.notes[0]).toContain(`attached over CDP at ${cdpUrl}`);
      expect(report.engineStats?.memorySource).toBe('memory-infra');
      const tokens: string[] = [];
      const output = await engine.run(
        { fixtureId: 'square', task: 'caption', imagePath, prompt: TASK_PROMPTS.caption, decoding: decodingFor('caption', 6) },
        (text) => tokens.push(text),
      );
      expect(output.generatedTokens).toBeGreaterThan(0);
      expect(tokens.length).toBe(output.generatedTokens);
      expect(output.engineStats?.memorySource).toBe('memory-infra-peak-since-previous-dump');
      // The renderer's private footprint holds at least the wasm heap.
      expect(output.workerPeakRssBytes).toBeGreaterThan(Number(output.engineStats?.wasmMemoryBytes));
      expect((await pageUrls()).some((url) => url.startsWith('http://127.0.0.1:'))).toBe(true);
    } finally {
      await engine.unload();
      await engine.unload();
    }
    // Our page is gone, the browser we did not start is not.
    expect(chromium?.pid !== undefined && isAlive(chromium.pid)).toBe(true);
    expect((await pageUrls()).some((url) => url.startsWith('http://127.0.0.1:'))).toBe(false);
  }, 150_000);

  it('reports browser-webgpu as unavailable (never runs wasm instead) when the browser gives no WebGPU adapter', async () => {
    const modelDir = (await ensureTiny('tiny-onnx')).dir as string;
    const engine = createTransformersJsBrowserEngine();
    try {
      // This Chromium was started with --disable-gpu and without --enable-unsafe-webgpu: no adapter.
      await expect(
        engine.load({
          model: { id: 'tiny-smolvlm', quant: 'fp32', files: { dir: modelDir }, synthetic: 'tiny' },
          target: 'browser-webgpu',
          threads: 1,
          timeoutMs: 60_000,
          options: { cdpUrl },
        }),
      ).rejects.toThrow(/^UNAVAILABLE: WebGPU adapter not available in this Chromium \(/);
    } finally {
      await engine.unload();
    }
    expect((await pageUrls()).some((url) => url.startsWith('http://127.0.0.1:'))).toBe(false);
    expect(chromium?.pid !== undefined && isAlive(chromium.pid)).toBe(true);
  }, 90_000);
});
