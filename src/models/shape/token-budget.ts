/**
 * Shape-faithful models make end-of-generation unreachable, so every run must generate
 * exactly its token limit; a shorter run means the model or the engine is not what the
 * speed figures assume (decode time would be compared over different token counts).
 */
import type { Synthetic } from '../catalog.js';

/**
 * A one-line reason when a shape-synthetic run of a generative engine (a VLM) did not generate
 * exactly `maxNewTokens`, else null. OCR pipelines (e.g. the generated doctr model, which has the
 * real dimensions) read text out instead of generating it, so the rule never applies to them.
 */
export function tokenBudgetViolation(synthetic: Synthetic, generative: boolean, generatedTokens: number, maxNewTokens: number): string | null {
  if (!generative || synthetic !== 'shape' || generatedTokens === maxNewTokens) return null;
  return `shape-faithful model generated ${generatedTokens} tokens, not the ${maxNewTokens} its unreachable end-of-generation guarantees — the model files or the engine's stopping rule are not what the speed figures assume`;
}
