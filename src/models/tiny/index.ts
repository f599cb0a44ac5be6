/**
 * `vlmbench models make-tiny`: every tiny random-weight model the offline quick start and the
 * tests use, generated deterministically by the project's own code into the cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildOnce, type Note } from '../build-once.js';
import { modelCacheDir } from '../cache.js';
import { TINY_TEXT_DIMS, TINY_VISION_DIMS } from './smolvlm-gguf.js';
import { TINY_SMOLVLM_SPEC } from './smolvlm-spec.js';

/** Bump when a generator's output changes, so stale caches are rebuilt. */
export const TINY_GENERATION = 2;
export const TINY_SEED = 1234;

/**
 * The cache key of this generation: the generation number and a hash of the dimensions the
 * generators are given. Each key has its own folder, so a changed generator (or changed dims
 * someone forgot to bump for) gets a new cache entry, and an older checkout sharing the cache
 * keeps its own files instead of fighting over one folder.
 */
export function tinyCacheKey(): string {
  const inputs = JSON.stringify({ seed: TINY_SEED, onnx: TINY_SMOLVLM_SPEC, ggufText: TINY_TEXT_DIMS, ggufVision: TINY_VISION_DIMS });
  return `g${TINY_GENERATION}-${createHash('sha256').update(inputs).digest('hex').slice(0, 10)}`;
}

export type TinyKind = 'tiny-onnx' | 'tiny-gguf' | 'tiny-ocr-easyocr' | 'tiny-ocr-doctr';

export interface TinyFiles {
  onnxDir: string;
  gguf: string;
  mmproj: string;
  easyocr: { detector: string; recognizer: string };
  doctr: { detector: string; recognizer: string };
}

/**
 * Runs a generator once per cache generation; its returned file map is kept beside the files
 * (as paths relative to the folder), so a later run reuses both without regenerating.
 */
async function generateOnce(dir: string, generate: (dir: string) => Promise<Record<string, unknown>>, note?: Note): Promise<Record<string, unknown>> {
  await buildOnce(
    dir,
    tinyCacheKey(),
    async (staging) => {
      const files = await generate(staging);
      writeFileSync(join(staging, 'files.json'), `${JSON.stringify(mapPaths(files, (path) => relative(staging, path) || '.'), null, 2)}\n`);
    },
    note,
  );
  const relativeFiles = JSON.parse(readFileSync(join(dir, 'files.json'), 'utf8')) as Record<string, unknown>;
  return mapPaths(relativeFiles, (path) => resolve(dir, path));
}

function mapPaths(value: Record<string, unknown>, map: (path: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    out[key] = typeof entry === 'string' ? map(entry) : entry && typeof entry === 'object' ? mapPaths(entry as Record<string, unknown>, map) : entry;
  }
  return out;
}

export function tinyDir(kind: TinyKind | 'tiny-ocr', root = modelCacheDir('tiny')): string {
  return join(root, tinyCacheKey(), kind);
}

/** Generates (or reuses, after checking its files) one kind of tiny model and returns its files by role; `note` hears of a repair. */
export async function ensureTiny(kind: TinyKind, root = modelCacheDir('tiny'), note?: Note): Promise<Record<string, string>> {
  switch (kind) {
    case 'tiny-onnx': {
      const files = await generateOnce(tinyDir(kind, root), async (out) => {
        const { writeSmolVlmOnnx } = await import('./smolvlm-onnx.js');
        const { TINY_SMOLVLM_SPEC } = await import('./smolvlm-spec.js');
        await writeSmolVlmOnnx(out, TINY_SMOLVLM_SPEC, { seed: TINY_SEED, dtypes: ['fp32'] });
        return { dir: out };
      }, note);
      return { dir: String(files.dir) };
    }
    case 'tiny-gguf': {
      const files = await generateOnce(tinyDir(kind, root), async (out) => {
        const { writeTinySmolVlmGguf } = await import('./smolvlm-gguf.js');
        const written = await writeTinySmolVlmGguf(out, { seed: TINY_SEED });
        return { gguf: written.gguf, mmproj: written.mmproj };
      }, note);
      return { gguf: String(files.gguf), mmproj: String(files.mmproj) };
    }
    case 'tiny-ocr-easyocr':
    case 'tiny-ocr-doctr': {
      const files = (await generateOnce(tinyDir('tiny-ocr', root), async (out) => {
        const { writeTinyOcrModels } = await import('./ocr-gguf.js');
        return { ...(await writeTinyOcrModels(out, { seed: TINY_SEED })) };
      }, note)) as { easyocr: { detector: string; recognizer: string }; doctr: { detector: string; recognizer: string } };
      const pipeline = kind === 'tiny-ocr-easyocr' ? files.easyocr : files.doctr;
      return { detector: pipeline.detector, recognizer: pipeline.recognizer };
    }
  }
}

export async function makeAllTiny(root = modelCacheDir('tiny'), note?: Note): Promise<TinyFiles> {
  const onnx = await ensureTiny('tiny-onnx', root, note);
  const gguf = await ensureTiny('tiny-gguf', root, note);
  const easyocr = await ensureTiny('tiny-ocr-easyocr', root, note);
  const doctr = await ensureTiny('tiny-ocr-doctr', root, note);
  return {
    onnxDir: onnx.dir as string,
    gguf: gguf.gguf as string,
    mmproj: gguf.mmproj as string,
    easyocr: { detector: easyocr.detector as string, recognizer: easyocr.recognizer as string },
    doctr: { detector: doctr.detector as string, recognizer: doctr.recognizer as string },
  };
}
