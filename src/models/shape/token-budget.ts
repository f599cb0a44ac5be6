/**
 * Shape-faithful models make end-of-generation unreachable, so every run must generate
 * exactly its token limit; a shorter run means the model or the engine is not what the
 * speed figures assume (decode time would be compared over different token counts).
 */
import type { Synthetic } from '../catalog.js';

/** A one-line reason when a shape-synthetic run did not generate exactly `maxNewTokens`, else null. */
export function tokenBudgetViolation(synthetic: Synthetic, generatedTokens: number, maxNewTokens: number): string | null {
  if (synthetic !== 'shape' || generatedTokens === maxNewTokens) return null;
  return `shape-faithful model generated ${generatedTokens} tokens, not the ${maxNewTokens} its unreachable end-of-generation guarantees — the model files or the engine's stopping rule are not what the speed figures assume`;
}
