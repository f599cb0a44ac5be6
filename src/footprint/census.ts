/**
 * How many processes and threads an engine runs: the engine host plus its descendants
 * (QVAC's Bare worker, Chromium…), read from procfs.
 */
import { readFileSync } from 'node:fs';
import { descendantPids } from '../measure/memory.js';
import type { ProcessCensus } from './schema.js';

export const CENSUS_METHOD =
  'procfs at one moment, after load with the model resident: the engine host and every descendant (children from /proc/PID/task/*/children, recursively); ' +
  'processes = that count, threads = the sum of `Threads:` in each /proc/PID/status, commands = each /proc/PID/cmdline (first 160 characters).';

const COMMAND_CHARS = 160;

function threadsOf(pid: number): number | null {
  try {
    const match = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ').slice(0, COMMAND_CHARS);
  } catch {
    return '';
  }
}

/** A process that exits mid-census is left out; a root that is gone gives zeros. */
export function processCensus(rootPid: number): ProcessCensus {
  let processes = 0;
  let threads = 0;
  const commands: string[] = [];
  for (const pid of [rootPid, ...descendantPids(rootPid)]) {
    const count = threadsOf(pid);
    if (count === null) continue;
    processes += 1;
    threads += count;
    commands.push(commandOf(pid));
  }
  return { processes, threads, commands, method: CENSUS_METHOD };
}
