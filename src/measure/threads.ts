/**
 * Threads that really worked, measured rather than requested: per-thread CPU time from
 * /proc/PID/task/TID/schedstat (nanoseconds: time on a CPU, time waiting on the run queue),
 * read before and after a run for the host and its descendants (QVAC's worker, a browser).
 *
 * Why: @qvac/sdk cannot set llama.cpp's thread count and llama.cpp does not report it through
 * the SDK, so "threads used" must be observed. The same reading works for ONNX Runtime's
 * intra-op pool, so both engines' figures mean the same thing.
 * - A thread counts as active when it was on a CPU for at least ACTIVE_SHARE of the run's wall
 *   time: compute pools are busy for most of a run, helper threads (libuv, GC) barely.
 * - Run-queue wait of the active threads is CPU the engine wanted and did not get: other load
 *   on the machine, or more threads than cores.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { descendantPids } from './memory.js';

/** Share of the run's wall time a thread must spend on a CPU to count as working. */
export const ACTIVE_SHARE = 0.2;
/** Runs shorter than this say little about threads (a few scheduler ticks). */
export const MIN_WALL_MS = 50;

export type TaskTimes = Map<string, { runNs: number; waitNs: number }>;

/** CPU and run-queue time of every thread of a process and its descendants. Missing procfs gives an empty map. */
export function treeTaskTimes(rootPid: number): TaskTimes {
  const times: TaskTimes = new Map();
  for (const pid of [rootPid, ...descendantPids(rootPid)]) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        if (Number.isFinite(run) && Number.isFinite(wait)) times.set(`${pid}/${tid}`, { runNs: run as number, waitNs: wait as number });
      } catch {
        // The thread ended between readdir and read.
      }
    }
  }
  return times;
}

export interface ThreadActivity {
  /** Threads on a CPU for at least ACTIVE_SHARE of the run. */
  activeThreads: number;
  /** CPU time of every thread of the tree during the run, ms. */
  cpuMs: number;
  /** Run-queue wait of the active threads during the run, ms: CPU they were ready for and did not get. */
  runQueueWaitMs: number;
}

/** Null when the run was too short to tell, or procfs gave nothing. */
export function threadActivity(before: TaskTimes, after: TaskTimes, wallMs: number): ThreadActivity | null {
  if (wallMs < MIN_WALL_MS || after.size === 0) return null;
  let activeThreads = 0;
  let cpuNs = 0;
  let waitNs = 0;
  for (const [task, end] of after) {
    const start = before.get(task) ?? { runNs: 0, waitNs: 0 };
    const run = Math.max(0, end.runNs - start.runNs);
    cpuNs += run;
    if (run >= ACTIVE_SHARE * wallMs * 1e6) {
      activeThreads++;
      waitNs += Math.max(0, end.waitNs - start.waitNs);
    }
  }
  return { activeThreads, cpuMs: cpuNs / 1e6, runQueueWaitMs: waitNs / 1e6 };
}
