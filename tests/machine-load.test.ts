import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineLoadBetween, machineSnapshot } from '../src/measure/machine-load.js';

/** utime + stime of one process, in clock ticks. */
function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (fields[11] ?? 0) + (fields[12] ?? 0);
}

const burn = () => spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}']);

describe('machine load around a measurement', () => {
  // Asserted against the CPU the processes really got, not the wall time: on a loaded machine a
  // busy loop gets less than a core.
  it('counts CPU used outside the run’s own tree', async () => {
    // The "run" is a sleeping process; a CPU-bound process beside it is outside load.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    const burner = burn();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const burnedBefore = ticksOf(burner.pid as number);
      const start = machineSnapshot(sleeper.pid);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const end = machineSnapshot(sleeper.pid);
      const burned = (ticksOf(burner.pid as number) - burnedBefore) / 100;
      const load = machineLoadBetween(start, end, 2);
      expect(burned).toBeGreaterThan(0.1);
      expect(load.otherCpuSeconds).toBeGreaterThanOrEqual(burned * 0.9);
      expect(load.otherCpuShare).toBeCloseTo((load.otherCpuSeconds as number) / (((end.atMs - start.atMs) / 1000) * 2), 2);
      expect(load.loadAverage[1]).toBeGreaterThanOrEqual(0);
    } finally {
      burner.kill('SIGKILL');
      sleeper.kill('SIGKILL');
    }
  }, 30_000);

  it('does not count the run’s own CPU as outside load', async () => {
    const burner = burn();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Here the burner is the run itself: its CPU is its own, not outside load.
      const start = machineSnapshot(burner.pid);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const end = machineSnapshot(burner.pid);
      const own = end.ownTicks - start.ownTicks;
      expect(own).toBeGreaterThan(10);
      const busy = (end.busyTicks ?? 0) - (start.busyTicks ?? 0);
      const load = machineLoadBetween(start, end, 2);
      expect(load.otherCpuSeconds).toBeCloseTo(Math.max(0, busy - own) / 100, 2);
    } finally {
      burner.kill('SIGKILL');
    }
  }, 30_000);

  it('calls a cell contaminated above a quarter of the machine', () => {
    const at = (ms: number, busy: number, own: number) => ({ atMs: ms, loadAverage: 1, busyTicks: busy, ownTicks: own });
    expect(machineLoadBetween(at(0, 0, 0), at(1000, 100, 0), 2)).toMatchObject({ otherCpuSeconds: 1, otherCpuShare: 0.5, contaminated: true });
    expect(machineLoadBetween(at(0, 0, 0), at(1000, 100, 80), 2)).toMatchObject({ otherCpuSeconds: 0.2, otherCpuShare: 0.1, contaminated: false });
  });
});

describe('a run contaminated by outside load', () => {
  it('carries one warning naming how many cells and the worst share', async () => {
    const { contaminationWarning } = await import('../src/run/assemble.js');
    const cell = (share: number, contaminated: boolean) => ({
      key: { engine: 'e', model: 'm', quant: 'q', target: 'cpu' as const, task: 'ocr' as const, fixture: `f${share}` },
      status: 'ok' as const,
      startedAt: '',
      finishedAt: '',
      warmup: [],
      samples: [],
      machineLoad: { loadAverage: [3, 11] as [number, number], otherCpuSeconds: 9, otherCpuShare: share, contaminated },
    });
    expect(contaminationWarning([cell(0.1, false)])).toBeNull();
    expect(contaminationWarning([cell(0.1, false), cell(0.62, true), cell(0.4, true)])).toMatch(
      /^Outside load contaminated 2 of 3 cells: other processes used up to 62% of the machine while they ran \(load average 3\.0→11\.0 at e\|m\|q\|cpu\|ocr\|f0\.62\)/,
    );
  });
});
