import type { Decoding, TaskId } from './engines/engine.js';

/**
 * Prompts are decided once per task, here, so every engine receives the same text
 * and the results record it once.
 */
export const TASK_PROMPTS: Record<TaskId, string> = {
  caption: 'Describe this image in one sentence.',
  ocr: 'Transcribe all the text in this image exactly. Output only the text.',
};

export const DEFAULT_MAX_NEW_TOKENS: Record<TaskId, number> = {
  caption: 48,
  ocr: 96,
};

export const DEFAULT_SEED = 42;

export function decodingFor(task: TaskId, maxNewTokens?: number): Decoding {
  return { greedy: true, temperature: 0, seed: DEFAULT_SEED, maxNewTokens: maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS[task] };
}
