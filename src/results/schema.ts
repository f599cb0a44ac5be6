/**
 * The single source of the results document's shape. Fields may be added within a
 * schema version; never renamed or repurposed (CI baselines outlive versions).
 */
import { z } from 'zod';
import { TARGETS, TASKS } from '../engines/engine.js';

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

/** One counted (or warm-up) run of a cell, measured by the host's clock. */
export const SampleSchema = z.object({
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
  engineStats: RawStats.optional(),
  /** Token arrival times in ms from the start of the sample. */
  tokenTimesMs: z.array(z.number()).optional(),
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
  warmup: z.array(SampleSchema),
  samples: z.array(SampleSchema),
  stats: CellStatsSchema.optional(),
  output: z
    .object({
      text: z.string(),
      /** False when counted samples produced different texts (greedy decoding should make them equal). */
      stableAcrossSamples: z.boolean(),
    })
    .optional(),
  /** Quality metric name to value (fractions, not percents). Null where the metric cannot be computed. */
  quality: z.record(z.string(), z.number().nullable()).optional(),
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
  minTimeMs: z.number().nonnegative().optional(),
  threads: z.number().int().positive(),
  maxNewTokens: z.record(z.string(), z.number().int().positive()),
  timeoutMs: z.number().int().positive(),
  scheduling: z.enum(['interleaved', 'sequential']),
  cooldownMs: z.number().nonnegative().optional(),
  offline: z.boolean(),
  profile: z.string().optional(),
  /** transformers.js image splitting (SmolVLM's tiling); off keeps one frame per image. */
  imageSplitting: z.boolean().optional(),
  /** Options passed to every engine's load (e.g. cdpUrl for a remote browser). */
  engineOptions: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  quant: z.record(z.string(), z.string()).optional(),
  /** Per-engine options (from a tuned profile). */
  engineOptionsByEngine: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const ResultsSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('vlmbench'), version: z.string() }),
  run: z.object({
    id: z.string(),
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
