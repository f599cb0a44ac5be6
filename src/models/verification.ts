/**
 * What counts as the real checkpoint: every file matched its catalog pin, and the dimensions and
 * parameter count read from the files the engine will load match the catalog. Anything else is
 * unverified: refused, or run under --allow-unverified with a banner, and never used for a claim.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelVerification } from '../results/schema.js';
import type { CatalogEntry, EngineVariant } from './catalog-types.js';
import { checkGgufConfig, checkOnnxConfig, type ConfigCheck } from './config-check.js';
import { sha256FileRemembered } from './hash.js';

/** How many names a one-line message lists before "…". */
const NAMES_SHOWN = 4;

function names(list: string[]): string {
  return list.length > NAMES_SHOWN ? `${list.slice(0, NAMES_SHOWN).join(', ')}, …` : list.join(', ');
}

/** "3 of 11 files have no pinned sha256 in the catalog (config.json, …)". */
export function unpinnedProblem(unpinned: string[], total: number): string[] {
  if (unpinned.length === 0) return [];
  return [`${unpinned.length} of ${total} file${total > 1 ? 's' : ''} ${unpinned.length > 1 ? 'have' : 'has'} no pinned sha256 in the catalog (${names(unpinned)})`];
}

/** The dimensions check for a real SmolVLM2 size, on the files an engine will load. */
export function checkDimensions(entry: CatalogEntry, variant: EngineVariant, files: Record<string, string>): ConfigCheck | null {
  if (!entry.dimensions) return null;
  if (variant.engine === 'transformersjs' && files.dir) return checkOnnxConfig(files.dir, entry.dimensions, entry.parameters);
  if (variant.engine === 'qvac' && files.gguf && files.mmproj && !files.gguf.startsWith('qvac-registry:')) return checkGgufConfig(files.gguf, files.mmproj, entry.dimensions, entry.parameters);
  return null;
}

export function verificationOf(problems: string[], config: ConfigCheck | null): ModelVerification {
  const all = [...problems, ...(config?.problems ?? [])];
  return {
    status: all.length === 0 ? 'verified' : 'unverified',
    problems: all,
    ...(config?.parameters !== undefined ? { parametersFromFiles: config.parameters } : {}),
    ...(config && Object.keys(config.dimensions).length > 0 ? { dimensions: config.dimensions } : {}),
  };
}

/** The sha256 each role's file must have, from the variant's pins. */
function pinsByRole(variant: EngineVariant): Record<string, { name: string; sha256?: string }> {
  const source = variant.source;
  if (source.kind === 'huggingface') return Object.fromEntries(Object.entries(source.files).map(([role, name]) => [role, { name, sha256: source.pins[name]?.sha256 }]));
  if (source.kind === 'qvac-registry') return Object.fromEntries(source.files.map((file) => [file.role, { name: file.name, sha256: file.sha256 }]));
  return {};
}

/**
 * --model-path files checked against the catalog's pins: a folder (transformers.js) file by file,
 * single files (GGUF) by role. Returns the problems and which paths matched a pin.
 */
export async function verifyLocalFiles(variant: EngineVariant, files: Record<string, string>): Promise<{ problems: string[]; pinned: Set<string> }> {
  const problems: string[] = [];
  const pinned = new Set<string>();
  const expected = pinsByRole(variant);
  const unpinned: string[] = [];
  const check = async (label: string, path: string, sha256: string | undefined) => {
    if (!existsSync(path)) return problems.push(`${label} is not in ${path}`);
    if (!sha256) return unpinned.push(label);
    const actual = await sha256FileRemembered(path);
    if (actual === sha256) pinned.add(path);
    else problems.push(`${path}: sha256 ${actual}, but the catalog pins ${sha256} for ${label}`);
    return undefined;
  };
  if (files.dir && variant.source.kind === 'huggingface') {
    const wanted = Object.values(variant.source.files).filter(onnxFilesFor(variant.quant));
    for (const name of wanted) await check(name, join(files.dir, name), variant.source.pins[name]?.sha256);
    problems.push(...unpinnedProblem(unpinned, wanted.length));
    return { problems, pinned };
  }
  for (const [role, path] of Object.entries(files)) {
    if (statSync(path).isDirectory()) {
      problems.push(`${role}: ${path} is a folder the catalog has no pins for`);
      continue;
    }
    await check(expected[role]?.name ?? role, path, expected[role]?.sha256);
  }
  problems.push(...unpinnedProblem(unpinned, Object.keys(files).length));
  return { problems, pinned };
}

/** The files of a transformers.js repo one dtype needs: every non-ONNX file, and the ONNX files with its suffix. */
export function onnxFilesFor(quant: string): (file: string) => boolean {
  const suffix = quant === 'fp32' ? '' : quant === 'q8' ? '_quantized' : `_${quant}`;
  return (file) => !file.startsWith('onnx/') || file.endsWith(`${suffix}.onnx`) || file.endsWith(`${suffix}.onnx_data`);
}

/** The one-line refusal when files are not shown to be the checkpoint and --allow-unverified was not given. */
export function refusalMessage(entry: CatalogEntry, variant: EngineVariant, verification: ModelVerification): string {
  return (
    `${entry.id} ${variant.engine}:${variant.quant} is not shown to be the checkpoint the catalog names: ${verification.problems.slice(0, 3).join('; ')}${verification.problems.length > 3 ? '; …' : ''} — ` +
    'refused; pass --allow-unverified to run these files anyway, marked UNVERIFIED (no claim is decided from them)'
  );
}
