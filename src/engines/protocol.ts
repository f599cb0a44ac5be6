/** The typed messages between the orchestrator and an engine host process (Node IPC). */
import type { Availability, LoadReport, LoadRequest, RunOutput, RunRequest, TargetId } from './engine.js';
import type { ResidentKinds } from '../measure/memory.js';
import type { ThreadActivity } from '../measure/threads.js';

export type HostRequest =
  | { type: 'availability'; id: number; engine: string; target: TargetId }
  | { type: 'load'; id: number; engine: string; request: LoadRequest }
  | { type: 'run'; id: number; request: RunRequest }
  | { type: 'unload'; id: number }
  | { type: 'shutdown'; id: number };

export interface MemoryPeaks {
  hostPeakRssBytes: number | null;
  workerPeakRssBytes: number | null;
}

export interface MeasuredRun {
  output: RunOutput;
  latencyMs: number;
  ttftMs: number | null;
  tokenTimesMs: number[];
  memory: MemoryPeaks;
  /** Threads that worked and CPU the tree used during the run (null when too short to tell). */
  threads?: ThreadActivity | null;
  residentKinds?: { host: ResidentKinds | null; worker: ResidentKinds | null };
}

export type ErrorKind = 'user' | 'unavailable' | 'engine';

export type HostReply =
  | { type: 'availability'; id: number; availability: Availability }
  | { type: 'loaded'; id: number; report: LoadReport; ms: number; memory: MemoryPeaks; probeMs?: number }
  | { type: 'ran'; id: number; run: MeasuredRun }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; kind: ErrorKind; message: string }
  | { type: 'log'; message: string };
