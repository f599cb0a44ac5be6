/**
 * The QVAC registry pull's own logic, with a stand-in for the SDK's downloadAsset (the registry's
 * peer-to-peer fetch cannot be reached offline): progress lines, the stall timeout, an interrupt,
 * and the SDK's worker closed in every case.
 */
import { describe, expect, it } from 'vitest';
import type { QvacRegistryDescriptor, QvacSdk } from '../src/engines/qvac-sdk.js';
import { pullRegistryFiles } from '../src/models/qvac-registry.js';

const descriptor: QvacRegistryDescriptor = { name: 'TEST', src: 'registry://hf/x/resolve/y/model.gguf', registryPath: 'x/resolve/y/model.gguf', expectedSize: 100e6 };

function fakeSdk(downloadAsset: (options: { onProgress?: (p: { percentage: number; downloaded: number; total: number }) => void }) => Promise<string>): QvacSdk & { closed: number } {
  const sdk = { closed: 0, downloadAsset, close: async () => void sdk.closed++ };
  return sdk;
}

describe('pulling QVAC registry files', () => {
  it('reports progress every 10% and closes the SDK afterwards', async () => {
    const sdk = fakeSdk(async ({ onProgress }) => {
      for (let p = 0; p <= 100; p += 5) onProgress?.({ percentage: p, downloaded: p * 1e6, total: 100e6 });
      return 'ok';
    });
    const lines: string[] = [];
    await pullRegistryFiles(sdk, [{ constant: 'TEST', descriptor }], { stallTimeoutMs: 5_000, onProgress: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/fetching TEST \(100\.0 MB\) through @qvac\/sdk's downloadAsset/);
    expect(lines.filter((line) => /TEST: \d+%/.test(line))).toHaveLength(11);
    expect(sdk.closed).toBe(1);
  });

  it('stops a fetch that makes no progress for the stall timeout, and says what to do', async () => {
    const sdk = fakeSdk(() => new Promise<string>(() => undefined));
    const started = Date.now();
    await expect(pullRegistryFiles(sdk, [{ constant: 'TEST', descriptor }], { stallTimeoutMs: 300 })).rejects.toThrow(/TEST: no progress from the QVAC registry for 0 s .* --model-path/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sdk.closed).toBe(1);
  });

  it('stops at once on an interrupt', async () => {
    const sdk = fakeSdk(() => new Promise<string>(() => undefined));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    await expect(pullRegistryFiles(sdk, [{ constant: 'TEST', descriptor }], { stallTimeoutMs: 60_000, signal: abort.signal })).rejects.toThrow(/interrupted/);
    expect(sdk.closed).toBe(1);
  });
});
