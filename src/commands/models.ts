/** `vlmbench models …`: list the catalog, generate the tiny models, pull real ones. */
import { UserError } from '../engines/engine.js';
import { MODEL_ALIASES, allCatalogEntries, catalogEntry } from '../models/catalog.js';
import { DownloadInterruptedError } from '../models/download.js';
import { makeAllTiny } from '../models/tiny/index.js';
import { resolveVariant } from '../models/resolve.js';

export function listModels(): number {
  for (const entry of allCatalogEntries()) {
    const variants = entry.variants.map((v) => `${v.engine}:${v.quant}`).join(', ');
    console.log(`${entry.id.padEnd(18)} ${entry.synthetic ? `[synthetic: ${entry.synthetic}] ` : ''}${variants}`);
    console.log(`${''.padEnd(18)} ${entry.description}`);
  }
  console.log(`aliases: ${Object.entries(MODEL_ALIASES).map(([alias, ids]) => `${alias} = ${ids.join('+')}`).join('; ')}`);
  return 0;
}

export async function makeTinyCommand(): Promise<number> {
  // A damaged cache is named and repaired here too, not trusted because it looks complete.
  const files = await makeAllTiny(undefined, (message) => console.log(message));
  console.log(`tiny SmolVLM ONNX: ${files.onnxDir}`);
  console.log(`tiny SmolVLM GGUF: ${files.gguf}`);
  console.log(`tiny mmproj:       ${files.mmproj}`);
  console.log(`tiny easyocr:      ${files.easyocr.detector}, ${files.easyocr.recognizer}`);
  console.log(`tiny doctr:        ${files.doctr.detector}, ${files.doctr.recognizer}`);
  console.log('These are random weights: they exercise the pipeline; their outputs and quality mean nothing.');
  return 0;
}

/**
 * Fetches every variant of a model before any run: Hugging Face files with the verified
 * download, QVAC registry files through the SDK's own download API. Ctrl-C or SIGTERM stops it
 * within seconds; a half-downloaded file is kept as .partial and resumed by the next pull or run.
 */
export async function pullModelCommand(id: string, flags: { offline?: boolean; allowUnverified?: boolean }): Promise<number> {
  const entry = catalogEntry(id);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const variant of entry.variants) {
      const resolution = await resolveVariant(entry, variant, {
        offline: Boolean(flags.offline),
        allowUnverified: Boolean(flags.allowUnverified),
        onProgress: (message) => console.log(message),
        liveStream: process.stdout,
        signal: abort.signal,
      });
      const { record } = resolution;
      const onDisk = record.files.filter((file) => !file.path.startsWith('qvac-registry:'));
      const bytes = onDisk.reduce((sum, file) => sum + file.bytes, 0);
      if (onDisk.length === 0) {
        throw new UserError(`${id} ${variant.engine}:${variant.quant} was not fetched: ${resolution.model.fetchFailure ?? "it is not in QVAC's cache, and --offline forbids fetching it"}`);
      }
      const status = record.verification
        ? record.verification.status === 'verified'
          ? 'verified: every file matches its pin'
          : `UNVERIFIED: ${record.verification.problems.join('; ')}`
        : entry.synthetic
          ? `synthetic (${entry.synthetic})`
          : 'no pins apply';
      console.log(`${variant.engine}:${variant.quant} ready (${(bytes / 1e6).toFixed(1)} MB in ${onDisk.length} files; ${status})`);
    }
    return 0;
  } catch (error) {
    if (error instanceof DownloadInterruptedError) {
      console.error(`vlmbench: ${error.message}`);
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
