/**
 * The one seam every runtime plugs into. An engine module runs inside its own
 * host process (src/engines/host.ts); the orchestrator never imports one.
 */
import type { ImageBudget, ImageSeen, Size } from './image-budget.js';

export const TASKS = ['caption', 'ocr'] as const;
export type TaskId = (typeof TASKS)[number];

export const TARGETS = ['cpu', 'gpu', 'browser-wasm', 'browser-webgpu'] as const;
export type TargetId = (typeof TARGETS)[number];

/** A model as one engine sees it after the catalog resolved it to files on disk. */
export interface ResolvedModel {
  /** Catalog id, e.g. `tiny-smolvlm` or `smolvlm2-256m`. */
  id: string;
  /** The dtype / quantisation this engine runs, e.g. `fp32`, `q8`, `Q8_0`. */
  quant: string;
  /** Engine-specific file roles (e.g. `dir`, `gguf`, `mmproj`, `detector`, `recognizer`) to absolute paths. */
  files: Record<string, string>;
  /** `tiny`: random weights, tiny dims. `shape`: random weights, real dims. `false`: real weights. */
  synthetic: false | 'tiny' | 'shape';
  /** Why files named by registry (not by path) could not be fetched before the run: the engine fails its load with this instead of fetching inside it. */
  fetchFailure?: string;
}

export interface LoadRequest {
  model: ResolvedModel;
  target: TargetId;
  /** Set explicitly for every engine, equal across engines by default. */
  threads: number;
  /** Upper bound on a single load, so an offline registry lookup cannot hang. */
  timeoutMs: number;
  /** Engine-specific extras the run settings carry (e.g. `ocrPipeline`). */
  options?: Record<string, string | number | boolean>;
}

/** What actually ran, as opposed to what was asked for. */
export interface LoadReport {
  backendRequested: string;
  backendActual: string;
  device?: string;
  threads: number;
  /** dtype per session/part, e.g. `{ vision_encoder: 'fp32', decoder_model_merged: 'q8' }`. */
  dtypes: Record<string, string>;
  /** The version of the engine's package that ran. */
  packageName: string;
  packageVersion: string;
  /** Free-form, engine-reported facts (e.g. image splitting on/off, pipeline type, blocks join rule). */
  notes: string[];
  /** Extra raw figures the engine reports about the load (kept beside the harness's own timing). */
  engineStats?: Record<string, number | string>;
  /** Requests to anything but vlmbench's local server that the engine saw during the load (a browser page over CDP); for run --network-audit. */
  networkRequests?: Array<{ url: string; timeMs: number }>;
  /**
   * Set by engines that honour --image-budget (`options.imageBudget`): the budget in force and the
   * side of one square frame their vision encoder takes (the harness prepares `single` images at it).
   */
  imageBudget?: { budget: ImageBudget; frameSide: number };
}

export interface Decoding {
  greedy: true;
  temperature: 0;
  seed: number;
  maxNewTokens: number;
}

export interface RunRequest {
  fixtureId: string;
  task: TaskId;
  imagePath: string;
  /** Decided once per task (src/tasks.ts), never by an engine. */
  prompt: string;
  decoding: Decoding;
  /**
   * The size of the image at imagePath, known to the orchestrator (manifest or its own check of the
   * file before the run), so no engine reads image headers inside a timed run.
   */
  imageSize?: Size;
  /** Set when the harness fed a prepared image (--image-budget single: padded to a square frame): the fixture's own size. */
  preparedFrom?: Size;
}

/** One streamed piece of output; `atMs` is measured by the host's clock from the start of `run`. */
export interface TokenEvent {
  text: string;
  atMs: number;
}

/** Per-phase durations in ms, where an engine exposes them. `estimated` lists the ones that are estimates. */
export interface Phases {
  preprocessMs?: number;
  visionEncodeMs?: number;
  visionEncodePerFrameMs?: number;
  prefillMs?: number;
  decodeMs?: number;
  estimated?: string[];
}

export interface RunOutput {
  text: string;
  promptTokens?: number;
  imageTokens?: number;
  frames?: number;
  generatedTokens: number;
  phases?: Phases;
  /** The engine's own figures, raw, kept beside the harness's (never replacing them). */
  engineStats?: Record<string, number | string>;
  /** Vision engines: what the image became (frames, grid, frame resolution, image tokens), measured where the engine shows it. */
  image?: ImageSeen;
  /**
   * Timing the engine measured where its tokens are made, for engines whose tokens reach the host
   * late or in bursts (QVAC's worker streams chunks over a socket). When present, the sample's
   * decode rate is this one and its TTFT is the host's end-to-end latency minus `decodeMs`, so
   * both mean what they mean for an in-process engine; the host-side figures are kept, labelled.
   */
  engineTiming?: EngineTiming;
  /** The decoding settings the engine actually passed to its runtime (greedy flags, token limit, seed…). */
  decodingApplied?: Record<string, string | number | boolean>;
  /**
   * For engines whose work runs outside the host's descendants or among unrelated ones (a
   * browser's renderer and GPU process): the peak bytes of the processes that did the work,
   * measured by the engine. Replaces the host's descendant sum for this sample.
   */
  workerPeakRssBytes?: number;
  /** As LoadReport.networkRequests, during this run. */
  networkRequests?: Array<{ url: string; timeMs: number }>;
}

export interface EngineTiming {
  decodeTokensPerSec: number;
  /** Decode time as the engine measured it (ms). */
  decodeMs: number;
  /** Where the figures come from, in words. */
  source: string;
}

/** What an engine learns by a short probe after its load (e.g. the backend that really runs), timed apart from the load. */
export type ProbeReport = Partial<Pick<LoadReport, 'backendActual' | 'device' | 'notes' | 'engineStats'>>;

export type Availability = { available: true } | { available: false; reason: string };

export interface Engine {
  readonly id: string;
  /** npm package whose version is recorded in results. */
  readonly packageName: string;
  readonly tasks: readonly TaskId[];
  readonly targets: readonly TargetId[];
  availability(target: TargetId): Promise<Availability>;
  load(request: LoadRequest): Promise<LoadReport>;
  /**
   * Optional: run after load() and timed apart from it, so a load time never includes a probe
   * completion. Its findings are merged into the load report.
   */
  probe?(): Promise<ProbeReport>;
  /** `onToken` must be called once per generated token (or text chunk) as soon as it exists. */
  run(request: RunRequest, onToken: (text: string) => void): Promise<RunOutput>;
  /** Releases every process and file the engine opened. Must be safe to call twice. */
  unload(): Promise<void>;
}

/** An error whose message is fit for a user: one line, names the thing and the remedy. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
