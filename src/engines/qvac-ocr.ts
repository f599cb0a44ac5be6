/**
 * QVAC's dedicated OCR pipelines (`ggml-ocr`): `easyocr` (CRAFT detector + CRNN recognizer)
 * and `doctr` (DBNet detector + CRNN recognizer), driven through @qvac/sdk's Bare worker.
 *
 * These are not language models: they take no prompt and do not stream. The engine joins the
 * detected blocks into text in reading order (see READING_ORDER_RULE) and reports the
 * pipeline's own timings, converted from the seconds the SDK reports.
 *
 * OCR cannot be cancelled, so a run past its timeout kills the worker; the engine then
 * holds no model, and the next load starts a fresh worker.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { isAbsolute } from 'node:path';

import { packageVersion } from '../measure/environment.js';
import { isAlive } from '../measure/memory.js';
import {
  UserError,
  type Availability,
  type Engine,
  type LoadReport,
  type LoadRequest,
  type RunOutput,
  type RunRequest,
  type TargetId,
} from './engine.js';
import {
  QVAC_REGISTRY_PREFIX,
  TimeoutError,
  VULKAN_ICD_DIRS,
  closeAndWaitForWorker,
  findWorkerPid,
  hasVulkanIcd,
  loadQvacSdk,
  registryDescriptor,
  withTimeout,
  type QvacSdk,
} from './qvac-sdk.js';
import { offlineRegistryMessage } from '../models/qvac-registry.js';

export const OCR_PIPELINES = ['easyocr', 'doctr'] as const;
export type OcrPipeline = (typeof OCR_PIPELINES)[number];

/** The registry constants `files.detector` / `files.recognizer` may name (as `qvac-registry:NAME`) instead of a path. */
export const OCR_REGISTRY_CONSTANTS = ['OCR_CRAFT', 'OCR_LATIN', 'OCR_DOCTR', 'OCR_DOCTR_1'] as const;

export const READING_ORDER_RULE =
  'blocks sorted into lines top to bottom: a block joins the current line when its vertical centre is within half ' +
  "the line's mean block height of the line's mean centre; words within a line are sorted left to right and joined " +
  'with one space, lines with "\\n"; bbox is [xMin, yMin, xMax, yMax]; blocks without a bbox follow in SDK order, ' +
  'one per line; empty texts are dropped';

/** The docTR recognizer's LSTM runs as a batched ggml graph unless this variable is `1` in the worker's environment. */
const DOCTR_LSTM_ENV = 'OCR_DOCTR_LSTM_CPU';
type LstmPath = 'default-batched' | 'cpu' | 'n/a';

const UNLOAD_TIMEOUT_MS = 15_000;
const KILLED_CLOSE_TIMEOUT_MS = 3_000;

export interface OcrBlock {
  text: string;
  bbox?: [number, number, number, number];
  confidence?: number;
}

interface OcrStats {
  detectionTime?: number;
  recognitionTime?: number;
  totalTime?: number;
}

/** The slice of @qvac/sdk this engine calls, typed as the SDK documents it. */
interface OcrSdk {
  loadModel(
    options: { modelSrc: string; modelType: 'ggml-ocr'; modelConfig: Record<string, unknown> },
    rpcOptions?: { timeout?: number },
  ): Promise<string>;
  ocr(params: { modelId: string; image: string; options?: Record<string, unknown> }): {
    blocks: Promise<OcrBlock[]>;
    stats: Promise<OcrStats | undefined>;
  };
  unloadModel(params: { modelId: string }): Promise<void>;
  close(): Promise<void>;
}

interface LoadedModel {
  sdk: OcrSdk;
  modelId: string;
  pipeline: OcrPipeline;
  lstmPath: LstmPath;
  runTimeoutMs: number;
}

/** Joins OCR blocks into text in reading order; the rule is READING_ORDER_RULE. */
export function joinBlocksInReadingOrder(blocks: readonly OcrBlock[]): { text: string; lines: number } {
  const placed: { text: string; x: number; centre: number; height: number }[] = [];
  const unplaced: string[] = [];
  for (const block of blocks) {
    const text = block.text.trim();
    if (!text) continue;
    if (!block.bbox) {
      unplaced.push(text);
      continue;
    }
    const [xMin, yMin, , yMax] = block.bbox;
    placed.push({ text, x: xMin, centre: (yMin + yMax) / 2, height: Math.max(0, yMax - yMin) });
  }
  placed.sort((a, b) => a.centre - b.centre || a.x - b.x);

  const lines: (typeof placed)[] = [];
  for (const block of placed) {
    const line = lines.at(-1);
    if (line) {
      const centre = line.reduce((sum, b) => sum + b.centre, 0) / line.length;
      const height = line.reduce((sum, b) => sum + b.height, 0) / line.length;
      if (Math.abs(block.centre - centre) <= height / 2) {
        line.push(block);
        continue;
      }
    }
    lines.push([block]);
  }
  const texts = lines.map((line) => [...line].sort((a, b) => a.x - b.x).map((b) => b.text).join(' '));
  texts.push(...unplaced);
  return { text: texts.join('\n'), lines: texts.length };
}

function isPipeline(value: unknown): value is OcrPipeline {
  return typeof value === 'string' && (OCR_PIPELINES as readonly string[]).includes(value);
}

/** `options.ocrPipeline`, else the quant field, else the model id naming one pipeline. */
export function resolvePipeline(request: LoadRequest): OcrPipeline {
  const fromOption = request.options?.ocrPipeline;
  if (fromOption !== undefined) {
    if (isPipeline(fromOption)) return fromOption;
    throw new UserError(`qvac-ocr: ocrPipeline "${String(fromOption)}" is not one of ${OCR_PIPELINES.join(', ')}`);
  }
  if (isPipeline(request.model.quant)) return request.model.quant;
  const named = OCR_PIPELINES.filter((pipeline) => request.model.id.includes(pipeline));
  if (named.length === 1) return named[0] as OcrPipeline;
  throw new UserError(
    `qvac-ocr: model "${request.model.id}" does not say which pipeline it is — set the ocrPipeline option to ${OCR_PIPELINES.join(' or ')}`,
  );
}

interface ModelSource {
  src: string;
  registry: boolean;
  label: string;
}

function resolveSource(role: 'detector' | 'recognizer', request: LoadRequest, sdk: QvacSdk): ModelSource {
  const value = request.model.files[role];
  if (!value) {
    throw new UserError(`qvac-ocr: model "${request.model.id}" has no ${role} file — the catalog must give files.detector and files.recognizer`);
  }
  if (value.startsWith(QVAC_REGISTRY_PREFIX)) {
    const name = value.slice(QVAC_REGISTRY_PREFIX.length);
    if (!(OCR_REGISTRY_CONSTANTS as readonly string[]).includes(name)) {
      throw new UserError(
        `qvac-ocr: ${role} "${value}" is not a known OCR registry constant — use one of ${OCR_REGISTRY_CONSTANTS.map((c) => QVAC_REGISTRY_PREFIX + c).join(', ')}`,
      );
    }
    return { src: registryDescriptor(sdk, value).src, registry: true, label: value };
  }
  if (!isAbsolute(value) || !existsSync(value)) {
    throw new UserError(`qvac-ocr: ${role} file ${value} does not exist — run "vlmbench models make-tiny" or download the model`);
  }
  return { src: value, registry: false, label: value };
}

/** The variable as the worker really has it (read from procfs), else as this process would pass it on. */
function workerLstmEnv(workerPid: number | null): string | undefined {
  if (workerPid !== null) {
    try {
      const entries = readFileSync(`/proc/${workerPid}/environ`, 'utf8').split('\0');
      const entry = entries.find((e) => e.startsWith(`${DOCTR_LSTM_ENV}=`));
      return entry?.slice(DOCTR_LSTM_ENV.length + 1);
    } catch {
      // procfs unreadable: fall back to what this process would hand down.
    }
  }
  return process.env[DOCTR_LSTM_ENV];
}

function lstmPathFor(pipeline: OcrPipeline, envValue: string | undefined): LstmPath {
  if (pipeline !== 'doctr') return 'n/a';
  return envValue === '1' ? 'cpu' : 'default-batched';
}

/** Applies `options.doctrLstm` to this process's environment, which the worker inherits when it is spawned. */
function applyLstmOption(request: LoadRequest): void {
  const wanted = request.options?.doctrLstm;
  if (wanted === undefined) return;
  if (wanted === 'cpu') process.env[DOCTR_LSTM_ENV] = '1';
  else if (wanted === 'default-batched') delete process.env[DOCTR_LSTM_ENV];
  else throw new UserError(`qvac-ocr: doctrLstm "${String(wanted)}" must be "cpu" or "default-batched"`);
}

/** True when the process holds a GPU device node open: the addon found a device instead of falling back to CPU. */
function holdsGpuDevice(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return /^\/dev\/(dri\/renderD|nvidia\d|kgsl|mali)/.test(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Our own deadline (TimeoutError) or the SDK's RPC one (OperationTimeoutError). */
function isTimeout(error: unknown): boolean {
  return error instanceof TimeoutError || (error instanceof Error && /Timeout/.test(error.name)) || /operation timeout/i.test(messageOf(error));
}

function killProcess(pid: number | null): void {
  if (pid === null || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It exited between the check and the kill.
  }
}

/**
 * Stops the worker for good. `close` asks politely first (after a normal unload); `kill` is for
 * a worker stuck in work it cannot cancel (an OCR run or a registry fetch past its timeout),
 * which would not answer a close anyway. Either way the SDK client is closed, so the next
 * call spawns a fresh worker.
 */
async function stopWorker(sdk: OcrSdk, how: 'close' | 'kill'): Promise<void> {
  const pid = findWorkerPid();
  if (how === 'kill') killProcess(pid);
  try {
    await closeAndWaitForWorker(sdk, how === 'kill' ? KILLED_CLOSE_TIMEOUT_MS : UNLOAD_TIMEOUT_MS);
  } catch {
    // The kill below is the fallback for a worker that will not close.
  }
  killProcess(pid);
}

export function createQvacOcrEngine(): Engine {
  let loaded: LoadedModel | null = null;

  async function sdkOrUnavailable(): Promise<QvacSdk> {
    const result = await loadQvacSdk();
    if ('unavailable' in result) throw new Error(`UNAVAILABLE: ${result.unavailable}`);
    return result.sdk;
  }

  return {
    id: 'qvac-ocr',
    packageName: '@qvac/sdk',
    tasks: ['ocr'],
    targets: ['cpu', 'gpu'],

    async availability(target: TargetId): Promise<Availability> {
      if (target !== 'cpu' && target !== 'gpu') return { available: false, reason: `qvac-ocr runs in Node on cpu or gpu, not ${target}` };
      const result = await loadQvacSdk();
      if ('unavailable' in result) return { available: false, reason: result.unavailable };
      if (target === 'gpu' && !hasVulkanIcd()) {
        return {
          available: false,
          reason: `no Vulkan driver (no ICD file in ${VULKAN_ICD_DIRS.join(', ')}): QVAC's OCR GPU backend on Linux is Vulkan only, and without it the addon silently falls back to CPU`,
        };
      }
      return { available: true };
    },

    async load(request: LoadRequest): Promise<LoadReport> {
      if (loaded) throw new Error('qvac-ocr: load called while a model is loaded — unload first');
      if (request.target !== 'cpu' && request.target !== 'gpu') throw new Error(`UNAVAILABLE: qvac-ocr cannot run on ${request.target}`);
      const pipeline = resolvePipeline(request);
      const sdkModule = await sdkOrUnavailable();
      const detector = resolveSource('detector', request, sdkModule);
      const recognizer = resolveSource('recognizer', request, sdkModule);
      const fromRegistry = [detector, recognizer].filter((source) => source.registry);
      if (fromRegistry.length > 0 && (request.options?.offline === true || request.model.fetchFailure)) {
        throw new Error(request.model.fetchFailure ? `qvac-ocr: ${request.model.fetchFailure}` : offlineRegistryMessage('qvac-ocr', fromRegistry.map((source) => source.label), request.model.id));
      }
      // OcrSdk is the documented subset of the SDK's exports this engine calls.
      const sdk = sdkModule as unknown as OcrSdk;
      applyLstmOption(request);
      const backendRequested = request.target === 'gpu' ? 'vulkan' : 'cpu';
      const modelConfig = {
        pipelineType: pipeline,
        langList: ['en'],
        detectorModelSrc: detector.src,
        nThreads: request.threads,
        backendDevice: backendRequested,
      };

      let modelId: string;
      try {
        modelId = await withTimeout(
          sdk.loadModel({ modelSrc: recognizer.src, modelType: 'ggml-ocr', modelConfig }, { timeout: request.timeoutMs }),
          request.timeoutMs + 2_000,
          `qvac-ocr load of ${request.model.id}`,
        );
      } catch (error) {
        // A failed or abandoned load may leave the worker busy (e.g. still fetching from the registry).
        await stopWorker(sdk, isTimeout(error) ? 'kill' : 'close');
        if (isTimeout(error) && (detector.registry || recognizer.registry)) {
          throw new Error(
            `UNAVAILABLE: qvac-ocr could not fetch ${[detector, recognizer].filter((s) => s.registry).map((s) => s.label).join(' + ')} from the QVAC registry within ${request.timeoutMs} ms (offline? the registry lookup hangs without network); the worker was stopped`,
          );
        }
        if (isTimeout(error)) throw new Error(`qvac-ocr: loading ${request.model.id} did not finish within ${request.timeoutMs} ms; the worker was stopped`);
        throw new Error(`qvac-ocr: the ${pipeline} pipeline could not load detector ${detector.label} + recognizer ${recognizer.label}: ${messageOf(error)}`);
      }

      const workerPid = findWorkerPid();
      if (request.target === 'gpu' && (workerPid === null || !holdsGpuDevice(workerPid))) {
        try {
          await sdk.unloadModel({ modelId });
        } catch {
          // The worker is stopped below either way.
        }
        await stopWorker(sdk, 'close');
        throw new Error('UNAVAILABLE: qvac-ocr asked for Vulkan but the worker opened no GPU device, so the addon fell back to CPU; no GPU figure is recorded');
      }

      const lstmEnv = workerLstmEnv(workerPid);
      const lstmPath = lstmPathFor(pipeline, lstmEnv);
      const runTimeoutMs = Number(request.options?.runTimeoutMs ?? request.timeoutMs);
      loaded = { sdk, modelId, pipeline, lstmPath, runTimeoutMs };
      return {
        backendRequested,
        backendActual: request.target === 'gpu' ? 'vulkan' : 'cpu',
        device: request.target,
        threads: request.threads,
        // The catalog's quant names the stored tensor type, unless it carries the pipeline instead.
        dtypes: Object.fromEntries(['detector', 'recognizer'].map((role) => [role, isPipeline(request.model.quant) ? 'as stored in the GGUF' : request.model.quant])),
        packageName: '@qvac/sdk',
        packageVersion: packageVersion('@qvac/sdk') ?? 'unknown',
        notes: [
          `@qvac/ocr-ggml ${packageVersion('@qvac/ocr-ggml') ?? '?'}; modelType ggml-ocr, pipelineType ${pipeline}, langList [en], nThreads ${request.threads}, backendDevice ${backendRequested}`,
          `detector ${detector.label}; recognizer ${recognizer.label}`,
          'OCR pipelines take no prompt: the task prompt is ignored',
          `blocks are joined into text by this rule: ${READING_ORDER_RULE}`,
          'OCR does not stream: onToken fires once with the whole text, so TTFT equals latency; generatedTokens is 0 and the block count is in engineStats.blocks',
          pipeline === 'doctr'
            ? `docTR LSTM path: ${lstmPath} (${DOCTR_LSTM_ENV}=${lstmEnv ?? 'unset'} in the worker's environment; "cpu" is the scalar CPU LSTM, a different code path from the default batched ggml graph)`
            : 'easyocr: the docTR LSTM switch does not apply',
          'detectionMs / recognitionMs / totalMs are the SDK stats (reported in seconds) times 1000; the raw seconds are kept beside them',
        ],
        engineStats: { pipeline, lstmPath, ...(workerPid !== null ? { workerPid } : {}) },
      };
    },

    async run(request: RunRequest, onToken: (text: string) => void): Promise<RunOutput> {
      if (!loaded) throw new Error('qvac-ocr: run before load (or after the worker was killed by a timeout)');
      const { sdk, modelId, pipeline, lstmPath, runTimeoutMs } = loaded;
      let blocks: OcrBlock[];
      let stats: OcrStats | undefined;
      try {
        const result = sdk.ocr({ modelId, image: request.imagePath });
        [blocks, stats] = await withTimeout(Promise.all([result.blocks, result.stats]), runTimeoutMs, `qvac-ocr ocr() on ${request.fixtureId}`);
      } catch (error) {
        if (isTimeout(error)) {
          const pid = findWorkerPid();
          loaded = null;
          await stopWorker(sdk, 'kill');
          throw new Error(
            `qvac-ocr: ocr() on ${request.fixtureId} did not finish within ${runTimeoutMs} ms; OCR cannot be cancelled, so the QVAC worker${pid !== null ? ` (pid ${pid})` : ''} was killed and the model must be loaded again`,
          );
        }
        if (/WORKER_CRASHED|50205/.test(messageOf(error))) {
          loaded = null;
          await stopWorker(sdk, 'close');
          throw new Error(`qvac-ocr: the QVAC worker crashed during ocr() on ${request.fixtureId}: ${messageOf(error)}`);
        }
        throw new Error(`qvac-ocr: ocr() on ${request.fixtureId} failed: ${messageOf(error)}`);
      }

      const joined = joinBlocksInReadingOrder(blocks);
      onToken(joined.text);
      const engineStats: Record<string, number | string> = {
        pipeline,
        lstmPath,
        blocks: blocks.length,
        lines: joined.lines,
        joinRule: READING_ORDER_RULE,
      };
      const seconds: [keyof OcrStats, string][] = [
        ['detectionTime', 'detectionMs'],
        ['recognitionTime', 'recognitionMs'],
        ['totalTime', 'totalMs'],
      ];
      for (const [raw, ms] of seconds) {
        const value = stats?.[raw];
        if (typeof value === 'number') {
          engineStats[`${raw}S`] = value;
          engineStats[ms] = value * 1000;
        }
      }
      return { text: joined.text, generatedTokens: 0, engineStats };
    },

    async unload(): Promise<void> {
      const current = loaded;
      loaded = null;
      if (!current) return;
      try {
        await withTimeout(current.sdk.unloadModel({ modelId: current.modelId }), UNLOAD_TIMEOUT_MS, 'qvac-ocr unloadModel');
      } catch {
        // Closing the worker below frees the model whether or not the unload answered.
      }
      // A fresh worker per model: its VmHWM then belongs to one model only.
      await stopWorker(current.sdk, 'close');
    },
  };
}
