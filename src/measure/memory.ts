/**
 * Process memory from procfs. ONNX Runtime and llama.cpp allocate natively, so only
 * RSS / VmHWM (not the V8 heap) sees them.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

export interface ProcMemory {
  rssBytes: number;
  peakRssBytes: number;
}

function kbField(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/** VmRSS and VmHWM of a process, or null when it is gone (or procfs is absent). */
export function readProcMemory(pid: number): ProcMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = kbField(status, 'VmRSS');
    const peak = kbField(status, 'VmHWM');
    if (rss === null || peak === null) return null;
    return { rssBytes: rss, peakRssBytes: peak };
  } catch {
    return null;
  }
}

/** Direct children of a process, from /proc/PID/task/TID/children. */
export function childPids(pid: number): number[] {
  const children = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        for (const part of text.split(/\s+/)) if (part) children.add(Number(part));
      } catch {
        // The thread ended between readdir and read; its children (if any) are listed elsewhere.
      }
    }
  } catch {
    return [];
  }
  return [...children];
}

/** Every descendant of a process, depth first. */
export function descendantPids(pid: number): number[] {
  const out: number[] = [];
  const stack = childPids(pid);
  while (stack.length > 0) {
    const next = stack.pop() as number;
    out.push(next);
    stack.push(...childPids(next));
  }
  return out;
}

/** Resets VmHWM to the current RSS (writing 5 to clear_refs), so a later read gives a per-phase peak. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie: an exited child waiting to be reaped holds no memory and does no work. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Peak RSS of a process and (summed) of its descendants. Null where not readable. */
export function treePeaks(pid: number): { hostPeakRssBytes: number | null; workerPeakRssBytes: number | null } {
  const host = readProcMemory(pid);
  const descendants = descendantPids(pid);
  let worker: number | null = null;
  for (const child of descendants) {
    const mem = readProcMemory(child);
    if (mem) worker = (worker ?? 0) + mem.peakRssBytes;
  }
  return { hostPeakRssBytes: host?.peakRssBytes ?? null, workerPeakRssBytes: worker };
}

export function resetTreePeaks(pid: number): void {
  resetPeak(pid);
  for (const child of descendantPids(pid)) resetPeak(child);
}

export interface ResidentKinds {
  /** Anonymous memory: heap, and weights a runtime copied in (ONNX Runtime). */
  rssAnonBytes: number;
  /** File-backed pages: mapped files, such as weights llama.cpp maps with mmap. */
  rssFileBytes: number;
  rssShmemBytes: number;
}

/** RssAnon / RssFile / RssShmem of one process, or null when it is gone. */
export function readResidentKinds(pid: number): ResidentKinds | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const anon = kbField(status, 'RssAnon');
    const file = kbField(status, 'RssFile');
    const shmem = kbField(status, 'RssShmem');
    if (anon === null || file === null) return null;
    return { rssAnonBytes: anon, rssFileBytes: file, rssShmemBytes: shmem ?? 0 };
  } catch {
    return null;
  }
}

/**
 * What a process tree's resident memory is made of, host and descendants (summed) apart: a
 * reader can see whether two engines' peaks are the same kind of thing (copied weights count as
 * anonymous memory; mmapped weights as file pages, which the kernel can drop and share).
 */
export function treeResidentKinds(pid: number): { host: ResidentKinds | null; worker: ResidentKinds | null } {
  const host = readResidentKinds(pid);
  const children = descendantPids(pid)
    .map(readResidentKinds)
    .filter((kinds): kinds is ResidentKinds => kinds !== null);
  const worker =
    children.length === 0
      ? null
      : children.reduce((sum, kinds) => ({
          rssAnonBytes: sum.rssAnonBytes + kinds.rssAnonBytes,
          rssFileBytes: sum.rssFileBytes + kinds.rssFileBytes,
          rssShmemBytes: sum.rssShmemBytes + kinds.rssShmemBytes,
        }));
  return { host, worker };
}
