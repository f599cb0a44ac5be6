/**
 * A GPU figure measured on a CPU must never appear. An engine that silently ran elsewhere than
 * the target asked for makes its cells `unavailable`, flagged `fallback`, with the reason.
 */
import type { TargetId } from '../engines/engine.js';

/** What the engine says really ran: the per-run figure (QVAC's backendDevice) wins over the load report. */
export function actualBackend(loadBackend: string | undefined, engineStats: Record<string, number | string> | undefined): string {
  return String(engineStats?.backendDevice ?? loadBackend ?? 'unknown');
}

export function fallbackReason(target: TargetId, requested: string | undefined, actual: string): string | null {
  if (target === 'gpu' && /cpu/i.test(actual)) return `fallback: requested gpu (${requested ?? 'gpu'}) but the engine ran on ${actual}`;
  if (target === 'browser-webgpu' && /wasm|cpu/i.test(actual)) return `fallback: requested WebGPU but the engine ran on ${actual}`;
  return null;
}
