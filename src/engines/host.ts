/**
 * The engine host: a child process that owns exactly one engine and one loaded model,
 * so its memory is its own and a crash costs only its cells. It measures time and
 * memory itself, around the engine call, with nothing else in the process.
 */
import { nowMs } from '../measure/clock.js';
import { resetTreePeaks, treePeaks, treeResidentKinds } from '../measure/memory.js';
import { threadActivity, treeTaskTimes } from '../measure/threads.js';
import { UserError, type Engine } from './engine.js';
import type { ErrorKind, HostReply, HostRequest } from './protocol.js';
import { createEngine } from './registry.js';

let engine: Engine | null = null;

function send(reply: HostReply): void {
  process.send?.(reply);
}

function classify(error: unknown): { kind: ErrorKind; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UserError) return { kind: 'user', message };
  if (message.startsWith('UNAVAILABLE: ')) return { kind: 'unavailable', message: message.slice('UNAVAILABLE: '.length) };
  return { kind: 'engine', message: message.split('\n')[0] ?? message };
}

async function handle(request: HostRequest): Promise<void> {
  try {
    switch (request.type) {
      case 'availability': {
        engine ??= await createEngine(request.engine, request.target);
        send({ type: 'availability', id: request.id, availability: await engine.availability(request.target) });
        return;
      }
      case 'load': {
        engine ??= await createEngine(request.engine, request.request.target);
        resetTreePeaks(process.pid);
        const start = nowMs();
        const report = await engine.load(request.request);
        const ms = nowMs() - start;
        const memory = treePeaks(process.pid);
        // A probe (QVAC's one-token completion) is timed apart, so the load time is the load alone.
        let probeMs: number | undefined;
        if (engine.probe) {
          const probeStart = nowMs();
          const found = await engine.probe();
          probeMs = nowMs() - probeStart;
          Object.assign(report, { ...found, notes: [...report.notes, ...(found.notes ?? [])], engineStats: { ...report.engineStats, ...found.engineStats } });
        }
        send({ type: 'loaded', id: request.id, report, ms, memory, ...(probeMs !== undefined ? { probeMs } : {}) });
        return;
      }
      case 'run': {
        if (!engine) throw new Error('run before load');
        resetTreePeaks(process.pid);
        const tokenTimesMs: number[] = [];
        // Read outside the timed region: procfs reads are the harness's work, not the engine's.
        const cpuBefore = treeTaskTimes(process.pid);
        const start = nowMs();
        const output = await engine.run(request.request, () => {
          tokenTimesMs.push(nowMs() - start);
        });
        const latencyMs = nowMs() - start;
        const threads = threadActivity(cpuBefore, treeTaskTimes(process.pid), latencyMs);
        const memory = treePeaks(process.pid);
        const residentKinds = treeResidentKinds(process.pid);
        if (output.workerPeakRssBytes !== undefined) memory.workerPeakRssBytes = output.workerPeakRssBytes;
        send({ type: 'ran', id: request.id, run: { output, latencyMs, ttftMs: tokenTimesMs[0] ?? null, tokenTimesMs, memory, threads, residentKinds } });
        return;
      }
      case 'unload': {
        await engine?.unload();
        send({ type: 'done', id: request.id });
        return;
      }
      case 'shutdown': {
        await engine?.unload();
        send({ type: 'done', id: request.id });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 50).unref();
        return;
      }
    }
  } catch (error) {
    send({ type: 'error', id: request.id, ...classify(error) });
  }
}

// One request at a time, in order: the orchestrator never pipelines, but a queue keeps it honest.
let queue: Promise<void> = Promise.resolve();
process.on('message', (message: HostRequest) => {
  queue = queue.then(() => handle(message));
});
// The orchestrator going away (crash, Ctrl-C) must not leave this host or its workers behind.
process.on('disconnect', () => {
  void (async () => {
    try {
      await Promise.race([engine?.unload(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    } finally {
      process.exit(0);
    }
  })();
});
process.on('SIGINT', () => {
  // The orchestrator handles Ctrl-C and tells hosts what to do; ignore the terminal's broadcast.
});
