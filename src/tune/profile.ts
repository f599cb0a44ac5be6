/**
 * Tuning profiles: the best configuration `vlmbench tune` found per engine on this machine,
 * saved as JSON under the cache (`<cache>/profiles/<name>.json`), and read back by
 * `vlmbench run --profile <name>`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { cacheRoot } from '../models/cache.js';

export type OptionValue = string | number | boolean;

/** One configuration of one engine that the sweep measured. */
export interface TuneTrial {
  engine: string;
  quant: string;
  threads: number;
  engineOptions: Record<string, OptionValue>;
  /** Median end-to-end latency per sample, ms; null when the configuration failed. */
  medianLatencyMs: number | null;
  medianTtftMs: number | null;
  medianDecodeTokensPerSec: number | null;
  samples: number;
  /** Every counted latency, ms: what the decision between configurations tests. */
  latencySamples?: number[];
  /** Against the configuration that was best when this one ran: the verdict module's decision, in words. */
  decision?: string;
  runId: string | null;
  error?: string;
}

export interface EngineBest {
  quant: string;
  /** Threads the engine was measured with (QVAC cannot set them: it records the request only). */
  threads: number;
  threadsSettable: boolean;
  engineOptions: Record<string, OptionValue>;
  medianLatencyMs: number;
  /** The default configuration's median, for "tuning bought n%". */
  defaultMedianLatencyMs: number | null;
  /** Why this configuration is the best: the default, or clearly faster than the one it replaced. */
  decidedBy?: string;
}

export interface TuneProfile {
  name: string;
  createdAt: string;
  machine: { hostname: string; cpuModel: string; logicalCores: number; physicalCores: number | null };
  model: string;
  task: string;
  fixture: string;
  maxNewTokens: number;
  objective: string;
  best: Record<string, EngineBest>;
  /** What the sweep could not vary, per engine. */
  notSwept: Record<string, string[]>;
  trials: TuneTrial[];
}

/** What `vlmbench run --profile` applies. */
export interface RunProfile {
  /** Threads for the engines that can set them (one value, as run's --threads). */
  threads?: number;
  quant?: Record<string, string>;
  engineOptions?: Record<string, Record<string, OptionValue>>;
  /** The full profile, so the report can state each engine's configuration and that it is the tuned best. */
  source: { path: string; name: string; createdAt: string; model: string; best: TuneProfile['best'] };
}

export function profilePath(name: string): string {
  if (name.endsWith('.json') || isAbsolute(name)) return name;
  return join(cacheRoot(), 'profiles', `${name}.json`);
}

export function saveProfile(profile: TuneProfile, path = profilePath(profile.name)): string {
  mkdirSync(dirname(path), { recursive: true });
  const staging = `${path}.tmp-${process.pid}`;
  writeFileSync(staging, `${JSON.stringify(profile, null, 2)}\n`);
  renameSync(staging, path);
  return path;
}

export function readProfile(name: string): TuneProfile {
  const path = profilePath(name);
  if (!existsSync(path)) throw new Error(`no tuning profile "${name}" at ${path} — run "vlmbench tune" first`);
  const profile = JSON.parse(readFileSync(path, 'utf8')) as TuneProfile;
  if (!profile.best || typeof profile.best !== 'object') throw new Error(`${path} is not a vlmbench tuning profile (no "best")`);
  return profile;
}

/** The settings a run takes from a profile. Threads: the tuned value of the engines that can set them. */
export function loadProfile(name: string): RunProfile {
  const path = profilePath(name);
  const profile = readProfile(name);
  const quant: Record<string, string> = {};
  const engineOptions: Record<string, Record<string, OptionValue>> = {};
  const settableThreads: number[] = [];
  for (const [engine, best] of Object.entries(profile.best)) {
    quant[engine] = best.quant;
    if (Object.keys(best.engineOptions).length > 0) engineOptions[engine] = { ...best.engineOptions };
    if (best.threadsSettable) settableThreads.push(best.threads);
  }
  return {
    threads: settableThreads.length > 0 ? Math.max(...settableThreads) : undefined,
    quant,
    engineOptions,
    source: { path, name: profile.name, createdAt: profile.createdAt, model: profile.model, best: profile.best },
  };
}
