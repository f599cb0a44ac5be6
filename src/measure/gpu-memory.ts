/**
 * GPU memory used by an engine's processes, peak over a run, where nvidia-smi exists.
 * Polled from the orchestrator so the engine process itself does no extra work.
 */
import { execFile } from 'node:child_process';

function queryComputeApps(): Promise<Map<number, number> | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { timeout: 2000 }, (error, stdout) => {
      if (error) {
        resolve(null);
        return;
      }
      const usage = new Map<number, number>();
      for (const line of stdout.split('\n')) {
        const [pid, mib] = line.split(',').map((part) => Number(part.trim()));
        if (Number.isFinite(pid) && Number.isFinite(mib)) usage.set(pid as number, (mib as number) * 1024 * 1024);
      }
      resolve(usage);
    });
  });
}

let available: boolean | null = null;

/** Whether nvidia-smi answers here; asked once per process. */
export async function nvidiaSmiAvailable(): Promise<boolean> {
  available ??= (await queryComputeApps()) !== null;
  return available;
}

export interface GpuMemorySampler {
  /** Peak bytes summed over the given processes while sampling, or null when nvidia-smi is absent. */
  stop(): Promise<number | null>;
}

export async function startGpuMemorySampler(pids: () => number[], intervalMs = 250): Promise<GpuMemorySampler> {
  if (!(await nvidiaSmiAvailable())) return { stop: async () => null };
  let peak = 0;
  let running = true;
  const poll = async () => {
    const usage = await queryComputeApps();
    if (!usage) return;
    const wanted = new Set(pids());
    let total = 0;
    for (const [pid, bytes] of usage) if (wanted.has(pid)) total += bytes;
    peak = Math.max(peak, total);
  };
  const loop = (async () => {
    while (running) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await poll();
      await loop;
      return peak;
    },
  };
}

/** For tests: forget the cached answer (e.g. after changing PATH). */
export function resetGpuProbe(): void {
  available = null;
}
