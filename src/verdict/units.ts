/**
 * Replication units for a verdict, built from the cells of two variants (A and B) on one task.
 *
 * The unit is the thing that varies: a process keeps its speed luck (memory layout, page
 * placement) for its whole life, so samples pooled from one process never count as replications.
 * - When both sides ran their performance samples in 2 or more processes (`run --processes N`),
 *   the unit is the process: in process round p, each fixture f both sides measured gives the
 *   median of its samples, and the unit's value is the geometric mean of those medians over the
 *   fixtures. A's and B's rounds are paired (they ran interleaved, at the same time).
 * - Otherwise each engine ran in one process, and the unit is the fixture: the median of its
 *   samples. The verdict then says it rests on one process.
 *
 * Each side's figure is the geometric mean of its unit values, so the ratio of the two figures is
 * exactly the geometric mean of the per-unit ratios that the decision tests: a reader can divide
 * the numbers in the sentence and get the ratio in it.
 *
 * Accuracy-pass samples (`pass: 'accuracy'`, one run per fixture for the outputs) never enter a
 * timing or memory unit.
 */
import type { Cell, Sample } from '../results/schema.js';
import { median } from '../stats/index.js';
import type { UnitKind } from './decide.js';

export type Direction = 'lower-is-better' | 'higher-is-better';

export interface RatioUnit {
  /** `process 2` or the fixture id. */
  id: string;
  /** log of A's advantage in this unit. */
  logAdvantage: number;
  /** Mean log of A's (and B's) per-fixture medians in this unit. */
  logA: number;
  logB: number;
  fixtures: number;
}

export interface RatioUnits {
  unitKind: Exclude<UnitKind, 'sample'>;
  units: RatioUnit[];
  /** exp(mean of logA over units): the figure whose ratio to figureB is the verdict's estimate. */
  figureA: number;
  figureB: number;
  /** Processes with performance samples on each side (over the common fixtures). */
  processes: { a: number; b: number };
  /** Fixtures measured on both sides. */
  fixtures: string[];
  /** (process, fixture) medians that entered the units, per side (equal by construction). */
  pairs: number;
  samples: { a: number; b: number };
  /** Per-process figures' range on each side: the process-to-process spread. Null for fixture units. */
  spread: { a: [number, number]; b: [number, number] } | null;
}

/** Counted samples that measure speed and memory: every sample but the accuracy pass's. */
export function performanceSamples(cell: Cell): Sample[] {
  return cell.status === 'ok' ? cell.samples.filter((sample) => sample.pass !== 'accuracy') : [];
}

export function processOf(sample: Sample): number {
  return sample.process ?? 0;
}

type ValueOf = (sample: Sample) => number | null | undefined;

/** fixture → process → positive finite values. */
function valuesByFixtureAndProcess(cells: readonly Cell[], value: ValueOf): Map<string, Map<number, number[]>> {
  const byFixture = new Map<string, Map<number, number[]>>();
  for (const cell of cells) {
    for (const sample of performanceSamples(cell)) {
      const v = value(sample);
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) continue;
      const byProcess = byFixture.get(cell.key.fixture) ?? new Map<number, number[]>();
      const list = byProcess.get(processOf(sample)) ?? [];
      list.push(v);
      byProcess.set(processOf(sample), list);
      byFixture.set(cell.key.fixture, byProcess);
    }
  }
  return byFixture;
}

function meanOf(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Paired ratio units of a positive figure (latency, TTFT, decode rate, memory) for A against B. */
export function ratioUnits(cellsA: readonly Cell[], cellsB: readonly Cell[], value: ValueOf, direction: Direction): RatioUnits {
  const a = valuesByFixtureAndProcess(cellsA, value);
  const b = valuesByFixtureAndProcess(cellsB, value);
  const fixtures = [...a.keys()].filter((fixture) => b.has(fixture)).sort();
  const processesOf = (side: Map<string, Map<number, number[]>>) => new Set(fixtures.flatMap((fixture) => [...(side.get(fixture)?.keys() ?? [])]));
  const processesA = processesOf(a);
  const processesB = processesOf(b);
  const common = [...processesA].filter((p) => processesB.has(p)).sort((x, y) => x - y);
  const advantage = (logA: number, logB: number) => (direction === 'lower-is-better' ? logB - logA : logA - logB);
  const units: RatioUnit[] = [];
  let samplesA = 0;
  let samplesB = 0;
  let pairs = 0;
  const unitKind: RatioUnits['unitKind'] = common.length >= 2 ? 'process' : 'fixture';
  if (unitKind === 'process') {
    for (const process of common) {
      const logsA: number[] = [];
      const logsB: number[] = [];
      for (const fixture of fixtures) {
        const valuesA = a.get(fixture)?.get(process);
        const valuesB = b.get(fixture)?.get(process);
        if (!valuesA || !valuesB) continue;
        logsA.push(Math.log(median(valuesA)));
        logsB.push(Math.log(median(valuesB)));
        samplesA += valuesA.length;
        samplesB += valuesB.length;
      }
      if (logsA.length === 0) continue;
      pairs += logsA.length;
      const logA = meanOf(logsA);
      const logB = meanOf(logsB);
      units.push({ id: `process ${process}`, logAdvantage: advantage(logA, logB), logA, logB, fixtures: logsA.length });
    }
  } else {
    for (const fixture of fixtures) {
      const valuesA = [...(a.get(fixture)?.values() ?? [])].flat();
      const valuesB = [...(b.get(fixture)?.values() ?? [])].flat();
      samplesA += valuesA.length;
      samplesB += valuesB.length;
      pairs += 1;
      const logA = Math.log(median(valuesA));
      const logB = Math.log(median(valuesB));
      units.push({ id: fixture, logAdvantage: advantage(logA, logB), logA, logB, fixtures: 1 });
    }
  }
  const figure = (pick: (unit: RatioUnit) => number) => (units.length > 0 ? Math.exp(meanOf(units.map(pick))) : Number.NaN);
  const range = (pick: (unit: RatioUnit) => number): [number, number] => {
    const values = units.map((unit) => Math.exp(pick(unit)));
    return [Math.min(...values), Math.max(...values)];
  };
  return {
    unitKind,
    units,
    figureA: figure((unit) => unit.logA),
    figureB: figure((unit) => unit.logB),
    processes: { a: processesA.size, b: processesB.size },
    fixtures,
    pairs,
    samples: { a: samplesA, b: samplesB },
    spread: unitKind === 'process' && units.length > 0 ? { a: range((unit) => unit.logA), b: range((unit) => unit.logB) } : null,
  };
}

export interface DifferenceUnits {
  /** Per fixture: A's advantage in metric points (positive = A better). */
  advantages: number[];
  fixtures: string[];
  /** Arithmetic means of each side's scores over the same fixtures: figureA - figureB is the mean advantage (sign by direction). */
  figureA: number;
  figureB: number;
  winsA: number;
  winsB: number;
  ties: number;
}

/** Paired per-fixture quality differences. `scoreOf` returns a cell's metric, or null where it has none. */
export function differenceUnits(
  cellsA: readonly Cell[],
  cellsB: readonly Cell[],
  scoreOf: (cell: Cell) => number | null | undefined,
  direction: Direction,
): DifferenceUnits {
  const scores = (cells: readonly Cell[]) => {
    const map = new Map<string, number>();
    for (const cell of cells) {
      const score = cell.status === 'ok' ? scoreOf(cell) : null;
      if (typeof score === 'number' && Number.isFinite(score)) map.set(cell.key.fixture, score);
    }
    return map;
  };
  const a = scores(cellsA);
  const b = scores(cellsB);
  const fixtures = [...a.keys()].filter((fixture) => b.has(fixture)).sort();
  const valuesA = fixtures.map((fixture) => a.get(fixture) as number);
  const valuesB = fixtures.map((fixture) => b.get(fixture) as number);
  const advantages = valuesA.map((value, i) => (direction === 'higher-is-better' ? value - (valuesB[i] as number) : (valuesB[i] as number) - value));
  return {
    advantages,
    fixtures,
    figureA: fixtures.length ? meanOf(valuesA) : Number.NaN,
    figureB: fixtures.length ? meanOf(valuesB) : Number.NaN,
    winsA: advantages.filter((d) => d > 0).length,
    winsB: advantages.filter((d) => d < 0).length,
    ties: advantages.filter((d) => d === 0).length,
  };
}
