import type { ModelRecord } from './schema.js';

/**
 * Whether a model record may be reported as the real checkpoint its id names: real weights (not
 * generated), not a test-only entry, and not run unverified. Records from before verification
 * existed carry no verification and keep their old meaning.
 */
export function isRealCheckpoint(model: Pick<ModelRecord, 'synthetic' | 'verification' | 'testOnly'>): boolean {
  return model.synthetic === false && !model.testOnly && model.verification?.status !== 'unverified';
}

/** "smolvlm2-256m (transformersjs:q8)" for each model run without verified files. */
export function unverifiedModelLabels(models: ModelRecord[]): string[] {
  return [...new Set(models.filter((model) => model.verification?.status === 'unverified').map((model) => `${model.id} (${model.engine}:${model.quant})`))];
}

/** The cell flag for a load that included a download: its time is left out of load-time comparisons. */
export const DOWNLOAD_IN_LOAD_FLAG = 'download-in-load';

/** The words every report and the CLI use for files run under --allow-unverified. */
export const UNVERIFIED_BANNER = 'Unverified model files: not shown to be the checkpoints their ids name (run with --allow-unverified); no claim is decided from them.';
