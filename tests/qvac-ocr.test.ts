/**
 * The qvac-ocr engine against the real @qvac/sdk and its Bare worker, on tiny random-weight
 * OCR models. docTR runs with OCR_DOCTR_LSTM_CPU=1 (the scalar CPU LSTM): its default batched
 * LSTM path took ~48 s per image here, so this file does not cover that path.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LoadRequest, RunRequest } from '../src/engines/engine.js';
import {
  READING_ORDER_RULE,
  createQvacOcrEngine,
  joinBlocksInReadingOrder,
  resolvePipeline,
} from '../src/engines/qvac-ocr.js';
import { hasVulkanIcd } from '../src/engines/qvac-sdk.js';
import { childPids } from '../src/measure/memory.js';
import { TINY_OCR_FILES, writeTinyOcrModels, type TinyOcrModelPaths } from '../src/models/tiny/ocr-gguf.js';

const workDir = mkdtempSync(join(tmpdir(), 'vlmbench-qvac-ocr-'));
const imagePath = join(workDir, 'hello.png');
let models: TinyOcrModelPaths;

/** Bare processes directly under this process: the SDK's workers. */
function workerChildren(): number[] {
  return childPids(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bare');
    } catch {
      return false;
    }
  });
}

function loadRequest(overrides: Partial<LoadRequest> & { files: Record<string, string>; id: string }): LoadRequest {
  return {
    model: { id: overrides.id, quant: 'F32', files: overrides.files, synthetic: 'tiny' },
    target: 'cpu',
    threads: 2,
    timeoutMs: 60_000,
    ...(overrides.options ? { options: overrides.options } : {}),
  };
}

const runRequest: RunRequest = {
  fixtureId: 'hello',
  task: 'ocr',
  imagePath,
  prompt: 'ignored by OCR pipelines',
  decoding: { greedy: true, temperature: 0, seed: 0, maxNewTokens: 32 },
};

beforeAll(async () => {
  models = await writeTinyOcrModels(join(workDir, 'models'), { seed: 7 });
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="64"><rect width="100%" height="100%" fill="white"/>' +
    '<text x="10" y="42" font-size="32" font-family="sans-serif">Hello 42</text></svg>';
  await sharp(Buffer.from(svg)).png().toFile(imagePath);
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('joinBlocksInReadingOrder', () => {
  it('orders lines top to bottom and words left to right, then bbox-less blocks', () => {
    const joined = joinBlocksInReadingOrder([
      { text: 'world', bbox: [60, 12, 110, 30] },
      { text: 'second', bbox: [0, 50, 70, 70] },
      { text: 'no-box' },
      { text: 'hello', bbox: [0, 10, 50, 30] },
      { text: '  ', bbox: [0, 90, 10, 100] },
      { text: 'line', bbox: [80, 52, 120, 69] },
    ]);
    expect(joined.text).toBe('hello world\nsecond line\nno-box');
    expect(joined.lines).toBe(3);
  });

  it('splits blocks whose centres are more than half a line height apart', () => {
    expect(joinBlocksInReadingOrder([{ text: 'b', bbox: [0, 11, 10, 21] }, { text: 'a', bbox: [50, 0, 60, 10] }]).text).toBe('a\nb');
  });
});

describe('resolvePipeline', () => {
  const base = (id: string, quant: string, options?: LoadRequest['options']): LoadRequest => ({
    ...loadRequest({ id, files: {}, ...(options ? { options } : {}) }),
    model: { id, quant, files: {}, synthetic: false },
  });
  it('prefers the option, then the quant field, then the model id', () => {
    expect(resolvePipeline(base('qvac-ocr-easyocr', 'doctr', { ocrPipeline: 'easyocr' }))).toBe('easyocr');
    expect(resolvePipeline(base('some-model', 'doctr'))).toBe('doctr');
    expect(resolvePipeline(base('tiny-ocr-doctr', 'F16'))).toBe('doctr');
  });
  it('rejects an unknown pipeline and an ambiguous model', () => {
    expect(() => resolvePipeline(base('m', 'F16', { ocrPipeline: 'paddle' }))).toThrow(/not one of easyocr, doctr/);
    expect(() => resolvePipeline(base('m', 'F16'))).toThrow(/set the ocrPipeline option/);
  });
});

describe('writeTinyOcrModels', () => {
  it('is byte-deterministic for a seed and changes with the seed', async () => {
    const again = await writeTinyOcrModels(join(workDir, 'again'), { seed: 7 });
    const other = await writeTinyOcrModels(join(workDir, 'other'), { seed: 8 });
    for (const pipeline of ['easyocr', 'doctr'] as const) {
      for (const role of ['detector', 'recognizer'] as const) {
        const first = readFileSync(models[pipeline][role]);
        expect(first.subarray(0, 4).toString('ascii')).toBe('GGUF');
        expect(readFileSync(again[pipeline][role]).equals(first)).toBe(true);
        expect(models[pipeline][role].endsWith(TINY_OCR_FILES[pipeline][role])).toBe(true);
      }
    }
    // The detectors' score heads are constant by design; the recognizers are random throughout.
    expect(readFileSync(other.easyocr.recognizer).equals(readFileSync(models.easyocr.recognizer))).toBe(false);
    expect(readFileSync(other.doctr.recognizer).equals(readFileSync(models.doctr.recognizer))).toBe(false);
  });
});

describe('qvac-ocr engine (real SDK worker)', () => {
  it('declares itself an OCR-only engine of @qvac/sdk', async () => {
    const engine = createQvacOcrEngine();
    expect(engine.id).toBe('qvac-ocr');
    expect(engine.packageName).toBe('@qvac/sdk');
    expect(engine.tasks).toEqual(['ocr']);
    expect(await engine.availability('cpu')).toEqual({ available: true });
    expect((await engine.availability('browser-wasm')).available).toBe(false);
    const gpu = await engine.availability('gpu');
    expect(gpu.available).toBe(hasVulkanIcd());
    if (!gpu.available) expect(gpu.reason).toMatch(/Vulkan only/);
  });

  it('runs the tiny easyocr pipeline end to end and leaves no worker after unload', async () => {
    const engine = createQvacOcrEngine();
    const report = await engine.load(loadRequest({ id: 'tiny-ocr-easyocr', files: models.easyocr }));
    expect(report.backendActual).toBe('cpu');
    expect(report.notes.join('\n')).toContain(READING_ORDER_RULE);
    expect(report.notes.join('\n')).toMatch(/prompt is ignored/);
    expect(workerChildren()).toHaveLength(1);

    const tokens: string[] = [];
    const output = await engine.run(runRequest, (text) => tokens.push(text));
    expect(output.text.length).toBeGreaterThan(0);
    expect(tokens).toEqual([output.text]);
    expect(output.generatedTokens).toBe(0);
    const stats = output.engineStats ?? {};
    expect(stats.joinRule).toBe(READING_ORDER_RULE);
    expect(stats.pipeline).toBe('easyocr');
    expect(stats.lstmPath).toBe('n/a');
    expect(stats.blocks).toBeGreaterThanOrEqual(1);
    for (const key of ['detectionMs', 'recognitionMs', 'totalMs']) expect(typeof stats[key]).toBe('number');
    expect(stats.totalMs).toBeCloseTo((stats.totalTimeS as number) * 1000, 6);

    await engine.unload();
    expect(workerChildren()).toEqual([]);
    await engine.unload();
  }, 60_000);

  // The 1024-px detector canvas makes this the slow test (10-75 s here, depending on load).
  it('runs the tiny doctr pipeline end to end on the CPU LSTM path, and reports the path the worker got', async () => {
    const engine = createQvacOcrEngine();
    try {
      const report = await engine.load(loadRequest({ id: 'tiny-ocr-doctr', files: models.doctr, options: { doctrLstm: 'cpu' } }));
      expect(report.engineStats?.lstmPath).toBe('cpu');
      const output = await engine.run(runRequest, () => undefined);
      expect(output.text.length).toBeGreaterThan(0);
      expect(output.engineStats?.pipeline).toBe('doctr');
      expect(output.engineStats?.lstmPath).toBe('cpu');
      expect(output.engineStats?.blocks).toBeGreaterThanOrEqual(1);
    } finally {
      await engine.unload();
      delete process.env.OCR_DOCTR_LSTM_CPU;
    }
    expect(workerChildren()).toEqual([]);
  }, 240_000);

  it('kills the worker when ocr() runs past the timeout, because OCR cannot be cancelled', async () => {
    const engine = createQvacOcrEngine();
    await engine.load(loadRequest({ id: 'tiny-ocr-easyocr', files: models.easyocr, options: { runTimeoutMs: 1 } }));
    await expect(engine.run(runRequest, () => undefined)).rejects.toThrow(/did not finish within 1 ms; OCR cannot be cancelled, so the QVAC worker .*was killed/);
    expect(workerChildren()).toEqual([]);
    await expect(engine.run(runRequest, () => undefined)).rejects.toThrow(/run before load/);
    await engine.unload();
  }, 60_000);

  it('fails a wrong-weights load with the missing tensor named, and cleans up the worker', async () => {
    const engine = createQvacOcrEngine();
    const files = { detector: models.easyocr.recognizer, recognizer: models.easyocr.recognizer };
    await expect(engine.load(loadRequest({ id: 'tiny-ocr-easyocr', files }))).rejects.toThrow(
      /easyocr pipeline could not load .*missing tensor: basenet\.slice1\.0\.weight/,
    );
    expect(workerChildren()).toEqual([]);
    await engine.unload();
  }, 60_000);

  it('rejects a missing file and an unknown registry constant before starting a worker', async () => {
    const engine = createQvacOcrEngine();
    await expect(engine.load(loadRequest({ id: 'tiny-ocr-easyocr', files: { ...models.easyocr, detector: join(workDir, 'absent.gguf') } }))).rejects.toThrow(/does not exist/);
    await expect(engine.load(loadRequest({ id: 'qvac-ocr-easyocr', files: { detector: 'qvac-registry:OCR_NOPE', recognizer: 'qvac-registry:OCR_LATIN' } }))).rejects.toThrow(/not a known OCR registry constant/);
    expect(workerChildren()).toEqual([]);
  });

  // 1.5 s is shorter than a worker start plus a 98 MB fetch anywhere, so this holds online too.
  it('gives up on a registry model that does not arrive within the load timeout', async () => {
    const engine = createQvacOcrEngine();
    const started = Date.now();
    const files = { detector: 'qvac-registry:OCR_CRAFT', recognizer: 'qvac-registry:OCR_LATIN' };
    await expect(engine.load({ ...loadRequest({ id: 'qvac-ocr-easyocr', files }), timeoutMs: 1_500 })).rejects.toThrow(
      /^UNAVAILABLE: qvac-ocr could not fetch qvac-registry:OCR_CRAFT \+ qvac-registry:OCR_LATIN from the QVAC registry within 1500 ms/,
    );
    expect(Date.now() - started).toBeLessThan(1_500 + 20_000);
    expect(workerChildren()).toEqual([]);
  }, 60_000);
});
