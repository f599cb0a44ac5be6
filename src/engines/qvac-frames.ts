/**
 * What QVAC's llama.cpp really encoded for an image, read from its worker's log.
 *
 * The SDK's completion stats carry no frame or image-token count (0.19.1 drops the addon's
 * `visionEncodeTiles`), but llama.cpp's mtmd prints every image's slicing and every encoded tile
 * on the Bare worker's stderr, which the SDK pipes into its `sdk:server` logger at debug level
 * (dist/src/client/rpc/node-rpc-client.js). A transport on that logger sees lines such as:
 *
 *   add_media: preproc_out has 12 entries, grid_x = 3, grid_y = 4, has_overview = 1
 *   clip_encode: encoding 1 tile(s), grid=0x0, tile_size=512x512
 *   clip_encode: output embedding shape [64, 16, 1]
 *   decoding image batch 1/1, n_tokens_batch = 16
 *
 * from which a sample's frames, grid, frame resolution and image tokens are counted. Where the
 * lines are missing (a user's QVAC config that hides them, another llama.cpp build), the engine
 * falls back to the idefics3 rule on the mmproj header and labels the figures as estimates.
 */
import type { ImageBudget, ImageSeen, Size } from './image-budget.js';
import type { Idefics3Slicing } from './qvac-idefics3.js';

/** The SDK's namespace for its worker's stderr lines (@qvac/sdk dist/src/logging/namespaces.js). */
const WORKER_NAMESPACE = 'sdk:server';
/** Symbol.for key under which the SDK keeps every logger it created (dist/src/logging/registry.js). */
const LOGGER_REGISTRY = Symbol.for('@qvac/sdk:logger-registry');
const KEEP_LINES = 4000;

interface SdkLogger {
  addTransport: (transport: (level: unknown, namespace: string, message: string) => void) => void;
  setLevel: (level: string) => void;
}

function isSdkLogger(value: unknown): value is SdkLogger {
  const candidate = value as Partial<SdkLogger> | null;
  return typeof candidate?.addTransport === 'function' && typeof candidate.setLevel === 'function';
}

/** The worker's log lines as they arrive, numbered, so a run can take exactly the lines it caused. */
export class WorkerLogTap {
  private lines: string[] = [];
  private dropped = 0;
  private readonly loggers: SdkLogger[];

  private constructor(loggers: SdkLogger[]) {
    this.loggers = loggers;
    for (const logger of loggers) {
      logger.addTransport((_level, namespace, message) => {
        if (namespace !== WORKER_NAMESPACE) return;
        this.lines.push(message);
        if (this.lines.length > KEEP_LINES) {
          const excess = this.lines.length - KEEP_LINES;
          this.lines.splice(0, excess);
          this.dropped += excess;
        }
      });
    }
  }

  private static instance: WorkerLogTap | null | undefined;

  /** One tap per process (the SDK's transports cannot be removed); null when the SDK's loggers are not where 0.19.1 keeps them. */
  static attach(): WorkerLogTap | null {
    if (WorkerLogTap.instance !== undefined) return WorkerLogTap.instance;
    const registry = (globalThis as Record<symbol, unknown>)[LOGGER_REGISTRY];
    const loggers = registry instanceof Set ? [...registry].filter(isSdkLogger) : [];
    WorkerLogTap.instance = loggers.length > 0 ? new WorkerLogTap(loggers) : null;
    return WorkerLogTap.instance;
  }

  /**
   * Debug level, so the worker's stderr lines reach the transport. The SDK sets its loggers to the
   * config's level when a worker starts, so this is called after each load. The loggers' console
   * output is left as the config has it (vlmbench's config: off).
   */
  listen(): void {
    for (const logger of this.loggers) logger.setLevel('debug');
  }

  /** A position to read from later. */
  mark(): number {
    return this.dropped + this.lines.length;
  }

  /** The lines that arrived since `mark`. */
  since(mark: number): string[] {
    return this.lines.slice(Math.max(0, mark - this.dropped));
  }
}

export interface MtmdImageFacts {
  /** From add_media: the slices the image was cut into, the grid and whether an overview frame was added. */
  slicing: { slices: number; columns: number; rows: number; overview: boolean } | null;
  /** Frames encoded (clip_encode), with their resolutions. */
  frames: number;
  frameSizes: Array<Size & { count: number }>;
  tokensPerFrame: number | null;
  /** Image tokens decoded into the language model (n_tokens_batch summed); null when no batch line was seen. */
  imageTokens: number | null;
}

/** Counts one image's frames from mtmd's log lines; null when they hold no encoded tile. */
export function parseMtmdImageLog(lines: readonly string[]): MtmdImageFacts | null {
  let slicing: MtmdImageFacts['slicing'] = null;
  let frames = 0;
  const sizes = new Map<string, Size & { count: number }>();
  const perFrameTokens = new Set<number>();
  let imageTokens: number | null = null;
  for (const line of lines) {
    const media = /add_media: preproc_out has (\d+) entries, grid_x = (\d+), grid_y = (\d+), has_overview = (\d)/.exec(line);
    if (media) {
      slicing = { slices: Number(media[1]), columns: Number(media[2]), rows: Number(media[3]), overview: media[4] === '1' };
      continue;
    }
    const encode = /clip_encode: encoding (\d+) tile\(s\).*tile_size=(\d+)x(\d+)/.exec(line);
    if (encode) {
      const count = Number(encode[1]);
      frames += count;
      const key = `${encode[2]}x${encode[3]}`;
      const size = sizes.get(key) ?? { width: Number(encode[2]), height: Number(encode[3]), count: 0 };
      size.count += count;
      sizes.set(key, size);
      continue;
    }
    const shape = /clip_encode: output embedding shape \[(\d+), (\d+), (\d+)\]/.exec(line);
    if (shape) {
      perFrameTokens.add(Number(shape[2]));
      continue;
    }
    const batch = /decoding image batch \d+\/\d+, n_tokens_batch = (\d+)/.exec(line);
    if (batch) imageTokens = (imageTokens ?? 0) + Number(batch[1]);
  }
  if (frames === 0) return null;
  return { slicing, frames, frameSizes: [...sizes.values()], tokensPerFrame: perFrameTokens.size === 1 ? [...perFrameTokens][0]! : null, imageTokens };
}

interface SeenContext {
  budget: ImageBudget;
  input: Size;
  preparedFrom?: Size;
  note?: string;
}

export function imageSeenFromLog(facts: MtmdImageFacts, context: SeenContext): ImageSeen {
  const seen: ImageSeen = {
    budget: context.budget,
    source: 'measured',
    method: "llama.cpp's log on the QVAC worker's stderr (mtmd add_media, clip_encode, image batches)",
    input: context.input,
    frames: facts.frames,
    grid: facts.slicing ? { columns: facts.slicing.columns, rows: facts.slicing.rows } : null,
    overview: facts.slicing?.overview ?? false,
    frameSizes: facts.frameSizes,
    tokensPerFrame: facts.tokensPerFrame,
    imageTokens: facts.imageTokens,
  };
  if (context.preparedFrom) seen.preparedFrom = context.preparedFrom;
  if (context.note) seen.note = context.note;
  return seen;
}

/** The labelled fallback: llama.cpp's idefics3 rule applied to the mmproj header and the image size. */
export function imageSeenEstimate(slicing: Idefics3Slicing, frameSide: number, context: SeenContext & { why: string }): ImageSeen {
  const seen: ImageSeen = {
    budget: context.budget,
    source: 'estimated',
    method: `estimate: llama.cpp's idefics3 slicing rule on the mmproj header and the image size (${context.why})`,
    input: context.input,
    frames: slicing.frames,
    grid: { columns: slicing.gridColumns, rows: slicing.gridRows },
    overview: true,
    frameSizes: [{ width: frameSide, height: frameSide, count: slicing.frames }],
    tokensPerFrame: slicing.tokensPerFrame,
    imageTokens: slicing.imageTokens,
  };
  if (context.preparedFrom) seen.preparedFrom = context.preparedFrom;
  if (context.note) seen.note = context.note;
  return seen;
}
