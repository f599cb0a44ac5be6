/**
 * Assembles the footprint section from the run's engines and models plus the census and
 * cold-start figures the orchestrator gathered per host, and reads it back from a results document.
 */
import { ENGINE_INFO } from '../engines/registry.js';
import type { ModelRecord, Results } from '../results/schema.js';
import { installFootprint } from './install.js';
import { FootprintSchema, type ColdStart, type Footprint, type ModelFilesFootprint, type ProcessCensus } from './schema.js';

export const MODEL_FILES_METHOD = "Sum of `bytes` of the run's models[].files for this engine (the files the engine opened, as resolved in the cache or package).";

export const FOOTPRINT_NOTES = [
  'A package shared by two engines (e.g. @qvac/sdk for qvac and qvac-ocr, sharp for transformers.js and others) counts in full for each engine; the figures are not additive.',
  'Installed bytes include prebuilt binaries for every platform that the package ships; nativeBytes counts only those for this platform.',
];

export interface FootprintInput {
  engines: string[];
  models: ModelRecord[];
  repoRoot: string;
  census?: Array<ProcessCensus & { engine: string; model: string }>;
  coldStart?: Array<ColdStart & { engine: string; model: string }>;
  installMs?: number;
}

export function modelFilesFootprint(model: ModelRecord): ModelFilesFootprint {
  return {
    model: model.id,
    quant: model.quant,
    synthetic: model.synthetic,
    bytes: model.files.reduce((sum, file) => sum + file.bytes, 0),
    files: model.files.length,
    method: MODEL_FILES_METHOD,
  };
}

/** Put the result under `Results.extra.footprint`. */
export async function collectFootprint(input: FootprintInput): Promise<Footprint> {
  const engines = [];
  for (const engine of input.engines) {
    const packageName = ENGINE_INFO[engine]?.packageName;
    let install = null;
    let installReason: string | undefined;
    if (!packageName) installReason = `engine ${engine} has no package in ENGINE_INFO`;
    else {
      try {
        install = await installFootprint(packageName, input.repoRoot);
      } catch (error) {
        installReason = (error as Error).message;
      }
    }
    engines.push({
      engine,
      install,
      ...(installReason ? { installReason } : {}),
      models: input.models.filter((model) => model.engine === engine).map(modelFilesFootprint),
      census: (input.census ?? []).filter((entry) => entry.engine === engine).map(({ engine: _engine, ...rest }) => rest),
      coldStart: (input.coldStart ?? []).filter((entry) => entry.engine === engine).map(({ engine: _engine, ...rest }) => rest),
    });
  }
  return FootprintSchema.parse({
    platform: `${process.platform}-${process.arch}`,
    engines,
    ...(input.installMs !== undefined ? { installMs: input.installMs } : {}),
    notes: FOOTPRINT_NOTES,
  });
}

/** The footprint a results document carries, or null when it has none (or a malformed one). */
export function readFootprint(results: Results): Footprint | null {
  const parsed = FootprintSchema.safeParse(results.extra?.footprint);
  return parsed.success ? parsed.data : null;
}
