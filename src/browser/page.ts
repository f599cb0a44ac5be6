/**
 * The in-page driver, served as `/` by src/browser/server.ts. It runs the same flow as the
 * Node engine (src/engines/transformersjs.ts): AutoProcessor + AutoModelForVision2Seq, the
 * processor's chat template, greedy decoding, the image budget's plan per run, each ONNX
 * session's `run` wrapped for phase timings. It exposes `window.vlmbench = { load, run }`.
 *
 * It is plain browser JavaScript in a string, not compiled TypeScript, because it runs in the
 * page; the shapes it answers are declared below so the Node side stays typed.
 */

/** What `window.vlmbench.load` answers. */
export interface PageLoadResult {
  /** Set when the requested backend cannot run in this browser (the engine maps it to UNAVAILABLE). */
  unavailable?: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  ortWebVersion: string | null;
  /** `env.backends.onnx.wasm.numThreads` after the sessions were created (ORT lowers it to 1 without isolation). */
  ortNumThreads: number | null;
  /** Web Workers the page started (ORT's pthread pool). */
  workersStarted: number;
  /** GPUAdapter.requestDevice calls: proof that ORT really opened a WebGPU device. */
  gpuDevicesRequested: number;
  adapter?: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean | null; features: string };
  importMs: number;
  processorLoadMs: number;
  modelLoadMs: number;
  /** The untimed first generate (WebGPU shader compilation), when one was asked for. */
  firstRunMs: number | null;
  wasmMemoryBytes: number;
  sessions: string[];
}

/** What `window.vlmbench.run` answers; times are `performance.now()` ms from the start of the run. */
export interface PageRunResult {
  text: string;
  promptTokens: number;
  imageTokens: number;
  frames: number;
  /** What the processor produced (src/engines/transformersjs-image.ts ProcessorFacts, read in the page). */
  processor: ProcessorFacts;
  generatedTokens: number;
  generatedIds: number[];
  tokenTimesMs: number[];
  latencyMs: number;
  preprocessMs: number;
  visionEncodeMs: number;
  prefillMs: number;
  decodeMs: number;
  decoderCalls: number;
  visionEncoderCalls: number;
  wasmMemoryBytes: number;
}

export interface PageLoadOptions {
  modelId: string;
  dtype: string;
  device: 'wasm' | 'webgpu';
  threads: number;
  /** A prompt and token budget for one untimed generate inside load (WebGPU shader compilation); null for none. */
  firstRun: { prompt: string; maxNewTokens: number } | null;
}

export interface PageRunOptions {
  imageUrl: string;
  prompt: string;
  maxNewTokens: number;
  /** What to do to the image for the image budget (src/engines/transformersjs-image.ts); null: the processor as configured. */
  plan: ProcessorPlan | null;
}

import type { ProcessorFacts, ProcessorPlan } from '../engines/transformersjs-image.js';

/** The name of the binding the page calls once per generated token, as soon as it exists. */
export const TOKEN_BINDING = '__vlmbenchToken';

const HOOKS = `
// Installed before any library code runs: ORT's wasm heap is a WebAssembly.Memory (the JS heap
// figures never include it), and its thread pool is a set of Workers.
(() => {
  const memories = [];
  WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
    construct(target, args, newTarget) {
      const memory = Reflect.construct(target, args, newTarget);
      memories.push(memory);
      return memory;
    },
  });
  let workers = 0;
  window.Worker = new Proxy(window.Worker, {
    construct(target, args, newTarget) {
      workers++;
      return Reflect.construct(target, args, newTarget);
    },
  });
  let gpuDevices = 0;
  if (typeof GPUAdapter !== 'undefined') {
    const original = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = function (...args) {
      gpuDevices++;
      return original.apply(this, args);
    };
  }
  window.__vlmbenchProbe = {
    wasmMemoryBytes: () => memories.reduce((total, memory) => total + memory.buffer.byteLength, 0),
    workers: () => workers,
    gpuDevices: () => gpuDevices,
  };
})();
`;

const DRIVER = `
const probe = window.__vlmbenchProbe;
let lib = null;
let model = null;
let processor = null;
let shippedSize = null;
let calls = {};

const sum = (values) => (values ?? []).reduce((a, b) => a + b, 0);

function wrapSessions(target) {
  for (const [name, session] of Object.entries(target.sessions)) {
    const original = session.run.bind(session);
    session.run = async (...args) => {
      const start = performance.now();
      try {
        return await original(...args);
      } finally {
        (calls[name] ??= []).push(performance.now() - start);
      }
    };
  }
}

// The same steps as padToSquarePixels and maskExtents in src/engines/transformersjs-image.ts
// (tests/browser-target.test.ts checks the page and Node agree).
function padToSquare(raw) {
  const side = Math.max(raw.width, raw.height);
  const c = raw.channels;
  const out = new Uint8ClampedArray(side * side * c).fill(255);
  const left = Math.floor((side - raw.width) / 2);
  const top = Math.floor((side - raw.height) / 2);
  for (let y = 0; y < raw.height; y++) {
    for (let x = 0; x < raw.width * c; x++) out[((top + y) * side + left) * c + x] = raw.data[y * raw.width * c + x];
  }
  return new lib.RawImage(out, side, side, c);
}

function maskExtents(mask) {
  if (!mask) return [];
  const [, frames = 0, height = 0, width = 0] = mask.dims;
  const extents = [];
  for (let f = 0; f < frames; f++) {
    const base = f * height * width;
    let w = 0;
    while (w < width && mask.data[base + w]) w++;
    let h = 0;
    while (h < height && mask.data[base + h * width]) h++;
    extents.push([w, h]);
  }
  return extents;
}

async function generateOnce(image, prompt, maxNewTokens, onToken, plan) {
  calls = {};
  const start = performance.now();
  const messages = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: prompt }] }];
  const text = processor.apply_chat_template(messages, { add_generation_prompt: true });
  let raw = typeof image === 'string' ? await lib.RawImage.fromURL(image) : image;
  if (plan?.padToSquare) raw = padToSquare(raw);
  if (plan?.resizeTo) raw = await raw.resize(plan.resizeTo.width, plan.resizeTo.height);
  if (processor.image_processor) processor.image_processor.size = plan ? { longest_edge: plan.longestEdge } : shippedSize;
  const inputs = await processor(text, [raw], plan ? { do_image_splitting: plan.doImageSplitting } : {});
  const preprocessMs = performance.now() - start;
  const inputIds = inputs.input_ids;
  const promptTokens = inputIds.dims[1] ?? 0;
  const imageTokenId = model.config.image_token_id;
  let imageTokens = 0;
  for (const id of inputIds.data) if (Number(id) === imageTokenId) imageTokens++;
  const frames = inputs.pixel_values?.dims[1] ?? 0;
  const processorFacts = {
    pixelDims: inputs.pixel_values ? [...inputs.pixel_values.dims] : [],
    extents: maskExtents(inputs.pixel_attention_mask),
    rows: inputs.rows?.[0]?.[0] ?? 0,
    cols: inputs.cols?.[0]?.[0] ?? 0,
    imageTokens,
    tokensPerFrame: processor.config?.image_seq_len ?? null,
  };
  const tokenizer = processor.tokenizer;
  const tokenTimesMs = [];
  class TokenStreamer extends lib.BaseStreamer {
    seenPrompt = false;
    put(value) {
      // The first put is the prompt; every later one carries newly generated ids.
      if (!this.seenPrompt) {
        this.seenPrompt = true;
        return;
      }
      for (const row of value) {
        for (const id of row) {
          tokenTimesMs.push(performance.now() - start);
          if (onToken) onToken(tokenizer.decode([id], { skip_special_tokens: false }));
        }
      }
    }
    end() {}
  }
  const output = await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, streamer: new TokenStreamer() });
  const latencyMs = performance.now() - start;
  const total = output.dims[1] ?? promptTokens;
  const allIds = Array.from(output.data, (v) => BigInt(v));
  const generated = allIds.slice(promptTokens);
  const outputText = processor.batch_decode([generated], { skip_special_tokens: true })[0] ?? '';
  const decoderCalls = calls.decoder_model_merged ?? [];
  const embedCalls = calls.embed_tokens ?? [];
  return {
    text: outputText.trim(),
    promptTokens,
    imageTokens,
    frames,
    processor: processorFacts,
    generatedTokens: Math.max(0, total - promptTokens),
    generatedIds: generated.map((id) => Number(id)),
    tokenTimesMs,
    latencyMs,
    preprocessMs,
    visionEncodeMs: sum(calls.vision_encoder),
    prefillMs: (decoderCalls[0] ?? 0) + (embedCalls[0] ?? 0),
    decodeMs: sum(decoderCalls.slice(1)) + sum(embedCalls.slice(1)),
    decoderCalls: decoderCalls.length,
    visionEncoderCalls: (calls.vision_encoder ?? []).length,
    wasmMemoryBytes: probe.wasmMemoryBytes(),
  };
}

async function load(options) {
  const facts = {
    crossOriginIsolated: self.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency ?? 0,
    userAgent: navigator.userAgent,
    ortWebVersion: null,
    ortNumThreads: null,
    workersStarted: 0,
    gpuDevicesRequested: 0,
    importMs: 0,
    processorLoadMs: 0,
    modelLoadMs: 0,
    firstRunMs: null,
    wasmMemoryBytes: 0,
    sessions: [],
  };
  if (options.device === 'webgpu') {
    if (!navigator.gpu) return { ...facts, unavailable: 'navigator.gpu is undefined (WebGPU is not exposed to this page)' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { ...facts, unavailable: 'navigator.gpu.requestAdapter() returned null' };
    const info = adapter.info ?? {};
    facts.adapter = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: typeof info.isFallbackAdapter === 'boolean' ? info.isFallbackAdapter : typeof adapter.isFallbackAdapter === 'boolean' ? adapter.isFallbackAdapter : null,
      features: [...adapter.features].sort().join(','),
    };
  }
  let mark = performance.now();
  console.info('vlmbench: importing transformers.js');
  lib = await import('/lib/transformers.js');
  facts.importMs = performance.now() - mark;
  const { env } = lib;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // A relative path: an absolute http:// localModelPath breaks config loading in 4.3.1.
  env.localModelPath = '/models/';
  env.useBrowserCache = false;
  const ort = new URL('/ort/', location.href).href;
  env.backends.onnx.wasm.wasmPaths = { mjs: ort + 'ort-wasm-simd-threaded.asyncify.mjs', wasm: ort + 'ort-wasm-simd-threaded.asyncify.wasm' };
  env.backends.onnx.wasm.numThreads = options.threads;
  facts.ortWebVersion = env.backends.onnx.versions?.web ?? null;
  mark = performance.now();
  console.info('vlmbench: loading processor');
  processor = await lib.AutoProcessor.from_pretrained(options.modelId);
  shippedSize = processor.image_processor?.size ?? null;
  facts.processorLoadMs = performance.now() - mark;
  mark = performance.now();
  console.info('vlmbench: loading model on ' + options.device);
  model = await lib.AutoModelForVision2Seq.from_pretrained(options.modelId, { dtype: options.dtype, device: options.device });
  facts.modelLoadMs = performance.now() - mark;
  wrapSessions(model);
  facts.sessions = Object.keys(model.sessions);
  if (options.firstRun) {
    const size = 64;
    const pixels = new Uint8ClampedArray(size * size * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
    const image = new lib.RawImage(pixels, size, size, 3);
    console.info('vlmbench: first generate');
    mark = performance.now();
    // One frame is enough to compile every shader the runs will use.
    await generateOnce(image, options.firstRun.prompt, options.firstRun.maxNewTokens, null, { doImageSplitting: false, longestEdge: size });
    facts.firstRunMs = performance.now() - mark;
  }
  facts.ortNumThreads = env.backends.onnx.wasm.numThreads ?? null;
  facts.workersStarted = probe.workers();
  facts.gpuDevicesRequested = probe.gpuDevices();
  facts.wasmMemoryBytes = probe.wasmMemoryBytes();
  return facts;
}

async function run(options) {
  if (!model || !processor) throw new Error('vlmbench page: run() before load()');
  const onToken = typeof window.${TOKEN_BINDING} === 'function' ? (text) => { window.${TOKEN_BINDING}(text); } : null;
  return generateOnce(options.imageUrl, options.prompt, options.maxNewTokens, onToken, options.plan);
}

async function unload() {
  const current = model;
  model = null;
  processor = null;
  if (current) await current.dispose();
}

window.vlmbench = { load, run, unload, wasmMemoryBytes: () => probe.wasmMemoryBytes() };
window.vlmbenchReady = true;
`;

export const PAGE_HTML = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>vlmbench browser driver</title>
<script>${HOOKS}</script>
<script type="module">${DRIVER}</script>
</head>
<body>vlmbench</body>
</html>
`;
