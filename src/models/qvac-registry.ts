/**
 * QVAC registry models, fetched before any timed region and checked in the SDK's own cache.
 *
 * The SDK keeps a single-file registry model at `<cacheDirectory>/<first 16 hex of
 * sha256(registryPath)>_<file name>` (@qvac/inference, utils/cache/paths.js
 * getSingleFileCachePath), where `cacheDirectory` comes from the QVAC config vlmbench points it
 * at (src/engines/qvac-sdk.ts). A file there whose size and sha256 match the catalog's pin (the
 * same values as the SDK's own descriptor) is handed to the engine as a local path, so a timed
 * load cannot download. Missing files are fetched with the SDK's own `downloadAsset`, with
 * progress, outside any timed region; `--offline` never tries.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engines/engine.js';
import { QVAC_PACKAGE, closeAndWaitForWorker, ensureQvacConfig, loadQvacSdk, registryDescriptor, type QvacRegistryDescriptor, type QvacSdk } from '../engines/qvac-sdk.js';
import { sha256FileRemembered } from './hash.js';

export interface RegistryFile {
  role: string;
  name: string;
  bytes: number;
  sha256: string;
}

export interface RegistrySource {
  constants: Record<string, string>;
  files: RegistryFile[];
}

/** The folder the SDK caches models in, from the config it will read. */
export function qvacModelsDir(): string {
  const configPath = ensureQvacConfig();
  try {
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { cacheDirectory?: unknown };
    if (typeof config.cacheDirectory === 'string' && config.cacheDirectory) return config.cacheDirectory;
  } catch {
    // No readable config: the SDK falls back to its default too.
  }
  return join(homedir(), '.qvac', 'models');
}

/** Where the SDK caches a single-file registry model. */
export function qvacCachePath(registryPath: string, modelsDir = qvacModelsDir()): string {
  const name = registryPath.split('/').pop() || registryPath;
  const shortHash = createHash('sha256').update(registryPath, 'utf8').digest('hex').slice(0, 16);
  return join(modelsDir, `${shortHash}_${name}`);
}

export interface CachedRegistryFile {
  role: string;
  constant: string;
  path: string;
  /** verified: size and sha256 match the pin; otherwise why not. */
  state: 'verified' | 'missing' | 'mismatch';
  detail?: string;
  sha256?: string;
}

/** Checks each registry file in the SDK's cache against its pin (sha256 hashed once, then remembered). */
export async function checkQvacCache(source: RegistrySource, descriptors: Record<string, Pick<QvacRegistryDescriptor, 'registryPath' | 'sha256Checksum'>>, modelsDir = qvacModelsDir()): Promise<CachedRegistryFile[]> {
  const out: CachedRegistryFile[] = [];
  for (const file of source.files) {
    const constant = source.constants[file.role] ?? file.role;
    const registryPath = descriptors[file.role]?.registryPath;
    if (!registryPath) {
      out.push({ role: file.role, constant, path: '', state: 'missing', detail: `${QVAC_PACKAGE} gives no registry path for ${constant}` });
      continue;
    }
    const path = qvacCachePath(registryPath, modelsDir);
    if (!existsSync(path)) {
      out.push({ role: file.role, constant, path, state: 'missing', detail: `${file.name} is not in QVAC's cache (${modelsDir})` });
      continue;
    }
    const bytes = statSync(path).size;
    if (bytes !== file.bytes) {
      out.push({ role: file.role, constant, path, state: 'mismatch', detail: `${path} has ${bytes} bytes, not the pinned ${file.bytes}` });
      continue;
    }
    const sha256 = await sha256FileRemembered(path);
    const sdkSays = descriptors[file.role]?.sha256Checksum;
    if (sha256 !== file.sha256 || (sdkSays && sdkSays !== file.sha256)) {
      out.push({ role: file.role, constant, path, state: 'mismatch', sha256, detail: `${path}: sha256 ${sha256}, but the catalog pins ${file.sha256}${sdkSays && sdkSays !== file.sha256 ? ` and ${QVAC_PACKAGE} says ${sdkSays}` : ''}` });
      continue;
    }
    out.push({ role: file.role, constant, path, state: 'verified', sha256 });
  }
  return out;
}

/** The SDK's descriptors for a source's constants; the SDK is imported, no worker starts. */
export async function registryDescriptors(source: RegistrySource): Promise<{ sdk: QvacSdk; descriptors: Record<string, QvacRegistryDescriptor> }> {
  const loaded = await loadQvacSdk();
  if ('unavailable' in loaded) throw new UserError(`the QVAC registry needs ${QVAC_PACKAGE}: ${loaded.unavailable}`);
  const descriptors: Record<string, QvacRegistryDescriptor> = {};
  for (const [role, constant] of Object.entries(source.constants)) descriptors[role] = registryDescriptor(loaded.sdk, `qvac-registry:${constant}`);
  return { sdk: loaded.sdk, descriptors };
}

interface DownloadProgress {
  percentage?: number;
  downloaded?: number;
  total?: number;
}

type DownloadAsset = (options: { assetSrc: QvacRegistryDescriptor; onProgress?: (progress: DownloadProgress) => void }) => Promise<string>;

export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** No progress for this long: the pull is stopped (the registry's peer lookup can wait forever). */
  stallTimeoutMs: number;
}

/**
 * Fetches the given registry files with the SDK's own download API, one at a time, then stops the
 * SDK's worker so nothing of it outlives the pull. Ctrl-C, SIGTERM or a stall stops it at once.
 */
export async function pullRegistryFiles(sdk: QvacSdk, pending: Array<{ constant: string; descriptor: QvacRegistryDescriptor }>, options: PullOptions): Promise<void> {
  const downloadAsset = sdk.downloadAsset as DownloadAsset | undefined;
  if (typeof downloadAsset !== 'function') throw new UserError(`${QVAC_PACKAGE} has no downloadAsset (unexpected version?) — update it, or pass local GGUF files with --model-path`);
  try {
    for (const { constant, descriptor } of pending) {
      if (options.signal?.aborted) throw new UserError(`fetching ${constant} from the QVAC registry was interrupted — re-run to fetch it again`);
      options.onProgress?.(`fetching ${constant} (${descriptor.expectedSize ? `${(descriptor.expectedSize / 1e6).toFixed(1)} MB` : 'size unknown'}) through ${QVAC_PACKAGE}'s downloadAsset`);
      let lastShown = -10;
      let stallTimer: NodeJS.Timeout | undefined;
      let rearm: () => void = () => undefined;
      const stopped = new Promise<never>((_, reject) => {
        const stall = () => reject(new UserError(`${constant}: no progress from the QVAC registry for ${Math.round(options.stallTimeoutMs / 1000)} s (offline? the peer-to-peer lookup waits forever) — connect to the network and re-run, or pass local GGUF files with --model-path`));
        const arm = () => {
          clearTimeout(stallTimer);
          stallTimer = setTimeout(stall, options.stallTimeoutMs);
        };
        arm();
        options.signal?.addEventListener('abort', () => reject(new UserError(`fetching ${constant} from the QVAC registry was interrupted — re-run to fetch it again`)), { once: true });
        rearm = arm;
      });
      stopped.catch(() => undefined);
      try {
        await Promise.race([
          downloadAsset({
            assetSrc: descriptor,
            onProgress: (progress) => {
              rearm();
              const percentage = typeof progress.percentage === 'number' ? progress.percentage : undefined;
              if (percentage === undefined || percentage - lastShown < 10) return;
              lastShown = percentage;
              options.onProgress?.(`  ${constant}: ${percentage.toFixed(0)}%${progress.downloaded !== undefined && progress.total ? ` (${(progress.downloaded / 1e6).toFixed(1)}/${(progress.total / 1e6).toFixed(1)} MB)` : ''}`);
            },
          }),
          stopped,
        ]);
      } finally {
        clearTimeout(stallTimer);
      }
    }
  } finally {
    // The worker of an abandoned download ignores close(); this ends it either way.
    await closeAndWaitForWorker(sdk, 3_000);
  }
}

/** The one-line error an engine gives for a registry model that --offline may not fetch. */
export function offlineRegistryMessage(engine: string, labels: string[], modelId: string): string {
  return (
    `${engine}: ${labels.join(' + ')} ${labels.length > 1 ? 'are' : 'is'} not in QVAC's model cache (${qvacModelsDir()}) and --offline forbids the registry download — ` +
    `run "vlmbench models pull ${modelId}" while online, or pass local GGUF files with --model-path`
  );
}

/** A load whose progress went below 100% fetched bytes inside the timed region. */
export function progressMeansDownload(progress: DownloadProgress): boolean {
  return typeof progress.percentage === 'number' ? progress.percentage < 100 : progress.downloaded !== undefined && progress.total !== undefined && progress.downloaded < progress.total;
}

/** engineStats key an engine sets when a registry download happened inside its timed load. */
export const DOWNLOAD_IN_LOAD_STAT = 'registryDownloadInLoad';
export { DOWNLOAD_IN_LOAD_FLAG } from '../results/real-weights.js';
