/** `vlmbench run` and `vlmbench quickstart`: options in, results and report out. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TASKS, UserError, type TargetId, type TaskId } from '../engines/engine.js';
import type { ImageBudget } from '../engines/image-budget.js';
import { BUILTIN_FIXTURES_DIR } from '../fixtures/manifest.js';
import { defaultThreads } from '../measure/environment.js';
import { DownloadInterruptedError } from '../models/download.js';
import { UNVERIFIED_BANNER, unverifiedModelLabels } from '../results/real-weights.js';
import { defaultModelsFor, expandModelIds } from '../models/catalog.js';
import { readJournal } from '../run/journal.js';
import { runFolder } from '../results/io.js';
import { EXIT, isStorageError } from '../exit-codes.js';
import { writePartialResults } from '../run/partial.js';
import { optionsFromSettings, Orchestrator, runDirOf, selectFixtures, type RunOptions } from '../run/orchestrator.js';
import { emptyPlanMessage, engineGaps } from '../run/plan-check.js';
import { countCells, makePlan } from '../run/plan.js';
import { createProgress } from '../run/progress.js';
import { DEFAULT_MAX_NEW_TOKENS } from '../tasks.js';
import { loadProfile } from '../tune/profile.js';
import { absoluteUrl, duration, enginePairs, imageBudget, list, noiseBand, parseEngines, parseTargets, parseTasks, positiveInt, seconds } from './options.js';

export interface RunFlags {
  engines: string;
  /** Absent: each engine's own default model (DEFAULT_MODEL_BY_ENGINE). */
  models?: string;
  targets: string;
  tasks: string;
  fixtures?: string;
  fixture?: string;
  limit?: string;
  runs: string;
  warmup: string;
  hostWarmup: string;
  minTime?: string;
  threads?: string;
  maxNewTokens?: string;
  timeout: string;
  loadTimeout: string;
  scheduling: string;
  cooldown?: string;
  offline?: boolean;
  networkAudit?: boolean;
  allowUnverified?: boolean;
  imageSplitting?: boolean;
  imageBudget?: string;
  /** Not a flag: the budget a command uses when --image-budget is not given (the quick start's is QUICKSTART_IMAGE_BUDGET). */
  defaultImageBudget?: ImageBudget;
  quant?: string;
  modelPath?: string;
  resultsDir: string;
  reportsDir: string;
  /** embed.html's absolute link to the published report.html. */
  reportUrl?: string;
  /** One flat folder for results.json, journal.jsonl and the report, instead of results/<run-id> and reports/<run-id>. */
  out?: string;
  report: boolean;
  resume?: string;
  quiet?: boolean;
  cdp?: string;
  profile?: string;
  bandwidth?: boolean;
  allowFailures?: boolean;
  noiseBand?: string;
  processes?: string;
  perfFixtures?: string;
  budget?: string;
}

/** `engine:role=path` pairs, e.g. qvac:gguf=/m/model.gguf,qvac:mmproj=/m/mmproj.gguf. */
function parseModelPaths(value: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const part of list(value)) {
    const match = /^([^:]+):([^=]+)=(.+)$/.exec(part);
    if (!match) throw new UserError(`--model-path takes engine:role=path, e.g. qvac:gguf=/models/x.gguf or transformersjs:dir=/models/onnx; got "${part}"`);
    const [, engine, role, path] = match as unknown as [string, string, string, string];
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new UserError(`--model-path ${engine}:${role}: ${absolute} does not exist — check the path`);
    (out[engine] ??= {})[role] = absolute;
  }
  return out;
}

function parseMaxTokens(value: string | undefined, tasks: TaskId[]): Record<TaskId, number> {
  const limits = { ...DEFAULT_MAX_NEW_TOKENS };
  if (value === undefined) return limits;
  if (/^\d+$/.test(value)) {
    for (const task of tasks) limits[task] = positiveInt('--max-new-tokens', value);
    return limits;
  }
  for (const part of list(value)) {
    const [task, n] = part.split('=');
    parseTasks(task ?? '');
    limits[task as TaskId] = positiveInt('--max-new-tokens', n ?? '');
  }
  return limits;
}

/**
 * The quick start's image budget when none is given: one frame per image. It runs tiny random
 * weights to show the plumbing, and under `native` SmolVLM2's tiling makes every built-in image
 * 5 to 17 frames, which took the quick start from 1 min 43 s to 26 min 24 s here (shared 2-core VM, load average 3.4–4.7,
 * 2026-12-03); `--image-budget native` runs it as real checkpoints are run.
 */
export const QUICKSTART_IMAGE_BUDGET: ImageBudget = 'single';

export function runOptionsFrom(flags: RunFlags, command: string): RunOptions {
  const tasks = parseTasks(flags.tasks);
  const scheduling = flags.scheduling;
  if (scheduling !== 'interleaved' && scheduling !== 'sequential') throw new UserError(`--scheduling must be interleaved or sequential, got "${scheduling}"`);
  const fixturesDir = flags.fixtures ? resolve(flags.fixtures) : BUILTIN_FIXTURES_DIR;
  if (flags.fixtures && !existsSync(fixturesDir)) throw new UserError(`--fixtures ${flags.fixtures}: no such folder — give a folder with images and a manifest.json (see fixtures/README.md)`);
  const engines = parseEngines(flags.engines);
  return {
    engines,
    models: flags.models !== undefined ? list(flags.models) : defaultModelsFor(engines),
    targets: parseTargets(flags.targets) as TargetId[],
    tasks,
    fixturesDir,
    fixtureIds: flags.fixture ? list(flags.fixture) : undefined,
    limitPerTask: flags.limit !== undefined ? positiveInt('--limit', flags.limit) : undefined,
    runs: positiveInt('--runs', flags.runs),
    warmup: positiveInt('--warmup', flags.warmup, { allowZero: true }),
    hostWarmup: positiveInt('--host-warmup', flags.hostWarmup, { allowZero: true }),
    minTimeMs: flags.minTime !== undefined ? seconds('--min-time', flags.minTime) : undefined,
    threads: flags.threads !== undefined ? positiveInt('--threads', flags.threads) : defaultThreads(),
    maxNewTokens: parseMaxTokens(flags.maxNewTokens, tasks),
    timeoutMs: seconds('--timeout', flags.timeout),
    loadTimeoutMs: seconds('--load-timeout', flags.loadTimeout),
    scheduling,
    cooldownMs: flags.cooldown !== undefined ? seconds('--cooldown', flags.cooldown) : undefined,
    offline: Boolean(flags.offline),
    networkAudit: Boolean(flags.networkAudit),
    allowUnverified: Boolean(flags.allowUnverified),
    imageBudget: imageBudget(flags),
    quant: flags.quant ? enginePairs('--quant', flags.quant) : undefined,
    localPaths: flags.modelPath ? parseModelPaths(flags.modelPath) : undefined,
    resultsRoot: resolve(flags.resultsDir),
    ...(flags.out !== undefined ? { outDir: resolve(flags.out) } : {}),
    command,
    resume: flags.resume,
    engineOptions: flags.cdp ? { cdpUrl: flags.cdp } : undefined,
    bandwidth: Boolean(flags.bandwidth),
    ...(flags.noiseBand !== undefined ? { noiseBand: noiseBand('--noise-band', flags.noiseBand) } : {}),
    ...(flags.processes !== undefined ? { processes: positiveInt('--processes', flags.processes) } : {}),
    ...(flags.perfFixtures !== undefined ? { perfFixturesPerTask: positiveInt('--perf-fixtures', flags.perfFixtures) } : {}),
    ...(flags.budget !== undefined ? { budgetMs: duration('--budget', flags.budget) } : {}),
    ...(flags.profile ? profileOptions(flags) : {}),
  };
}

/** A tuned profile sets threads, quantisation and engine options, unless a flag says otherwise. */
function profileOptions(flags: RunFlags): Partial<RunOptions> {
  let profile: ReturnType<typeof loadProfile>;
  try {
    profile = loadProfile(flags.profile as string);
  } catch (error) {
    throw new UserError(`--profile ${flags.profile}: ${(error as Error).message}`);
  }
  return {
    ...(flags.threads === undefined && profile.threads !== undefined ? { threads: profile.threads } : {}),
    ...(flags.quant === undefined && profile.quant ? { quant: profile.quant } : {}),
    engineOptionsByEngine: profile.engineOptions,
    profile: { name: flags.profile as string, source: profile.source },
  };
}

/** On resume, the original settings win: a resumed run must equal an uninterrupted one. */
function resumeOptions(flags: RunFlags, command: string): RunOptions {
  const runId = flags.resume as string;
  const runDir = runDirOf({ resultsRoot: resolve(flags.resultsDir), ...(flags.out !== undefined ? { outDir: resolve(flags.out) } : {}) }, runId);
  const journalPath = join(runDir, 'journal.jsonl');
  if (!existsSync(journalPath)) throw new UserError(`--resume ${runId}: no journal at ${journalPath} — give the run id that "vlmbench run" printed${flags.out ? ', with the same --out folder' : ''}`);
  const journal = readJournal(journalPath);
  if (journal.header.run.id !== runId) throw new UserError(`--resume ${runId}: ${journalPath} holds run ${journal.header.run.id} — resume that id, or give the folder of ${runId}`);
  const settings = journal.header.run.settings;
  if (settings.imageBudget === undefined) {
    // Its transformers.js cells kept one squashed frame (or split per --image-splitting); no budget reproduces that.
    throw new UserError(`run ${flags.resume} was recorded before --image-budget existed; its remaining cells cannot be measured the same way — start a new run`);
  }
  return {
    ...runOptionsFrom(flags, command),
    ...optionsFromSettings(journal.header.run.settings),
    fixtureIds: journal.header.fixtures.items.map((item) => item.id),
    limitPerTask: undefined,
    resume: flags.resume,
  };
}

/** The command that finishes this run, with the results folder when it is not the default. */
function resumeCommand(flags: RunFlags, runId: string): string {
  const dir = flags.resultsDir === 'results' ? '' : ` --results-dir ${JSON.stringify(flags.resultsDir)}`;
  const out = flags.out !== undefined ? ` --out ${JSON.stringify(flags.out)}` : '';
  return `vlmbench run --resume ${runId}${dir}${out}`;
}

/** --out takes a new or empty folder: a second run would mix its cells into the first one's journal. */
function checkOutFolder(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw new UserError(`--out ${outDir}: not a folder — give a folder path (it is created if missing)`);
  for (const name of ['journal.jsonl', 'results.json']) {
    const path = join(outDir, name);
    if (!existsSync(path)) continue;
    let id = '';
    try {
      id = name === 'journal.jsonl' ? readJournal(path).header.run.id : '';
    } catch {
      // an unreadable journal is still a run not to overwrite
    }
    throw new UserError(`--out ${outDir} already holds a run (${name}${id ? ` of run ${id}` : ''}) — give a new or empty folder${id ? `, or continue it with --resume ${id}` : ''}`);
  }
}

/**
 * A plan with no cell is a usage error naming why each engine got none, with a command that
 * works; an engine left out of a plan that has cells is named in a note.
 */
async function checkPlan(options: RunOptions, warn: (line: string) => void): Promise<void> {
  // Every task's fixtures, so the suggestion can change --tasks; the manifest check and the
  // --fixture/--limit filters are the orchestrator's own.
  const pool = (await selectFixtures({ ...options, tasks: [...TASKS] })).fixtures;
  const models = expandModelIds(options.models);
  const fixtures = pool.filter((fixture) => options.tasks.includes(fixture.task));
  const request = { engines: options.engines, models, tasks: options.tasks, fixtures };
  const cells = countCells(makePlan({ engines: options.engines, models, targets: options.targets, tasks: options.tasks, fixtures, ...(options.quant ? { quant: options.quant } : {}) }));
  if (cells === 0) throw new UserError(emptyPlanMessage(options.command, request));
  for (const gap of engineGaps(request)) warn(`warning: ${gap.reason}, so it gets no cell`);
}

export async function runCommand(flags: RunFlags, command: string): Promise<number> {
  const options = flags.resume ? resumeOptions(flags, command) : runOptionsFrom(flags, command);
  const reportUrl = flags.reportUrl !== undefined ? absoluteUrl('--report-url', flags.reportUrl) : undefined;
  if (!flags.resume && options.outDir) checkOutFolder(options.outDir);
  const progress = createProgress(process.stdout, Boolean(flags.quiet));
  // Printed even with --quiet: an engine the user asked for and will not get.
  if (!flags.resume) await checkPlan(options, (line) => console.error(line));
  const orchestrator = new Orchestrator(options, progress);
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    progress.note(interrupts === 1 ? '\ninterrupted: stopping engines; finished cells are kept in the journal' : 'interrupted again: exiting now');
    orchestrator.interrupt();
    if (interrupts > 1) {
      // No waiting for the run to wind down, but the cells measured so far still get a results.json.
      const runId = orchestrator.runId;
      if (runId) {
        const written = writePartialResults(runDirOf(options, runId));
        if (written) console.log(`results (partial): ${written}`);
        console.log(`run interrupted; resume with: ${resumeCommand(flags, runId)}`);
      }
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let outcome: Awaited<ReturnType<Orchestrator['run']>>;
    try {
      outcome = await orchestrator.run();
    } catch (error) {
      // Ctrl-C during a model download: nothing was measured yet; the .partial file is kept.
      if (error instanceof DownloadInterruptedError) {
        console.error(`vlmbench: ${error.message}`);
        return 130;
      }
      throw error;
    }
    const { results } = outcome;
    const counts = { ok: 0, failed: 0, unavailable: 0 };
    for (const cell of results.cells) counts[cell.status]++;
    const shown = (path: string) => (isAbsolute(path) ? relative(process.cwd(), path) || path : path);
    console.log(`results: ${shown(outcome.resultsPath)} (${counts.ok} ok, ${counts.failed} failed, ${counts.unavailable} unavailable)`);
    // Each banner names the models it describes: a run can mix tiny models with shape-faithful ones (tiny-ocr-doctr).
    const modelsOf = (kind: 'tiny' | 'shape') => [...new Set(results.models.filter((model) => model.synthetic === kind).map((model) => model.id))].join(', ');
    if (modelsOf('tiny')) console.log(`SYNTHETIC WEIGHTS (${modelsOf('tiny')}): tiny random-weight models — timings prove the plumbing only; quality figures mean nothing; no verdict is judged on them.`);
    if (modelsOf('shape')) console.log(`SHAPE-FAITHFUL RANDOM WEIGHTS (${modelsOf('shape')}): speed and memory are real-scale; quality is meaningless.`);
    const unverified = unverifiedModelLabels(results.models);
    if (unverified.length > 0) {
      console.log(`UNVERIFIED MODEL FILES: ${unverified.join(', ')} — ${UNVERIFIED_BANNER}`);
    }
    for (const warning of results.warnings ?? []) console.log(`warning: ${warning}`);
    if (flags.report && results.cells.length > 0) {
      const { writeReport } = await import('../report/write.js');
      const outDir = options.outDir ?? runFolder(flags.reportsDir, results.run.id);
      const written = await writeReport([results], outDir, reportUrl ? { reportUrl } : {});
      console.log(`report: ${written.files.map(shown).join(', ')}`);
    }
    // A signal that arrived after the last cell (while the report was written) still ends as an interrupt.
    if (outcome.interrupted || interrupts > 0) {
      console.log(`run interrupted; resume with: ${resumeCommand(flags, results.run.id)}`);
      return EXIT.interrupted;
    }
    if (counts.ok === 0) {
      const reasons = [...new Set(results.cells.map((cell) => cell.reason).filter(Boolean))].slice(0, 3);
      console.error(`vlmbench: no cell succeeded — ${reasons.join(' | ') || `${results.cells.length} cell(s) recorded no reason; see ${shown(outcome.runDir)}`}`);
      return EXIT.noCellSucceeded;
    }
    if (counts.failed > 0) {
      if (flags.allowFailures) {
        console.log(`${counts.failed} cells failed; exiting 0 because of --allow-failures`);
        return EXIT.ok;
      }
      console.error(`vlmbench: finished, but ${counts.failed} of ${results.cells.length} cells failed (reasons in the results and the report) — exit ${EXIT.someCellsFailed}; pass --allow-failures to exit 0`);
      return EXIT.someCellsFailed;
    }
    return EXIT.ok;
  } catch (error) {
    if (!isStorageError(error)) throw error;
    // Disk full or failing storage: every cell journalled so far is kept; a torn last line is repaired on resume.
    const runId = orchestrator.runId;
    console.error(`vlmbench: could not write the run's files (${(error as Error).message.split('\n')[0]})${runId ? ` — free some space, then resume with: ${resumeCommand(flags, runId)}` : ''}`);
    return EXIT.storage;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Between here and the process's exit everything is written: a late signal still ends as an interrupt.
    const late = (): never => {
      if (orchestrator.runId) console.log(`run interrupted; resume with: ${resumeCommand(flags, orchestrator.runId)}`);
      process.exit(EXIT.interrupted);
    };
    process.once('SIGINT', late);
    process.once('SIGTERM', late);
  }
}
