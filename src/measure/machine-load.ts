/**
 * Machine load around a measurement: the load average, and the CPU that processes other than the
 * run's own tree used meanwhile (from /proc/stat's busy time less the tree's own CPU time).
 *
 * Why: a run at load average 11 on 2 cores produced latencies from 0.36 to 35.8 s in one cell
 * and a normal-looking results file. Outside load is now recorded per cell, and a run it
 * contaminated says so (results warnings, the report, the regression gate).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { descendantPids } from './memory.js';

/** Outside CPU above this share of the machine (all cores) over a cell contaminates it. */
export const CONTAMINATION_SHARE = 0.25;

export interface MachineSnapshot {
  atMs: number;
  /** 1-minute load average. */
  loadAverage: number | null;
  /** Busy CPU time of the whole machine, clock ticks (user + nice + system + irq + softirq + steal). */
  busyTicks: number | null;
  /** CPU time of the run's own process tree, clock ticks. */
  ownTicks: number;
}

/** Linux's USER_HZ: /proc/stat and /proc/PID/stat count in these. */
const TICKS_PER_SECOND = 100;

function machineBusyTicks(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const [user, nice, system, , , irq, softirq, steal] = fields;
    if ([user, nice, system].some((v) => v === undefined || !Number.isFinite(v))) return null;
    return (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  } catch {
    return null;
  }
}

/** utime + stime of one process, plus the CPU of its children it has already reaped (cutime + cstime). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14).
    return (fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0);
  } catch {
    return 0;
  }
}

export function machineSnapshot(rootPid = process.pid): MachineSnapshot {
  let loadAverage: number | null = null;
  try {
    loadAverage = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    loadAverage = null;
  }
  const ownTicks = [rootPid, ...descendantPids(rootPid)].reduce((sum, pid) => sum + processTicks(pid), 0);
  return { atMs: performance.now(), loadAverage, busyTicks: machineBusyTicks(), ownTicks };
}

export interface MachineLoad {
  /** 1-minute load average at the start and the end. */
  loadAverage: [number | null, number | null];
  /** CPU seconds other processes used meanwhile. */
  otherCpuSeconds: number | null;
  /** That, as a share of the machine's capacity (cores × wall time). */
  otherCpuShare: number | null;
  /** True when otherCpuShare exceeds CONTAMINATION_SHARE. */
  contaminated: boolean;
}

export function machineLoadBetween(start: MachineSnapshot, end: MachineSnapshot, cores = cpus().length): MachineLoad {
  const wallSeconds = (end.atMs - start.atMs) / 1000;
  let otherCpuSeconds: number | null = null;
  let otherCpuShare: number | null = null;
  if (start.busyTicks !== null && end.busyTicks !== null && wallSeconds > 0) {
    // Processes of the tree that exited meanwhile take their CPU with them, so ours can be undercounted, never over.
    const other = end.busyTicks - start.busyTicks - Math.max(0, end.ownTicks - start.ownTicks);
    otherCpuSeconds = Math.max(0, other) / TICKS_PER_SECOND;
    otherCpuShare = otherCpuSeconds / (wallSeconds * Math.max(1, cores));
  }
  return {
    loadAverage: [start.loadAverage, end.loadAverage],
    otherCpuSeconds: otherCpuSeconds === null ? null : Math.round(otherCpuSeconds * 100) / 100,
    otherCpuShare: otherCpuShare === null ? null : Math.round(otherCpuShare * 1000) / 1000,
    contaminated: otherCpuShare !== null && otherCpuShare > CONTAMINATION_SHARE,
  };
}
