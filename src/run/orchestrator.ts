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
import { writeResults } from '../results/io.js';
import { cellKeyId, type Cell, type ModelRecord, type Results, type Sample, type Settings } from '../results/schema.js';
import { TASK_PROMPTS, decodingFor } from '../tasks.js';
import { assembleResults } from './assemble.js';
import { HostClient, HostError } from './host-client.js';
import { Journal, readJournal, type JournalContents, type JournalHeader } from './journal.js';
import { cellKey, countCells, makePlan, type Block, type HostPlan } from './plan.js';
import type { Progress } from './progress.js';
import { cellStats, toSample } from './measure-cell.js';
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
  minTimeMs?: number;
  threads: number;
  maxNewTokens: Record<TaskId, number>;
  timeoutMs: number;
  loadTimeoutMs: number;
  scheduling: 'interleaved' | 'sequential';
  cooldownMs?: number;
  offline: boolean;
  /** How many frames each vision engine encodes per image (src/engines/image-budget.ts). */
  imageBudget: ImageBudget;
  /** Only in settings recorded before --image-budget; carried so a recorded run's settings round-trip. */
  imageSplitting?: boolean;
  quant?: Record<string, string>;
  localPaths?: Record<string, Record<string, string>>;
  resultsRoot: string;
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


export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

interface LiveHost {
  plan: HostPlan;
  model: ResolvedModel;
  client: HostClient | null;
  load: { report: LoadReport; ms: number; memory: MemoryPeaks } | null;
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
export type OptionsFromSettings = Omit<RunOptions, 'fixtureIds' | 'limitPerTask' | 'loadTimeoutMs' | 'localPaths' | 'resultsRoot' | 'command' | 'resume' | 'maxRuns' | 'profile' | 'bandwidth'>;

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
    for (const client of this.live) client.kill();
  }

  async run(): Promise<RunOutcome> {
    const options = this.options;
    for (const engine of options.engines) assertEngineId(engine);
    const models = expandModelIds(options.models);
    const { fixtures, manifestSha256, dir } = await selectFixtures(options);

    let runId: string;
    let done = new Set<string>();
    let header: JournalHeader;
    let resolved = new Map<string, { model: ResolvedModel; record: ModelRecord }>();
    const blocksFor = (skip: Set<string>) =>
      makePlan({ engines: options.engines, models, targets: options.targets, tasks: options.tasks, fixtures, quant: options.quant, skip });

    if (options.resume) {
      runId = options.resume;
      const previous = readJournal(join(options.resultsRoot, runId, 'journal.jsonl'));
      header = previous.header;
      done = new Set(previous.cells.map((cell) => cellKeyId(cell.key)));
      this.journal = new Journal(join(options.resultsRoot, runId, 'journal.jsonl'));
      this.progress.note(`resuming ${runId}: ${done.size} cells already measured`);
    } else {
      runId = newRunId();
      this.journal = new Journal(join(options.resultsRoot, runId, 'journal.jsonl'));
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
      this.audit = await NetworkAuditor.start(join(options.resultsRoot, runId), {
        previous: options.resume ? readJournal(this.journal.path).extra.networkAudit : undefined,
        note: (line) => this.progress.note(line),
      });
      const line = this.audit.statusLine();
      if (line) this.progress.note(line);
    }
    const blocks = blocksFor(done);
    // Resolve every model the plan needs before any host starts, so an offline hub fails in seconds.
    for (const block of blocks) {
      for (const host of block.hosts) {
        const key = `${host.entry.id}|${host.engine}|${host.variant.quant}`;
        if (resolved.has(key)) continue;
        const resolution = await resolveVariant(host.entry, host.variant, {
          offline: options.offline,
          localPaths: options.localPaths?.[host.engine],
          onProgress: (message) => this.progress.note(message),
        });
        resolved.set(key, resolution);
      }
    }
    if (!options.resume) {
      header.models = [...resolved.values()].map((r) => r.record);
      this.journal.append({ type: 'header', header });
    }
    this.journal.append({ type: 'thermal', snapshot: thermalSnapshot() });

    const totalCells = countCells(blocks);
    const runsPerCell = options.warmup + options.runs;
    this.progress.start(totalCells * runsPerCell, totalCells);
    const engineRecords = new Map<string, Results['engines'][number]>();

    for (const block of blocks) {
      if (this.interrupted) break;
      await this.runBlock(block, resolved, engineRecords);
    }
    this.journal.append({ type: 'thermal', snapshot: thermalSnapshot() });
    if (this.audit) this.journal.append({ type: 'extra', name: 'networkAudit', value: this.audit.record() });
    if (!this.interrupted && this.census.length + this.coldStarts.length > 0) {
      const footprint = await collectFootprint({ engines: options.engines, models: header.models, repoRoot: REPO_ROOT, census: this.census, coldStart: this.coldStarts });
      this.journal.append({ type: 'extra', name: 'footprint', value: footprint });
    }
    this.progress.finish();

    const contents: JournalContents = readJournal(this.journal.path);
    const complete = !this.interrupted && countCells(blocksFor(new Set(contents.cells.map((cell) => cellKeyId(cell.key))))) === 0;
    const results = assembleResults(contents, { finishedAt: isoNow(), complete, version: TOOL_VERSION });
    const runDir = join(options.resultsRoot, runId);
    const resultsPath = join(runDir, 'results.json');
    writeResults(resultsPath, results);
    return { results, resultsPath, runDir, interrupted: this.interrupted };
  }

  private recordEngine(records: Map<string, Results['engines'][number]>, engine: string, available: boolean, reason?: string): void {
    const existing = records.get(engine);
    if (existing && (existing.available || !available)) return;
    const info = ENGINE_INFO[engine];
    const record = { id: engine, packageName: info?.packageName ?? engine, version: packageVersion(info?.packageName ?? engine), available, reason };
    records.set(engine, record);
    this.journal.append({ type: 'engine', record });
  }

  private async startHost(host: LiveHost, records: Map<string, Results['engines'][number]>): Promise<void> {
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
        },
      });
      if (firstStart && host.coldStart) {
        host.coldStart.loadedAt = nowMs();
        // Counted while the model is loaded, so QVAC's Bare worker is in the tree.
        host.census = processCensus(client.pid);
      }
      this.progress.note(`loaded ${plan.label} in ${(host.load.ms / 1000).toFixed(2)} s on ${host.load.report.backendActual}`);
      host.flags = [];
      host.audit?.notePageRequests(host.load.report.networkRequests);
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof HostError && error.kind === 'unavailable') host.unavailable = message;
      else host.failed = `load failed: ${message}`;
      await this.stopHost(host);
    } finally {
      host.audit?.loadFinished(host.client?.pid ?? null);
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
          shared: host.cellsSinceLoad > 0,
        }
      : undefined;
    host.cellsSinceLoad++;
    if (host.unavailable) return { ...base, status: 'unavailable', reason: host.unavailable, flags: host.flags.length ? host.flags : undefined, samples: [] };
    if (progress.error || host.failed) {
      return { ...base, load, status: 'failed', reason: progress.error ?? host.failed ?? 'failed', samples: progress.samples };
    }
    const text = progress.texts[0] ?? '';
    return {
      ...base,
      load,
      status: 'ok',
      samples: progress.samples,
      stats: cellStats(progress.samples),
      output: { text, stableAcrossSamples: progress.texts.every((t) => t === text) },
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
      const sample = { startedAtMs: Math.round(sentAtMs * 1000) / 1000, ...toSample(run), ...(gpuMemoryBytes !== undefined ? { gpuMemoryBytes } : {}) };
      // Shape-faithful models cannot stop early; a short generation would make their speed figures wrong.
      const budgetProblem = tokenBudgetViolation(host.plan.entry.synthetic, sample.generatedTokens, decoding.maxNewTokens);
      if (budgetProblem) {
        progress.error = budgetProblem;
        return;
      }
      this.checkFallback(host, sample);
      if (host.unavailable) return;
      if (counted) {
        progress.samples.push(sample);
        progress.texts.push(run.output.text);
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
    if (progress.samples.length < this.options.runs) return true;
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
    const warmupsFor = (host: LiveHost): number => this.options.warmup + (host.cellsSinceLoad === 0 ? this.options.hostWarmup : 0);
    const mostWarmups = Math.max(0, ...hosts.map(warmupsFor));
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
    if (this.interrupted) return; // the in-flight cells are not recorded; --resume redoes them
    for (const host of hosts) {
      const progress = cells.get(host) as CellProgress;
      const cell = this.finishCell(host, fixture, progress);
      if (host.audit) cell.network = await host.audit.cellFinished(host.client?.pid ?? null);
      this.journal.append({ type: 'cell', cell });
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
