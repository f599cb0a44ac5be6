/**
 * One writer per run: `results/<run-id>/run.lock` names the process that is measuring the run.
 * Two `--resume` of the same run would measure the same cells at once, each slowing the other
 * down, so the second is refused. A lock whose process is gone (a kill -9, a crash, a lost
 * machine) is stale and is taken over, with a note.
 *
 * Taking the lock (checking the owner, removing a stale lock, linking our own into place) happens
 * under a second, short-lived lock (`run.lock.acquiring`, made with O_EXCL), so of processes that
 * race only one gets the run, and the one that took over a stale lock is the one that holds it.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, openSync, closeSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engines/engine.js';
import { isAlive } from '../measure/memory.js';

export const LOCK_FILE = 'run.lock';
/** An acquiring lock older than this was left by a process that died while taking the run's lock. */
const ACQUIRING_STALE_MS = 10_000;

interface LockOwner {
  pid: number;
  /** The owner's start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused PID apart. */
  startTicks: number | null;
  hostname: string;
  startedAt: string;
  token: string;
}

export interface RunLock {
  path: string;
  release(): void;
}

/** Field 22 of /proc/PID/stat, or null where procfs is absent. */
function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

function readOwner(path: string): LockOwner | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.token === 'string') {
      return { pid: owner.pid, startTicks: owner.startTicks ?? null, hostname: owner.hostname ?? '', startedAt: owner.startedAt ?? '?', token: owner.token };
    }
  } catch {
    // A lock is written whole before it is linked into place; anything else was not written by vlmbench.
  }
  return 'unreadable';
}

/** Whether the owner may still be writing: on another machine we cannot tell, so we assume it is. */
function ownerAlive(owner: LockOwner): boolean {
  if (owner.hostname && owner.hostname !== hostname()) return true;
  if (!isAlive(owner.pid)) return false;
  const ticks = startTicks(owner.pid);
  return owner.startTicks === null || ticks === null || ticks === owner.startTicks;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** Takes the short-lived lock that serialises acquisitions; false while another process holds it. */
function enterAcquiring(path: string): number | null {
  try {
    return openSync(path, 'wx');
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw error;
    try {
      // Left by a process that died in the middle of acquiring.
      if (Date.now() - statSync(path).mtimeMs > ACQUIRING_STALE_MS) unlinkSync(path);
    } catch {
      // Gone already: its holder finished.
    }
    return null;
  }
}

/**
 * Takes the run's lock, or throws a UserError naming the process that holds it. The lock is
 * released by `release()` and, as a last resort, when this process exits.
 */
export async function acquireRunLock(runDir: string, note: (message: string) => void = () => {}): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  const acquiring = `${path}.acquiring`;
  const owner: LockOwner = { pid: process.pid, startTicks: startTicks(process.pid), hostname: hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const staging = `${path}.${process.pid}.${owner.token}`;
  writeFileSync(staging, `${JSON.stringify(owner)}\n`);
  try {
    for (let attempt = 0; attempt < 2000; attempt++) {
      const fd = enterAcquiring(acquiring);
      if (fd === null) {
        await sleep(10);
        continue;
      }
      try {
        const current = readOwner(path);
        if (current !== 'missing') {
          if (current !== 'unreadable' && ownerAlive(current)) {
            throw new UserError(
              `run ${runDir} is being written by process ${current.pid}${current.hostname && current.hostname !== hostname() ? ` on ${current.hostname}` : ''} (since ${current.startedAt}) — wait for it to finish or stop it; two processes measuring one run would slow each other down. If that process is really gone, delete ${path}`,
            );
          }
          unlinkSync(path);
          note(current === 'unreadable' ? `${path} was not a valid lock; replaced it` : `taking over the stale lock ${path}: process ${current.pid} (started ${current.startedAt}) is gone`);
        }
        linkSync(staging, path);
        return held(path, owner.token);
      } finally {
        closeSync(fd);
        unlinkSync(acquiring);
      }
    }
    throw new UserError(`could not take the lock ${path}: another process kept ${acquiring} for too long — run one resume at a time`);
  } finally {
    try {
      unlinkSync(staging);
    } catch {
      // already gone
    }
  }
}

function held(path: string, token: string): RunLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const current = readOwner(path);
    // Only our own lock: never remove one another process took over.
    if (current !== 'missing' && current !== 'unreadable' && current.token === token) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', release);
  return { path, release };
}
