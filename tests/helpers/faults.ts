/**
 * Tools for the fault suite: drive the real CLI, find its engine hosts and QVAC Bare workers by
 * walking /proc from the CLI's PID, strike at seeded-random moments, and check that nothing it
 * started is left behind. Seeded, so a failure names the seed that reproduces it.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mulberry32, type Random } from '../../src/stats/rng.js';
import { descendantPids, isAlive } from '../../src/measure/memory.js';
import { startCli } from './cli.js';

/** The suite's seed: FAULT_SEED=n reproduces a failing draw; the default keeps CI deterministic. */
export const FAULT_SEED = Number(process.env.FAULT_SEED ?? 16);

export function seeded(label: string): { random: Random; seed: number } {
  let hash = FAULT_SEED >>> 0;
  for (const ch of label) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return { random: mulberry32(hash), seed: hash };
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export const isHost = (pid: number): boolean => /engines\/host\.js/.test(commandLine(pid));
export const isWorker = (pid: number): boolean => /(^|\/)bare(\s|$)|bare-runtime/.test(commandLine(pid));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(probe: () => T | null | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export interface LiveRun {
  child: ChildProcess;
  pid: number;
  out: () => string;
  err: () => string;
  /** Every PID ever seen below the CLI, collected while it ran (a killed host's worker is re-parented). */
  seen: Set<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout matches, and returns the match. */
  waitOut(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** This run's processes matching a test (hosts, workers), alive now. */
  find(test: (pid: number) => boolean): number[];
}

export function launch(args: string[], options: { env?: Record<string, string> } = {}): LiveRun {
  const child = startCli(args, options);
  const pid = child.pid as number;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const seen = new Set<number>();
  const census = setInterval(() => {
    for (const descendant of descendantPids(pid)) seen.add(descendant);
  }, 20);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearInterval(census);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pid,
    out: () => stdout,
    err: () => stderr,
    seen,
    exited,
    waitOut: (pattern, timeoutMs = 120_000) => waitFor(() => pattern.exec(stdout), timeoutMs, `${pattern} in the output of vlmbench ${args.join(' ')}\n--- stdout so far:\n${stdout}\n--- stderr:\n${stderr}`),
    find: (test) => {
      const found = descendantPids(pid).filter(test);
      for (const descendant of found) seen.add(descendant);
      return found;
    },
  };
}

/** Every process the run ever started is gone within `graceMs` (hosts that lost the orchestrator exit on their own). */
export async function expectNoOrphans(run: LiveRun, graceMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let alive = [...run.seen].filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  return alive.map((pid) => pid);
}

/** Kills a PID, ignoring one that is already gone. */
export function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
