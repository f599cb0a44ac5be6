/**
 * The harness's own budgets, measured and printed against their limits (a benchmark, not a
 * test: it prints, it asserts nothing; the exit code is 0 unless the measurement fails).
 *
 * - quick start: wall time of `vlmbench quickstart` (tiny models, both runtimes, report
 *   included), as a user runs it — budget 2 minutes;
 * - metric scoring: one full-suite scoring (bench/metrics.bench.ts) as a share of the
 *   inference time of a run — the quick start's, and any results.json given with --results —
 *   budget 1%;
 * - orchestrator memory: the VmHWM of this process after an in-process Orchestrator.run() of
 *   the quick-start plan (the orchestrator never loads a model; hosts are children) — budget 150 MB.
 *
 * Run: `npm run bench:budgets -- [--results path/to/results.json]`
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QUICKSTART_IMAGE_BUDGET, runOptionsFrom } from '../src/commands/run.js';
import { REPO_ROOT } from '../src/measure/environment.js';
import { DEFAULT_HOST_WARMUP, Orchestrator } from '../src/run/orchestrator.js';
import { createProgress } from '../src/run/progress.js';
import type { Results } from '../src/results/schema.js';
import { benchmarkMetrics } from './metrics.bench.js';

export const QUICKSTART_BUDGET_MS = 120_000;
export const METRICS_SHARE_BUDGET = 0.01;
export const ORCHESTRATOR_RSS_BUDGET_BYTES = 150 * 1024 * 1024;

/** Sum of every counted sample's latency in a results document: the run's inference time. */
export function inferenceMs(results: Pick<Results, 'cells'>): number {
  return results.cells.reduce((sum, cell) => sum + cell.samples.reduce((s, sample) => s + sample.latencyMs, 0), 0);
}

export function vmHwmBytes(): number | null {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

const quickstartFlags = (resultsDir: string) => ({
  engines: 'transformersjs,qvac',
  models: 'tiny',
  targets: 'cpu',
  tasks: 'caption,ocr',
  runs: '3',
  warmup: '1',
  hostWarmup: String(DEFAULT_HOST_WARMUP),
  timeout: '120',
  loadTimeout: '600',
  scheduling: 'interleaved',
  defaultImageBudget: QUICKSTART_IMAGE_BUDGET,
  resultsDir,
  reportsDir: join(resultsDir, 'reports'),
  report: false,
  quiet: true,
});

function line(name: string, value: string, budget: string, ok: boolean): void {
  console.log(`${ok ? 'within' : 'OVER  '} ${name.padEnd(22)} ${value.padEnd(28)} budget ${budget}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const extraResults = args.includes('--results') ? args[args.indexOf('--results') + 1] : undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'vlmbench-budgets-'));
  console.log(`vlmbench budgets, ${new Date().toISOString()}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  try {
    // 1. Orchestrator memory first, while this process has done nothing else.
    const options = runOptionsFrom(quickstartFlags(join(scratch, 'in-process')), 'bench:budgets in-process quick start');
    const outcome = await new Orchestrator(options, createProgress(process.stdout, true)).run();
    const hwm = vmHwmBytes();

    // 2. The quick start as a user runs it.
    const started = performance.now();
    const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli.js'), 'quickstart', '--results-dir', join(scratch, 'cli'), '--reports-dir', join(scratch, 'cli-reports'), '--quiet'], { encoding: 'utf8', cwd: REPO_ROOT });
    const quickstartMs = performance.now() - started;
    if (cli.status !== 0) console.log(`quick start exited ${cli.status}: ${(cli.stderr || cli.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    const runIds = readdirSync(join(scratch, 'cli')).filter((name) => !name.startsWith('.'));
    const quickstartResults = runIds[0] ? (JSON.parse(readFileSync(join(scratch, 'cli', runIds[0], 'results.json'), 'utf8')) as Results) : outcome.results;

    // 3. Metric scoring against the runs' inference time.
    const metrics = await benchmarkMetrics();

    line('quick start wall time', `${(quickstartMs / 1000).toFixed(1)} s`, `${QUICKSTART_BUDGET_MS / 1000} s`, quickstartMs < QUICKSTART_BUDGET_MS);
    const shares: Array<[string, Pick<Results, 'cells'>]> = [['quick start run', quickstartResults]];
    if (extraResults) shares.push([extraResults, JSON.parse(readFileSync(extraResults, 'utf8')) as Results]);
    for (const [label, results] of shares) {
      const inference = inferenceMs(results);
      const share = inference > 0 ? metrics.meanMs / inference : Number.POSITIVE_INFINITY;
      line('metric scoring share', `${(share * 100).toFixed(3)}% (${metrics.meanMs.toFixed(1)} ms of ${(inference / 1000).toFixed(1)} s)`, `${METRICS_SHARE_BUDGET * 100}% — ${label}`, share < METRICS_SHARE_BUDGET);
    }
    line('orchestrator peak RSS', hwm === null ? 'unreadable' : `${(hwm / 1024 / 1024).toFixed(1)} MiB`, `${ORCHESTRATOR_RSS_BUDGET_BYTES / 1024 / 1024} MiB`, hwm !== null && hwm < ORCHESTRATOR_RSS_BUDGET_BYTES);
    console.log(`(in-process run: ${outcome.results.cells.length} cells, ${outcome.results.cells.filter((c) => c.status === 'ok').length} ok; load average now ${loadavg().map((v) => v.toFixed(2)).join(' ')})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`bench:budgets failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
