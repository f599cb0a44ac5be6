/**
 * The tuning sweep: for each engine, small real runs through the orchestrator (one fixture,
 * a few samples), one per configuration, walking one knob at a time (coordinate descent:
 * each knob is set to its best value before the next is varied). The objective is the
 * median end-to-end latency per sample.
 *
 * What is swept:
 * - transformersjs: dtype (q8, fp32), intra-op threads (1..cores), ONNX Runtime graph
 *   optimisation level (disabled, basic, extended, all);
 * - qvac: quantisation (Q8_0, F32), flash attention (on, off), KV-cache key type (f16, q8_0),
 *   passed as `modelConfig.*` load options. QVAC 0.19.1 cannot set threads (its config schema
 *   rejects the key) nor batch sizes, so those are reported as not swept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskId } from '../engines/engine.js';
import { BUILTIN_FIXTURES_DIR } from '../fixtures/manifest.js';
import { environmentFingerprint } from '../measure/environment.js';
import { catalogEntry } from '../models/catalog.js';
import { DEFAULT_HOST_WARMUP, Orchestrator, type RunOptions } from '../run/orchestrator.js';
import type { Progress } from '../run/progress.js';
import { median } from '../stats/index.js';
import { decideRatioBetweenGroups, SINGLE_PROCESS_BAND } from '../verdict/index.js';
import type { EngineBest, OptionValue, TuneProfile, TuneTrial } from './profile.js';

export interface Knob {
  name: string;
  /** Candidate values; the first is the default. */
  values: OptionValue[];
  /** Where the value goes: the variant's quant, the load's threads, or a load option. */
  kind: 'quant' | 'threads' | 'option';
}

export interface EngineSpace {
  engine: string;
  knobs: Knob[];
  threadsSettable: boolean;
  notSwept: string[];
}

export function searchSpace(engine: string, quants: string[], cores: number): EngineSpace {
  const threads = Array.from({ length: Math.max(1, cores) }, (_, i) => cores - i);
  if (engine === 'transformersjs') {
    return {
      engine,
      threadsSettable: true,
      knobs: [
        { name: 'quant', kind: 'quant', values: quants },
        { name: 'threads', kind: 'threads', values: threads },
        { name: 'graphOptimizationLevel', kind: 'option', values: ['all', 'extended', 'basic', 'disabled'] },
      ],
      notSwept: ['interOpNumThreads (fixed at 1: sequential graphs)', 'execution provider (cpu only here)'],
    };
  }
  if (engine === 'qvac') {
    return {
      engine,
      threadsSettable: false,
      knobs: [
        { name: 'quant', kind: 'quant', values: quants },
        { name: 'modelConfig.flash-attn', kind: 'option', values: ['auto', 'on', 'off'] },
        { name: 'modelConfig.cache-type-k', kind: 'option', values: ['f16', 'q8_0'] },
      ],
      notSwept: ['threads (QVAC 0.19.1 rejects the key; llama.cpp picks its own)', 'batch / ubatch sizes (not exposed)', 'image tiling (cannot be changed for idefics3: always slice + overview)'],
    };
  }
  return { engine, threadsSettable: false, knobs: [{ name: 'quant', kind: 'quant', values: quants }], notSwept: ['everything but the model variant (no tuning knobs known for this engine)'] };
}

export interface TuneOptions {
  engines: string[];
  model: string;
  task: TaskId;
  fixtureId?: string;
  runs: number;
  warmup: number;
  maxNewTokens: number;
  cores?: number;
  offline: boolean;
  progress: Progress;
  log: (line: string) => void;
  profileName: string;
}

interface Config {
  quant: string;
  threads: number;
  options: Record<string, OptionValue>;
}

const describe = (trial: TuneTrial) => `${trial.quant}, ${trial.threads} threads${Object.keys(trial.engineOptions).length ? `, ${Object.entries(trial.engineOptions).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`;

const keyOf = (config: Config) => JSON.stringify([config.quant, config.threads, Object.entries(config.options).sort()]);

async function measure(engine: string, config: Config, options: TuneOptions, resultsRoot: string): Promise<TuneTrial> {
  const runOptions: RunOptions = {
    engines: [engine],
    models: [options.model],
    targets: ['cpu'],
    tasks: [options.task],
    fixturesDir: BUILTIN_FIXTURES_DIR,
    fixtureIds: options.fixtureId ? [options.fixtureId] : undefined,
    limitPerTask: options.fixtureId ? undefined : 1,
    runs: options.runs,
    warmup: options.warmup,
    hostWarmup: DEFAULT_HOST_WARMUP,
    threads: config.threads,
    maxNewTokens: { caption: options.maxNewTokens, ocr: options.maxNewTokens },
    timeoutMs: 300_000,
    loadTimeoutMs: 600_000,
    scheduling: 'sequential',
    offline: options.offline,
    // A speed study of one configuration against another: one frame per image keeps trials short.
    imageBudget: 'single',
    quant: { [engine]: config.quant },
    engineOptions: config.options,
    resultsRoot,
    command: `vlmbench tune (trial ${engine} ${JSON.stringify(config)})`,
  };
  const trial: TuneTrial = { engine, quant: config.quant, threads: config.threads, engineOptions: config.options, medianLatencyMs: null, medianTtftMs: null, medianDecodeTokensPerSec: null, samples: 0, runId: null };
  try {
    const outcome = await new Orchestrator(runOptions, options.progress).run();
    trial.runId = outcome.results.run.id;
    const cells = outcome.results.cells.filter((cell) => cell.key.engine === engine);
    const failed = cells.find((cell) => cell.status !== 'ok');
    if (failed || cells.length === 0) {
      trial.error = failed?.reason ?? 'no cell ran';
      return trial;
    }
    const samples = cells.flatMap((cell) => cell.samples);
    const pick = (f: (s: (typeof samples)[number]) => number | null | undefined) => samples.map(f).filter((v): v is number => typeof v === 'number');
    trial.samples = samples.length;
    trial.latencySamples = pick((s) => s.latencyMs);
    trial.medianLatencyMs = median(pick((s) => s.latencyMs));
    trial.medianTtftMs = pick((s) => s.ttftMs).length ? median(pick((s) => s.ttftMs)) : null;
    trial.medianDecodeTokensPerSec = pick((s) => s.decodeTokensPerSec).length ? median(pick((s) => s.decodeTokensPerSec)) : null;
  } catch (error) {
    trial.error = (error as Error).message.split('\n')[0];
  }
  return trial;
}

/**
 * Whether `candidate` is clearly faster than `incumbent`, decided by src/verdict like every other
 * "A is better than B": each trial is one fresh process, so its samples carry no process-to-process
 * spread, and the candidate must clear the one-process band (±12.5%). A configuration that is not
 * clearly better leaves the incumbent (first of all, the default) in place.
 */
export function clearlyFaster(incumbent: TuneTrial, candidate: TuneTrial): { better: boolean; reason: string } {
  const a = incumbent.latencySamples ?? [];
  const b = candidate.latencySamples ?? [];
  if (candidate.medianLatencyMs === null || b.length === 0) return { better: false, reason: `failed: ${candidate.error ?? 'no samples'}` };
  if (incumbent.medianLatencyMs === null || a.length === 0) return { better: true, reason: 'the incumbent failed' };
  const decision = decideRatioBetweenGroups(a.map(Math.log), b.map(Math.log), 'lower-is-better', { unitKind: 'sample', band: SINGLE_PROCESS_BAND });
  const better = decision.outcome === 'winner' && decision.better === 'b';
  const words = decision.outcome === 'winner' ? (better ? 'clearly faster' : 'clearly slower') : decision.outcome === 'no-clear-difference' ? 'no clear difference' : 'not enough evidence';
  return { better, reason: `${words} than the incumbent (${decision.reason})` };
}

export async function tune(options: TuneOptions): Promise<TuneProfile> {
  const environment = environmentFingerprint();
  const cores = options.cores ?? environment.cpu.physicalCores ?? cpus().length;
  const entry = catalogEntry(options.model);
  const resultsRoot = mkdtempSync(join(tmpdir(), 'vlmbench-tune-'));
  const trials: TuneTrial[] = [];
  const best: Record<string, EngineBest> = {};
  const notSwept: Record<string, string[]> = {};
  try {
    for (const engine of options.engines) {
      const quants = [...new Set(entry.variants.filter((v) => v.engine === engine).map((v) => v.quant))];
      if (quants.length === 0) throw new Error(`model ${options.model} has no ${engine} variant`);
      const space = searchSpace(engine, quants, cores);
      notSwept[engine] = space.notSwept;
      const current: Config = { quant: quants[0] as string, threads: cores, options: {} };
      for (const knob of space.knobs) if (knob.kind === 'option') current.options[knob.name] = knob.values[0] as OptionValue;
      const seen = new Map<string, TuneTrial>();
      const trialFor = async (config: Config): Promise<TuneTrial> => {
        const cached = seen.get(keyOf(config));
        if (cached) return cached;
        options.log(`tune ${engine}: ${config.quant}, ${config.threads} threads${Object.keys(config.options).length ? `, ${Object.entries(config.options).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''} …`);
        const trial = await measure(engine, config, options, resultsRoot);
        options.log(`  → ${trial.medianLatencyMs !== null ? `median ${trial.medianLatencyMs.toFixed(0)} ms (TTFT ${trial.medianTtftMs?.toFixed(0)} ms, decode ${trial.medianDecodeTokensPerSec?.toFixed(1)} tok/s)` : `failed: ${trial.error}`}`);
        seen.set(keyOf(config), trial);
        trials.push(trial);
        return trial;
      };
      const defaultTrial = await trialFor({ ...current, options: { ...current.options } });
      let bestTrial = defaultTrial;
      let bestWhy = 'the default: no other configuration was clearly faster';
      for (const knob of space.knobs) {
        if (knob.kind === 'threads' && !space.threadsSettable) continue;
        for (const value of knob.values) {
          const candidate: Config = { quant: current.quant, threads: current.threads, options: { ...current.options } };
          if (knob.kind === 'quant') candidate.quant = String(value);
          else if (knob.kind === 'threads') candidate.threads = Number(value);
          else candidate.options[knob.name] = value;
          const trial = await trialFor(candidate);
          if (trial === bestTrial) continue;
          const verdict = clearlyFaster(bestTrial, trial);
          trial.decision = verdict.reason;
          options.log(`  ${verdict.better ? 'takes over' : 'stays'}: ${verdict.reason}`);
          if (verdict.better) {
            bestTrial = trial;
            bestWhy = `${describe(trial)}: ${verdict.reason}`;
          }
        }
        current.quant = bestTrial.quant;
        current.threads = bestTrial.threads;
        current.options = { ...bestTrial.engineOptions };
      }
      if (bestTrial.medianLatencyMs === null) throw new Error(`tune ${engine}: every configuration failed (${defaultTrial.error})`);
      best[engine] = {
        quant: bestTrial.quant,
        threads: bestTrial.threads,
        threadsSettable: space.threadsSettable,
        engineOptions: bestTrial.engineOptions,
        medianLatencyMs: bestTrial.medianLatencyMs,
        defaultMedianLatencyMs: defaultTrial.medianLatencyMs,
        decidedBy: bestWhy,
      };
    }
  } finally {
    rmSync(resultsRoot, { recursive: true, force: true });
  }
  return {
    name: options.profileName,
    createdAt: new Date().toISOString(),
    machine: { hostname: hostname(), cpuModel: environment.cpu.model, logicalCores: environment.cpu.logicalCores, physicalCores: environment.cpu.physicalCores },
    model: options.model,
    task: options.task,
    fixture: options.fixtureId ?? '(first fixture of the task)',
    maxNewTokens: options.maxNewTokens,
    objective: `end-to-end latency over ${options.runs} counted runs after ${options.warmup + DEFAULT_HOST_WARMUP} warm-up (each configuration loads afresh in its own process), one fixture, coordinate descent one knob at a time; a configuration replaces the incumbent only when clearly faster (src/verdict: Welch t-test on log latencies, 95% interval beyond the one-process band ±${SINGLE_PROCESS_BAND * 100}%)`,
    best,
    notSwept,
    trials,
  };
}
