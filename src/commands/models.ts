/** `vlmbench models …`: list the catalog, generate the tiny models, pull real ones. */
import { CATALOG, MODEL_ALIASES, catalogEntry } from '../models/catalog.js';
import { makeAllTiny } from '../models/tiny/index.js';
import { resolveVariant } from '../models/resolve.js';

export function listModels(): number {
  for (const entry of CATALOG) {
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

export async function pullModelCommand(id: string, flags: { offline?: boolean }): Promise<number> {
  const entry = catalogEntry(id);
  for (const variant of entry.variants) {
    if (variant.source.kind === 'qvac-registry') {
      console.log(`${variant.engine}:${variant.quant} comes from the QVAC registry; the SDK downloads it on first load (vlmbench run --engines ${variant.engine} --models ${id}).`);
      continue;
    }
    const resolution = await resolveVariant(entry, variant, { offline: Boolean(flags.offline), onProgress: (message) => console.log(message) });
    const bytes = resolution.record.files.reduce((sum, file) => sum + file.bytes, 0);
    console.log(`${variant.engine}:${variant.quant} ready (${(bytes / 1e6).toFixed(1)} MB in ${resolution.record.files.length} files)`);
  }
  return 0;
}
