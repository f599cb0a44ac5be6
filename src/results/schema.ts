/**
 * The single source of the results document's shape. Fields may be added within a
 * schema version; never renamed or repurposed (CI baselines outlive versions).
 */
import { z } from 'zod';
import { TARGETS, TASKS } from '../engines/engine.js';
import { IMAGE_BUDGETS, type ImageSeen } from '../engines/image-budget.js';

export const SCHEMA_VERSION = 1;

export const TaskSchema = z.enum(TASKS);
export const TargetSchema = z.enum(TARGETS);

export const CellKeySchema = z.object({
  engine: z.string().min(1),
  model: z.string().min(1),
  quant: z.string().min(1),
  target: TargetSchema,
  task: TaskSchema,
  fixture: z.string().min(1),
});
export type CellKey = z.infer<typeof CellKeySchema>;

export const PhasesSchema = z.object({
  preprocessMs: z.number().optional(),
  visionEncodeMs: z.number().optional(),
  visionEncodePerFrameMs: z.number().optional(),
  prefillMs: z.number().optional(),
  decodeMs: z.number().optional(),
  estimated: z.array(z.string()).optional(),
});

const RawStats = z.record(z.string(), z.union([z.number(), z.string()]));

const ResidentKindsSchema = z.object({
  rssAnonBytes: z.number().int().nonnegative(),
  rssFileBytes: z.number().int().nonnegative(),
  rssShmemBytes: z.number().int().nonnegative(),
});

const SizeSchema = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });

/** What a vision engine encoded for the sample's image (src/engines/image-budget.ts). */
export const ImageSeenSchema = z.object({
  budget: z.enum(IMAGE_BUDGETS),
  source: z.enum(['measured', 'estimated']),
  method: z.string(),
  input: SizeSchema,
  preparedFrom: SizeSchema.optional(),
  frames: z.number().int().nonnegative(),
  grid: z.object({ columns: z.number().int().positive(), rows: z.number().int().positive() }).nullable(),
  overview: z.boolean(),
  frameSizes: z.array(SizeSchema.extend({ count: z.number().int().positive() })),
  paddedFrames: z.number().int().nonnegative().optional(),
  tokensPerFrame: z.number().int().nonnegative().nullable(),
  imageTokens: z.number().int().nonnegative().nullable(),
  note: z.string().optional(),
}) satisfies z.ZodType<ImageSeen>;

/** One counted (or warm-up) run of a cell, measured by the host's clock. */
export const SampleSchema = z.object({
  /**
   * Which fresh engine process measured this sample (0-based round of `run --processes N`);
   * absent in runs with one process per engine. Processes, not samples, are the replication unit
   * of speed and memory verdicts (src/verdict/units.ts).
   */
  process: z.number().int().nonnegative().optional(),
  /**
   * `accuracy`: the one run per fixture that gives the output scored for quality (its timing is
   * kept but never enters a speed or memory verdict). `performance`: a repeated timing run.
   * Absent in single-pass runs, whose samples serve both.
   */
  pass: z.enum(['accuracy', 'performance']).optional(),
  /** When the orchestrator sent this run, in ms since the run started: shows the schedule (interleaving) and drift. */
  startedAtMs: z.number().nonnegative().optional(),
  latencyMs: z.number().nonnegative(),
  /** Null when the engine produced no token. */
  ttftMs: z.number().nonnegative().nullable(),
  /** (generated - 1) / (latency - ttft); null when fewer than 2 tokens were generated. */
  decodeTokensPerSec: z.number().nonnegative().nullable(),
  promptTokens: z.number().int().nonnegative().nullable(),
  imageTokens: z.number().int().nonnegative().nullable(),
  frames: z.number().int().nonnegative().nullable(),
  generatedTokens: z.number().int().nonnegative(),
  /** VmHWM of the engine host process over this sample (bytes). */
  peakRssBytes: z.number().int().nonnegative().nullable(),
  /** VmHWM summed over the host's descendants (e.g. QVAC's Bare worker), bytes; null when it has none. */
  workerPeakRssBytes: z.number().int().nonnegative().nullable(),
  /** Peak GPU memory of the host's process tree over this sample (nvidia-smi); absent where there is none. */
  gpuMemoryBytes: z.number().nonnegative().optional(),
  phases: PhasesSchema.optional(),
  /** Vision engines: the frames, tile grid, frame resolution and image tokens this sample's image became, and how that was learnt. */
  image: ImageSeenSchema.optional(),
  engineStats: RawStats.optional(),
  /** Token arrival times in ms from the start of the sample. */
  tokenTimesMs: z.array(z.number()).optional(),
  /**
   * Where tokenTimesMs were taken: `engine-process` (the token callback in the engine's own
   * process, as they are made) or `host-arrival` (when chunks reached the host from a worker,
   * which may batch them: a transport figure, not a generation figure).
   */
  tokenTimesSource: z.enum(['engine-process', 'host-arrival']).optional(),
  /** Where ttftMs and decodeTokensPerSec come from, in words (docs/measurements.md); absent: the host's token timestamps. */
  timingSource: z.string().optional(),
  /** The host-side TTFT and decode rate, kept and labelled when the engine's own timing replaced them. */
  hostTiming: z.object({ ttftMs: z.number().nullable(), decodeTokensPerSec: z.number().nullable() }).optional(),
  /** Threads of the engine's process tree that were on a CPU for at least 20% of the run (src/measure/threads.ts); null for runs too short to tell. */
  activeThreads: z.number().int().nonnegative().nullable().optional(),
  /** CPU time of the engine's process tree during the run, ms. */
  cpuMs: z.number().nonnegative().optional(),
  /** Run-queue wait of the active threads: CPU they were ready for and did not get (other load, or more threads than cores), ms. */
  runQueueWaitMs: z.number().nonnegative().optional(),
  /** Resident memory by kind at the end of the run, host and descendants apart (RssAnon / RssFile / RssShmem, bytes). */
  residentKinds: z
    .object({
      host: ResidentKindsSchema.nullable(),
      worker: ResidentKindsSchema.nullable(),
    })
    .optional(),
});
export type Sample = z.infer<typeof SampleSchema>;

export const OutliersSchema = z.object({
  method: z.literal('iqr-1.5'),
  lowFence: z.number(),
  highFence: z.number(),
  count: z.number().int().nonnegative(),
  indices: z.array(z.number().int().nonnegative()),
});

/** Summary statistics of one metric over a cell's counted samples (src/stats computes them). */
export const SummarySchema = z.object({
  n: z.number().int().nonnegative(),
  median: z.number(),
  mean: z.number(),
  sd: z.number(),
  min: z.number(),
  max: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  /** Null when there are too few samples for p99 to mean anything; see p99Note. */
  p99: z.number().nullable(),
  p99Note: z.string().optional(),
  /** 95% bootstrap CI of the median (fixed seed). Null when n < 2. */
  medianCi95: z.tuple([z.number(), z.number()]).nullable(),
  /** Relative margin of error of the median: half the CI width over the median. */
  rme: z.number().nullable(),
  outliers: OutliersSchema.optional(),
});
export type Summary = z.infer<typeof SummarySchema>;

export const CellStatsSchema = z.object({
  latencyMs: SummarySchema.optional(),
  ttftMs: SummarySchema.optional(),
  decodeTokensPerSec: SummarySchema.optional(),
  peakRssBytes: SummarySchema.optional(),
});

export const MemorySchema = z.object({
  /** VmHWM of the host process across the load, bytes. */
  hostPeakRssBytes: z.number().int().nonnegative().nullable(),
  /** VmHWM summed over the host's descendants across the load, bytes. */
  workerPeakRssBytes: z.number().int().nonnegative().nullable(),
});

/**
 * One destination the cell's processes tried to reach (run --network-audit), grouped: every
 * DNS query for one name through one resolver, or every connection to one address and port.
 */
export const NetworkAttemptSchema = z.object({
  /** download: fetched by vlmbench itself before the host started; load: while the host started and loaded; run: while it ran this cell. */
  phase: z.enum(['download', 'load', 'run']),
  /** dns, tcp and udp from the capture; a URL scheme (http, https, ws…) for requests reported by CDP or the downloader. */
  protocol: z.string().min(1),
  /** Destination address as captured (the resolver for DNS); null when not captured (CDP, downloader). */
  address: z.string().nullable(),
  port: z.number().int().nonnegative().nullable(),
  /** The DNS name asked for, or the URL's host name. */
  name: z.string().optional(),
  /** DNS record types asked for (A, AAAA, HTTPS…). */
  queryTypes: z.array(z.string()).optional(),
  /** Distinct attempts: DNS queries, TCP connections (SYNs of one flow count once), UDP flows, requests. */
  count: z.number().int().positive(),
  /** Packets captured for them (retransmissions included); 0 where nothing was captured. */
  packets: z.number().int().nonnegative(),
  /** Set when the attempt is expected rather than a privacy finding (a registry or hub model download), saying why. */
  expected: z.string().optional(),
  /** The process that made it, where it can be told. */
  by: z.string().optional(),
  /** Milliseconds from the start of the cell's window (load or runs) to the first of them. */
  firstAtMs: z.number().nonnegative().optional(),
});
export type NetworkAttempt = z.infer<typeof NetworkAttemptSchema>;

/** What run --network-audit saw of one cell: its load's attempts (on the first cell after a load) and its runs'. */
export const CellNetworkSchema = z.object({
  /** measured: captured (or, for an attached browser, reported by CDP); unavailable: not measured, with the reason. */
  status: z.enum(['measured', 'unavailable']),
  reason: z.string().optional(),
  /** How the attempts were observed, in words. */
  method: z.string(),
  /** Browser targets: false when the browser was attached over CDP (vlmbench did not launch it). */
  launchedByVlmbench: z.boolean().optional(),
  /** Names of the processes that ran in the audited namespace (the engine host's tree). */
  processes: z.array(z.string()).optional(),
  /** True when the load's attempts are recorded on an earlier cell that shared this load. */
  loadShared: z.boolean(),
  attempts: z.array(NetworkAttemptSchema),
});
export type CellNetwork = z.infer<typeof CellNetworkSchema>;

export const CellStatusSchema = z.enum(['ok', 'failed', 'unavailable']);

export const CellSchema = z.object({
  key: CellKeySchema,
  status: CellStatusSchema,
  /** Why the cell failed or is unavailable; always set unless status is ok. */
  reason: z.string().optional(),
  /** `fallback` when the backend that ran differs from the one requested; `remote` for device-runner cells. */
  flags: z.array(z.string()).optional(),
  /** Device-runner cells only: the name of the device that produced the cell (src/remote). */
  remoteDevice: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
  load: z
    .object({
      ms: z.number().nonnegative(),
      memory: MemorySchema,
      backendRequested: z.string(),
      backendActual: z.string(),
      device: z.string().optional(),
      threads: z.number().int().nonnegative(),
      dtypes: z.record(z.string(), z.string()),
      notes: z.array(z.string()),
      engineStats: RawStats.optional(),
      /** A probe the engine ran after its load (QVAC: a one-token completion to learn the backend), timed apart: never in `ms`. */
      probeMs: z.number().nonnegative().optional(),
      /** True when this cell shared a host (and therefore a load) with earlier cells of the same model. */
      shared: z.boolean(),
    })
    .optional(),
  prompt: z
    .object({
      text: z.string(),
      maxNewTokens: z.number().int().positive(),
      temperature: z.number(),
      seed: z.number().int(),
    })
    .optional(),
  /** The decoding settings the engine actually passed to its runtime (as reported by the engine), beside the requested ones in `prompt`. */
  decodingApplied: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  warmup: z.array(SampleSchema),
  samples: z.array(SampleSchema),
  stats: CellStatsSchema.optional(),
  output: z
    .object({
      text: z.string(),
      /** False when counted samples produced different texts (greedy decoding should make them equal). */
      stableAcrossSamples: z.boolean(),
      /** Set when the text was cut to OUTPUT_TEXT_CAP_BYTES (src/results/text-cap.ts): the full output's size in UTF-8 bytes. */
      originalBytes: z.number().int().positive().optional(),
    })
    .optional(),
  /** Quality metric name to value (fractions, not percents). Null where the metric cannot be computed. */
  quality: z.record(z.string(), z.number().nullable()).optional(),
  /** run --network-audit only: the network attempts of this cell's load and runs. */
  network: CellNetworkSchema.optional(),
  /**
   * Outside load while the cell ran (src/measure/machine-load.ts): the load average at its start
   * and end, and the CPU other processes used meanwhile. `contaminated` when that exceeded a
   * quarter of the machine. For a cell measured in several processes, the worst of them.
   */
  machineLoad: z
    .object({
      loadAverage: z.tuple([z.number().nullable(), z.number().nullable()]),
      otherCpuSeconds: z.number().nonnegative().nullable(),
      otherCpuShare: z.number().nonnegative().nullable(),
      contaminated: z.boolean(),
    })
    .optional(),
  /**
   * Runs with an accuracy and a performance pass (run --processes N): each part of the cell as
   * it was measured, in its own process. The cell's samples are the union of its parts'.
   */
  parts: z
    .array(
      z.object({
        part: z.string(),
        status: z.enum(['ok', 'failed', 'unavailable']),
        reason: z.string().optional(),
        samples: z.number().int().nonnegative(),
        loadMs: z.number().nonnegative().optional(),
      }),
    )
    .optional(),
});
export type Cell = z.infer<typeof CellSchema>;

export const EnvironmentSchema = z.object({
  hostname: z.string().optional(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string(), kernel: z.string().optional(), distro: z.string().optional() }),
  cpu: z.object({
    model: z.string(),
    logicalCores: z.number().int(),
    physicalCores: z.number().int().nullable(),
    flags: z.array(z.string()),
    governor: z.string().nullable().optional(),
  }),
  memoryBytes: z.number().int(),
  gpu: z.array(z.object({ name: z.string(), driver: z.string().optional(), memoryBytes: z.number().optional(), source: z.string() })),
  node: z.string(),
  packages: z.record(z.string(), z.string()),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  /** Anything else a module measured (memory bandwidth, frequencies, temperatures, browser facts…). */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export const ModelFileSchema = z.object({
  role: z.string(),
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  /** True when the catalog pins this file and its bytes matched; false when the catalog has no pin for it. */
  pinned: z.boolean().optional(),
});

/**
 * Whether a real model's files are the checkpoint the catalog names: every file matched its pin,
 * and the dimensions read from the loaded files match the catalog's. Absent for generated models.
 */
export const ModelVerificationSchema = z.object({
  status: z.enum(['verified', 'unverified']),
  /** Why it is unverified (empty when verified). */
  problems: z.array(z.string()),
  /** Parameters counted from the loaded files (config dimensions or GGUF tensors), not from the catalog. */
  parametersFromFiles: z.number().optional(),
  /** Dimensions read from the loaded files. */
  dimensions: z.record(z.string(), z.number()).optional(),
});
export type ModelVerification = z.infer<typeof ModelVerificationSchema>;

export const ModelRecordSchema = z.object({
  id: z.string(),
  engine: z.string(),
  quant: z.string(),
  source: z.string(),
  revision: z.string().optional(),
  synthetic: z.union([z.literal(false), z.literal('tiny'), z.literal('shape')]),
  files: z.array(ModelFileSchema),
  /** Parameter count where known from the config. */
  parameters: z.number().optional(),
  verification: ModelVerificationSchema.optional(),
  /** A test-only catalog entry (VLMBENCH_TEST_CATALOG): never a real checkpoint. */
  testOnly: z.boolean().optional(),
});
export type ModelRecord = z.infer<typeof ModelRecordSchema>;

export const FixtureRecordSchema = z.object({
  id: z.string(),
  task: TaskSchema,
  category: z.string(),
  image: z.string(),
  sha256: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  references: z.array(z.string()),
  /** Structured facts for procedural scenes (fact recall). */
  facts: z.array(z.object({ shape: z.string(), color: z.string(), count: z.number().int() })).optional(),
  source: z.string(),
  licence: z.string(),
});
export type FixtureRecord = z.infer<typeof FixtureRecordSchema>;

export const EngineRecordSchema = z.object({
  id: z.string(),
  packageName: z.string(),
  version: z.string().nullable(),
  available: z.boolean(),
  reason: z.string().optional(),
});

export const SettingsSchema = z.object({
  engines: z.array(z.string()),
  models: z.array(z.string()),
  targets: z.array(TargetSchema),
  tasks: z.array(TaskSchema),
  fixturesDir: z.string(),
  runs: z.number().int().nonnegative(),
  warmup: z.number().int().nonnegative(),
  /** Extra warm-up runs after each load, on the host's first fixture (absent in older runs: none). */
  hostWarmup: z.number().int().nonnegative().optional(),
  /**
   * run --processes N: the performance pass runs in up to N rounds of fresh engine processes
   * (src/run/passes.ts); absent or 1: one pass, one process per engine.
   */
  processes: z.number().int().positive().optional(),
  /** Fixtures per task in the performance pass (a representative subset). */
  perfFixturesPerTask: z.number().int().positive().optional(),
  /** run --budget: the time budget of the whole run, ms. */
  budgetMs: z.number().positive().optional(),
  minTimeMs: z.number().nonnegative().optional(),
  threads: z.number().int().positive(),
  maxNewTokens: z.record(z.string(), z.number().int().positive()),
  timeoutMs: z.number().int().positive(),
  scheduling: z.enum(['interleaved', 'sequential']),
  cooldownMs: z.number().nonnegative().optional(),
  offline: z.boolean(),
  /** run --network-audit: engine hosts ran in a namespace that refuses every destination, with a capture. */
  networkAudit: z.boolean().optional(),
  profile: z.string().optional(),
  /** The noise band δ of ratio verdicts (0.05 = ±5%; src/verdict/band.ts); absent: the default. */
  noiseBand: z.number().positive().optional(),
  /** Runs from before --image-budget: transformers.js image splitting (SmolVLM's tiling); off kept one squashed frame per image. */
  imageSplitting: z.boolean().optional(),
  /** --image-budget (src/engines/image-budget.ts): native, matched or single; absent in older runs (see imageSplitting). */
  imageBudget: z.enum(IMAGE_BUDGETS).optional(),
  /** Options passed to every engine's load (e.g. cdpUrl for a remote browser). */
  engineOptions: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  quant: z.record(z.string(), z.string()).optional(),
  /** Per-engine options (from a tuned profile). */
  engineOptionsByEngine: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * A run id names folders (results/<id>, reports/<id>), and results files come from elsewhere (a
 * pull request's artifact, a device runner's upload): letters, digits, '.', '_' and '-', starting
 * with a letter or digit, so no id can be a path or leave the folder it is joined to.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const RUN_ID_RULE = 'a run id is 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit (no path separators)';

export const ResultsSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('vlmbench'), version: z.string() }),
  run: z.object({
    id: z.string().regex(RUN_ID_PATTERN, RUN_ID_RULE),
    command: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    settings: SettingsSchema,
    /** True when the run finished every planned cell; false for a partial (interrupted) run. */
    complete: z.boolean(),
  }),
  environment: EnvironmentSchema,
  engines: z.array(EngineRecordSchema),
  models: z.array(ModelRecordSchema),
  fixtures: z.object({ manifestSha256: z.string(), dir: z.string(), items: z.array(FixtureRecordSchema) }),
  prompts: z.record(z.string(), z.string()),
  cells: z.array(CellSchema),
  /** Corpus-level quality per (engine, model, quant, target, task), over that group's ok cells. */
  qualityAggregates: z
    .array(
      z.object({
        engine: z.string(),
        model: z.string(),
        quant: z.string(),
        target: TargetSchema,
        task: TaskSchema,
        fixtures: z.number().int().nonnegative(),
        scores: z.record(z.string(), z.number().nullable()),
      }),
    )
    .optional(),
  /** Warnings about the run itself (thermal drift, fallbacks, unstable outputs), shown in reports. */
  warnings: z.array(z.string()).optional(),
  /** Extension point for later sections (claims, footprint, environment drift…). */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type Results = z.infer<typeof ResultsSchema>;

export function cellKeyId(key: CellKey): string {
  return [key.engine, key.model, key.quant, key.target, key.task, key.fixture].join('|');
}
