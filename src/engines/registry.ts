/**
 * Engines are found by id, as transformers.js finds model classes by type. Modules are
 * imported lazily, inside the host process only, so an engine whose package is absent
 * (e.g. the optional @qvac/sdk) cannot break the others.
 */
import { UserError, type Engine, type TargetId, type TaskId } from './engine.js';

/** What the orchestrator needs to plan without importing an engine (and its heavy package). */
export interface EngineInfo {
  packageName: string;
  tasks: readonly TaskId[];
  targets: readonly TargetId[];
  /** Generates text token by token (a VLM), as opposed to an OCR pipeline that reads text out. */
  generative: boolean;
}

export const ENGINE_INFO: Record<string, EngineInfo> = {
  transformersjs: { packageName: '@huggingface/transformers', tasks: ['caption', 'ocr'], targets: ['cpu', 'gpu', 'browser-wasm', 'browser-webgpu'], generative: true },
  qvac: { packageName: '@qvac/sdk', tasks: ['caption', 'ocr'], targets: ['cpu', 'gpu'], generative: true },
  'qvac-ocr': { packageName: '@qvac/sdk', tasks: ['ocr'], targets: ['cpu', 'gpu'], generative: false },
  tesseract: { packageName: 'tesseract.js', tasks: ['ocr'], targets: ['cpu'], generative: false },
};

type EngineFactory = (target?: TargetId) => Promise<Engine>;

const ENGINES: Record<string, EngineFactory> = {
  // The same engine id on a browser target runs transformers.js inside headless Chromium.
  transformersjs: async (target) =>
    target?.startsWith('browser-')
      ? (await import('./transformersjs-browser.js')).createTransformersJsBrowserEngine()
      : (await import('./transformersjs.js')).createTransformersJsEngine(),
  qvac: async () => (await import('./qvac.js')).createQvacEngine(),
  'qvac-ocr': async () => (await import('./qvac-ocr.js')).createQvacOcrEngine(),
  tesseract: async () => (await import('./tesseract.js')).createTesseractEngine(),
};

export const ENGINE_IDS = Object.keys(ENGINES);

export function assertEngineId(id: string): void {
  if (!(id in ENGINES)) {
    throw new UserError(`unknown engine "${id}" — choose from: ${ENGINE_IDS.join(', ')}`);
  }
}

export async function createEngine(id: string, target?: TargetId): Promise<Engine> {
  assertEngineId(id);
  const engine = await (ENGINES[id] as EngineFactory)(target);
  const info = ENGINE_INFO[id] as EngineInfo;
  // The planner trusts ENGINE_INFO; an engine that disagrees with it would be planned wrongly.
  if (engine.tasks.join() !== info.tasks.join()) throw new Error(`engine ${id} declares tasks ${engine.tasks.join()} but ENGINE_INFO says ${info.tasks.join()}`);
  return engine;
}
