/**
 * QVAC registry models in the SDK's own cache layout, with files placed there (the registry's
 * peer-to-peer fetch has no endpoint a test could stand in for). The real @qvac/sdk is asked for
 * the placed files offline: it finds them only if vlmbench computed the same path it does.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAndWaitForWorker, findWorkerPids, loadQvacSdk, registryDescriptor, type QvacRegistryDescriptor } from '../src/engines/qvac-sdk.js';
import { checkQvacCache, qvacCachePath, qvacModelsDir, type RegistrySource } from '../src/models/qvac-registry.js';
import { writeTinySmolVlmGguf } from '../src/models/tiny/smolvlm-gguf.js';
import { tempDir } from './helpers/cli.js';

const work = tempDir('qvac-registry-cache');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

let source: RegistrySource;
let descriptors: Record<string, QvacRegistryDescriptor>;

beforeAll(async () => {
  // A private QVAC cache: the SDK reads this config once, before its first import.
  const configPath = join(work, 'qvac.config.json');
  writeFileSync(configPath, JSON.stringify({ cacheDirectory: join(work, 'qvac-models'), loggerLevel: 'error' }));
  process.env.QVAC_CONFIG_PATH = configPath;
  const files = await writeTinySmolVlmGguf(join(work, 'generated'), { seed: 5 });
  const entries = { gguf: files.gguf, mmproj: files.mmproj };
  descriptors = {};
  source = { constants: { gguf: 'TEST_TINY_GGUF', mmproj: 'TEST_TINY_MMPROJ' }, files: [] };
  for (const [role, path] of Object.entries(entries)) {
    const name = `tiny-${role}.gguf`;
    const registryPath = `vlmbench-test/tiny-smolvlm/resolve/0123456789abcdef0123456789abcdef01234567/${name}`;
    const bytes = readFileSync(path).length;
    descriptors[role] = { name: `TEST_TINY_${role.toUpperCase()}`, src: `registry://hf/${registryPath}`, registryPath, expectedSize: bytes, sha256Checksum: sha256(path) };
    source.files.push({ role, name, bytes, sha256: sha256(path) });
    mkdirSync(qvacModelsDir(), { recursive: true });
    copyFileSync(path, qvacCachePath(registryPath));
  }
});

afterAll(async () => {
  const loaded = await loadQvacSdk();
  if ('sdk' in loaded) await closeAndWaitForWorker(loaded.sdk, 5_000);
});

describe("QVAC's cache layout", () => {
  it('uses the cacheDirectory of the config the SDK reads', () => {
    expect(qvacModelsDir()).toBe(join(work, 'qvac-models'));
  });

  it('finds and verifies files placed where the SDK keeps them, and tells a wrong one apart', async () => {
    const found = await checkQvacCache(source, descriptors);
    expect(found.map((file) => [file.role, file.state])).toEqual([
      ['gguf', 'verified'],
      ['mmproj', 'verified'],
    ]);
    const wrong = { ...source, files: source.files.map((file) => (file.role === 'mmproj' ? { ...file, sha256: 'f'.repeat(64) } : file)) };
    const checked = await checkQvacCache(wrong, { gguf: descriptors.gguf as QvacRegistryDescriptor, mmproj: { ...(descriptors.mmproj as QvacRegistryDescriptor), sha256Checksum: 'f'.repeat(64) } });
    expect(checked.find((file) => file.role === 'mmproj')).toMatchObject({ state: 'mismatch' });
    const missing = await checkQvacCache(source, { ...descriptors, mmproj: { ...(descriptors.mmproj as QvacRegistryDescriptor), registryPath: 'vlmbench-test/none/resolve/x/none.gguf' } });
    expect(missing.find((file) => file.role === 'mmproj')).toMatchObject({ state: 'missing' });
  });

  it("is the SDK's own: the SDK inspects exactly the path vlmbench computes (it removes a wrong file placed there)", async () => {
    const loaded = await loadQvacSdk();
    if (!('sdk' in loaded)) throw new Error(loaded.unavailable);
    // A real registry constant, so the SDK knows its size and sha256 (the smallest one: 4 MB).
    const descriptor = registryDescriptor(loaded.sdk, 'qvac-registry:OCR_DOCTR');
    const placed = qvacCachePath(descriptor.registryPath as string);
    const control = join(qvacModelsDir(), `0000000000000000_${descriptor.registryPath?.split('/').pop()}`);
    const junk = Buffer.from('not the model');
    writeFileSync(placed, junk);
    writeFileSync(control, junk);
    const downloadAsset = loaded.sdk.downloadAsset as (options: { assetSrc: QvacRegistryDescriptor }, rpc?: { timeout?: number }) => Promise<string>;
    // Offline the fetch that follows fails or hangs; only the SDK's cache check matters here.
    await downloadAsset({ assetSrc: descriptor }, { timeout: 8_000 }).catch(() => undefined);
    await closeAndWaitForWorker(loaded.sdk, 5_000);
    expect(findWorkerPids()).toEqual([]);
    // The SDK validated the file at our path (wrong size) and removed it (or, online, replaced it).
    expect(existsSync(placed) && readFileSync(placed).equals(junk)).toBe(false);
    expect(readFileSync(control).equals(junk)).toBe(true);
  }, 60_000);
});
