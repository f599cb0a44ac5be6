import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { machineLoadBetween, machineSnapshot } from '../src/measure/machine-load.js';

describe('machine load around a measurement', () => {
  it('counts CPU used outside the run’s own tree, and calls a busy machine contaminated', async () => {
    // The "run" is a sleeping process; a CPU-bound process beside it is outside load.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const start = machineSnapshot(sleeper.pid);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const load = machineLoadBetween(start, machineSnapshot(sleeper.pid), 2);
      expect(load.otherCpuSeconds).toBeGreaterThan(0.9);
      expect(load.otherCpuShare).toBeGreaterThan(0.3);
      expect(load.contaminated).toBe(true);
      expect(load.loadAverage[1]).toBeGreaterThanOrEqual(0);
    } finally {
      burner.kill('SIGKILL');
      sleeper.kill('SIGKILL');
    }
  }, 30_000);

  it('does not count the run’s own CPU as outside load', async () => {
    const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Here the burner is the run itself: its CPU is its own, not outside load.
      const start = machineSnapshot(burner.pid);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const end = machineSnapshot(burner.pid);
      expect(end.ownTicks - start.ownTicks).toBeGreaterThan(90);
      const load = machineLoadBetween(start, end, 2);
      const busyTotal = ((end.busyTicks ?? 0) - (start.busyTicks ?? 0)) / 100;
      expect(load.otherCpuSeconds).toBeLessThan(busyTotal - 0.9);
    } finally {
      burner.kill('SIGKILL');
    }
  }, 30_000);
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
