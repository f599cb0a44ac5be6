/**
 * What every QVAC engine needs from @qvac/sdk, kept in one place: loading the optional package
 * without a static import, its config, the Bare worker's PID, and a close that really ends it.
 *
 * The SDK runs models in a Bare worker, a direct child of this process, reached over a Unix socket.
 * It has no API for that PID, so we find it in procfs. The worker's VmHWM covers its whole life,
 * so a per-model peak needs a fresh worker per model: close, then wait for the PID to go.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { childPids, isAlive } from '../measure/memory.js';
import { removeStaleWorkerSockets } from './qvac-sockets.js';

export const QVAC_PACKAGE = '@qvac/sdk';
/** `ResolvedModel.files` values with this prefix name an SDK registry constant (e.g. `qvac-registry:SMOLVLM2_500M_MULTIMODAL_Q8_0`). */
export const QVAC_REGISTRY_PREFIX = 'qvac-registry:';

/**
 * The SDK module, seen through the few members vlmbench's engines share. Engines cast it to the
 * narrower, documented signatures they call; the index signature carries registry constants.
 */
export interface QvacSdk {
  close(): Promise<void>;
  [member: string]: unknown;
}

/** A registry descriptor as the SDK exports it (the fields vlmbench records). */
export interface QvacRegistryDescriptor {
  name: string;
  src: string;
  registryPath?: string;
  expectedSize?: number;
  sha256Checksum?: string;
  quantization?: string;
}

export class TimeoutError extends Error {
  constructor(label: string, ms: number) {
    super(`${label} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Rejects with a TimeoutError after `ms`; the timer never keeps the process alive. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(label, ms)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where vlmbench keeps QVAC's downloads: the user's cache, never the repository. */
export function qvacCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(os.homedir(), '.cache');
  return join(base, 'vlmbench', 'qvac');
}

/**
 * Points the SDK at a config of ours (cache under the user's cache, quiet logs) unless the user
 * already chose one with QVAC_CONFIG_PATH. Must run before the SDK is imported: it reads its config once.
 */
export function ensureQvacConfig(): string {
  const existing = process.env.QVAC_CONFIG_PATH;
  if (existing) return existing;
  const root = qvacCacheRoot();
  const configPath = join(root, 'qvac.config.json');
  const config = { cacheDirectory: join(root, 'models'), loggerLevel: 'error', loggerConsoleOutput: false };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  try {
    mkdirSync(join(root, 'models'), { recursive: true });
    if (!existsSync(configPath) || readFileSync(configPath, 'utf8') !== text) writeFileSync(configPath, text);
    process.env.QVAC_CONFIG_PATH = configPath;
  } catch {
    // An unwritable cache leaves the SDK on its own defaults (~/.qvac), which still work.
  }
  return configPath;
}

let sdkPromise: Promise<{ sdk: QvacSdk } | { unavailable: string }> | null = null;

/** Imports @qvac/sdk once, dynamically: it is an optional dependency and may be absent or unsupported here. */
export function loadQvacSdk(): Promise<{ sdk: QvacSdk } | { unavailable: string }> {
  sdkPromise ??= (async () => {
    ensureQvacConfig();
    // Hosts killed earlier (a crash, a kill -9) left their worker sockets in the temp folder.
    removeStaleWorkerSockets();
    try {
      // A variable specifier keeps TypeScript from resolving the optional package at compile time.
      const specifier: string = QVAC_PACKAGE;
      const sdk = (await import(specifier)) as QvacSdk;
      if (typeof sdk.close !== 'function' || typeof sdk.loadModel !== 'function') {
        return { unavailable: `${QVAC_PACKAGE} loaded but does not export loadModel/close (unexpected version?)` };
      }
      return { sdk };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return { unavailable: `${QVAC_PACKAGE} could not be imported on ${process.platform}-${process.arch}: ${message}` };
    }
  })();
  return sdkPromise;
}

/** The registry descriptor a `qvac-registry:NAME` source names, or a one-line error. */
export function registryDescriptor(sdk: QvacSdk, source: string): QvacRegistryDescriptor {
  const name = source.slice(QVAC_REGISTRY_PREFIX.length);
  const value = sdk[name];
  if (typeof value !== 'object' || value === null || typeof (value as { src?: unknown }).src !== 'string') {
    throw new Error(`${QVAC_PACKAGE} exports no registry model named ${name} (from "${source}")`);
  }
  return value as QvacRegistryDescriptor;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Bare workers this process spawned: its direct children whose command line runs `bare`. */
export function findWorkerPids(): number[] {
  return childPids(process.pid)
    .filter((pid) => /(^|\/)bare(\s|$)|bare-runtime/.test(commandLine(pid)))
    .sort((a, b) => a - b);
}

/** The newest Bare worker of this process, or null when none runs. */
export function findWorkerPid(): number | null {
  const pids = findWorkerPids();
  return pids.length > 0 ? (pids[pids.length - 1] as number) : null;
}

/** Running, as opposed to exited: a zombie (exited, not yet reaped by Node) still answers kill(0). */
function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], deadline: number): Promise<number[]> {
  let running = pids.filter(isRunning);
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    running = running.filter(isRunning);
  }
  return running;
}

/**
 * Closes the SDK and waits until every Bare worker of this process is gone, so the next call
 * starts a fresh one. A worker that outlives `timeoutMs` (e.g. one stuck in an offline registry
 * download, which close() does not stop) gets SIGKILL. Safe to call when no worker runs.
 * Returns the PIDs that had to be killed.
 */
export async function closeAndWaitForWorker(sdk: { close(): Promise<void> }, timeoutMs: number): Promise<{ killed: number[] }> {
  const deadline = Date.now() + timeoutMs;
  const before = findWorkerPids();
  try {
    await withTimeout(sdk.close(), timeoutMs, `${QVAC_PACKAGE} close()`);
  } catch {
    // The kill below ends a worker that would not close.
  }
  const pids = [...new Set([...before, ...findWorkerPids()])];
  const stubborn = await waitUntilGone(pids, deadline);
  for (const pid of stubborn) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It exited between the check and the kill.
    }
  }
  await waitUntilGone(stubborn, Date.now() + 2_000);
  return { killed: stubborn };
}

/** Vulkan is QVAC's only GPU backend on Linux; without an ICD file the addon silently falls back to CPU. */
export const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

export function hasVulkanIcd(): boolean {
  return VULKAN_ICD_DIRS.some((dir) => {
    try {
      return readdirSync(dir).some((name) => name.endsWith('.json'));
    } catch {
      return false;
    }
  });
}
