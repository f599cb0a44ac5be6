/**
 * Turns a catalog variant into files on disk (generating, downloading, or fetching through the
 * QVAC SDK's registry download, all before any timed region) and into the model record the
 * results keep: files, bytes, sha256, and whether they are the checkpoint the catalog names.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError, type ResolvedModel } from '../engines/engine.js';
import { REPO_ROOT } from '../measure/environment.js';
import { detectOffline } from '../measure/network.js';
import type { ModelRecord, ModelVerification } from '../results/schema.js';
import { modelCacheDir } from './cache.js';
import type { CatalogEntry, EngineVariant, ModelSource } from './catalog-types.js';
import { ensureRepoFiles, type DownloadOptions } from './download.js';
import { hubUrl } from './hub-http.js';
import { listFiles, sha256FileRemembered } from './hash.js';
import { checkQvacCache, pullRegistryFiles, registryDescriptors } from './qvac-registry.js';
import { ensureTiny } from './tiny/index.js';
import { ensureShapePart, type ShapeQuant } from './shape/index.js';
import { checkDimensions, onnxFilesFor, refusalMessage, unpinnedProblem, verificationOf, verifyLocalFiles } from './verification.js';

export interface Resolution {
  model: ResolvedModel;
  record: ModelRecord;
  /** URLs fetched from the hub for this resolution (none when the files were cached); the network audit lists them as expected. */
  downloads?: string[];
}

export interface ResolveOptions extends DownloadOptions {
  localPaths?: Record<string, string>;
  /** Run files that are not shown to be the catalog's checkpoint, marked unverified, instead of refusing them. */
  allowUnverified?: boolean;
}

/** Leftovers that are not model files: an interrupted download, vlmbench's own bookkeeping. */
function isBookkeeping(relative: string): boolean {
  return relative.startsWith('.vlmbench') || relative.endsWith('.partial') || relative === 'files.json' || relative.includes('/.vlmbench');
}

async function describeFiles(files: Record<string, string>, pinned: Set<string> | null): Promise<ModelRecord['files']> {
  const out: ModelRecord['files'] = [];
  const describe = async (role: string, path: string) => ({
    role,
    path,
    bytes: statSync(path).size,
    sha256: await sha256FileRemembered(path),
    ...(pinned ? { pinned: pinned.has(path) } : {}),
  });
  for (const [role, path] of Object.entries(files)) {
    if (path.startsWith('qvac-registry:')) continue;
    if (!existsSync(path)) throw new UserError(`model file ${path} (${role}) is not there — re-create it ("vlmbench models make-tiny") or fix --model-path`);
    if (statSync(path).isDirectory()) {
      for (const relative of listFiles(path)) if (!isBookkeeping(relative)) out.push(await describe(`${role}/${relative}`, join(path, relative)));
    } else {
      out.push(await describe(role, path));
    }
  }
  return out;
}

interface Fetched {
  files: Record<string, string>;
  source: string;
  revision?: string;
  /** Files that matched a catalog pin, by path; null when pins do not apply (generated files). */
  pinned: Set<string> | null;
  problems: string[];
  /** Registry files shown by name only (not on disk: --offline, or no SDK here). */
  registryRecords: ModelRecord['files'];
  /** Nothing is on disk to refuse: the engine itself reports the failure (e.g. --offline). */
  notFetched?: boolean;
  /** Why the fetch failed; the engine's load fails with it, so only that engine's cells are lost. */
  fetchFailure?: string;
  /** Hub URLs downloaded by this fetch. */
  downloads?: string[];
}

async function fetchHuggingFace(source: Extract<ModelSource, { kind: 'huggingface' }>, variant: EngineVariant, options: ResolveOptions): Promise<Fetched> {
  const dir = modelCacheDir('hf', source.repo.replace('/', '--'), source.revision);
  const wanted = Object.values(source.files).filter(onnxFilesFor(variant.quant));
  const started = new Date().toISOString();
  const verified = await ensureRepoFiles(source.repo, source.revision, wanted, dir, source.pins, options);
  // Fetched now (not reused from a cache): the network audit lists these as expected downloads.
  const downloads = verified.filter((file) => file.from === 'download' && file.verifiedAt >= started).map((file) => hubUrl(source.repo, source.revision, file.file));
  const files = variant.engine === 'transformersjs' ? { dir } : Object.fromEntries(Object.entries(source.files).map(([role, name]) => [role, join(dir, name)]));
  return {
    files,
    source: `huggingface.co/${source.repo}`,
    revision: source.revision,
    pinned: new Set(verified.filter((file) => file.pinned).map((file) => file.path)),
    problems: unpinnedProblem(verified.filter((file) => !file.pinned).map((file) => file.file), verified.length),
    registryRecords: [],
    ...(downloads.length > 0 ? { downloads } : {}),
  };
}

async function fetchRegistry(source: Extract<ModelSource, { kind: 'qvac-registry' }>, modelId: string, options: ResolveOptions): Promise<Fetched> {
  const label = `QVAC model registry (${Object.values(source.constants).join(', ')})`;
  const byName: Fetched = {
    files: Object.fromEntries(Object.entries(source.constants).map(([role, constant]) => [role, `qvac-registry:${constant}`])),
    source: label,
    pinned: null,
    problems: [],
    registryRecords: source.files.map((file) => ({ role: file.role, path: `qvac-registry:${file.name}`, bytes: file.bytes, sha256: file.sha256 })),
    notFetched: true,
  };
  let sdk: Awaited<ReturnType<typeof registryDescriptors>>;
  try {
    sdk = await registryDescriptors(source);
  } catch (error) {
    // No SDK here: the engine reports itself unavailable, with the reason.
    return { ...byName, problems: [(error as Error).message], fetchFailure: (error as Error).message };
  }
  let cached = await checkQvacCache(source, sdk.descriptors);
  const pending = cached.filter((file) => file.state !== 'verified');
  if (pending.length > 0) {
    const problems = pending.map((file) => file.detail ?? file.constant);
    if (options.offline) return { ...byName, problems };
    // Without any network the registry's peer lookup would only wait out the stall timeout.
    const network = await detectOffline();
    if (network.offline) {
      const reason = `${pending.map((file) => file.constant).join(' + ')} not in QVAC's cache and this machine has no network (no route beyond loopback) — run "vlmbench models pull ${modelId}" where there is one, or pass local GGUF files with --model-path`;
      return { ...byName, problems, fetchFailure: reason };
    }
    const stallTimeoutMs = options.stallTimeoutMs ?? (Number(process.env.VLMBENCH_STALL_TIMEOUT) > 0 ? Number(process.env.VLMBENCH_STALL_TIMEOUT) * 1000 : 60_000);
    options.onProgress?.(`${modelId}: ${pending.map((file) => file.constant).join(' + ')} not in QVAC's cache yet; fetching before any timing`);
    try {
      await pullRegistryFiles(sdk.sdk, pending.map((file) => ({ constant: file.constant, descriptor: sdk.descriptors[file.role] as NonNullable<(typeof sdk.descriptors)[string]> })), {
        signal: options.signal,
        onProgress: options.onProgress,
        stallTimeoutMs,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = `fetching from the QVAC registry failed: ${(error as Error).message}`;
      options.onProgress?.(reason);
      return { ...byName, problems: [reason], fetchFailure: reason };
    }
    cached = await checkQvacCache(source, sdk.descriptors);
    const still = cached.filter((file) => file.state !== 'verified');
    if (still.length > 0) throw new UserError(`after fetching through the QVAC SDK, ${still.map((file) => file.detail).join('; ')} — re-run "vlmbench models pull ${modelId}"`);
  }
  const files = Object.fromEntries(cached.map((file) => [file.role, file.path]));
  return { files, source: `${label}, verified in QVAC's cache`, pinned: new Set(cached.map((file) => file.path)), problems: [], registryRecords: [] };
}

async function fetchVariant(entry: CatalogEntry, variant: EngineVariant, options: ResolveOptions): Promise<Fetched> {
  if (options.localPaths && Object.keys(options.localPaths).length > 0) {
    const files = options.localPaths;
    const base = { files, source: 'local paths given on the command line', registryRecords: [] };
    if (entry.synthetic !== false) return { ...base, pinned: null, problems: [] };
    const local = await verifyLocalFiles(variant, files);
    return { ...base, pinned: local.pinned, problems: local.problems };
  }
  const source = variant.source;
  switch (source.kind) {
    case 'generated': {
      if ('size' in source) {
        const runtime = source.generator === 'shape-onnx' ? 'onnx' : 'gguf';
        const files = (await ensureShapePart(source.size, runtime, variant.quant as ShapeQuant, undefined, options.onProgress)).files;
        return { files, source: `generated by vlmbench (${source.generator} ${source.size}, src/models/shape): shape-faithful random weights`, pinned: null, problems: [], registryRecords: [] };
      }
      return { files: await ensureTiny(source.generator, undefined, options.onProgress), source: `generated by vlmbench (${source.generator}, src/models/tiny)`, pinned: null, problems: [], registryRecords: [] };
    }
    case 'huggingface':
      return fetchHuggingFace(source, variant, options);
    case 'qvac-registry':
      return fetchRegistry(source, entry.id, options);
    case 'package': {
      const packageDir = join(REPO_ROOT, 'node_modules', source.packageName);
      if (!existsSync(packageDir)) throw new UserError(`${source.packageName} is not installed — run "npm ci"`);
      return { files: { langPath: dirname(join(packageDir, 'package.json')) }, source: `npm package ${source.packageName} (${source.note})`, pinned: null, problems: [], registryRecords: [] };
    }
  }
}

export async function resolveVariant(entry: CatalogEntry, variant: EngineVariant, options: ResolveOptions): Promise<Resolution> {
  const fetched = await fetchVariant(entry, variant, options);
  // Downloaded or user-given files are checked; generated ones and npm packages need no pins. Files
  // that were never fetched (--offline, no network) are not judged: their engine fails the load.
  const checked = fetched.pinned !== null;
  let verification: ModelVerification | undefined;
  if (checked) {
    verification = verificationOf(fetched.problems, checkDimensions(entry, variant, fetched.files));
    if (verification.status === 'unverified' && !options.allowUnverified) throw new UserError(refusalMessage(entry, variant, verification));
  }
  const model: ResolvedModel = { id: entry.id, quant: variant.quant, files: fetched.files, synthetic: entry.synthetic, ...(fetched.fetchFailure ? { fetchFailure: fetched.fetchFailure } : {}) };
  const record: ModelRecord = {
    id: entry.id,
    engine: variant.engine,
    quant: variant.quant,
    source: verification?.status === 'unverified' ? `UNVERIFIED files (not shown to be the catalog's checkpoint), fetched as ${fetched.source}` : fetched.source,
    revision: fetched.revision,
    synthetic: entry.synthetic,
    files: [...(await describeFiles(fetched.files, fetched.pinned)), ...fetched.registryRecords],
    // A real model's parameter count is what its files say; the catalog's figure is only the expectation.
    parameters: entry.synthetic === false && (checked || fetched.notFetched) ? verification?.parametersFromFiles : entry.parameters,
    ...(verification ? { verification } : {}),
    ...(entry.testOnly ? { testOnly: true } : {}),
  };
  return { model, record, ...(fetched.downloads ? { downloads: fetched.downloads } : {}) };
}
