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
