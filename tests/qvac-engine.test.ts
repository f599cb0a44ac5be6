/**
 * The `qvac` engine against the real @qvac/sdk and its Bare worker, on the tiny random-weight
 * SmolVLM GGUF pair (EOS made unreachable, so every run uses its whole token budget).
 * The whole file uses a throw-away QVAC cache, so the offline-registry case never finds a cached model.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Engine, LoadRequest, RunRequest } from '../src/engines/engine.js';
import { createQvacEngine } from '../src/engines/qvac.js';
import { findWorkerPid } from '../src/engines/qvac-sdk.js';
import { writeTinySmolVlmGguf, type SmolVlmGgufFiles } from '../src/models/tiny/smolvlm-gguf.js';
import { TASK_PROMPTS } from '../src/tasks.js';

const workDir = mkdtempSync(join(tmpdir(), 'vlmbench-qvac-engine-'));
const imagePath = join(workDir, 'scene.png');
let files: SmolVlmGgufFiles;

/** Bare processes that are children of this process, found by scanning all of /proc (not only our task list). */
function bareProcessesOfThisProcess(): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [state, ppid] = [fields[0], Number(fields[1])];
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (ppid === process.pid && state !== 'Z' && cmdline.includes('bare')) found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function loadRequest(overrides: Partial<LoadRequest> = {}): LoadRequest {
  return {
    model: { id: 'tiny-smolvlm', quant: 'F32', files: { gguf: files.gguf, mmproj: files.mmproj }, synthetic: 'tiny' },
    target: 'cpu',
    threads: 2,
    timeoutMs: 30_000,
    ...overrides,
  };
}

function runRequest(task: 'caption' | 'ocr', maxNewTokens: number, image = imagePath): RunRequest {
  return {
    fixtureId: `fixture-${task}`,
    task,
    imagePath: image,
    imageSize: { width: 96, height: 24 },
    prompt: TASK_PROMPTS[task],
    decoding: { greedy: true, temperature: 0, seed: 42, maxNewTokens },
  };
}

beforeAll(async () => {
  // A private cache and config: the registry case below must not find a model someone downloaded.
  const configPath = join(workDir, 'qvac.config.json');
  writeFileSync(configPath, JSON.stringify({ cacheDirectory: join(workDir, 'qvac-cache'), loggerLevel: 'error' }));
  process.env.QVAC_CONFIG_PATH = configPath;
  files = await writeTinySmolVlmGguf(join(workDir, 'model'), { seed: 11, unreachableEos: true });
  // A 4:1 strip, so SmolVLM2's tiling makes few frames (5) and the runs stay quick.
  await sharp({
    create: { width: 96, height: 24, channels: 3, background: { r: 200, g: 40, b: 90 } },
  })
    .composite([{ input: Buffer.from('<svg width="96" height="24"><rect x="8" y="4" width="30" height="14" fill="#2050d0"/></svg>') }])
    .png()
    .toFile(imagePath);
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('qvac engine', () => {
  it('is available on cpu and not in a browser', async () => {
    const engine = createQvacEngine();
    expect(await engine.availability('cpu')).toEqual({ available: true });
    const browser = await engine.availability('browser-wasm');
    expect(browser.available).toBe(false);
  });

  it('streams caption and OCR runs, deterministic at temperature 0, and leaves no worker after unload', async () => {
    const engine = createQvacEngine();
    const report = await engine.load(loadRequest());
    expect(report.backendRequested).toBe('cpu');
    // The backend is learnt by a probe completion the host times apart from the load.
    expect(report.backendActual).toBe('unknown-until-first-run');
    const probe = await engine.probe!();
    expect(probe.backendActual).toBe('cpu');
    expect(probe.notes?.join(' ')).toMatch(/timed apart/);
    expect(report.packageName).toBe('@qvac/sdk');
    expect(report.packageVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.dtypes).toEqual({ text: 'F32', mmproj: 'F32' });
    expect(report.engineStats?.threadsHonoured).toBe('no');
    expect(findWorkerPid()).not.toBeNull();

    const outputs: string[] = [];
    for (const [task, maxNewTokens] of [['caption', 12], ['ocr', 20], ['caption', 12]] as const) {
      const chunks: string[] = [];
      const output = await engine.run(runRequest(task, maxNewTokens), (text) => chunks.push(text));
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.join('')).toBe(output.text);
      expect(output.generatedTokens).toBeLessThanOrEqual(maxNewTokens);
      // EOS is unreachable in this model, so the budget is used exactly.
      expect(output.generatedTokens).toBe(maxNewTokens);
      expect(output.promptTokens).toBeGreaterThan(output.imageTokens ?? 0);
      // 96×24 at preproc 2048 → 2048×512, a 4×1 grid of 512 px slices plus the overview; (512/32/4)^2 = 16 tokens each.
      expect(output.frames).toBe(5);
      expect(output.imageTokens).toBe(80);
      // Read from llama.cpp's own log on the worker's stderr, not estimated.
      expect(output.image).toMatchObject({ budget: 'native', source: 'measured', grid: { columns: 4, rows: 1 }, overview: true, frameSizes: [{ width: 512, height: 512, count: 5 }], tokensPerFrame: 16 });
      expect(output.phases?.estimated).toBeUndefined();
      expect(output.engineStats?.backendDevice).toBe('cpu');
      expect(typeof output.engineStats?.timeToFirstToken).toBe('number');
      // The decode rate is the worker's own figure, not chunk arrival at this process.
      expect(output.engineTiming?.decodeTokensPerSec).toBe(output.engineStats?.tokensPerSecond);
      expect(output.engineTiming?.decodeMs).toBeCloseTo((maxNewTokens / (output.engineStats?.tokensPerSecond as number)) * 1000, 6);
      expect(output.decodingApplied).toMatchObject({ temp: 0, predict: maxNewTokens, greedy: true });
      outputs.push(output.text);
    }
    expect(outputs[2]).toBe(outputs[0]);
    expect(outputs[1]).not.toBe(outputs[0]);

    // A missing image is a clear error, and the model stays usable.
    await expect(engine.run(runRequest('caption', 4, join(workDir, 'absent.png')), () => {})).rejects.toThrow(/image not found: .*absent\.png/);
    expect((await engine.run(runRequest('caption', 4), () => {})).generatedTokens).toBe(4);

    await engine.unload();
    expect(bareProcessesOfThisProcess()).toEqual([]);
    await engine.unload();
  }, 60_000);

  it('surfaces a worker crash mid-run as an error, unloads cleanly, and loads again afterwards', async () => {
    const engine = createQvacEngine();
    await engine.load(loadRequest({ options: { probeBackend: false } }));
    const pid = findWorkerPid();
    expect(pid).not.toBeNull();
    let killed = false;
    const run = engine.run(runRequest('caption', 3000), () => {
      if (!killed && pid !== null) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    });
    await expect(run).rejects.toThrow(/WORKER_CRASHED 50205: the QVAC worker died/);
    expect(killed).toBe(true);
    await engine.unload();
    expect(bareProcessesOfThisProcess()).toEqual([]);

    const fresh = createQvacEngine();
    await fresh.load(loadRequest({ options: { probeBackend: false } }));
    const output = await fresh.run(runRequest('ocr', 6), () => {});
    expect(output.generatedTokens).toBe(6);
    await fresh.unload();
    expect(bareProcessesOfThisProcess()).toEqual([]);
  }, 60_000);

  it('fails an offline registry load within about its timeout, saying what to do', async () => {
    const engine: Engine = createQvacEngine();
    const started = Date.now();
    const load = engine.load(
      loadRequest({
        model: {
          id: 'smolvlm2-500m',
          quant: 'Q8_0',
          files: { gguf: 'qvac-registry:SMOLVLM2_500M_MULTIMODAL_Q8_0', mmproj: 'qvac-registry:MMPROJ_SMOLVLM2_500M_MULTIMODAL_Q8_0' },
          synthetic: false,
        },
        timeoutMs: 5_000,
      }),
    );
    await expect(load).rejects.toThrow(/UNAVAILABLE: .*SMOLVLM2_500M_MULTIMODAL_Q8_0.*within 5000 ms.*connect to the network.*--model-path/);
    // The timeout plus stopping a worker that ignores close().
    expect(Date.now() - started).toBeLessThan(15_000);
    await engine.unload();
    expect(bareProcessesOfThisProcess()).toEqual([]);
  }, 60_000);

  it('names an unknown registry constant', async () => {
    const engine = createQvacEngine();
    await expect(
      engine.load(loadRequest({ model: { id: 'x', quant: 'Q8_0', files: { gguf: 'qvac-registry:NO_SUCH_MODEL', mmproj: files.mmproj }, synthetic: false } })),
    ).rejects.toThrow(/no registry model named NO_SUCH_MODEL/);
    await engine.unload();
  });
});
