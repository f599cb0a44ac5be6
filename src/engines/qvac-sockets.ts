/**
 * @qvac/sdk talks to its Bare worker over a Unix socket it names
 * `qvac-worker-<PID>-<time>-<random>.sock` in the temp folder, PID being the process that started
 * the worker (our engine host). It removes the file on a clean close; a killed host leaves it
 * behind. These are swept away when the next host starts the SDK, and when a host dies.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WORKER_SOCKET = /^qvac-worker-(\d+)-[0-9a-z]+-[0-9a-f]+\.sock$/;

/** Alive, or not ours to judge (EPERM: another user's process). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes worker sockets whose owning process is gone; returns the paths removed. Never throws. */
export function removeStaleWorkerSockets(dir: string = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = WORKER_SOCKET.exec(name);
    if (!match || processExists(Number(match[1]))) continue;
    const path = join(dir, name);
    try {
      if (!lstatSync(path).isSocket()) continue;
      unlinkSync(path);
      removed.push(path);
    } catch {
      // Removed by someone else meanwhile, or not ours to remove.
    }
  }
  return removed;
}
