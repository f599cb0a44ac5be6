/**
 * The footprint section of a results document (`Results.extra.footprint`): what an engine
 * costs a developer besides latency — disk, packages, native code, processes, start-up.
 * Every figure carries a `method` string saying how it was computed.
 */
import { z } from 'zod';

export const NativeFileSchema = z.object({ path: z.string(), bytes: z.number().int().nonnegative() });

export const InstallFootprintSchema = z.object({
  packageName: z.string(),
  version: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  packages: z.number().int().nonnegative(),
  /** Native code for this platform (addons, shared libraries, wasm, runtime binaries). */
  nativeBytes: z.number().int().nonnegative(),
  /** The largest native files, biggest first. */
  nativeFiles: z.array(NativeFileSchema),
  method: z.string(),
});
export type InstallFootprint = z.infer<typeof InstallFootprintSchema>;

export const ModelFilesFootprintSchema = z.object({
  model: z.string(),
  quant: z.string(),
  synthetic: z.union([z.literal(false), z.literal('tiny'), z.literal('shape')]),
  bytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  method: z.string(),
});
export type ModelFilesFootprint = z.infer<typeof ModelFilesFootprintSchema>;

export const ProcessCensusSchema = z.object({
  processes: z.number().int().nonnegative(),
  threads: z.number().int().nonnegative(),
  commands: z.array(z.string()),
  method: z.string(),
});
export type ProcessCensus = z.infer<typeof ProcessCensusSchema>;

export const ColdStartSchema = z.object({
  /** Host spawn until the host answered ready (for QVAC the worker starts later, at load). */
  spawnToReadyMs: z.number().nonnegative(),
  /** Ready until the model was loaded (includes resolving files and, for QVAC, starting the Bare worker). */
  readyToLoadedMs: z.number().nonnegative(),
  /** Loaded until the first inference finished. */
  loadedToFirstResultMs: z.number().nonnegative(),
  /** Spawn (or resolve, when given) until the first inference finished. */
  timeToFirstResultMs: z.number().nonnegative(),
  /** True when the model cache was empty for this model before the run (downloads included). Null when unknown. */
  cacheCold: z.boolean().nullable(),
  method: z.string(),
});
export type ColdStart = z.infer<typeof ColdStartSchema>;

export const EngineFootprintSchema = z.object({
  engine: z.string(),
  install: InstallFootprintSchema.nullable(),
  /** Why install is null (package absent…). */
  installReason: z.string().optional(),
  models: z.array(ModelFilesFootprintSchema),
  /** One census per engine host (engine × model), taken after load with the model resident. */
  census: z.array(ProcessCensusSchema.extend({ model: z.string() })),
  coldStart: z.array(ColdStartSchema.extend({ model: z.string() })),
});
export type EngineFootprint = z.infer<typeof EngineFootprintSchema>;

export const FootprintSchema = z.object({
  platform: z.string(),
  engines: z.array(EngineFootprintSchema),
  /** Milliseconds from an empty node_modules to installed, when someone measured it (e.g. CI timing `npm ci`). */
  installMs: z.number().nonnegative().optional(),
  notes: z.array(z.string()),
});
export type Footprint = z.infer<typeof FootprintSchema>;
