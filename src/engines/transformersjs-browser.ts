/**
 * SmolVLM2 through transformers.js inside headless Chromium (targets browser-wasm and
 * browser-webgpu): the same AutoProcessor + AutoModelForVision2Seq flow, chat template and
 * greedy decoding as the Node engine, driven in a page served from 127.0.0.1.
 *
 * What it measures beyond the host's clock: per-token times and phases in the page's own
 * clock (engineStats.page*), the renderer's (+ GPU process's) peak RSS per run, and the
 * WebAssembly.Memory size. With `options.cdpUrl` it attaches to a Chromium running elsewhere
 * (a phone over adb) and reads memory from memory-infra dumps instead of procfs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { openBrowser, type OpenedBrowser } from '../browser/launch.js';
import { dumpBytes, gpuProcessPid, memoryInfraDump, rendererPid, resetPeaks, sumPeaks } from '../browser/memory.js';
import { TOKEN_BINDING, type PageLoadOptions, type PageLoadResult, type PageRunOptions, type PageRunResult } from '../browser/page.js';
import { startBrowserServer, type BrowserServer } from '../browser/server.js';
import { nowMs } from '../measure/clock.js';
import { packageVersion } from '../measure/environment.js';
import { TASK_PROMPTS } from '../tasks.js';
import { UserError, type Engine, type LoadReport, type LoadRequest, type RunOutput, type RunRequest, type TargetId } from './engine.js';
import { DEFAULT_IMAGE_BUDGET, isImageBudget, type ImageBudget } from './image-budget.js';
import { budgetNote, imageSeenFromProcessor, processorGeometry, processorPlan, type ProcessorGeometry } from './transformersjs-image.js';

interface DriverWindow {
  vlmbench: {
    load(options: PageLoadOptions): Promise<PageLoadResult>;
    run(options: PageRunOptions): Promise<PageRunResult>;
    unload(): Promise<void>;
  };
  vlmbenchReady?: boolean;
}

/** Token budget of the untimed first WebGPU generate: enough to compile prefill and decode shaders. */
const FIRST_RUN_TOKENS = 4;

type MemorySource = { kind: 'procfs'; pids: number[] } | { kind: 'memory-infra'; cdp: CDPSession; webgpu: boolean } | { kind: 'none'; why: string };

function servedModelId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '-') || 'model';
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** The model folder's processor geometry (preprocessor_config.json), read once at load; null when absent or not Idefics3-style. */
function readProcessorGeometry(dir: string): ProcessorGeometry | null {
  try {
    return processorGeometry(JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')) as Record<string, never>);
  } catch {
    return null;
  }
}

export function createTransformersJsBrowserEngine(): Engine {
  let server: BrowserServer | null = null;
  let opened: OpenedBrowser | null = null;
  let memory: MemorySource = { kind: 'none', why: 'not loaded' };
  let tokenSink: ((text: string) => void) | null = null;
  let timeoutMs = 600_000;
  let budget: ImageBudget = DEFAULT_IMAGE_BUDGET;
  let geometry: ProcessorGeometry | null = null;
  const imageUrls = new Map<string, string>();
  const consoleLines: string[] = [];
  /** The page's requests to anything but the local server, since the last load or run reported them (run --network-audit). */
  let outsideRequests: Array<{ url: string; timeMs: number }> = [];
  const takeOutsideRequests = () => {
    const taken = outsideRequests;
    outsideRequests = [];
    return taken;
  };

  async function release(): Promise<void> {
    const page = opened?.page;
    const browser = opened;
    const httpServer = server;
    const source = memory;
    opened = null;
    server = null;
    memory = { kind: 'none', why: 'unloaded' };
    tokenSink = null;
    imageUrls.clear();
    if (page && !page.isClosed()) {
      // Dispose the ORT sessions first: on an attached browser the page would otherwise keep them until it closes.
      await withTimeout(page.evaluate(async () => (window as unknown as DriverWindow).vlmbench?.unload()), 5000, 'page unload').catch(() => undefined);
    }
    if (source.kind === 'memory-infra') await source.cdp.detach().catch(() => undefined);
    await browser?.close();
    await httpServer?.close();
  }

  async function measureAfterRun(): Promise<{ bytes: number | null; stats: Record<string, number | string> }> {
    if (memory.kind === 'procfs') return { bytes: sumPeaks(memory.pids), stats: { memorySource: 'procfs-vmhwm' } };
    if (memory.kind === 'memory-infra') {
      const start = nowMs();
      const dump = await memoryInfraDump(memory.cdp, server?.origin ?? '');
      const measured = dumpBytes(dump, [dump.rendererPid, memory.webgpu ? dump.gpuPid : null]);
      return { bytes: measured.bytes, stats: { memorySource: `memory-infra-${measured.kind}`, memoryDumpMs: nowMs() - start } };
    }
    return { bytes: null, stats: { memorySource: `none: ${memory.why}` } };
  }

  return {
    id: 'transformersjs',
    packageName: '@huggingface/transformers',
    tasks: ['caption', 'ocr'],
    targets: ['browser-wasm', 'browser-webgpu'],

    async availability(target: TargetId) {
      if (target !== 'browser-wasm' && target !== 'browser-webgpu') return { available: false, reason: `the browser engine runs browser-wasm or browser-webgpu; ${target} is the Node engine's target` };
      try {
        await import('playwright-core');
      } catch (error) {
        return { available: false, reason: `playwright-core cannot be imported: ${firstLine(error)}` };
      }
      if (!packageVersion('@huggingface/transformers')) return { available: false, reason: '@huggingface/transformers is not installed (its browser bundle is served to the page)' };
      // Whether a Chromium exists is decided in load(): an attached browser (cdpUrl) needs none here.
      return { available: true };
    },

    async load(request: LoadRequest): Promise<LoadReport> {
      if (request.target !== 'browser-wasm' && request.target !== 'browser-webgpu') throw new Error(`transformersjs-browser cannot load target ${request.target}`);
      await release();
      const webgpu = request.target === 'browser-webgpu';
      const device = webgpu ? 'webgpu' : 'wasm';
      const dir = request.model.files.dir;
      if (!dir || !existsSync(join(dir, 'config.json'))) {
        throw new UserError(`model "${request.model.id}": no config.json in ${dir ?? '(no directory)'} — run "vlmbench models make-tiny" or "vlmbench models pull ${request.model.id}"`);
      }
      timeoutMs = request.timeoutMs;
      const options = request.options ?? {};
      const cdpUrl = typeof options.cdpUrl === 'string' && options.cdpUrl ? options.cdpUrl : undefined;
      budget = isImageBudget(options.imageBudget) ? options.imageBudget : DEFAULT_IMAGE_BUDGET;
      geometry = readProcessorGeometry(dir);
      const modelKey = servedModelId(request.model.id);
      try {
        server = await startBrowserServer({ models: { [modelKey]: dir }, port: typeof options.serverPort === 'number' ? options.serverPort : undefined });
        opened = await openBrowser({ cdpUrl, webgpu, executablePath: typeof options.chromiumPath === 'string' ? options.chromiumPath : undefined, timeoutMs: request.timeoutMs });
        const { page, browser } = opened;
        consoleLines.length = 0;
        page.on('console', (message) => {
          if (process.env.VLMBENCH_BROWSER_DEBUG) process.stderr.write(`[page ${message.type()}] ${message.text()}\n`);
          if (message.type() === 'warning' || message.type() === 'error') consoleLines.push(`${message.type()}: ${message.text().split('\n')[0]}`.slice(0, 300));
        });
        outsideRequests = [];
        const origin = server.origin;
        page.on('request', (pageRequest) => {
          const url = pageRequest.url();
          if (!url.startsWith(`${origin}/`) && !/^(data|blob|about):/.test(url)) outsideRequests.push({ url, timeMs: Date.now() });
        });
        if (process.env.VLMBENCH_BROWSER_DEBUG) page.on('response', (response) => { if (response.status() >= 400) process.stderr.write(`[page http ${response.status()}] ${response.url()}\n`); });
        await page.exposeBinding(TOKEN_BINDING, (_source, text: string) => tokenSink?.(text));
        await page.goto(`${server.origin}/`, { timeout: request.timeoutMs });
        await page.waitForFunction(() => (window as unknown as DriverWindow).vlmbenchReady === true, undefined, { timeout: request.timeoutMs });

        let pids: number[] = [];
        if (opened.attached) {
          memory = { kind: 'memory-infra', cdp: await opened.context.newCDPSession(page), webgpu };
        } else {
          const renderer = await rendererPid(browser, page, server.origin);
          const gpu = webgpu && opened.pid !== null ? gpuProcessPid(opened.pid) : null;
          pids = [renderer, gpu].filter((pid): pid is number => pid !== null);
          memory = renderer === null ? { kind: 'none', why: 'the renderer PID was not in the trace' } : { kind: 'procfs', pids };
          resetPeaks(pids);
        }

        const pageOptions: PageLoadOptions = {
          modelId: modelKey,
          dtype: request.model.quant,
          device,
          threads: request.threads,
          firstRun: webgpu ? { prompt: TASK_PROMPTS.caption, maxNewTokens: FIRST_RUN_TOKENS } : null,
        };
        let facts: PageLoadResult;
        try {
          facts = await withTimeout(
            page.evaluate(async (loadOptions) => (window as unknown as DriverWindow).vlmbench.load(loadOptions), pageOptions),
            request.timeoutMs,
            'loading the model in the page',
          );
        } catch (error) {
          const message = firstLine(error).replace(/^page\.evaluate: (Error: )?/, '');
          if (/no such file|not found|404/i.test(message)) throw new UserError(`model "${request.model.id}" (${request.model.quant}) in the browser: ${message} — the files for this dtype are missing; pick another --dtype or re-create the model`);
          throw new Error(`transformers.js in Chromium could not load the model on ${device}: ${message}`);
        }
        if (facts.unavailable) {
          throw new Error(`UNAVAILABLE: WebGPU adapter not available in this Chromium (${facts.unavailable}; ${opened.attached ? 'the attached browser must expose WebGPU' : 'launched with --enable-unsafe-webgpu'})`);
        }
        if (webgpu && facts.gpuDevicesRequested === 0) {
          // Never report a wasm run as WebGPU.
          throw new Error('UNAVAILABLE: WebGPU was requested but ONNX Runtime Web never opened a GPU device');
        }
        // For memory-infra this dump also resets the peaks, so the first run's dump covers that run only.
        const loadPeak = (await measureAfterRun()).bytes;
        const threadsUsed = facts.ortNumThreads ?? request.threads;
        const adapter = facts.adapter;
        const deviceLabel = webgpu && adapter ? `webgpu (${[adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || 'unknown adapter'}${adapter.isFallbackAdapter ? ', fallback adapter' : ''})` : device;
        const bundledOrt = facts.ortWebVersion;
        const notes = [
          opened.attached ? `Chromium ${opened.version}, attached over CDP at ${cdpUrl}` : `Chromium ${opened.version}, launched headless; flags: ${opened.flags.join(' ')}`,
          `crossOriginIsolated=${facts.crossOriginIsolated} navigator.hardwareConcurrency=${facts.hardwareConcurrency}; ORT wasm numThreads requested ${request.threads}, used ${facts.ortNumThreads ?? '?'}; page Workers started: ${facts.workersStarted}`,
          `onnxruntime-web ${bundledOrt ?? '?'} bundled in transformers.js; wasm files served from onnxruntime-web ${server.ortWebVersion ?? '?'}${bundledOrt && server.ortWebVersion && bundledOrt !== server.ortWebVersion ? ' (VERSION MISMATCH)' : ''}`,
          budgetNote(budget, geometry),
          "timing: the host's latency and TTFT include the CDP round trip to the page (tens of ms, more on a busy machine); engineStats.pageLatencyMs and pageTtftMs are the page's own performance.now() figures",
          memory.kind === 'procfs'
            ? `memory per sample: VmHWM of the page's renderer${memory.pids.length > 1 ? ' + the GPU process' : ''} (procfs, reset before each run)`
            : memory.kind === 'memory-infra'
              ? `memory per sample: CDP memory-infra dump after each run of the renderer${webgpu ? ' + GPU process' : ''}: peak RSS since the previous dump where the browser can reset peaks, else the private footprint then (a snapshot, not a peak; see engineStats.memorySource per sample); the dump's time is inside the host's latency, engineStats.pageLatencyMs is the page's own`
              : `memory per sample: not measured (${memory.why})`,
        ];
        if (webgpu && adapter) {
          notes.push(`WebGPU adapter: vendor=${adapter.vendor || '?'} architecture=${adapter.architecture || '?'} device=${adapter.device || '?'} isFallbackAdapter=${adapter.isFallbackAdapter}; features: ${adapter.features || 'none'}`);
          notes.push(`the first generate compiles WebGPU shaders: one untimed generate (${FIRST_RUN_TOKENS} tokens, synthetic 64 px image) ran inside load, ${Math.round(facts.firstRunMs ?? 0)} ms (engineStats.firstRunMs): part of load/first-run time, never steady state`);
          notes.push('ONNX Runtime Web may run operators the WebGPU EP lacks on its CPU (wasm) kernels');
        }
        if (!facts.crossOriginIsolated && request.threads > 1) notes.push('the page is not cross-origin isolated, so ORT ran single-threaded');
        notes.push(...consoleLines.slice(0, 5).map((line) => `page console ${line}`));
        const engineStats: Record<string, number | string> = {
          browserVersion: opened.version,
          crossOriginIsolated: String(facts.crossOriginIsolated),
          hardwareConcurrency: facts.hardwareConcurrency,
          ortNumThreads: facts.ortNumThreads ?? -1,
          workersStarted: facts.workersStarted,
          importMs: facts.importMs,
          processorLoadMs: facts.processorLoadMs,
          modelLoadMs: facts.modelLoadMs,
          wasmMemoryBytes: facts.wasmMemoryBytes,
          memorySource: memory.kind,
        };
        if (facts.firstRunMs !== null) engineStats.firstRunMs = facts.firstRunMs;
        if (loadPeak !== null) engineStats.rendererPeakRssBytesDuringLoad = loadPeak;
        if (memory.kind === 'procfs') engineStats.rendererPid = memory.pids[0] ?? -1;
        if (memory.kind === 'procfs' && memory.pids[1] !== undefined) engineStats.gpuProcessPid = memory.pids[1];
        if (adapter) {
          engineStats.adapterVendor = adapter.vendor;
          engineStats.adapterArchitecture = adapter.architecture;
          engineStats.isFallbackAdapter = String(adapter.isFallbackAdapter);
        }
        const dtypes: Record<string, string> = {};
        for (const name of facts.sessions) dtypes[name] = request.model.quant;
        return {
          backendRequested: device,
          backendActual: device,
          device: deviceLabel,
          threads: threadsUsed,
          dtypes,
          packageName: '@huggingface/transformers',
          packageVersion: packageVersion('@huggingface/transformers') ?? 'unknown',
          notes,
          engineStats,
          networkRequests: takeOutsideRequests(),
          ...(geometry ? { imageBudget: { budget, frameSide: geometry.frameSide } } : {}),
        };
      } catch (error) {
        await release();
        throw error;
      }
    },

    async run(request: RunRequest, onToken: (text: string) => void): Promise<RunOutput> {
      if (!opened || !server) throw new Error('transformersjs-browser: run() before load()');
      const { page } = opened;
      let imageUrl = imageUrls.get(request.imagePath);
      if (!imageUrl) {
        if (!existsSync(request.imagePath)) throw new UserError(`image ${request.imagePath} does not exist`);
        imageUrl = server.addImage(request.imagePath);
        imageUrls.set(request.imagePath, imageUrl);
      }
      let streamed = 0;
      let allStreamed: (() => void) | null = null;
      let expected = Number.POSITIVE_INFINITY;
      tokenSink = (text) => {
        streamed++;
        onToken(text);
        if (streamed >= expected) allStreamed?.();
      };
      if (memory.kind === 'procfs') resetPeaks(memory.pids);
      // The plan needs the image's size, which the orchestrator always sends; without it the processor runs as configured.
      const plan = geometry && request.imageSize ? processorPlan(budget, request.imageSize, geometry) : null;
      const runOptions: PageRunOptions = { imageUrl, prompt: request.prompt, maxNewTokens: request.decoding.maxNewTokens, plan };
      let result: PageRunResult;
      try {
        result = await withTimeout(
          page.evaluate(async (options) => (window as unknown as DriverWindow).vlmbench.run(options), runOptions),
          timeoutMs,
          'generating in the page',
        );
      } catch (error) {
        tokenSink = null;
        const message = firstLine(error).replace(/^page\.evaluate: (Error: )?/, '');
        if (/Unable to read image|decode|InvalidStateError/i.test(message)) throw new UserError(`image ${request.imagePath} cannot be decoded in the browser: ${message}`);
        throw new Error(`transformers.js in Chromium failed to generate: ${message}`);
      }
      // Binding calls travel on the same connection as the evaluate reply, but wait for them to be safe.
      expected = result.tokenTimesMs.length;
      if (streamed < expected) {
        await new Promise<void>((resolve) => {
          allStreamed = resolve;
          setTimeout(resolve, 2000);
        });
      }
      tokenSink = null;
      const measured = await measureAfterRun();
      const frames = result.frames;
      const phases = {
        preprocessMs: result.preprocessMs,
        visionEncodeMs: result.visionEncodeMs,
        visionEncodePerFrameMs: frames > 0 ? result.visionEncodeMs / frames : undefined,
        prefillMs: result.prefillMs,
        decodeMs: result.decodeMs,
      };
      const engineStats: Record<string, number | string> = {
        ...measured.stats,
        decoderCalls: result.decoderCalls,
        visionEncoderCalls: result.visionEncoderCalls,
        wasmMemoryBytes: result.wasmMemoryBytes,
        pageLatencyMs: result.latencyMs,
        tokensStreamedToHost: streamed,
      };
      if (result.tokenTimesMs[0] !== undefined) engineStats.pageTtftMs = result.tokenTimesMs[0];
      const output: RunOutput = {
        text: result.text,
        promptTokens: result.promptTokens,
        imageTokens: result.imageTokens,
        frames,
        ...(request.imageSize
          ? {
              image: imageSeenFromProcessor(result.processor, {
                budget: plan ? budget : 'native',
                input: request.imageSize,
                ...(request.preparedFrom ? { preparedFrom: request.preparedFrom } : {}),
                ...(plan?.note ? { note: plan.note } : {}),
              }),
            }
          : {}),
        generatedTokens: result.generatedTokens,
        phases,
        engineStats,
      };
      if (measured.bytes !== null) output.workerPeakRssBytes = measured.bytes;
      output.networkRequests = takeOutsideRequests();
      return output;
    },

    async unload() {
      await release();
    },
  };
}
