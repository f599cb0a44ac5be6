/**
 * Accuracy and performance as separate passes, the way MLPerf LoadGen separates its modes.
 *
 * Greedy outputs are deterministic, so quality needs one pass over every fixture; timing needs
 * repetition, and the unit that varies is the process (a process keeps its speed luck for life).
 * With `run --processes N` (N ≥ 2) or a `--budget`, a run is:
 * - an accuracy pass: every fixture once per engine, in one process per engine (its samples are
 *   tagged `pass: "accuracy"` and never enter a speed or memory verdict). Skipped for
 *   shape-faithful weights, whose outputs mean nothing;
 * - a performance pass: a representative subset of fixtures (spread over the categories), in up
 *   to N rounds of fresh engine processes, interleaved between engines, each with its warm-ups
 *   and counted runs (tagged `pass: "performance"`, `process: r`). From the third round on, it
 *   stops early once every engine pair's 95% interval of the speed ratio is narrower than the
 *   noise band, or when the time budget would be overspent.
 * Without them, a run is one pass, as before: every fixture, one process per engine.
 */
import type { LoadedFixture } from '../fixtures/manifest.js';
import type { Cell } from '../results/schema.js';
import { decideRatio, effectiveRatioBand, ratioUnits, DEFAULT_NOISE_BAND } from '../verdict/index.js';

/** Processes before the interval can be trusted to decide an early stop (a t interval on 2 is too wide to mean much). */
export const MIN_PROCESSES_BEFORE_STOP = 3;
/** Rounds a `--budget` run may use when --processes is not given. */
export const BUDGET_MAX_PROCESSES = 10;
export const DEFAULT_PERF_FIXTURES_PER_TASK = 4;

export interface Pass {
  /** The journal part these cells belong to (absent for a single-pass run). */
  part?: string;
  pass?: 'accuracy' | 'performance';
  /** 0 for the accuracy pass, 1..N for the performance rounds. */
  process?: number;
  fixtures: LoadedFixture[];
  runs: number;
  warmup: number;
  /** Load the block's hosts in reverse order (alternates between rounds, so neither engine always loads first). */
  reverseLoadOrder: boolean;
}

export interface PassOptions {
  processes: number;
  budgetMs?: number;
  perfFixturesPerTask?: number;
  runs: number;
  warmup: number;
}

/** True when the run is split into an accuracy and a performance pass. */
export function isTwoPass(options: Pick<PassOptions, 'processes' | 'budgetMs'>): boolean {
  return options.processes >= 2 || options.budgetMs !== undefined;
}

export function maxRounds(options: Pick<PassOptions, 'processes' | 'budgetMs'>): number {
  return options.processes >= 2 ? options.processes : BUDGET_MAX_PROCESSES;
}

/**
 * A representative subset per task: fixtures spread evenly over the task's categories (sorted by
 * name), the first fixture of each chosen category, then the next ones, until `perTask`.
 */
export function performanceSubset(fixtures: LoadedFixture[], perTask: number): LoadedFixture[] {
  const chosen: LoadedFixture[] = [];
  for (const task of [...new Set(fixtures.map((f) => f.task))]) {
    const byCategory = new Map<string, LoadedFixture[]>();
    for (const fixture of fixtures.filter((f) => f.task === task)) byCategory.set(fixture.category, [...(byCategory.get(fixture.category) ?? []), fixture]);
    const categories = [...byCategory.keys()].sort();
    const picked: LoadedFixture[] = [];
    for (let depth = 0; picked.length < perTask && categories.some((c) => (byCategory.get(c)?.length ?? 0) > depth); depth++) {
      const available = categories.filter((c) => (byCategory.get(c)?.length ?? 0) > depth);
      const want = Math.min(perTask - picked.length, available.length);
      for (let j = 0; j < want; j++) picked.push(byCategory.get(available[Math.floor((j * available.length) / want)] as string)![depth] as LoadedFixture);
    }
    chosen.push(...picked);
  }
  return chosen;
}

export function accuracyPass(fixtures: LoadedFixture[]): Pass {
  return { part: 'accuracy', pass: 'accuracy', process: 0, fixtures, runs: 1, warmup: 0, reverseLoadOrder: false };
}

export function performanceRound(round: number, subset: LoadedFixture[], options: PassOptions): Pass {
  return { part: `process-${round}`, pass: 'performance', process: round, fixtures: subset, runs: options.runs, warmup: options.warmup, reverseLoadOrder: round % 2 === 0 };
}

export interface StopCheck {
  stop: boolean;
  reason: string;
}

/**
 * Whether the performance pass has what it needs: every engine pair (same model and target, per
 * task) has a 95% interval of its speed ratio narrower than the band's width, from process units.
 */
export function narrowEnough(cells: Cell[], rounds: number, noiseBand = DEFAULT_NOISE_BAND): StopCheck {
  if (rounds < MIN_PROCESSES_BEFORE_STOP) return { stop: false, reason: `${rounds} of at least ${MIN_PROCESSES_BEFORE_STOP} processes` };
  const groups = new Map<string, Cell[]>();
  for (const cell of cells) {
    const { engine, model, quant, target, task } = cell.key;
    groups.set(`${model}|${target}|${task}|${engine}|${quant}`, [...(groups.get(`${model}|${target}|${task}|${engine}|${quant}`) ?? []), cell]);
  }
  const keys = [...groups.keys()];
  const widths: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const [a, b] = [keys[i] as string, keys[j] as string];
      const [ma, ta, ka, ea] = a.split('|');
      const [mb, tb, kb, eb] = b.split('|');
      if (ma !== mb || ta !== tb || ka !== kb || ea === eb) continue;
      const units = ratioUnits(groups.get(a)!, groups.get(b)!, (s) => s.latencyMs, 'lower-is-better');
      if (units.unitKind !== 'process') return { stop: false, reason: `${ea} vs ${eb} (${ka}) has fewer than 2 processes measured on both sides` };
      const band = effectiveRatioBand(noiseBand, true);
      const decision = decideRatio(units.units.map((u) => u.logAdvantage), { unitKind: 'process', band });
      if (!decision.ci95) return { stop: false, reason: `${ea} vs ${eb} (${ka}): no interval yet` };
      const width = Math.log(decision.ci95[1]) - Math.log(decision.ci95[0]);
      const bandWidth = 2 * Math.log(1 + band);
      widths.push(`${ea} vs ${eb} (${ka}) ${(Math.exp(width / 2) - 1) * 100 < 10 ? ((Math.exp(width / 2) - 1) * 100).toFixed(1) : ((Math.exp(width / 2) - 1) * 100).toFixed(0)}%`);
      if (width >= bandWidth) return { stop: false, reason: `${ea} vs ${eb} (${ka}): the 95% interval is still wider than ±${(band * 100).toFixed(0)}%` };
    }
  }
  if (widths.length === 0) return { stop: false, reason: 'no engine pair to compare' };
  return { stop: true, reason: `every engine pair's 95% interval is narrower than the band (half-widths: ${widths.join(', ')})` };
}
