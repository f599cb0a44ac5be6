/**
 * The verdict-grade comparison's time goal, measured (a benchmark, not a test: it prints and
 * asserts nothing; the exit code is 0 unless the run itself fails).
 *
 * Goal (issue 14): a verdict-grade two-engine comparison of the shape-faithful 256M models over
 * the whole built-in set in under 20 minutes on a 2-core machine. This runs the README's command
 * as a user would, times it end to end (shape models generated first if the cache lacks them,
 * outside the timed part), and prints what the run decided with: processes, why it stopped, each
 * verdict, and QVAC's decode rate against the SDK's own figure.
 *
 * Run: `npm run bench:verdict -- [--flags "--processes 6 --perf-fixtures 2 --runs 2 --warmup 0 --budget 20m"]`
 * --flags is the profile after `run --engines transformersjs,qvac --models shape-smolvlm2-256m`;
 * the default is the README's command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../src/measure/environment.js';
import type { Results } from '../src/results/schema.js';

export const GOAL_MS = 20 * 60_000;
/** The README's verdict-grade profile (its "Verdicts" section runs exactly this). */
export const DEFAULT_FLAGS = '--processes 6 --perf-fixtures 2 --runs 2 --warmup 0 --budget 20m';
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');

function flag(args: string[], name: string, fallback: string): string {
  return args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback;
}

function minutes(ms: number): string {
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function main(): number {
  const args = process.argv.slice(2);
  const flags = flag(args, '--flags', DEFAULT_FLAGS).split(/\s+/).filter(Boolean);
  const scratch = mkdtempSync(join(tmpdir(), 'vlmbench-verdict-grade-'));
  console.log(`vlmbench verdict-grade bench, ${new Date().toISOString()}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  try {
    // The models are generated before the clock starts: the goal is the comparison, not the generator.
    const make = spawnSync(process.execPath, [CLI, 'models', 'make-shape', 'smolvlm2-256m'], { encoding: 'utf8', cwd: REPO_ROOT });
    if (make.status !== 0) {
      console.log(`models make-shape failed: ${(make.stderr || make.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      return 1;
    }
    const command = ['run', '--engines', 'transformersjs,qvac', '--models', 'shape-smolvlm2-256m', ...flags];
    console.log(`timing: vlmbench ${command.join(' ')}`);
    const started = performance.now();
    const run = spawnSync(process.execPath, [CLI, ...command, '--results-dir', join(scratch, 'results'), '--reports-dir', join(scratch, 'reports'), '--quiet'], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
    });
    const wallMs = performance.now() - started;
    const runIds = readdirSync(join(scratch, 'results')).filter((name) => !name.startsWith('.'));
    if (!runIds[0]) {
      console.log(`the run wrote no results (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      return 1;
    }
    const results = JSON.parse(readFileSync(join(scratch, 'results', runIds[0], 'results.json'), 'utf8')) as Results;
    const passes = results.extra?.passes as { performance?: { fixtures?: string[]; processes?: number; stopped?: string } } | undefined;
    console.log(`${wallMs <= GOAL_MS ? 'within' : 'OVER  '} goal: ${minutes(wallMs)} wall time (goal ${minutes(GOAL_MS)}), exit ${run.status}, CPU ${results.environment.cpu.model}`);
    console.log(`performance pass: ${passes?.performance?.fixtures?.length ?? '?'} fixtures, ${passes?.performance?.processes ?? '?'} processes; ${passes?.performance?.stopped ?? ''}`);
    for (const warning of results.warnings ?? []) console.log(`warning: ${warning}`);
    const summary = JSON.parse(readFileSync(join(scratch, 'reports', runIds[0], 'summary.json'), 'utf8')) as { verdicts: Array<{ task: string; aspect: string; sentence: string }> };
    for (const verdict of summary.verdicts) console.log(`${verdict.task} ${verdict.aspect}: ${verdict.sentence}`);
    // QVAC's decode rate is the worker's own figure: compare it with the SDK's, sample by sample.
    const gaps = results.cells
      .filter((cell) => cell.key.engine === 'qvac')
      .flatMap((cell) => cell.samples)
      .flatMap((sample) => {
        const sdk = sample.engineStats?.tokensPerSecond;
        return typeof sdk === 'number' && sample.decodeTokensPerSec !== null ? [Math.abs(sample.decodeTokensPerSec / sdk - 1)] : [];
      });
    if (gaps.length > 0) console.log(`QVAC decode tok/s against the SDK's stats.tokensPerSecond: largest gap ${(Math.max(...gaps) * 100).toFixed(2)}% over ${gaps.length} samples (goal: within 5%)`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
