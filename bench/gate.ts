/**
 * Does the regression gate hold on this machine? (a benchmark, not a test: it measures and
 * prints.) It makes N independent A/A pairs — two real runs of the same code, one after the
 * other, each into its own folder, as the CI workflow makes them — and asks the public gate
 * (compareRuns) two questions of each pair:
 * - base against head: the same code must pass (exit 0);
 * - base against head with every latency 30% slower (bench/inflate.ts): the gate must catch it (exit 1).
 * It also inflates each engine's cells alone, and counts those catches apart: the whole-run catch
 * can come from one engine's cells while another engine is too noisy here for 30% to show.
 * It prints each pair's verdicts, what tripped a failed A/A pair, and the counts. The target is
 * N/N on both; the exit code is 0 when both targets are met, 1 when not, 2 when a run failed.
 *
 * Run: `npm run bench:gate -- [--pairs 10] [--inflation 1.3] [--flags "--runs 10 --processes 3 --limit 2"] [--keep DIR]`
 * --flags is the `vlmbench run` profile (default: the CI workflow's, on two fixtures per task so
 * twenty runs take tens of minutes, not hours); runs are --offline into --keep DIR (default a
 * temporary folder, removed at the end).
 * `--judge DIR` runs nothing: it asks today's gate the same questions of the pairs an earlier
 * `--keep DIR` left (DIR/pair-N/base and head), so a change to the gate is judged on real runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareRuns, exitCodeFor } from '../src/compare/gate.js';
import type { CompareReport } from '../src/compare/types.js';
import { REPO_ROOT } from '../src/measure/environment.js';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { inflateLatencies } from './inflate.js';

export const DEFAULT_FLAGS = '--runs 10 --processes 3 --limit 2';

export interface GateBenchOptions {
  pairs: number;
  inflation: number;
  flags: string[];
  keep?: string;
  judge?: string;
}

export function parseArgs(argv: string[]): GateBenchOptions {
  const options: GateBenchOptions = { pairs: 10, inflation: 1.3, flags: DEFAULT_FLAGS.split(' ') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--pairs') options.pairs = Number(value);
    else if (flag === '--inflation') options.inflation = Number(value);
    else if (flag === '--flags') options.flags = value.split(/\s+/).filter(Boolean);
    else if (flag === '--keep') options.keep = value;
    else if (flag === '--judge') options.judge = value;
    else throw new Error(`unknown argument ${flag} — use --pairs N, --inflation X, --flags "…", --keep DIR, --judge DIR`);
    i++;
  }
  if (!Number.isInteger(options.pairs) || options.pairs < 1) throw new Error('--pairs takes a whole number ≥ 1');
  if (!(options.inflation > 1)) throw new Error('--inflation takes a factor above 1, e.g. 1.3');
  return options;
}

/** One real run of the CLI into a fresh folder. */
function runOnce(out: string, flags: string[]): Results {
  const cli = join(REPO_ROOT, 'dist', 'src', 'cli.js');
  const child = spawnSync(process.execPath, [cli, 'run', '--offline', ...flags, '--allow-failures', '--no-report', '--quiet', '--out', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`vlmbench run exited ${child.status}: ${(child.stderr || child.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return readRun(out);
}

/** What made a comparison fail, in a few words per finding. */
export function tripped(report: CompareReport): string[] {
  return report.regressions.map((finding) => {
    const where = `${finding.key.engine}/${finding.key.task}/${finding.key.fixture}`;
    if (finding.statusChange) return `${where}: ${finding.statusChange.base} → ${finding.statusChange.head}`;
    const delta = finding.delta;
    const change = delta?.relativeChange !== null && delta?.relativeChange !== undefined ? `${(delta.relativeChange * 100).toFixed(1)}%` : `${delta?.absoluteChange}`;
    return `${where}: ${delta?.label ?? delta?.metric} ${change}${delta?.pValue !== null && delta?.pValue !== undefined ? ` (p=${delta.pValue.toPrecision(2)})` : ''}`;
  });
}

function readRun(folder: string): Results {
  return ResultsSchema.parse(JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')));
}

/** The pairs an earlier --keep left in a folder, in order: pair-1, pair-2, … */
export function keptPairs(root: string): number[] {
  return readdirSync(root)
    .map((name) => /^pair-(\d+)$/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined && existsSync(join(root, `pair-${n}`, 'head', 'results.json')))
    .map(Number)
    .sort((a, b) => a - b);
}

interface Tally {
  passed: number;
  caught: number;
  pairs: number;
  /** Per engine: pairs where that engine's timings alone, inflated, were caught. */
  caughtAlone: Map<string, number>;
}

/** Both questions of one pair, printed; the tally counts the answers. */
function judgePair(pair: number, base: Results, head: Results, inflation: number, tally: Tally, took: string): void {
  const same = compareRuns(base, head);
  const slower = compareRuns(base, inflateLatencies(head, inflation));
  const sameCode = exitCodeFor(same);
  const slowerCode = exitCodeFor(slower);
  tally.pairs++;
  if (sameCode === 0) tally.passed++;
  if (slowerCode === 1) tally.caught++;
  // The whole run slower is the target; each engine alone says whose cells the gate can see it in.
  const alone: string[] = [];
  for (const engine of [...new Set(head.cells.filter((cell) => cell.status === 'ok').map((cell) => cell.key.engine))].sort()) {
    const hit = exitCodeFor(compareRuns(base, inflateLatencies(head, inflation, engine))) === 1;
    tally.caughtAlone.set(engine, (tally.caughtAlone.get(engine) ?? 0) + (hit ? 1 : 0));
    alone.push(`${engine} ${hit ? 'caught' : 'missed'}`);
  }
  console.log(
    `pair ${pair}: A/A exit ${sameCode} (${sameCode === 0 ? 'pass' : 'FAIL'}), ×${inflation} exit ${slowerCode} (${slowerCode === 1 ? `caught, ${slower.regressions.length} regressions` : 'MISSED'}; one engine alone: ${alone.join(', ')})${took}`,
  );
  if (sameCode !== 0) for (const line of sameCode === 2 ? same.comparability.differences.filter((d) => d.blocking).map((d) => `refused: ${d.field} ${d.base} → ${d.head}`) : tripped(same)) console.log(`  ${line}`);
  for (const warning of same.warnings) console.log(`  warning: ${warning}`);
}

function summary(tally: Tally, inflation: number): number {
  const percent = Math.round((inflation - 1) * 100);
  console.log(`A/A: ${tally.passed}/${tally.pairs} pass (target ${tally.pairs}/${tally.pairs}); ${percent}% inflation: ${tally.caught}/${tally.pairs} caught (target ${tally.pairs}/${tally.pairs})`);
  console.log(`${percent}% inflation of one engine alone: ${[...tally.caughtAlone].map(([engine, caught]) => `${engine} ${caught}/${tally.pairs}`).join(', ')} caught`);
  return tally.pairs > 0 && tally.passed === tally.pairs && tally.caught === tally.pairs ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  const tally: Tally = { passed: 0, caught: 0, pairs: 0, caughtAlone: new Map() };
  if (options.judge) {
    const pairs = keptPairs(options.judge);
    console.log(`bench:gate: judging the ${pairs.length} kept pair(s) in ${options.judge} with today's gate (no new runs); inflation ×${options.inflation}`);
    for (const pair of pairs) judgePair(pair, readRun(join(options.judge, `pair-${pair}`, 'base')), readRun(join(options.judge, `pair-${pair}`, 'head')), options.inflation, tally, '');
    return summary(tally, options.inflation);
  }
  const root = options.keep ?? mkdtempSync(join(tmpdir(), 'vlmbench-gate-'));
  console.log(`bench:gate: ${options.pairs} A/A pairs of "vlmbench run --offline ${options.flags.join(' ')}" on this machine (load average ${loadavg()[0]?.toFixed(1)}); inflation ×${options.inflation}; runs in ${root}`);
  try {
    for (let pair = 1; pair <= options.pairs; pair++) {
      const started = Date.now();
      let base: Results;
      let head: Results;
      try {
        base = runOnce(join(root, `pair-${pair}`, 'base'), options.flags);
        head = runOnce(join(root, `pair-${pair}`, 'head'), options.flags);
      } catch (error) {
        console.error(`pair ${pair}: ${(error as Error).message}`);
        return 2;
      }
      judgePair(pair, base, head, options.inflation, tally, ` · ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    }
  } finally {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
  return summary(tally, options.inflation);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`bench:gate: ${(error as Error).message}`);
      process.exitCode = 2;
    },
  );
}
