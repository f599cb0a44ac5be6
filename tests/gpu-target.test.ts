/**
 * GPU targets without silent fallback, checked on a machine with no GPU: detection, the
 * `unavailable` path through the real CLI, the `fallback` rule, and nvidia-smi sampling.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gpuDevicesFor } from '../src/engines/transformersjs.js';
import { resetGpuProbe, startGpuMemorySampler } from '../src/measure/gpu-memory.js';
import { ResultsSchema } from '../src/results/schema.js';
import { actualBackend, fallbackReason } from '../src/run/fallback.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';

describe('GPU execution provider choice per platform', () => {
  it('tries CUDA then WebGPU on Linux, DirectML on Windows, CoreML on macOS', () => {
    expect(gpuDevicesFor('linux')).toEqual(['cuda', 'webgpu']);
    expect(gpuDevicesFor('win32')).toEqual(['dml']);
    expect(gpuDevicesFor('darwin')).toEqual(['coreml']);
  });
});

describe('fallback rule', () => {
  it('flags a gpu cell that ran on the cpu, never a cpu cell', () => {
    expect(fallbackReason('gpu', 'gpu', actualBackend('unknown-until-first-run', { backendDevice: 'cpu' }))).toMatch(/requested gpu .* ran on cpu/);
    expect(fallbackReason('gpu', 'cuda|webgpu', actualBackend('cuda', undefined))).toBeNull();
    expect(fallbackReason('gpu', 'gpu', actualBackend('cpu', { backendDevice: 'gpu' }))).toBeNull();
    expect(fallbackReason('cpu', 'cpu', 'cpu')).toBeNull();
    expect(fallbackReason('browser-webgpu', 'webgpu', 'wasm')).toMatch(/WebGPU/);
  });
});

describe('transformers.js on --targets gpu with no GPU', () => {
  it('makes the cells unavailable with both providers’ reasons, and records no figures', async () => {
    const work = tempDir('gpu');
    const run = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--targets', 'gpu', '--fixtures', fixtureFolder(['ocr-clean-01']), '--runs', '1', '--warmup', '0', '--results-dir', join(work, 'results'), '--no-report']);
    expect(run.code).toBe(3);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), /results: (\S+)/.exec(run.stdout)?.[1] as string), 'utf8')));
    expect(results.cells).toHaveLength(1);
    const cell = results.cells[0];
    expect(cell?.key.target).toBe('gpu');
    expect(cell?.status).toBe('unavailable');
    expect(cell?.reason).toMatch(/cuda: .*webgpu: /);
    expect(cell?.samples).toEqual([]);
    expect(cell?.stats).toBeUndefined();
  }, 120_000);
});

describe('nvidia-smi GPU memory sampling', () => {
  const originalPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = originalPath;
    resetGpuProbe();
  });

  it('returns null where nvidia-smi is absent', async () => {
    process.env.PATH = tempDir('no-smi');
    resetGpuProbe();
    const sampler = await startGpuMemorySampler(() => [process.pid]);
    expect(await sampler.stop()).toBeNull();
  });

  it('sums the used memory of the engine’s processes only', async () => {
    const bin = tempDir('fake-smi');
    const script = join(bin, 'nvidia-smi');
    writeFileSync(script, `#!/bin/sh\necho "${process.pid}, 300"\necho "999999, 5000"\n`);
    chmodSync(script, 0o755);
    process.env.PATH = `${bin}:${originalPath}`;
    resetGpuProbe();
    const sampler = await startGpuMemorySampler(() => [process.pid], 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await sampler.stop()).toBe(300 * 1024 * 1024);
  });
});
