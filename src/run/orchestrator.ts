/**
 * The orchestrator: plans cells, keeps one engine host per (engine, model, target) alive,
 * schedules runs (interleaved by default), journals every finished cell, and never loads a
 * model itself. Any failure costs at most the cell it hit.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { LoadReport, ResolvedModel, TargetId, TaskId } from '../engines/engine.js';
import { UserError } from '../engines/engine.js';
import { DEFAULT_IMAGE_BUDGET, type ImageBudget } from '../engines/image-budget.js';
import { ENGINE_INFO, assertEngineId } from '../engines/registry.js';
import { BUILTIN_FIXTURES_DIR, inspectImage, loadManifest, type LoadedFixture } from '../fixtures/manifest.js';
import { isoNow, nowMs } from '../measure/clock.js';
import { REPO_ROOT, TOOL_VERSION, environmentFingerprint, packageVersion, thermalSnapshot } from '../measure/environment.js';
import { detectOffline } from '../measure/network.js';
import { measureBandwidth } from '../measure/bandwidth.js';
import { NetworkAuditor } from '../measure/network-audit/auditor.js';
import type { HostAudit, HostAuditInfo } from '../measure/network-audit/host-audit.js';
import { tokenBudgetViolation } from '../models/shape/token-budget.js';
import { processCensus } from '../footprint/census.js';
import { coldStartFigures } from '../footprint/cold-start.js';
import { collectFootprint, type FootprintInput } from '../footprint/collect.js';
import type { ProcessCensus } from '../footprint/schema.js';
import { startGpuMemorySampler } from '../measure/gpu-memory.js';
import { descendantPids } from '../measure/memory.js';
import type { MemoryPeaks } from '../engines/protocol.js';
import { expandModelIds } from '../models/catalog.js';
import { resolveVariant } from '../models/resolve.js';
import { DOWNLOAD_IN_LOAD_FLAG, DOWNLOAD_IN_LOAD_STAT } from '../models/qvac-registry.js';
import { runFolder, writeResults } from '../results/io.js';
import { cellKeyId, type Cell, type ModelRecord, type Results, type Sample, type Settings } from '../results/schema.js';
import { TASK_PROMPTS, decodingFor } from '../tasks.js';
import { assembleResults } from './assemble.js';
import { HostClient, HostError, isRetryableLoadFailure } from './host-client.js';
import { acquireRunLock, type RunLock } from './lock.js';
import { Journal, readJournal, type JournalContents, type JournalHeader } from './journal.js';
import type { JournaledCell } from './merge-parts.js';
import { accuracyPass, DEFAULT_PERF_FIXTURES_PER_TASK, isTwoPass, maxRounds, narrowEnough, performanceRound, performanceSubset, type Pass } from './passes.js';
import { estimateMs, formatDuration, rememberTimings, type PlannedWork } from './estimate.js';
import { machineLoadBetween, machineSnapshot } from '../measure/machine-load.js';
import { cellKey, countCells, makePlan, plannedRuns, type Block, type HostPlan } from './plan.js';
import type { Progress } from './progress.js';
import { cellOutput, cellStats, toSample } from './measure-cell.js';
import { actualBackend, fallbackReason } from './fallback.js';
import { PreparedImages, type FedImage } from './prepared-images.js';

export interface RunOptions {
  engines: string[];
  models: string[];
  targets: TargetId[];
  tasks: TaskId[];
  fixturesDir: string;
  fixtureIds?: string[];
  limitPerTask?: number;
  runs: number;
  warmup: number;
  /** Extra uncounted runs by a freshly loaded host on its first fixture, before that cell's own warm-up. */
  hostWarmup: number;
  /** Fresh-process rounds of the performance pass (src/run/passes.ts); 1: a single pass. */
  processes?: number;
  /** Fixtures per task in the performance pass. */
  perfFixturesPerTask?: number;
  /** Time budget of the whole run (performance rounds stop when it would be overspent). */
  budgetMs?: number;
  minTimeMs?: number;
  threads: number;
  maxNewTokens: Record<TaskId, number>;
  timeoutMs: number;
  loadTimeoutMs: number;
  scheduling: 'interleaved' | 'sequential';
  cooldownMs?: number;
  offline: boolean;
  /** Run model files that are not shown to be the catalog's checkpoint, marked unverified. */
  allowUnverified?: boolean;
  /** How many frames each vision engine encodes per image (src/engines/image-budget.ts). */
  imageBudget: ImageBudget;
  /** Only in settings recorded before --image-budget; carried so a recorded run's settings round-trip. */
  imageSplitting?: boolean;
  quant?: Record<string, string>;
  localPaths?: Record<string, Record<string, string>>;
  resultsRoot: string;
  /** run --out: the run's files go in this folder, flat, instead of resultsRoot/<run-id>. */
  outDir?: string;
  command: string;
  /** Resume this run id instead of starting a new one. */
  resume?: string;
  /** Safety cap when --min-time keeps asking for runs. */
  maxRuns?: number;
  /** Extra options passed to every engine's load (e.g. cdpUrl for browser targets). */
  engineOptions?: Record<string, string | number | boolean>;
  /** Options for one engine only (a tuned profile's runtime settings). */
  engineOptionsByEngine?: Record<string, Record<string, string | number | boolean>>;
  /** The tuned profile the settings came from, recorded so the report can say so. */
  profile?: { name: string; source: unknown };
  /** Measure the memory-bandwidth ceiling before the run (for the roofline). */
  bandwidth?: boolean;
  /** The noise band of the run's ratio verdicts (src/verdict/band.ts); absent: the default. */
  noiseBand?: number;
  /** Run every engine host in a namespace that refuses every destination, with a capture (src/measure/network-audit). */
  networkAudit?: boolean;
}

/**
 * Warm-up a freshly loaded host gets before its first cell's own warm-up. With the shape-faithful
 * 256M model, transformers.js's 2nd call after a load ran 14–46% slower than its 4th and 5th, and
 * its 3rd up to 17% (32 processes of a bench:overhead run with 1 warm-up, 2026-11-24); QVAC's did
 * not. One warm-up per cell is enough once a host has settled, so the extra runs are paid once
 * per load, not once per cell.
 */
export const DEFAULT_HOST_WARMUP = 2;

export interface RunOutcome {
  results: Results;
  resultsPath: string;
  runDir: string;
  interrupted: boolean;
}


/** Where a run's journal, results and captures go: the --out folder, or resultsRoot/<run-id>. */
export function runDirOf(options: Pick<RunOptions, 'resultsRoot' | 'outDir'>, runId: string): string {
  return options.outDir ?? runFolder(options.resultsRoot, runId);
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

interface LiveHost {
  plan: HostPlan;
  model: ResolvedModel;
  client: HostClient | null;
  load: { report: LoadReport; ms: number; memory: MemoryPeaks; probeMs?: number } | null;
  cellsSinceLoad: number;
  unavailable: string | null;
  failed: string | null;
  /** Set when the host crashed or hung on a cell: the next cell gets a fresh process and load. */
  needsRestart: boolean;
  flags: string[];
  /** First start only: spawn → ready → loaded → first result, on the orchestrator's clock. */
  coldStart: { spawnedAt: number; readyAt?: number; loadedAt?: number; firstResultAt?: number } | null;
  census: ProcessCensus | null;
  /** run --network-audit: this host's namespace, capture and per-cell attempts. */
  audit: HostAudit | null;
  downloads: string[];
}

interface CellProgress {
  startedAt: string;
  warmup: Sample[];
  samples: Sample[];
  texts: string[];
  /** The decoding settings the engine reported it passed (the same on every run of a cell). */
  decodingApplied?: Record<string, string | number | boolean>;
  elapsedMs: number;
  error: string | null;
}

export function settingsFrom(options: RunOptions, fixturesDir: string): Settings {
  return {
    engines: options.engines,
    models: options.models,
    targets: options.targets,
    tasks: options.tasks,
    fixturesDir,
    runs: options.runs,
    warmup: options.warmup,
    hostWarmup: options.hostWarmup,
    processes: options.processes,
    perfFixturesPerTask: options.perfFixturesPerTask,
    budgetMs: options.budgetMs,
    minTimeMs: options.minTimeMs,
    threads: options.threads,
    maxNewTokens: options.maxNewTokens,
    timeoutMs: options.timeoutMs,
    scheduling: options.scheduling,
    cooldownMs: options.cooldownMs,
    offline: options.offline,
    networkAudit: options.networkAudit,
    imageSplitting: options.imageSplitting,
    imageBudget: options.imageBudget,
    engineOptions: options.engineOptions,
    quant: options.quant,
    profile: options.profile?.name,
    engineOptionsByEngine: options.engineOptionsByEngine,
    noiseBand: options.noiseBand,
  };
}

/** The settings-derived fields of RunOptions: the inverse of settingsFrom. */
export type OptionsFromSettings = Omit<RunOptions, 'fixtureIds' | 'limitPerTask' | 'loadTimeoutMs' | 'localPaths' | 'resultsRoot' | 'outDir' | 'command' | 'resume' | 'maxRuns' | 'profile' | 'bandwidth'>;

/**
 * What --resume re-runs with: the recorded settings turned back into options, kept beside
 * settingsFrom so that a new setting is added to both at once (tests/resume-settings.test.ts
 * round-trips them). The profile's name is not needed back: the journal header keeps it.
 */
export function optionsFromSettings(settings: Settings): OptionsFromSettings {
  return {
    engines: settings.engines,
    models: settings.models,
    targets: settings.targets,
    tasks: settings.tasks,
    fixturesDir: settings.fixturesDir,
    runs: settings.runs,
    warmup: settings.warmup,
    // Runs recorded before this setting existed had no extra warm-up after a load.
    hostWarmup: settings.hostWarmup ?? 0,
    processes: settings.processes,
    perfFixturesPerTask: settings.perfFixturesPerTask,
    budgetMs: settings.budgetMs,
    minTimeMs: settings.minTimeMs,
    threads: settings.threads,
    maxNewTokens: settings.maxNewTokens as Record<TaskId, number>,
    timeoutMs: settings.timeoutMs,
    scheduling: settings.scheduling,
    cooldownMs: settings.cooldownMs,
    offline: settings.offline,
    networkAudit: settings.networkAudit,
    imageSplitting: settings.imageSplitting,
    // Runs recorded before --image-budget are refused by --resume (src/commands/run.ts).
    imageBudget: settings.imageBudget ?? DEFAULT_IMAGE_BUDGET,
    engineOptions: settings.engineOptions,
    quant: settings.quant,
    engineOptionsByEngine: settings.engineOptionsByEngine,
    noiseBand: settings.noiseBand,
  };
}

/** The fixtures a run covers: the manifest (hash-checked) filtered by task, ids and --limit. */
export async function selectFixtures(
  options: Pick<RunOptions, 'fixturesDir' | 'tasks' | 'fixtureIds' | 'limitPerTask'>,
): Promise<{ fixtures: LoadedFixture[]; manifestSha256: string; dir: string }> {
  const manifest = await loadManifest(options.fixturesDir, { allowUnknownCategories: resolve(options.fixturesDir) !== BUILTIN_FIXTURES_DIR });
  let fixtures = manifest.items.filter((item) => options.tasks.includes(item.task));
  if (options.fixtureIds?.length) {
    const known = new Set(manifest.items.map((item) => item.id));
    for (const id of options.fixtureIds) if (!known.has(id)) throw new UserError(`unknown fixture "${id}" in ${manifest.dir} — see "vlmbench fixtures list"`);
    fixtures = fixtures.filter((item) => options.fixtureIds?.includes(item.id));
  }
  if (options.limitPerTask !== undefined) {
    const seen: Record<string, number> = {};
    fixtures = fixtures.filter((item) => (seen[item.task] = (seen[item.task] ?? 0) + 1) <= (options.limitPerTask as number));
  }
  if (fixtures.length === 0) throw new UserError(`no fixtures selected from ${manifest.dir} for tasks ${options.tasks.join(',')} — check --tasks / --fixture`);
  return { fixtures, manifestSha256: manifest.manifestSha256, dir: manifest.dir };
}

/** The journal's first line: everything about a run that is known before its first cell. */
export function newRunHeader(runId: string, options: RunOptions, selected: { fixtures: LoadedFixture[]; manifestSha256: string; dir: string }): JournalHeader {
  return {
    schemaVersion: 1,
    tool: { name: 'vlmbench', version: TOOL_VERSION },
    run: { id: runId, command: options.command, startedAt: isoNow(), settings: settingsFrom(options, selected.dir) },
    environment: environmentFingerprint(),
    models: [],
    fixtures: { manifestSha256: selected.manifestSha256, dir: selected.dir, items: selected.fixtures.map(({ imagePath: _imagePath, ...record }) => record) },
    prompts: Object.fromEntries(options.tasks.map((task) => [task, TASK_PROMPTS[task]])),
  };
}

export class Orchestrator {
  private interrupted = false;
  private readonly census: NonNullable<FootprintInput['census']> = [];
  private readonly coldStarts: NonNullable<FootprintInput['coldStart']> = [];
  private readonly startedAtMs = nowMs();
  private readonly live = new Set<HostClient>();
  /** Aborted by interrupt(): stops a model download within seconds, keeping its .partial file. */
  private readonly abort = new AbortController();
  private journal!: Journal;
  private audit: NetworkAuditor | null = null;
  private prepared!: PreparedImages;
  /** Each fixture's image size, from its check before the first run. */
  private readonly imageSizes = new Map<string, { width: number; height: number }>();

  constructor(
    private readonly options: RunOptions,
    private readonly progress: Progress,
  ) {}

  /** Ctrl-C: stop scheduling, kill every host tree now; the journal already holds every finished cell. */
  interrupt(): void {
    this.interrupted = true;
    this.abort.abort();
    for (const client of this.live) client.kill();
  }

  /** The run being measured, once known (for the resume hint and partial results after a second Ctrl-C). */
  runId: string | null = null;
  private lock: RunLock | null = null;

  async run(): Promise<RunOutcome> {
    try {
      return await this.measure();
    } finally {
      this.lock?.release();
    }
  }

  /** One process per run: a second writer is refused, a dead one's lock is taken over with a note. */
  private async lockRun(runId: string): Promise<void> {
    this.runId = runId;
    this.lock = await acquireRunLock(runDirOf(this.options, runId), (message) => this.progress.note(message));
  }

  private async measure(): Promise<RunOutcome> {
    const options = this.options;
    for (const engine of options.engines) assertEngineId(engine);
    const models = expandModelIds(options.models);
    const { fixtures, manifestSha256, dir } = await selectFixtures(options);

    let runId: string;
    let journaled: JournaledCell[] = [];
    let header: JournalHeader;
    let resolved = new Map<string, { model: ResolvedModel; record: ModelRecord }>();
    /** Cells the journal already holds for one part (a pass or a process round). */
    const doneIn = (part: string | undefined, entries: JournaledCell[] = journaled) =>
      new Set(entries.filter((entry) => entry.part === part).map((entry) => cellKeyId(entry.cell.key)));
    const blocksFor = (pass: Pass, entries: JournaledCell[] = journaled) =>
      makePlan({ engines: options.engines, models, targets: options.targets, tasks: options.tasks, fixtures: pass.fixtures, quant: options.quant, skip: doneIn(pass.part, entries) });
    const single: Pass = { fixtures, runs: options.runs, warmup: options.warmup, reverseLoadOrder: false };

    if (options.resume) {
      runId = options.resume;
      const journalPath = join(runDirOf(options, runId), 'journal.jsonl');
      const previous = readJournal(journalPath);
      await this.lockRun(runId);
      header = previous.header;
      journaled = readJournal(journalPath).parts;
      this.journal = new Journal(journalPath, (message) => this.progress.note(message));
      const partsMeasured = journaled.filter((entry) => entry.part !== undefined).length;
      this.progress.note(
        partsMeasured === 0 ? `resuming ${runId}: ${journaled.length} cells already measured` : `resuming ${runId}: ${partsMeasured} cell parts (passes and process rounds) already measured`,
      );
    } else {
      runId = newRunId();
      this.journal = new Journal(join(runDirOf(options, runId), 'journal.jsonl'), (message) => this.progress.note(message));
      await this.lockRun(runId);
      header = newRunHeader(runId, options, { fixtures, manifestSha256, dir });
      // Recorded, not assumed: the claims about working offline read this.
      header.environment.extra = { ...(header.environment.extra ?? {}), network: await detectOffline() };
      if (options.bandwidth) {
        this.progress.note('measuring memory bandwidth (triad over buffers far larger than the cache)…');
        header.environment.extra.memoryBandwidth = await measureBandwidth();
      }
      if (options.profile) header.extra = { ...(header.extra ?? {}), profile: options.profile };
    }

    this.prepared = new PreparedImages(join(options.resultsRoot, runId, 'prepared-images'));
    this.progress.note(`run ${runId}: journal ${this.journal.path}`);
    if (options.networkAudit) {
      this.audit = await NetworkAuditor.start(runDirOf(options, runId), {
        previous: options.resume ? readJournal(this.journal.path).extra.networkAudit : undefined,
        note: (line) => this.progress.note(line),
      });
      const line = this.audit.statusLine();
      if (line) this.progress.note(line);
    }
    const twoPass = isTwoPass({ processes: options.processes ?? 1, budgetMs: options.budgetMs });
    // Resolve every model the plan needs before any host starts, so an offline hub fails in seconds.
    const blocks = blocksFor(single, twoPass ? [] : journaled);
    for (const block of blocks) {
      for (const host of block.hosts) {
        const key = `${host.entry.id}|${host.engine}|${host.variant.quant}`;
        if (resolved.has(key)) continue;
        const resolution = await resolveVariant(host.entry, host.variant, {
          offline: options.offline,
          allowUnverified: options.allowUnverified,
          localPaths: options.localPaths?.[host.engine],
          onProgress: (message) => this.progress.note(message),
          liveStream: process.stdout,
          signal: this.abort.signal,
        });
        resolved.set(key, resolution);
      }
    }
    if (!options.resume) {
      header.models = [...resolved.values()].map((r) => r.record);
      this.journal.append({ type: 'header', header });
    }
    this.journal.append({ type: 'thermal', snapshot: thermalSnapshot() });

    const engineRecords = new Map<string, Results['engines'][number]>();
    let complete: () => boolean;
    if (!twoPass) {
      this.progress.start(plannedRuns(blocks, options), countCells(blocks));
      this.printPlan([{ pass: single, blocks }], header);
      await this.runPass(single, blocks, resolved, engineRecords);
      complete = () => !this.interrupted && countCells(blocksFor(single, readJournal(this.journal.path).parts)) === 0;
    } else {
      const outcome = await this.runPasses(fixtures, header, resolved, engineRecords, (pass) => blocksFor(pass, readJournal(this.journal.path).parts));
      complete = () => !this.interrupted && outcome.finished;
    }
    this.journal.append({ type: 'thermal', snapshot: thermalSnapshot() });
    if (this.audit) this.journal.append({ type: 'extra', name: 'networkAudit', value: this.audit.record() });
    if (!this.interrupted && this.census.length + this.coldStarts.length > 0) {
      const footprint = await collectFootprint({ engines: options.engines, models: header.models, repoRoot: REPO_ROOT, census: this.census, coldStart: this.coldStarts });
      this.journal.append({ type: 'extra', name: 'footprint', value: footprint });
    }
    this.progress.finish();

    const contents: JournalContents = readJournal(this.journal.path);
    const results = assembleResults(contents, { finishedAt: isoNow(), complete: complete(), version: TOOL_VERSION });
    if (!this.interrupted) rememberTimings(results);
    const runDir = runDirOf(options, runId);
    const resultsPath = join(runDir, 'results.json');
    writeResults(resultsPath, results);
    return { results, resultsPath, runDir, interrupted: this.interrupted };
  }

  /** The pass being measured: its samples are tagged with it, and its runs and warm-ups apply. */
  private currentPass: Pass = { fixtures: [], runs: 0, warmup: 0, reverseLoadOrder: false };

  private async runPass(pass: Pass, blocks: Block[], resolved: Map<string, { model: ResolvedModel; record: ModelRecord }>, records: Map<string, Results['engines'][number]>): Promise<void> {
    this.currentPass = pass;
    for (const block of blocks) {
      if (this.interrupted) break;
      await this.runBlock(block, resolved, records);
    }
  }

  /**
   * An accuracy pass over every fixture, then performance rounds in fresh processes on a subset,
   * until every engine pair's interval is narrow enough, the rounds run out or the budget would be
   * overspent (src/run/passes.ts). Records what happened as `extra.passes`.
   */
  private async runPasses(
    fixtures: LoadedFixture[],
    header: JournalHeader,
    resolved: Map<string, { model: ResolvedModel; record: ModelRecord }>,
    records: Map<string, Results['engines'][number]>,
    blocksFor: (pass: Pass) => Block[],
  ): Promise<{ finished: boolean }> {
    const options = this.options;
    const passOptions = { processes: options.processes ?? 1, budgetMs: options.budgetMs, runs: options.runs, warmup: options.warmup };
    const rounds = maxRounds(passOptions);
    const subset = performanceSubset(fixtures, options.perfFixturesPerTask ?? DEFAULT_PERF_FIXTURES_PER_TASK);
    const onlyShape = header.models.length > 0 && header.models.every((model) => model.synthetic === 'shape');
    const accuracy = onlyShape ? null : accuracyPass(fixtures);
    const accuracyBlocks = accuracy ? blocksFor(accuracy) : [];
    const firstRound = blocksFor(performanceRound(1, subset, passOptions));
    const perRound = countCells(blocksFor({ ...performanceRound(1, subset, passOptions), part: '(none)' }));
    const accuracyCells = countCells(accuracyBlocks);
    // The accuracy pass runs each cell once with no settling runs; each performance round is fresh processes, so its hosts settle again.
    const accuracyRuns = plannedRuns(accuracyBlocks, { warmup: 0, runs: 1, hostWarmup: 0 });
    const roundRuns = plannedRuns(firstRound, options);
    this.progress.start(accuracyRuns + rounds * roundRuns, accuracyCells + rounds * perRound);
    this.printPlan(
      [
        ...(accuracy ? [{ pass: accuracy, blocks: accuracyBlocks }] : []),
        ...Array.from({ length: rounds }, (_, i) => ({ pass: performanceRound(i + 1, subset, passOptions), blocks: firstRound })),
      ],
      header,
      onlyShape ? 'no accuracy pass: shape-faithful random weights give outputs that mean nothing' : undefined,
    );
    const record: Record<string, unknown> = {
      accuracy: accuracy ? { fixtures: fixtures.length } : { skipped: 'shape-faithful random weights: outputs mean nothing' },
      performance: { fixtures: subset.map((f) => f.id), maxProcesses: rounds, runs: options.runs, warmup: options.warmup, budgetMs: options.budgetMs ?? null },
    };
    if (accuracy) await this.runPass(accuracy, accuracyBlocks, resolved, records);
    let done = 0;
    let stopReason = `all ${rounds} processes ran`;
    let lastRoundMs = 0;
    for (let round = 1; round <= rounds && !this.interrupted; round++) {
      const elapsed = nowMs() - this.startedAtMs;
      if (options.budgetMs !== undefined && round > 1 && elapsed + lastRoundMs > options.budgetMs) {
        stopReason = `the ${formatDuration(options.budgetMs)} budget would be overspent by another process (${formatDuration(elapsed)} spent, a round takes about ${formatDuration(lastRoundMs)})`;
        break;
      }
      const pass = performanceRound(round, subset, passOptions);
      const started = nowMs();
      const blocks = blocksFor(pass);
      if (blocks.length > 0) this.progress.note(`performance pass: process round ${round} of at most ${rounds}`);
      await this.runPass(pass, blocks, resolved, records);
      if (blocks.length > 0) lastRoundMs = nowMs() - started;
      if (this.interrupted) break;
      done = round;
      const check = narrowEnough(readJournal(this.journal.path).cells, round, options.noiseBand);
      if (check.stop) {
        stopReason = `stopped after ${round} processes: ${check.reason}`;
        break;
      }
    }
    // Rounds the pass stopped before are not going to run: the count drops them.
    if (!this.interrupted) this.progress.drop((rounds - done) * roundRuns, (rounds - done) * perRound);
    record.performance = { ...(record.performance as object), processes: done, stopped: stopReason };
    this.progress.note(`performance pass: ${stopReason}`);
    this.journal.append({ type: 'extra', name: 'passes', value: record });
    return { finished: !this.interrupted && done >= 1 };
  }

  /** The plan and its estimated time, before anything runs. */
  private printPlan(passes: Array<{ pass: Pass; blocks: Block[] }>, header: JournalHeader, note?: string): void {
    const work = new Map<string, PlannedWork>();
    for (const { pass, blocks } of passes) {
      for (const block of blocks) {
        for (const host of block.hosts) {
          for (const task of [...new Set(host.fixtures.map((f) => f.task))]) {
            const count = host.fixtures.filter((f) => f.task === task).length;
            const key = `${host.engine}|${host.entry.id}|${host.variant.quant}|${task}`;
            const item = work.get(key) ?? { engine: host.engine, model: host.entry.id, quant: host.variant.quant, task, runs: 0, loads: 0 };
            item.runs += count * (pass.runs + pass.warmup);
            work.set(key, item);
          }
          const first = work.get(`${host.engine}|${host.entry.id}|${host.variant.quant}|${host.fixtures[0]?.task}`);
          if (first) {
            first.loads += 1;
            first.runs += this.options.hostWarmup;
          }
        }
      }
    }
    const described = passes
      .filter(({ blocks }) => countCells(blocks) > 0)
      .map(({ pass, blocks }) => `${pass.part ?? 'one pass'}: ${countCells(blocks)} cells × (${pass.warmup} warm-up + ${pass.runs} runs)`);
    const shown = described.length > 4 ? [...described.slice(0, 2), `… ${described.length - 3} more process rounds …`, described[described.length - 1] as string] : described;
    this.progress.note(`plan: ${shown.join('; ')}${note ? ` (${note})` : ''}`);
    const estimate = estimateMs(header.environment.cpu.model, [...work.values()]);
    this.progress.note(
      'ms' in estimate
        ? `estimated time: about ${formatDuration(estimate.ms)}${passes.length > 1 ? ' if every process round runs' : ''} (from this machine's earlier runs of these models)`
        : `estimated time: unknown until this machine has run ${estimate.missing.slice(0, 3).join(', ')}${estimate.missing.length > 3 ? ', …' : ''} once`,
    );
  }

  private recordEngine(records: Map<string, Results['engines'][number]>, engine: string, available: boolean, reason?: string): void {
    const existing = records.get(engine);
    if (existing && (existing.available || !available)) return;
    const info = ENGINE_INFO[engine];
    const record = { id: engine, packageName: info?.packageName ?? engine, version: packageVersion(info?.packageName ?? engine), available, reason };
    records.set(engine, record);
    this.journal.append({ type: 'engine', record });
  }

  /** `firstFailure`: set on the one retry after a crash at load, so a second failure reports both reasons. */
  private async startHost(host: LiveHost, records: Map<string, Results['engines'][number]>, firstFailure?: string): Promise<void> {
    const { plan } = host;
    host.client?.kill();
    const spawnedAt = nowMs();
    host.audit?.loadStarted();
    const client = new HostClient(plan.label, (line) => this.progress.note(`  [${plan.engine}] ${line}`), host.audit?.launcher());
    const firstStart = host.coldStart === null;
    if (firstStart) host.coldStart = { spawnedAt };
    host.client = client;
    this.live.add(client);
    host.load = null;
    host.cellsSinceLoad = 0;
    let retryAfter: string | null = null;
    try {
      const availability = await client.availability(plan.engine, plan.target, 60_000);
      if (firstStart && host.coldStart) host.coldStart.readyAt = nowMs();
      if (!availability.available) {
        host.unavailable = availability.reason;
        this.recordEngine(records, plan.engine, false, availability.reason);
        await this.stopHost(host);
        return;
      }
      this.recordEngine(records, plan.engine, true);
      this.progress.note(`loading ${plan.label}…`);
      host.load = await client.load(plan.engine, {
        model: host.model,
        target: plan.target,
        threads: this.options.threads,
        timeoutMs: this.options.loadTimeoutMs,
        options: {
          ...(plan.variant.options ?? {}),
          ...(this.options.engineOptions ?? {}),
          ...(this.options.engineOptionsByEngine?.[plan.engine] ?? {}),
          imageBudget: this.options.imageBudget,
          // Lets an engine refuse a registry download at once instead of waiting out the load timeout.
          offline: this.options.offline,
        },
      });
      if (firstStart && host.coldStart) {
        host.coldStart.loadedAt = nowMs();
        // Counted while the model is loaded, so QVAC's Bare worker is in the tree.
        host.census = processCensus(client.pid);
      }
      this.progress.note(`loaded ${plan.label} in ${(host.load.ms / 1000).toFixed(2)} s on ${host.load.report.backendActual}`);
      // A registry download inside the timed load makes its time incomparable (src/models/qvac-registry.ts).
      host.flags = host.load.report.engineStats?.[DOWNLOAD_IN_LOAD_STAT] ? [DOWNLOAD_IN_LOAD_FLAG] : [];
      host.audit?.notePageRequests(host.load.report.networkRequests);
    } catch (error) {
      const message = (error as Error).message;
      await this.stopHost(host);
      if (error instanceof HostError && error.kind === 'unavailable') host.unavailable = message;
      else if (!firstFailure && isRetryableLoadFailure(error) && !this.interrupted) retryAfter = message;
      else host.failed = firstFailure ? `load failed twice: ${firstFailure}; then, in a fresh process: ${message}` : `load failed: ${message}`;
    } finally {
      host.audit?.loadFinished(host.client?.pid ?? null);
    }
    if (retryAfter !== null) {
      // A crash at load (a killed host, a lost QVAC worker) says nothing about the model: one more try in a fresh process.
      this.progress.note(`load of ${plan.label} failed (${retryAfter}); retrying once in a fresh process`);
      await this.startHost(host, records, retryAfter);
    }
  }

  private async stopHost(host: LiveHost): Promise<void> {
    const client = host.client;
    host.client = null;
    if (!client) return;
    await client.shutdown();
    this.live.delete(client);
  }

  private finishCell(host: LiveHost, fixture: LoadedFixture, progress: CellProgress): Cell {
    const { plan } = host;
    const decoding = decodingFor(fixture.task, this.options.maxNewTokens[fixture.task]);
    const base = {
      key: cellKey(plan, fixture),
      startedAt: progress.startedAt,
      finishedAt: isoNow(),
      prompt: { text: TASK_PROMPTS[fixture.task], maxNewTokens: decoding.maxNewTokens, temperature: decoding.temperature, seed: decoding.seed },
      warmup: progress.warmup,
    };
    const load = host.load
      ? {
          ms: host.load.ms,
          memory: host.load.memory,
          backendRequested: host.load.report.backendRequested,
          backendActual: host.load.report.backendActual,
          device: host.load.report.device,
          threads: host.load.report.threads,
          dtypes: host.load.report.dtypes,
          notes: host.load.report.notes,
          engineStats: host.load.report.engineStats,
          ...(host.load.probeMs !== undefined ? { probeMs: host.load.probeMs } : {}),
          shared: host.cellsSinceLoad > 0,
        }
      : undefined;
    host.cellsSinceLoad++;
    if (host.unavailable) return { ...base, status: 'unavailable', reason: host.unavailable, flags: host.flags.length ? host.flags : undefined, samples: [] };
    if (progress.error || host.failed) {
      return { ...base, load, status: 'failed', reason: progress.error ?? host.failed ?? 'failed', samples: progress.samples };
    }
    return {
      ...base,
      load,
      status: 'ok',
      ...(host.flags.length ? { flags: host.flags } : {}),
      samples: progress.samples,
      stats: cellStats(progress.samples),
      ...(progress.decodingApplied ? { decodingApplied: progress.decodingApplied } : {}),
      output: cellOutput(progress.texts),
    };
  }

  private checkFallback(host: LiveHost, sample: Sample): void {
    const reason = fallbackReason(host.plan.target, host.load?.report.backendRequested, actualBackend(host.load?.report.backendActual, sample.engineStats));
    if (reason) {
      host.unavailable = reason;
      host.flags = ['fallback'];
    }
  }

  private async measureOne(host: LiveHost, fixture: LoadedFixture, progress: CellProgress, counted: boolean): Promise<void> {
    const client = host.client;
    if (!client || host.unavailable || host.failed || progress.error) return;
    const decoding = decodingFor(fixture.task, this.options.maxNewTokens[fixture.task]);
    const image = await this.imageFor(host, fixture);
    const sentAtMs = nowMs() - this.startedAtMs;
    const gpu = this.options.targets.includes('gpu') ? await startGpuMemorySampler(() => [client.pid, ...descendantPids(client.pid)]) : null;
    try {
      const run = await client.run({ fixtureId: fixture.id, task: fixture.task, prompt: TASK_PROMPTS[fixture.task], decoding, ...image }, this.options.timeoutMs);
      const gpuMemoryBytes = (await gpu?.stop()) ?? undefined;
      host.audit?.notePageRequests(run.output.networkRequests);
      if (host.coldStart && host.coldStart.firstResultAt === undefined) host.coldStart.firstResultAt = nowMs();
      const pass = this.currentPass;
      const sample: Sample = {
        ...(pass.process !== undefined ? { process: pass.process } : {}),
        ...(pass.pass ? { pass: pass.pass } : {}),
        startedAtMs: Math.round(sentAtMs * 1000) / 1000,
        ...toSample(run),
        ...(gpuMemoryBytes !== undefined ? { gpuMemoryBytes } : {}),
      };
      // Shape-faithful models cannot stop early; a short generation would make their speed figures wrong.
      const budgetProblem = tokenBudgetViolation(host.plan.entry.synthetic, ENGINE_INFO[host.plan.engine]?.generative ?? true, sample.generatedTokens, decoding.maxNewTokens);
      if (budgetProblem) {
        progress.error = budgetProblem;
        return;
      }
      this.checkFallback(host, sample);
      if (host.unavailable) return;
      if (counted) {
        progress.samples.push(sample);
        progress.texts.push(run.output.text);
        progress.decodingApplied ??= run.output.decodingApplied;
        progress.elapsedMs += sample.latencyMs;
      } else {
        progress.warmup.push(sample);
      }
    } catch (error) {
      await gpu?.stop();
      if (this.interrupted) return;
      progress.error = (error as Error).message;
      // Anything but a user error (a bad image) may have left the engine broken (a crashed QVAC
      // worker loses its model): the next cell gets a fresh process and load.
      if (!(error instanceof HostError && error.kind === 'user')) {
        host.client?.kill();
        host.client = null;
        host.needsRestart = true;
      }
    } finally {
      this.progress.sample(`${host.plan.engine} · ${fixture.id}`);
    }
  }

  /**
   * The image a host is given for a fixture, with its size: the fixture's own, or under the single
   * budget one the harness prepared at the host's frame side (before the timed run, for every vision
   * engine alike). Engines that report no image budget (tesseract, QVAC OCR) always get the fixture's.
   */
  private async imageFor(host: LiveHost, fixture: LoadedFixture): Promise<FedImage> {
    const size = this.imageSizes.get(fixture.id);
    const own: FedImage = { imagePath: fixture.imagePath, ...(size ? { imageSize: size } : {}) };
    const budget = host.load?.report.imageBudget;
    if (budget?.budget !== 'single' || !size) return own;
    const imagePath = await this.prepared.single(fixture, budget.frameSide);
    return { imagePath, imageSize: { width: budget.frameSide, height: budget.frameSide }, preparedFrom: size };
  }

  private needsMore(progress: CellProgress): boolean {
    if (progress.error) return false;
    const cap = this.options.maxRuns ?? 1000;
    if (progress.samples.length >= cap) return false;
    if (progress.samples.length < this.currentPass.runs) return true;
    return this.options.minTimeMs !== undefined && progress.elapsedMs < this.options.minTimeMs;
  }

  private async runBlock(block: Block, resolved: Map<string, { model: ResolvedModel; record: ModelRecord }>, records: Map<string, Results['engines'][number]>): Promise<void> {
    const hosts: LiveHost[] = block.hosts.map((plan) => ({
      plan,
      model: (resolved.get(`${plan.entry.id}|${plan.engine}|${plan.variant.quant}`) as { model: ResolvedModel }).model,
      client: null,
      load: null,
      cellsSinceLoad: 0,
      unavailable: null,
      failed: null,
      needsRestart: false,
      flags: [],
      coldStart: null,
      census: null,
      audit: null,
      downloads: (resolved.get(`${plan.entry.id}|${plan.engine}|${plan.variant.quant}`) as { downloads?: string[] }).downloads ?? [],
    }));
    const interleaved = this.options.scheduling === 'interleaved';
    // Alternate which engine loads first between process rounds, so neither always loads on a quiet machine.
    if (this.currentPass.reverseLoadOrder) hosts.reverse();
    const groups: LiveHost[][] = interleaved ? [hosts] : hosts.map((host) => [host]);
    try {
      for (const group of groups) {
        if (this.interrupted) break;
        for (const host of group) if (this.audit) host.audit = await this.audit.forHost(auditedHost(host), auditInfo(host, this.options));
        for (const host of group) if (!this.interrupted) await this.startHost(host, records);
        // The union of fixtures, in one order, so hosts alternate on the same fixture.
        const order: LoadedFixture[] = [];
        for (const host of group) for (const fixture of host.plan.fixtures) if (!order.some((f) => f.id === fixture.id)) order.push(fixture);
        for (const fixture of order) {
          if (this.interrupted) break;
          await this.runFixture(group.filter((host) => host.plan.fixtures.some((f) => f.id === fixture.id)), fixture, records);
          if (this.options.cooldownMs) await new Promise((resolve) => setTimeout(resolve, this.options.cooldownMs));
        }
        for (const host of group) await this.stopHost(host);
      }
    } finally {
      for (const host of hosts) {
        host.client?.kill();
        if (host.client) this.live.delete(host.client);
        if (host.audit) await this.audit?.finishHost(auditedHost(host), host.audit);
      }
      for (const host of hosts) {
        const tag = { engine: host.plan.engine, model: host.plan.entry.id };
        // Every process round starts hosts afresh; the footprint keeps the first of each.
        const seen = (list: Array<{ engine: string; model: string }>) => list.some((entry) => entry.engine === tag.engine && entry.model === tag.model);
        if (seen(this.census) || seen(this.coldStarts)) continue;
        if (host.census) this.census.push({ ...tag, ...host.census });
        const t = host.coldStart;
        if (t?.readyAt !== undefined && t.loadedAt !== undefined && t.firstResultAt !== undefined) {
          this.coldStarts.push({ ...tag, ...coldStartFigures({ spawnedAt: t.spawnedAt, readyAt: t.readyAt, loadedAt: t.loadedAt, firstResultAt: t.firstResultAt, cacheCold: null }) });
        }
      }
    }
  }

  private async runFixture(hosts: LiveHost[], fixture: LoadedFixture, records: Map<string, Results['engines'][number]>): Promise<void> {
    const cells = new Map<LiveHost, CellProgress>();
    for (const host of hosts) {
      // A host lost to a crash or timeout on an earlier cell gets a fresh process and load.
      if (host.needsRestart && !host.unavailable && !this.interrupted) {
        host.needsRestart = false;
        this.progress.note(`restarting ${host.plan.label} with a fresh process after the failure`);
        await this.startHost(host, records);
      }
      cells.set(host, { startedAt: isoNow(), warmup: [], samples: [], texts: [], elapsedMs: 0, error: null });
    }
    const inspected = await inspectImage(fixture.imagePath);
    if ('problem' in inspected) for (const progress of cells.values()) progress.error = `fixture image: ${inspected.problem}`;
    else this.imageSizes.set(fixture.id, inspected.size);

    // A host that has just loaded settles first (hostWarmup); hosts still alternate, so the
    // extra runs of one do not run while another is being timed.
    // The accuracy pass's timings enter no verdict, so its hosts skip the settling runs.
    const settling = this.currentPass.pass === 'accuracy' ? 0 : this.options.hostWarmup;
    const warmupsFor = (host: LiveHost): number => this.currentPass.warmup + (host.cellsSinceLoad === 0 ? settling : 0);
    const loadBefore = machineSnapshot();
    const mostWarmups = Math.max(0, ...hosts.map(warmupsFor));
    this.progress.fixtureStart(hosts.reduce((sum, host) => sum + warmupsFor(host) + this.currentPass.runs, 0));
    for (let w = 0; w < mostWarmups; w++) {
      for (const host of hosts) if (!this.interrupted && w < warmupsFor(host)) await this.measureOne(host, fixture, cells.get(host) as CellProgress, false);
    }
    // Interleaved: A, B, A, B… on the same fixture, so drift (heat, other load) hits both alike.
    const start = nowMs();
    while (!this.interrupted && hosts.some((host) => this.needsMore(cells.get(host) as CellProgress) && host.client && !host.unavailable)) {
      for (const host of hosts) {
        const progress = cells.get(host) as CellProgress;
        if (this.interrupted) break;
        if (this.needsMore(progress)) await this.measureOne(host, fixture, progress, true);
      }
      if (nowMs() - start > 24 * 3600 * 1000) break;
    }
    this.progress.fixtureEnd();
    if (this.interrupted) return; // the in-flight cells are not recorded; --resume redoes them
    // The cells of one fixture ran interleaved, in the same window: one reading of outside load for all.
    const machineLoad = machineLoadBetween(loadBefore, machineSnapshot());
    for (const host of hosts) {
      const progress = cells.get(host) as CellProgress;
      const cell = this.finishCell(host, fixture, progress);
      if (cell.status !== 'unavailable') cell.machineLoad = machineLoad;
      if (host.audit) cell.network = await host.audit.cellFinished(host.client?.pid ?? null);
      const part = this.currentPass.part;
      this.journal.append({ type: 'cell', cell, ...(part !== undefined ? { part } : {}) });
      const median = cell.stats?.latencyMs?.median;
      const detail = cell.status === 'ok' ? `median ${median !== undefined ? `${median.toFixed(1)} ms` : '?'} · ${JSON.stringify(cell.output?.text.slice(0, 40) ?? '')}` : (cell.reason ?? '');
      this.progress.cellDone(`${host.plan.engine} ${host.plan.entry.id} ${fixture.id}`, cell.status, detail);
    }
  }
}

/** The audit's name for a host. */
function auditedHost(host: LiveHost): { engine: string; model: string; quant: string; target: string } {
  return { engine: host.plan.engine, model: host.plan.entry.id, quant: host.plan.variant.quant, target: host.plan.target };
}

/** What the audit needs to know about a host: its model's downloads and source, and whether its browser is ours. */
function auditInfo(host: LiveHost, options: RunOptions): HostAuditInfo {
  // A browser only when this engine runs the browser target (transformers.js); others decline it before any browser starts.
  const browserTarget = host.plan.target.startsWith('browser-') && ENGINE_INFO[host.plan.engine]?.targets.includes(host.plan.target) === true;
  const registry = host.plan.variant.source.kind === 'qvac-registry' && !options.localPaths?.[host.plan.engine] ? `the QVAC registry (${host.model.id})` : null;
  return { downloads: host.downloads, registrySource: registry, browser: browserTarget ? (options.engineOptions?.cdpUrl ? 'attached' : 'launched') : null };
}
