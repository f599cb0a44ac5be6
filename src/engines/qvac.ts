/**
 * SmolVLM through @qvac/sdk's llama.cpp (`llamacpp-completion` with an mmproj), in the SDK's Bare worker.
 *
 * What the SDK does not let us set or see, and how this engine deals with it:
 * - threads: 0.19.1's modelConfig schema is strict and rejects `threads` ("Unrecognized key"), so
 *   llama.cpp runs its own default; the report says so instead of echoing the request.
 * - the backend that ran arrives only with completion stats (`backendDevice`), so load runs a
 *   one-token text probe to learn it (skip with `options.probeBackend: false`).
 * - image tokens and frames are not in the SDK's stats; they are read from llama.cpp's own log on
 *   the worker's stderr (src/engines/qvac-frames.ts), and only where that log is missing estimated
 *   from the mmproj header with llama.cpp's idefics3 slicing rule, flagged as estimates.
 * - the image budget: llama.cpp's slicing is steered only by `image_no_upscale` (off for matched,
 *   so it stretches like the Hugging Face processor; on for single, so a one-frame image stays one
 *   slice), and it always adds an overview frame to its slices.
 * - a model's peak memory lives in the worker, whose VmHWM spans its life, so unload closes the
 *   worker and waits for its PID to go: each model gets a fresh worker.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';

import { packageVersion } from '../measure/environment.js';
import {
  UserError,
  type Availability,
  type Engine,
  type LoadReport,
  type LoadRequest,
  type ProbeReport,
  type RunOutput,
  type RunRequest,
  type TargetId,
} from './engine.js';
import { DEFAULT_IMAGE_BUDGET, IMAGE_BUDGET_WORDS, isImageBudget, type ImageBudget, type ImageSeen } from './image-budget.js';
import { imageSeenEstimate, imageSeenFromLog, parseMtmdImageLog, WorkerLogTap, type MtmdImageFacts } from './qvac-frames.js';
import { ggmlFileTypeName, idefics3Slicing, readIdefics3Geometry, type Idefics3Geometry } from './qvac-idefics3.js';
import {
  QVAC_PACKAGE,
  QVAC_REGISTRY_PREFIX,
  closeAndWaitForWorker,
  findWorkerPid,
  hasVulkanIcd,
  loadQvacSdk,
  qvacCacheRoot,
  registryDescriptor,
  withTimeout,
  TimeoutError,
  type QvacRegistryDescriptor,
  type QvacSdk,
} from './qvac-sdk.js';
import { DOWNLOAD_IN_LOAD_STAT, offlineRegistryMessage, progressMeansDownload } from '../models/qvac-registry.js';

const CLOSE_TIMEOUT_MS = 15_000;
/** A worker stuck in a registry download ignores close(); it gets this long before SIGKILL. */
const ABANDONED_LOAD_CLOSE_MS = 3_000;
const UNLOAD_TIMEOUT_MS = 10_000;
const DEFAULT_CTX_SIZE = 4096;
const DEFAULT_SEED = 42;
export const BACKEND_UNKNOWN = 'unknown-until-first-run';

interface CompletionStats {
  timeToFirstToken?: number;
  tokensPerSecond?: number;
  promptTokensPerSecond?: number;
  cacheTokens?: number;
  promptTokens?: number;
  generatedTokens?: number;
  emittedTokens?: number;
  avgConcurrentSeq?: number;
  backendDevice?: 'cpu' | 'gpu';
}

type CompletionEvent =
  | { type: 'contentDelta'; seq: number; text: string }
  | { type: 'completionStats'; seq: number; stats: CompletionStats }
  | { type: 'completionDone'; seq: number; stopReason?: string; error?: { message: string } }
  | { type: string; seq: number };

interface CompletionFinal {
  contentText: string;
  stats?: CompletionStats;
  stopReason?: string;
}

interface ProgressUpdate {
  percentage?: number;
  downloaded?: number;
  total?: number;
  [field: string]: unknown;
}

/** The slice of @qvac/sdk this engine calls, typed as the SDK documents it. */
interface CompletionSdk {
  loadModel(options: {
    modelSrc: string | QvacRegistryDescriptor;
    modelType: 'llamacpp-completion';
    modelConfig: Record<string, unknown>;
    onProgress?: (progress: ProgressUpdate) => void;
  }): Promise<string>;
  unloadModel(params: { modelId: string }): Promise<void>;
  completion(params: {
    modelId: string;
    stream: true;
    history: { role: 'user'; content: string; attachments?: { path: string }[] }[];
    generationParams?: { temp: number; seed: number; predict: number };
  }): { events: AsyncIterable<CompletionEvent>; final: Promise<CompletionFinal> };
  close(): Promise<void>;
}

interface ModelSource {
  src: string | QvacRegistryDescriptor;
  label: string;
  /** Local path, or the cached file of a registry model once found; undefined while unknown. */
  localPath?: string;
  registry?: QvacRegistryDescriptor;
}

interface Loaded {
  sdk: CompletionSdk;
  modelId: string;
  modelLabel: string;
  /** The mmproj's slicing geometry, with image_no_upscale as the budget set it. */
  geometry: Idefics3Geometry | null;
  budget: ImageBudget;
  /** The worker's log, where llama.cpp reports each image's slicing; null when the SDK's loggers cannot be reached. */
  tap: WorkerLogTap | null;
  seed: number;
  /** Set after a worker crash: the model is gone with the worker; only unload() makes sense. */
  crashed: boolean;
  gpu: boolean;
  /** Whether probe() runs the one-token completion (options.probeBackend !== false). */
  probe: boolean;
  probeTimeoutMs: number;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** The SDK's WorkerCrashedError carries code 50205 (WORKER_CRASHED) and the worker's exit signal. */
function workerCrash(error: unknown): { signal?: string } | null {
  const fields = (error ?? {}) as { name?: unknown; code?: unknown; exitSignal?: unknown };
  const text = `${String(fields.name ?? '')} ${String(fields.code ?? '')} ${firstLine(error)}`;
  if (!/WORKER_CRASHED|50205|WorkerCrashed/.test(text)) return null;
  return typeof fields.exitSignal === 'string' ? { signal: fields.exitSignal } : {};
}

/** Files of a registry model, once downloaded, somewhere under the SDK's cache directory. */
function findCachedFile(root: string, name: string, depth = 6): string | undefined {
  if (depth < 0) return undefined;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const entry of entries) if (entry.isFile() && entry.name === name) return join(root, entry.name);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const found = findCachedFile(join(root, entry.name), name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

function resolveSource(role: 'gguf' | 'mmproj', request: LoadRequest, sdk: QvacSdk): ModelSource {
  const value = request.model.files[role];
  if (!value) throw new UserError(`qvac: model ${request.model.id} has no "${role}" file (expected an absolute path or ${QVAC_REGISTRY_PREFIX}NAME)`);
  if (value.startsWith(QVAC_REGISTRY_PREFIX)) {
    let descriptor: QvacRegistryDescriptor;
    try {
      descriptor = registryDescriptor(sdk, value);
    } catch (error) {
      throw new UserError(`qvac: ${firstLine(error)}`);
    }
    return { src: descriptor, label: descriptor.name, registry: descriptor };
  }
  if (!isAbsolute(value)) throw new UserError(`qvac: ${role} path must be absolute, got "${value}"`);
  if (!existsSync(value)) throw new UserError(`qvac: ${role} file not found: ${value}`);
  return { src: value, label: basename(value), localPath: value };
}

function registryCachePath(source: ModelSource): string | undefined {
  if (source.localPath || !source.registry?.registryPath) return source.localPath;
  return findCachedFile(qvacCacheRoot(), basename(source.registry.registryPath));
}

/** Progress lines on stderr, at most one per 5 percent, so a 400 MB download is visible but quiet. */
function progressLogger(label: string): (progress: ProgressUpdate) => void {
  let lastShown = -5;
  return (progress) => {
    const percentage = typeof progress.percentage === 'number' ? progress.percentage : undefined;
    if (percentage === undefined || percentage - lastShown < 5) return;
    lastShown = percentage;
    process.stderr.write(`qvac: downloading ${label}: ${percentage.toFixed(0)}%\n`);
  };
}

function rawStats(stats: CompletionStats | undefined): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(stats ?? {})) {
    if (typeof value === 'number' || typeof value === 'string') out[key] = value;
  }
  return out;
}

/** llama.cpp's `image_no_upscale` per budget: unset keeps the mmproj's own rule (native). */
const NO_UPSCALE: Record<ImageBudget, 'on' | 'off' | undefined> = { native: undefined, matched: 'off', single: 'on' };

/** What this engine's frames look like under a budget, when it cannot do what the budget asks. */
function budgetShortfall(budget: ImageBudget, seen: Pick<ImageSeen, 'frames' | 'grid'>): string | undefined {
  const oneSlice = seen.grid?.columns === 1 && seen.grid.rows === 1;
  if (budget === 'single' && seen.frames > 1) {
    return oneSlice
      ? "single is not possible in llama.cpp: its idefics3 path always adds an overview frame, so the one padded slice is encoded twice (slice + overview)"
      : `single did not hold: llama.cpp cut the image into ${seen.grid ? `${seen.grid.columns}×${seen.grid.rows} slices` : 'slices'} (the harness did not prepare a one-frame image)`;
  }
  if (budget === 'matched' && oneSlice) return 'matched is not exact for this image: llama.cpp encodes its one slice plus an overview (2 frames), transformers.js one frame';
  return undefined;
}

/**
 * What llama.cpp encoded for this run's image: from its log when it has the lines, else estimated
 * from the mmproj. Needs the image's size (RunRequest.imageSize), which the orchestrator always sends.
 */
function imageSeen(current: Loaded, request: RunRequest, facts: MtmdImageFacts | null): ImageSeen | null {
  const input = request.imageSize;
  const context = { budget: current.budget, ...(request.preparedFrom ? { preparedFrom: request.preparedFrom } : {}) };
  let seen: ImageSeen | null = null;
  if (facts && input) {
    seen = imageSeenFromLog(facts, { ...context, input });
  } else if (current.geometry && input) {
    const why = current.tap ? 'the worker log had no image lines for this run' : "the SDK's loggers could not be reached";
    seen = imageSeenEstimate(idefics3Slicing(input.width, input.height, current.geometry), current.geometry.imageSize, { ...context, input, why });
  }
  const shortfall = seen ? budgetShortfall(current.budget, seen) : undefined;
  if (seen && shortfall) seen.note = shortfall;
  return seen;
}

export function createQvacEngine(): Engine {
  let loaded: Loaded | null = null;
  /** The SDK once a load started: unload must close its worker even after a failed load. */
  let sdkInUse: CompletionSdk | null = null;

  async function sdkOrUnavailable(): Promise<{ sdk: CompletionSdk; raw: QvacSdk }> {
    const result = await loadQvacSdk();
    if ('unavailable' in result) throw new Error(`UNAVAILABLE: ${result.unavailable}`);
    // CompletionSdk is the documented subset of the SDK's exports this engine calls.
    return { sdk: result.sdk as unknown as CompletionSdk, raw: result.sdk };
  }

  async function stopWorker(sdk: CompletionSdk, timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    await closeAndWaitForWorker(sdk, timeoutMs);
    if (sdkInUse === sdk) sdkInUse = null;
  }

  /** A one-token, text-only completion: the only way the SDK tells which backend runs the model. */
  async function probeBackend(sdk: CompletionSdk, modelId: string, seed: number, timeoutMs: number): Promise<CompletionStats | undefined> {
    const run = sdk.completion({ modelId, stream: true, history: [{ role: 'user', content: 'Hi' }], generationParams: { temp: 0, seed, predict: 1 } });
    const final = await withTimeout(run.final, timeoutMs, 'qvac backend probe');
    return final.stats;
  }

  return {
    id: 'qvac',
    packageName: QVAC_PACKAGE,
    tasks: ['caption', 'ocr'],
    targets: ['cpu', 'gpu'],

    async availability(target: TargetId): Promise<Availability> {
      if (target !== 'cpu' && target !== 'gpu') return { available: false, reason: `qvac runs in Node on cpu or gpu, not ${target}` };
      const result = await loadQvacSdk();
      if ('unavailable' in result) return { available: false, reason: result.unavailable };
      if (target === 'gpu' && process.platform === 'linux' && !hasVulkanIcd()) {
        return {
          available: false,
          reason: "no Vulkan driver (no ICD file): QVAC's llama.cpp GPU backend on Linux is Vulkan only, and without it the addon silently runs on CPU",
        };
      }
      return { available: true };
    },

    async load(request: LoadRequest): Promise<LoadReport> {
      if (loaded) throw new Error('qvac: load called while a model is loaded — unload first');
      if (request.target !== 'cpu' && request.target !== 'gpu') throw new Error(`UNAVAILABLE: qvac cannot run on ${request.target}`);
      const { sdk, raw } = await sdkOrUnavailable();
      const gguf = resolveSource('gguf', request, raw);
      const mmproj = resolveSource('mmproj', request, raw);
      const seed = Number(request.options?.seed ?? DEFAULT_SEED);
      const budget = isImageBudget(request.options?.imageBudget) ? request.options.imageBudget : DEFAULT_IMAGE_BUDGET;
      const gpu = request.target === 'gpu';
      const modelConfig: Record<string, unknown> = {
        projectionModelSrc: mmproj.src,
        ctx_size: Number(request.options?.ctxSize ?? DEFAULT_CTX_SIZE),
        device: gpu ? 'gpu' : 'cpu',
        gpu_layers: gpu ? 99 : 0,
        temp: 0,
        seed,
        predict: Number(request.options?.maxNewTokens ?? 256),
        // Tuning (src/tune): `modelConfig.<key>` options pass through, e.g. modelConfig.flash-attn=on.
        ...Object.fromEntries(Object.entries(request.options ?? {}).filter(([key]) => key.startsWith('modelConfig.')).map(([key, value]) => [key.slice('modelConfig.'.length), value])),
        // The budget decides llama.cpp's idefics3 rule over any tuned value: it is a run setting.
        ...(NO_UPSCALE[budget] ? { image_no_upscale: NO_UPSCALE[budget] } : {}),
      };
      const fromRegistry = [gguf, mmproj].filter((s) => s.registry);
      const modelLabel = `${gguf.label} + ${mmproj.label}`;
      // Cached registry files arrive as local paths (src/models/resolve.ts); a constant here means not cached.
      if (fromRegistry.length > 0 && (request.options?.offline === true || request.model.fetchFailure)) {
        throw new Error(request.model.fetchFailure ? `qvac: ${request.model.fetchFailure}` : offlineRegistryMessage('qvac', fromRegistry.map((s) => s.label), request.model.id));
      }
      let downloadedInLoad = false;
      const showProgress = progressLogger(fromRegistry.map((s) => s.label).join(' + '));

      sdkInUse = sdk;
      const loadStarted = performance.now();
      let modelId: string;
      try {
        modelId = await withTimeout(
          sdk.loadModel({
            modelSrc: gguf.src,
            modelType: 'llamacpp-completion',
            modelConfig,
            ...(fromRegistry.length > 0 ? { onProgress: (progress: ProgressUpdate) => ((downloadedInLoad ||= progressMeansDownload(progress)), showProgress(progress)) } : {}),
          }),
          request.timeoutMs,
          `qvac load of ${modelLabel}`,
        );
      } catch (error) {
        // An abandoned registry load keeps the worker busy forever; close() alone does not end it.
        await stopWorker(sdk, ABANDONED_LOAD_CLOSE_MS);
        if (error instanceof TimeoutError && fromRegistry.length > 0) {
          throw new Error(
            `UNAVAILABLE: qvac could not fetch ${fromRegistry.map((s) => s.label).join(' + ')} from the QVAC registry within ${request.timeoutMs} ms ` +
              '(offline? the registry download waits forever without network) — connect to the network, or pass local GGUF files (model + mmproj) with --model-path',
          );
        }
        if (error instanceof TimeoutError) throw new Error(`qvac: loading ${modelLabel} did not finish within ${request.timeoutMs} ms; the worker was stopped`);
        throw new Error(`qvac: could not load ${modelLabel}: ${firstLine(error)}`);
      }
      const loadModelMs = performance.now() - loadStarted;
      // After the load: the SDK resets its loggers' level to the config's when a worker starts.
      const tap = WorkerLogTap.attach();
      tap?.listen();

      const mmprojPath = registryCachePath(mmproj);
      let geometry: Idefics3Geometry | null = null;
      try {
        geometry = mmprojPath ? readIdefics3Geometry(mmprojPath) : null;
      } catch {
        geometry = null;
      }
      const shipped = geometry ? { ...geometry } : null;
      if (geometry && NO_UPSCALE[budget]) geometry = { ...geometry, noUpscale: NO_UPSCALE[budget] === 'on' };

      loaded = { sdk, modelId, modelLabel, geometry, budget, tap, seed, crashed: false, gpu, probe: request.options?.probeBackend !== false, probeTimeoutMs: request.timeoutMs };
      const backendActual = BACKEND_UNKNOWN;
      const workerPid = findWorkerPid();
      const notes = [
        `threads not settable: ${QVAC_PACKAGE} rejects a "threads" model option (strict schema), so llama.cpp used its own default; ${request.threads} requested`,
        "prompt layout: llama.cpp's built-in SmolVLM chat format (the GGUF's template is detected, not run as Jinja); the image goes in as a separate user message",
        shipped
          ? `image budget ${budget} (${IMAGE_BUDGET_WORDS[budget]}): llama.cpp resizes an image's long side to the mmproj's preproc_image_size ${shipped.longestEdge}` +
            `${geometry?.noUpscale ? ' (no upscaling: at most the long side rounded up to whole slices)' : ''}, cuts it into ${shipped.imageSize} px slices and always adds one overview frame` +
            `${NO_UPSCALE[budget] ? `; image_no_upscale ${NO_UPSCALE[budget]} for this budget` : ''}`
          : `image budget ${budget}: the mmproj's slicing geometry could not be read`,
        tap
          ? "frames, tile grid, frame resolution and image tokens per sample are read from llama.cpp's log on the worker's stderr; where it has none they are estimated from the mmproj header and say so"
          : "frames and image tokens are estimates from the mmproj header: the SDK's loggers, which carry llama.cpp's log, could not be reached",
      ];

      const engineStats: Record<string, number | string> = {
        loadModelMs,
        threadsRequested: request.threads,
        threadsHonoured: 'no',
        ctxSize: Number(modelConfig.ctx_size),
        gpuLayers: Number(modelConfig.gpu_layers),
      };
      if (downloadedInLoad) {
        engineStats[DOWNLOAD_IN_LOAD_STAT] = 1;
        notes.push('the SDK downloaded registry files inside this timed load: its load time is not comparable and is left out of load-time comparisons');
      }
      if (workerPid !== null) engineStats.workerPid = workerPid;
      if (geometry) {
        engineStats.imageSize = geometry.imageSize;
        engineStats.patchSize = geometry.patchSize;
        engineStats.scaleFactor = geometry.scaleFactor;
        engineStats.preprocImageSize = geometry.longestEdge;
      }
      for (const source of fromRegistry) {
        const d = source.registry as QvacRegistryDescriptor;
        if (d.registryPath) engineStats[`registry.${d.name}.path`] = d.registryPath;
        if (d.expectedSize !== undefined) engineStats[`registry.${d.name}.bytes`] = d.expectedSize;
        if (d.sha256Checksum) engineStats[`registry.${d.name}.sha256`] = d.sha256Checksum;
      }

      return {
        backendRequested: request.target,
        backendActual,
        threads: 0,
        dtypes: {
          text: request.model.quant,
          mmproj: ggmlFileTypeName(geometry?.fileType) ?? mmproj.registry?.quantization?.toUpperCase() ?? request.model.quant,
        },
        packageName: QVAC_PACKAGE,
        packageVersion: packageVersion(QVAC_PACKAGE) ?? 'unknown',
        notes,
        engineStats,
        ...(geometry ? { imageBudget: { budget, frameSide: geometry.imageSize } } : {}),
      };
    },

    /** Timed apart from load() by the host: a load time never includes this completion. */
    async probe(): Promise<ProbeReport> {
      if (!loaded || !loaded.probe) return {};
      const current = loaded;
      let stats: CompletionStats | undefined;
      try {
        stats = await probeBackend(current.sdk, current.modelId, current.seed, current.probeTimeoutMs);
      } catch (error) {
        loaded = null;
        await stopWorker(current.sdk);
        throw new Error(`qvac: ${current.modelLabel} loaded but a one-token probe failed: ${firstLine(error)}`);
      }
      const backendActual = stats?.backendDevice ?? BACKEND_UNKNOWN;
      const notes = ['a one-token text-only probe ran after loadModel to learn backendDevice; it is timed apart (load.probeMs), not in the load time'];
      if (current.gpu && backendActual === 'cpu') notes.push('gpu requested but llama.cpp ran on cpu (Vulkan fallback)');
      return {
        backendActual,
        ...(backendActual === 'gpu' ? { device: 'vulkan' } : backendActual === 'cpu' ? { device: 'cpu' } : {}),
        notes,
      };
    },

    async run(request: RunRequest, onToken: (text: string) => void): Promise<RunOutput> {
      if (!loaded) throw new Error('qvac: run before load');
      if (loaded.crashed) throw new Error('qvac: the QVAC worker crashed earlier; unload and load again');
      if (!existsSync(request.imagePath)) throw new UserError(`qvac: image not found: ${request.imagePath} (ATTACHMENT_NOT_FOUND)`);
      const current = loaded;
      const { decoding } = request;

      let streamChunks = 0;
      let streamDeltas = 0;
      let eventStats: CompletionStats | undefined;
      let final: CompletionFinal;
      const generationParams = { temp: 0, seed: decoding.seed, predict: decoding.maxNewTokens };
      const logMark = current.tap?.mark();
      try {
        const run = current.sdk.completion({
          modelId: current.modelId,
          stream: true,
          history: [{ role: 'user', content: request.prompt, attachments: [{ path: request.imagePath }] }],
          generationParams,
        });
        for await (const event of run.events) {
          if (event.type === 'contentDelta') {
            const text = (event as { text: string }).text;
            // Every delta is a token, including the empty one the SDK sends for a token whose bytes do
            // not yet form whole UTF-8 characters: each marks when a token reached the host.
            streamDeltas++;
            if (text.length > 0) streamChunks++;
            onToken(text);
          } else if (event.type === 'completionStats') {
            eventStats = (event as { stats: CompletionStats }).stats;
          } else if (event.type === 'completionDone') {
            const done = event as { stopReason?: string; error?: { message: string } };
            if (done.stopReason === 'error') throw new Error(done.error?.message ?? 'completion failed');
          }
        }
        final = await run.final;
      } catch (error) {
        const crash = workerCrash(error);
        if (crash) {
          current.crashed = true;
          throw new Error(
            `qvac: WORKER_CRASHED 50205: the QVAC worker died${crash.signal ? ` (${crash.signal})` : ''} during ${request.fixtureId}: ${firstLine(error)}; unload and load again`,
          );
        }
        if (/ATTACHMENT_NOT_FOUND/.test(firstLine(error))) throw new UserError(`qvac: image not found by the worker: ${request.imagePath} (${firstLine(error)})`);
        throw new Error(`qvac: completion on ${request.fixtureId} failed: ${firstLine(error)}`);
      }

      const stats = final.stats ?? eventStats;
      const engineStats: Record<string, number | string> = { ...rawStats(stats), streamChunks, streamDeltas };
      if (final.stopReason) engineStats.stopReason = final.stopReason;
      const generatedFromSdk = typeof stats?.generatedTokens === 'number';
      engineStats.generatedTokensSource = generatedFromSdk ? 'sdk stats.generatedTokens (llama.cpp decode count)' : 'count of non-empty streamed chunks';

      const output: RunOutput = {
        text: final.contentText,
        generatedTokens: generatedFromSdk ? (stats?.generatedTokens as number) : streamChunks,
        engineStats,
      };
      if (typeof stats?.promptTokens === 'number') output.promptTokens = stats.promptTokens;
      output.decodingApplied = { ...generationParams, greedy: generationParams.temp === 0, loadTemp: 0, loadSeed: current.seed };
      // Tokens are made in the worker and reach this host in bursts over a socket, so the decode rate
      // is llama.cpp's own (decode tokens / decode time, measured in the worker) and TTFT follows from it.
      const tps = stats?.tokensPerSecond;
      if (typeof tps === 'number' && Number.isFinite(tps) && tps > 0 && output.generatedTokens >= 2) {
        output.engineTiming = {
          decodeTokensPerSec: tps,
          decodeMs: (output.generatedTokens / tps) * 1000,
          source: 'QVAC worker: llama.cpp decode timer (SDK stats.tokensPerSecond); TTFT = end-to-end latency − generatedTokens / tokensPerSecond',
        };
      }

      const facts = current.tap && logMark !== undefined ? parseMtmdImageLog(current.tap.since(logMark)) : null;
      const seen = imageSeen(current, request, facts);
      if (seen) {
        output.image = seen;
        output.frames = seen.frames;
        if (seen.imageTokens !== null) output.imageTokens = seen.imageTokens;
        if (seen.source === 'estimated') output.phases = { estimated: ['frames', 'imageTokens'] };
      } else if (facts) {
        // Measured, but without the image's size there is no full record; the counts still stand.
        output.frames = facts.frames;
        if (facts.imageTokens !== null) output.imageTokens = facts.imageTokens;
      }
      return output;
    },

    async unload(): Promise<void> {
      const current = loaded;
      loaded = null;
      const sdk = current?.sdk ?? sdkInUse;
      if (current && !current.crashed) {
        try {
          await withTimeout(current.sdk.unloadModel({ modelId: current.modelId }), UNLOAD_TIMEOUT_MS, 'qvac unloadModel');
        } catch {
          // Closing the worker below frees the model whether or not the unload answered.
        }
      }
      // A fresh worker per model: its VmHWM then belongs to one model only. After a crash the SDK may
      // already have respawned a worker; closing ends that one too.
      if (sdk) await stopWorker(sdk);
    },
  };
}
