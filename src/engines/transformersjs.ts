/**
 * SmolVLM2 through transformers.js on onnxruntime-node: AutoProcessor + AutoModelForVision2Seq,
 * the processor's chat template, greedy decoding. Each ONNX session's `run` is wrapped so that
 * vision encoding, prefill and decode are timed separately.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nowMs } from '../measure/clock.js';
import { packageVersion } from '../measure/environment.js';
import { UserError, type Engine, type LoadReport, type LoadRequest, type Phases, type RunOutput, type RunRequest, type TargetId } from './engine.js';
import { DEFAULT_IMAGE_BUDGET, isImageBudget, type ImageBudget } from './image-budget.js';
import { budgetNote, imageSeenFromProcessor, maskExtents, padToSquarePixels, processorGeometry, processorPlan, type ProcessorGeometry } from './transformersjs-image.js';

// transformers.js ships JS with JSDoc types that are loose for these dynamic parts; the
// structural types below are the subset this engine uses.
type Transformers = typeof import('@huggingface/transformers');
interface OrtSessionLike {
  run: (feeds: unknown, ...rest: unknown[]) => Promise<unknown>;
}
interface TensorLike {
  dims: number[];
  data: ArrayLike<number | bigint>;
  tolist?: () => unknown;
}
interface RawImageLike {
  width: number;
  height: number;
  channels: number;
  data: Uint8ClampedArray | Uint8Array;
  resize: (width: number, height: number) => Promise<RawImageLike>;
}
interface ProcessorLike {
  apply_chat_template: (messages: unknown, options: Record<string, unknown>) => string;
  batch_decode: (ids: unknown, options: Record<string, unknown>) => string[];
  tokenizer: { decode: (ids: unknown, options: Record<string, unknown>) => string };
  image_processor?: { config?: Record<string, unknown>; size?: unknown };
  config?: { image_seq_len?: number };
  (text: string, images: unknown[], options?: Record<string, unknown>): Promise<Record<string, unknown>>;
}
interface ModelLike {
  sessions: Record<string, OrtSessionLike>;
  config: { image_token_id?: number; text_config?: Record<string, unknown> };
  generate: (options: Record<string, unknown>) => Promise<TensorLike>;
  dispose: () => Promise<unknown>;
}

/** ONNX Runtime device per GPU platform; CUDA first on Linux, as FACTS.md records. */
export function gpuDevicesFor(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return ['dml'];
  if (platform === 'darwin') return ['coreml'];
  return ['cuda', 'webgpu'];
}

interface SessionTimer {
  calls: Record<string, number[]>;
  reset: () => void;
}

function wrapSessions(model: ModelLike): SessionTimer {
  const timer: SessionTimer = {
    calls: {},
    reset() {
      timer.calls = {};
    },
  };
  for (const [name, session] of Object.entries(model.sessions)) {
    const original = session.run.bind(session);
    session.run = async (...args: [unknown, ...unknown[]]) => {
      const start = nowMs();
      try {
        return await original(...args);
      } finally {
        (timer.calls[name] ??= []).push(nowMs() - start);
      }
    };
  }
  return timer;
}

const sum = (values: number[] | undefined): number => (values ?? []).reduce((a, b) => a + b, 0);

export function createTransformersJsEngine(): Engine {
  let transformers: Transformers | null = null;
  let model: ModelLike | null = null;
  let processor: ProcessorLike | null = null;
  let timer: SessionTimer | null = null;
  let budget: ImageBudget = DEFAULT_IMAGE_BUDGET;
  let geometry: ProcessorGeometry | null = null;

  async function library(): Promise<Transformers> {
    transformers ??= await import('@huggingface/transformers');
    return transformers;
  }

  return {
    id: 'transformersjs',
    packageName: '@huggingface/transformers',
    tasks: ['caption', 'ocr'],
    targets: ['cpu', 'gpu'],

    async availability(target: TargetId) {
      if (target !== 'cpu' && target !== 'gpu') return { available: false, reason: `transformersjs in Node runs cpu or gpu; ${target} is the browser engine's target` };
      try {
        await library();
      } catch (error) {
        return { available: false, reason: `@huggingface/transformers cannot be imported: ${(error as Error).message}` };
      }
      return { available: true };
    },

    async load(request: LoadRequest): Promise<LoadReport> {
      const lib = await library();
      const dir = request.model.files.dir;
      if (!dir || !existsSync(join(dir, 'config.json'))) {
        throw new UserError(`model "${request.model.id}": no config.json in ${dir ?? '(no directory)'} — run "vlmbench models make-tiny" or "vlmbench models pull ${request.model.id}"`);
      }
      lib.env.allowRemoteModels = false;
      lib.env.allowLocalModels = true;
      budget = isImageBudget(request.options?.imageBudget) ? request.options.imageBudget : DEFAULT_IMAGE_BUDGET;
      const sessionOptions = {
        intraOpNumThreads: request.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: String(request.options?.graphOptimizationLevel ?? 'all'),
      };
      const devices = request.target === 'gpu' ? gpuDevicesFor(process.platform) : ['cpu'];
      const failures: string[] = [];
      let loadedOn: string | null = null;
      for (const device of devices) {
        try {
          // The JSDoc types of from_pretrained do not model per-model option objects precisely.
          const options = { dtype: request.model.quant, device, session_options: sessionOptions } as unknown as Parameters<Transformers['AutoModelForVision2Seq']['from_pretrained']>[1];
          model = (await lib.AutoModelForVision2Seq.from_pretrained(dir, options)) as unknown as ModelLike;
          loadedOn = device;
          break;
        } catch (error) {
          const message = (error as Error).message.split('\n')[0] ?? String(error);
          if (/no such file|not found|ENOENT/i.test(message)) {
            throw new UserError(`model "${request.model.id}" (${request.model.quant}): ${message} — the files for this dtype are missing; pick another --dtype or re-create the model`);
          }
          failures.push(`${device}: ${message}`);
        }
      }
      if (!model || !loadedOn) {
        // The CPU provider is always there: failing on it is the model's fault (a truncated file), a
        // failed cell, not a target that cannot run here.
        if (request.target === 'cpu') throw new Error(`transformers.js could not load model "${request.model.id}" (${request.model.quant}) on the CPU: ${failures.map((f) => f.replace(/^cpu: /, '')).join('; ')}`);
        // Never fall back to the CPU behind the caller's back: a GPU figure measured on a CPU must not exist.
        throw new Error(`UNAVAILABLE: no ${request.target} execution provider could load the model (${failures.join('; ')})`);
      }
      processor = (await lib.AutoProcessor.from_pretrained(dir, {})) as unknown as ProcessorLike;
      geometry = processorGeometry(processor.image_processor?.config ?? {});
      timer = wrapSessions(model);
      const dtypes: Record<string, string> = {};
      for (const name of Object.keys(model.sessions)) dtypes[name] = request.model.quant;
      return {
        backendRequested: request.target === 'gpu' ? devices.join('|') : 'cpu',
        backendActual: loadedOn,
        device: loadedOn,
        threads: request.threads,
        dtypes,
        packageName: '@huggingface/transformers',
        packageVersion: packageVersion('@huggingface/transformers') ?? 'unknown',
        notes: [
          `onnxruntime-node ${packageVersion('onnxruntime-node') ?? '?'}; session_options intraOpNumThreads=${request.threads} interOpNumThreads=1 graphOptimizationLevel=${sessionOptions.graphOptimizationLevel}`,
          budgetNote(budget, geometry),
          ...failures.map((failure) => `tried and failed before ${loadedOn}: ${failure}`),
        ],
        ...(geometry ? { imageBudget: { budget, frameSide: geometry.frameSide } } : {}),
      };
    },

    async run(request: RunRequest, onToken: (text: string) => void): Promise<RunOutput> {
      if (!model || !processor || !timer || !transformers) throw new Error('transformersjs: run() before load()');
      const loadedModel = model;
      const loadedProcessor = processor;
      timer.reset();
      const start = nowMs();
      const messages = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: request.prompt }] }];
      const text = loadedProcessor.apply_chat_template(messages, { add_generation_prompt: true });
      let image: RawImageLike;
      try {
        image = (await transformers.RawImage.read(request.imagePath)) as unknown as RawImageLike;
      } catch (error) {
        throw new UserError(`image ${request.imagePath} cannot be decoded: ${(error as Error).message.split('\n')[0]}`);
      }
      const input = { width: image.width, height: image.height };
      const plan = geometry ? processorPlan(budget, input, geometry) : null;
      if (plan?.padToSquare) {
        const padded = padToSquarePixels(image.data, image.width, image.height, image.channels);
        image = new transformers.RawImage(padded.data, padded.side, padded.side, image.channels as 1 | 2 | 3 | 4) as unknown as RawImageLike;
      }
      if (plan?.resizeTo) image = await image.resize(plan.resizeTo.width, plan.resizeTo.height);
      if (plan && loadedProcessor.image_processor) loadedProcessor.image_processor.size = { longest_edge: plan.longestEdge };
      const inputs = await loadedProcessor(text, [image], plan ? { do_image_splitting: plan.doImageSplitting } : {});
      const preprocessMs = nowMs() - start;
      const inputIds = inputs.input_ids as TensorLike;
      const promptTokens = inputIds.dims[1] ?? 0;
      const imageTokenId = loadedModel.config.image_token_id;
      let imageTokens = 0;
      for (const id of Array.from(inputIds.data)) if (Number(id) === imageTokenId) imageTokens++;
      const pixelValues = inputs.pixel_values as TensorLike | undefined;
      const frames = pixelValues?.dims[1] ?? 0;

      const tokenizer = loadedProcessor.tokenizer;
      // A streamer that reports every generated token as it is produced; the first `put` is the prompt.
      class TokenStreamer extends transformers.BaseStreamer {
        private seenPrompt = false;
        override put(value: bigint[][]): void {
          if (!this.seenPrompt) {
            this.seenPrompt = true;
            return;
          }
          for (const row of value) for (const id of row) onToken(tokenizer.decode([id], { skip_special_tokens: false }));
        }
        override end(): void {}
      }
      const output = await loadedModel.generate({
        ...inputs,
        max_new_tokens: request.decoding.maxNewTokens,
        do_sample: false,
        streamer: new TokenStreamer(),
      });
      const total = output.dims[1] ?? promptTokens;
      const generatedTokens = Math.max(0, total - promptTokens);
      const allIds = Array.from(output.data, (v) => BigInt(v));
      const generatedIds = allIds.slice(promptTokens);
      const outputText = loadedProcessor.batch_decode([generatedIds], { skip_special_tokens: true })[0] ?? '';

      const calls = timer.calls;
      const decoderCalls = calls.decoder_model_merged ?? [];
      const embedCalls = calls.embed_tokens ?? [];
      const visionEncodeMs = sum(calls.vision_encoder);
      const mask = inputs.pixel_attention_mask as TensorLike | undefined;
      const rowsCols = inputs as { rows?: number[][]; cols?: number[][] };
      const seen = imageSeenFromProcessor(
        {
          pixelDims: pixelValues?.dims ?? [],
          extents: mask ? maskExtents(mask.dims, mask.data as ArrayLike<number>) : [],
          rows: rowsCols.rows?.[0]?.[0] ?? 0,
          cols: rowsCols.cols?.[0]?.[0] ?? 0,
          imageTokens,
          tokensPerFrame: loadedProcessor.config?.image_seq_len ?? null,
        },
        { budget, input: request.imageSize ?? input, ...(request.preparedFrom ? { preparedFrom: request.preparedFrom } : {}), ...(plan?.note ? { note: plan.note } : {}) },
      );
      const phases: Phases = {
        preprocessMs,
        visionEncodeMs,
        visionEncodePerFrameMs: frames > 0 ? visionEncodeMs / frames : undefined,
        prefillMs: (decoderCalls[0] ?? 0) + (embedCalls[0] ?? 0),
        decodeMs: sum(decoderCalls.slice(1)) + sum(embedCalls.slice(1)),
      };
      return {
        text: outputText.trim(),
        promptTokens,
        imageTokens,
        frames,
        generatedTokens,
        phases,
        image: seen,
        engineStats: { decoderCalls: decoderCalls.length, visionEncoderCalls: (calls.vision_encoder ?? []).length },
        decodingApplied: { do_sample: false, max_new_tokens: request.decoding.maxNewTokens, greedy: true, image_budget: budget },
      };
    },

    async unload() {
      const current = model;
      model = null;
      processor = null;
      timer = null;
      if (current) await current.dispose();
    },
  };
}
