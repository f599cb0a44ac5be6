/**
 * Start-up cost from timestamps the orchestrator already takes (ms on one monotonic clock).
 */
import type { ColdStart } from './schema.js';

export interface ColdStartTimestamps {
  /** When the host process was spawned. */
  spawnedAt: number;
  /** When the host answered ready (its engine module imported). */
  readyAt: number;
  /** When `load` returned (for QVAC: the Bare worker started and the model loaded). */
  loadedAt: number;
  /** When the first counted or warm-up inference returned. */
  firstResultAt: number;
  /** When model resolution (cache lookup or download) began, if before the spawn. */
  resolveStartedAt?: number;
  /** Whether the model cache held this model before the run; null or absent when unknown. */
  cacheCold?: boolean | null;
}

export const COLD_START_METHOD =
  'Orchestrator clock (performance.now): spawnToReady = host spawn until its ready message; readyToLoaded = ready until load returned ' +
  '(model files opened; for QVAC the Bare worker is spawned and started inside this span); loadedToFirstResult = load until the first inference returned; ' +
  'timeToFirstResult = from model resolution (cache lookup or download) when recorded, else from spawn, until the first inference returned. ' +
  'It is a cold-cache figure only when cacheCold is true.';

function span(from: number, to: number): number {
  return Math.max(0, to - from);
}

export function coldStartFigures(t: ColdStartTimestamps): ColdStart {
  const start = t.resolveStartedAt !== undefined ? Math.min(t.resolveStartedAt, t.spawnedAt) : t.spawnedAt;
  return {
    spawnToReadyMs: span(t.spawnedAt, t.readyAt),
    readyToLoadedMs: span(t.readyAt, t.loadedAt),
    loadedToFirstResultMs: span(t.loadedAt, t.firstResultAt),
    timeToFirstResultMs: span(start, t.firstResultAt),
    cacheCold: t.cacheCold ?? null,
    method: COLD_START_METHOD,
  };
}
