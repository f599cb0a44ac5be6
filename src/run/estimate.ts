/**
 * How long a planned run will take, from what this machine measured before: every finished run
 * remembers, per (machine, engine, model, quant, task), its median run time and load time in
 * `<cache>/timing-memo.json`. A run prints its plan and this estimate before it starts; with no
 * earlier figure for some part of the plan it says so instead of guessing.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheRoot } from '../models/cache.js';
import { writeFileAtomic } from '../results/io.js';
import type { Results } from '../results/schema.js';
import { median } from '../stats/index.js';

interface MemoEntry {
  medianRunMs: number;
  medianLoadMs: number | null;
  measuredAt: string;
}

type Memo = Record<string, MemoEntry>;

export function memoPath(): string {
  return join(cacheRoot(), 'timing-memo.json');
}

function machineKey(cpuModel: string): string {
  return `${hostname()}|${cpuModel}`;
}

export function timingKey(cpuModel: string, engine: string, model: string, quant: string, task: string): string {
  return [machineKey(cpuModel), engine, model, quant, task].join('|');
}

function readMemo(): Memo {
  try {
    return existsSync(memoPath()) ? (JSON.parse(readFileSync(memoPath(), 'utf8')) as Memo) : {};
  } catch {
    // A damaged memo only costs the estimate.
    return {};
  }
}

/** Remembers this run's medians for later estimates; never fails the run. */
export function rememberTimings(results: Results): void {
  const memo = readMemo();
  const groups = new Map<string, { runs: number[]; loads: number[] }>();
  for (const cell of results.cells) {
    if (cell.status !== 'ok') continue;
    const key = timingKey(results.environment.cpu.model, cell.key.engine, cell.key.model, cell.key.quant, cell.key.task);
    const group = groups.get(key) ?? { runs: [], loads: [] };
    group.runs.push(...cell.samples.map((sample) => sample.latencyMs));
    if (cell.load && !cell.load.shared) group.loads.push(cell.load.ms);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    if (group.runs.length === 0) continue;
    memo[key] = { medianRunMs: median(group.runs), medianLoadMs: group.loads.length ? median(group.loads) : null, measuredAt: results.run.finishedAt };
  }
  try {
    mkdirSync(dirname(memoPath()), { recursive: true });
    writeFileAtomic(memoPath(), `${JSON.stringify(memo, null, 2)}\n`);
  } catch {
    // An unwritable cache only costs later estimates.
  }
}

export interface PlannedWork {
  engine: string;
  model: string;
  quant: string;
  task: string;
  /** Runs of this (engine, model, quant, task), warm-ups included. */
  runs: number;
  /** Model loads it needs (one per process). */
  loads: number;
}

/** The estimated wall time in ms, or null with what is missing. */
export function estimateMs(cpuModel: string, work: PlannedWork[]): { ms: number } | { missing: string[] } {
  const memo = readMemo();
  let ms = 0;
  const missing: string[] = [];
  for (const item of work) {
    const entry = memo[timingKey(cpuModel, item.engine, item.model, item.quant, item.task)];
    if (!entry) {
      missing.push(`${item.engine} ${item.model} ${item.quant} ${item.task}`);
      continue;
    }
    ms += item.runs * entry.medianRunMs + item.loads * (entry.medianLoadMs ?? 0);
  }
  return missing.length > 0 ? { missing: [...new Set(missing)] } : { ms };
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}
