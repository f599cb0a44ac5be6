/**
 * An audit of the verdicts a comparison page would quote: every number in every verdict sentence
 * of a generated report is recomputed from results.json alone, by code written here from the
 * definitions in docs/verdicts.md, without src/report, src/verdict or src/stats. The Student t
 * distribution below is integrated numerically, not taken from the project.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeResults } from './helpers/report-results.js';
import { runCli } from './helpers/cli.js';

// ------------------------------------------------------------------------------------------
// Independent statistics

/** Γ(k/2) for a positive integer k, exactly by recursion from Γ(1) = 1 and Γ(1/2) = √π. */
function gammaHalf(k: number): number {
  let value = k % 2 === 0 ? 1 : Math.sqrt(Math.PI);
  for (let x = k % 2 === 0 ? 1 : 0.5; x < k / 2 - 1e-9; x += 1) value *= x;
  return value;
}

function tDensity(x: number, df: number): number {
  return (gammaHalf(df + 1) / (Math.sqrt(df * Math.PI) * gammaHalf(df))) * (1 + (x * x) / df) ** (-(df + 1) / 2);
}

/** P(|T| ≥ t) by Simpson's rule on the density over [0, t]. */
function twoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  const steps = 20000;
  const h = Math.abs(t) / steps;
  let area = tDensity(0, df) + tDensity(Math.abs(t), df);
  for (let i = 1; i < steps; i++) area += (i % 2 === 0 ? 2 : 4) * tDensity(i * h, df);
  return Math.max(0, 1 - 2 * ((area * h) / 3));
}

function tCritical(df: number): number {
  let low = 0;
  let high = 100;
  for (let i = 0; i < 80; i++) {
    const mid = (low + high) / 2;
    if (twoSidedP(mid, df) > 0.05) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function pairedT(values: number[]): { mean: number; p: number; ci: [number, number] } {
  const m = mean(values);
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
  const se = sd / Math.sqrt(values.length);
  if (se < 1e-12) return { mean: m, p: Math.abs(m) < 1e-12 ? 1 : 0, ci: [m, m] };
  const half = tCritical(values.length - 1) * se;
  return { mean: m, p: twoSidedP(m / se, values.length - 1), ci: [m - half, m + half] };
}

// ------------------------------------------------------------------------------------------
// Plain JSON views of results.json and summary.json (no project types)

interface JsonSample {
  latencyMs: number;
  ttftMs: number | null;
  decodeTokensPerSec: number | null;
  peakRssBytes: number | null;
  workerPeakRssBytes: number | null;
  process?: number;
  pass?: string;
}
interface JsonCell {
  key: { engine: string; task: string; fixture: string };
  status: string;
  samples: JsonSample[];
  quality?: Record<string, number | null>;
}
interface JsonVerdict {
  task: string;
  aspect: string;
  contenders: string[];
  winner: string | null;
  outcome: string;
  sentence: string;
  evidence: string;
  metric?: string;
  band?: number;
}

const VALUE: Record<string, { pick: (s: JsonSample) => number | null; lowerIsBetter: boolean }> = {
  speed: { pick: (s) => s.latencyMs, lowerIsBetter: true },
  ttft: { pick: (s) => s.ttftMs, lowerIsBetter: true },
  decode: { pick: (s) => s.decodeTokensPerSec, lowerIsBetter: false },
  memory: { pick: (s) => (s.peakRssBytes === null ? null : (s.peakRssBytes + (s.workerPeakRssBytes ?? 0)) / 2 ** 20), lowerIsBetter: true },
};

/** Documented minimums a "not enough evidence" sentence may cite (docs/verdicts.md). */
const DOCUMENTED = [2, 8];

/** The numbers a ratio verdict rests on, recomputed from the cells by the documented definition. */
function recomputeRatio(cells: JsonCell[], verdict: JsonVerdict): number[] {
  const spec = VALUE[verdict.aspect]!;
  const [a, b] = verdict.contenders as [string, string];
  const byFixtureProcess = (engine: string) => {
    const map = new Map<string, Map<number, number[]>>();
    for (const cell of cells.filter((c) => c.key.engine === engine && c.key.task === verdict.task && c.status === 'ok')) {
      for (const s of cell.samples.filter((x) => x.pass !== 'accuracy')) {
        const v = spec.pick(s);
        if (v === null || !(v > 0)) continue;
        const inner = map.get(cell.key.fixture) ?? new Map<number, number[]>();
        inner.set(s.process ?? 0, [...(inner.get(s.process ?? 0) ?? []), v]);
        map.set(cell.key.fixture, inner);
      }
    }
    return map;
  };
  const A = byFixtureProcess(a);
  const B = byFixtureProcess(b);
  const fixtures = [...A.keys()].filter((f) => B.has(f));
  const processes = (m: Map<string, Map<number, number[]>>) => new Set(fixtures.flatMap((f) => [...m.get(f)!.keys()]));
  const pa = processes(A);
  const common = [...processes(B)].filter((p) => pa.has(p));
  const units: Array<{ la: number; lb: number }> = [];
  if (common.length >= 2) {
    for (const p of common) {
      const pairs = fixtures.filter((f) => A.get(f)!.has(p) && B.get(f)!.has(p));
      if (pairs.length === 0) continue;
      units.push({ la: mean(pairs.map((f) => Math.log(median(A.get(f)!.get(p)!)))), lb: mean(pairs.map((f) => Math.log(median(B.get(f)!.get(p)!)))) });
    }
  } else {
    for (const f of fixtures) units.push({ la: Math.log(median([...A.get(f)!.values()].flat())), lb: Math.log(median([...B.get(f)!.values()].flat())) });
  }
  const figA = Math.exp(mean(units.map((u) => u.la)));
  const figB = Math.exp(mean(units.map((u) => u.lb)));
  // A's advantage per unit, as a log ratio.
  const logs = units.map((u) => (spec.lowerIsBetter ? u.lb - u.la : u.la - u.lb));
  const test = pairedT(logs);
  const aWins = verdict.winner === a;
  const flip = verdict.outcome === 'winner' && !aWins;
  const ratio = flip ? Math.exp(-test.mean) : Math.exp(test.mean);
  const ci = flip ? [Math.exp(-test.ci[1]), Math.exp(-test.ci[0])] : test.ci.map(Math.exp);
  return [figA, figB, ratio, ci[0] as number, ci[1] as number, test.p, units.length, fixtures.length, (verdict.band ?? 0) * 100, 95, ...DOCUMENTED];
}

function recomputeQuality(cells: JsonCell[], verdict: JsonVerdict): number[] {
  const metric = verdict.metric!;
  const lowerIsBetter = metric === 'cer' || metric === 'wer';
  const [a, b] = verdict.contenders as [string, string];
  const scores = (engine: string) =>
    new Map(cells.filter((c) => c.key.engine === engine && c.key.task === verdict.task && c.status === 'ok' && typeof c.quality?.[metric] === 'number').map((c) => [c.key.fixture, c.quality![metric] as number]));
  const A = scores(a);
  const B = scores(b);
  const fixtures = [...A.keys()].filter((f) => B.has(f));
  const adv = fixtures.map((f) => (lowerIsBetter ? B.get(f)! - A.get(f)! : A.get(f)! - B.get(f)!));
  const test = pairedT(adv);
  const figA = mean(fixtures.map((f) => A.get(f)!));
  const figB = mean(fixtures.map((f) => B.get(f)!));
  const flip = verdict.outcome === 'winner' && verdict.winner !== a;
  const ci = flip ? [-test.ci[1], -test.ci[0]] : test.ci;
  const wins = [adv.filter((d) => d > 0).length, adv.filter((d) => d < 0).length, adv.filter((d) => d === 0).length];
  return [figA, figB, Math.abs(figA - figB), test.mean, ci[0] as number, ci[1] as number, test.p, fixtures.length, verdict.band ?? 0, 95, ...DOCUMENTED, ...wins];
}

/** Every number written in the sentence must be one of the recomputed ones, as written (≤ 0.5% off, or rounding). */
function numbersIn(sentence: string): number[] {
  // Identifiers (smolvlm2-256m, Q8_0) hold digits that are names, not figures.
  return [...sentence.replace(/\[[^\]]*\]/g, '').replace(/[A-Za-z][\w.-]*\d[\w.-]*/g, '').matchAll(/(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?/g)].map((m) => Number(m[0]));
}

function accountedFor(written: number, expected: number[]): boolean {
  return expected.some((value) => {
    if (!Number.isFinite(value)) return false;
    const magnitude = Math.max(Math.abs(value), 1e-9);
    // Written to 2–4 significant digits: allow that rounding, plus 0.5%.
    const digits = String(written).replace('.', '').replace(/^0+/, '').length;
    const rounding = magnitude * 10 ** (1 - Math.max(2, digits)) * 0.5;
    return Math.abs(written - value) <= Math.max(rounding, magnitude * 0.005) || (value < 0.0001 && written === 0.0001);
  });
}

// ------------------------------------------------------------------------------------------

describe('every number in every verdict sentence recomputes from results.json', () => {
  const work = mkdtempSync(join(tmpdir(), 'vlmbench-audit-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const cases: Array<[string, ReturnType<typeof makeResults>]> = [
    ['one process per engine, enough fixtures for quality', makeResults({ ocrFixtures: 10, runId: 'audit-one' })],
    ['three processes per engine', makeResults({ processes: 3, runs: 6, ocrFixtures: 10, runId: 'audit-three' })],
    ['shape-faithful weights', makeResults({ synthetic: 'shape', runId: 'audit-shape' })],
    ['a 3% perturbation', makeResults({ latencyScale: { transformersjs: 2.05 * 1.03 }, runId: 'audit-close' })],
  ];

  for (const [name, results] of cases) {
    it(name, async () => {
      const dir = join(work, results.run.id);
      const resultsPath = join(work, `${results.run.id}.json`);
      writeFileSync(resultsPath, JSON.stringify(results));
      const run = await runCli(['report', resultsPath, '--out', dir]);
      expect(run.code, run.stderr).toBe(0);
      const data = JSON.parse(readFileSync(resultsPath, 'utf8')) as { cells: JsonCell[] };
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { verdicts: JsonVerdict[] };
      let audited = 0;
      for (const verdict of summary.verdicts) {
        if (verdict.outcome === 'not-judged' || verdict.outcome === 'single-engine') {
          expect(numbersIn(verdict.sentence)).toEqual([]);
          continue;
        }
        const expected = verdict.aspect === 'quality' ? recomputeQuality(data.cells, verdict) : recomputeRatio(data.cells, verdict);
        for (const written of numbersIn(verdict.sentence)) {
          expect(accountedFor(written, expected), `${written} in "${verdict.sentence}" (recomputed: ${expected.map((v) => v.toPrecision(5)).join(', ')})`).toBe(true);
        }
        if (verdict.aspect !== 'quality' && verdict.outcome === 'winner') {
          // The headline ratio is the recomputed ratio, and the two figures beside it divide to it.
          const ratio = Number(/ ([\d.]+)× /.exec(verdict.sentence)?.[1]);
          expect(ratio).toBeCloseTo(expected[2] as number, 2);
        }
        audited++;
      }
      expect(audited).toBeGreaterThan(0);
    }, 60_000);
  }

  it('the memory evidence adds up as displayed', async () => {
    const results = makeResults({ runId: 'audit-memory' });
    const resultsPath = join(work, 'audit-memory.json');
    writeFileSync(resultsPath, JSON.stringify(results));
    const run = await runCli(['report', resultsPath, '--out', join(work, 'audit-memory')]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(work, 'audit-memory', 'summary.json'), 'utf8')) as { verdicts: JsonVerdict[] };
    for (const verdict of summary.verdicts.filter((v) => v.aspect === 'memory' && v.outcome !== 'single-engine')) {
      for (const match of verdict.evidence.matchAll(/host ([\d.]+) \+ worker ([\d.]+) = ([\d.]+) MiB/g)) {
        expect(Number(match[1]) + Number(match[2])).toBeCloseTo(Number(match[3]), 6);
      }
    }
  });
});
