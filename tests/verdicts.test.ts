import { describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { buildReportModel, type Verdict } from '../src/report/model.js';
import { confirmedByFastest, decideDifference, decideRatio, ratioUnits, DEFAULT_NOISE_BAND, SINGLE_PROCESS_BAND } from '../src/verdict/index.js';
import { makeResults } from './helpers/report-results.js';

const log = Math.log;

describe('decideRatio', () => {
  const options = { unitKind: 'process' as const, band: DEFAULT_NOISE_BAND };

  it('identical units: no clear difference', () => {
    const d = decideRatio([0, 0, 0, 0], options);
    expect(d.outcome).toBe('no-clear-difference');
    expect(d.estimate).toBe(1);
  });

  it('a 3% advantage, however consistent, is within the band', () => {
    const d = decideRatio([log(1.03), log(1.03), log(1.03)], options);
    expect(d.outcome).toBe('no-clear-difference');
    expect(d.ci95).toEqual([expect.closeTo(1.03, 10), expect.closeTo(1.03, 10)]);
    expect(d.reason).toMatch(/within the ±5% noise band/);
  });

  it('a consistent 30% advantage wins, for whichever side has it', () => {
    expect(decideRatio([log(1.3), log(1.28), log(1.32)], options)).toMatchObject({ outcome: 'winner', better: 'a' });
    expect(decideRatio([log(1 / 1.3), log(1 / 1.28), log(1 / 1.32)], options)).toMatchObject({ outcome: 'winner', better: 'b' });
  });

  it('an effect beyond the band whose interval does not clear it is not enough evidence', () => {
    const d = decideRatio([log(1.02), log(1.25), log(1.1)], options);
    expect(d.outcome).toBe('not-enough-evidence');
    expect(d.reason).toMatch(/does not clear the band: more processes would settle it/);
  });

  it('one unit is never enough', () => {
    const d = decideRatio([log(3)], { ...options, unitKind: 'fixture' });
    expect(d.outcome).toBe('not-enough-evidence');
    expect(d.reason).toMatch(/needs at least 2 fixtures measured on both sides, has 1/);
    expect(decideRatio([], options).reason).toMatch(/has 0/);
  });

  it('significance alone is not enough: a tight 8% effect is within the one-process band, and wins once processes are replicated', () => {
    const units = [log(1.08), log(1.081), log(1.079), log(1.08)];
    expect(decideRatio(units, { unitKind: 'fixture', band: SINGLE_PROCESS_BAND }).outcome).toBe('no-clear-difference');
    expect(decideRatio(units, { unitKind: 'process', band: DEFAULT_NOISE_BAND }).outcome).toBe('winner');
  });
});

describe('confirmedByFastest', () => {
  const options = { unitKind: 'process' as const, band: 0.1 };
  const slower = decideRatio([0.26, 0.3, 0.28], options); // A clearly ahead: a winner
  const faster = decideRatio([-0.26, -0.3, -0.28], options);
  const level = decideRatio([0.01, -0.02, 0.0], options);

  it('lets a winner stand only when the fastest runs name the same winner', () => {
    expect(slower.outcome).toBe('winner');
    expect(level.outcome).toBe('no-clear-difference');
    expect(confirmedByFastest(slower, slower)).toBe(true);
    expect(confirmedByFastest(slower, level)).toBe(false);
    expect(confirmedByFastest(slower, faster)).toBe(false);
  });

  it('has nothing to confirm when the median run named no winner', () => {
    expect(confirmedByFastest(level, slower)).toBe(true);
    expect(confirmedByFastest(level, level)).toBe(true);
  });
});

describe('decideDifference', () => {
  it('decides on metric points with a minimum number of fixtures', () => {
    const eight = [0.1, 0.12, 0.09, 0.11, 0.1, 0.13, 0.08, 0.1];
    expect(decideDifference(eight, { unitKind: 'fixture', band: 0.02, minUnits: 8 })).toMatchObject({ outcome: 'winner', better: 'a' });
    expect(decideDifference(eight.slice(0, 7), { unitKind: 'fixture', band: 0.02, minUnits: 8 }).outcome).toBe('not-enough-evidence');
    expect(decideDifference(eight.map((d) => d / 10), { unitKind: 'fixture', band: 0.02, minUnits: 8 }).outcome).toBe('no-clear-difference');
  });
});

/** The issue's own check: every QVAC latency set to transformers.js's times a factor. */
function perturbed(factor: number, processes = 1): Results {
  const results = structuredClone(makeResults({ processes, runs: processes > 1 ? 6 : 5 }));
  const tjs = new Map(results.cells.filter((c) => c.key.engine === 'transformersjs').map((c) => [`${c.key.task}|${c.key.fixture}`, c]));
  for (const cell of results.cells) {
    const twin = tjs.get(`${cell.key.task}|${cell.key.fixture}`);
    if (cell.key.engine !== 'qvac' || cell.status !== 'ok' || !twin) continue;
    cell.samples = twin.samples.map((s) => ({ ...s, latencyMs: s.latencyMs * factor, ttftMs: s.ttftMs === null ? null : s.ttftMs * factor }));
  }
  return ResultsSchema.parse(results);
}

function speedOf(results: Results, task = 'ocr'): Verdict {
  return buildReportModel([results]).verdicts.find((v) => v.task === task && v.aspect === 'speed')!;
}

describe('report verdicts under perturbation', () => {
  it('an exact copy is no clear difference', () => {
    const v = speedOf(perturbed(1));
    expect(v.outcome).toBe('no-difference');
    expect(v.sentence).toMatch(/^No clear speed difference between transformersjs and qvac: within the ±12\.5% noise band/);
  });

  it('3% slower is no clear difference, with one process or several', () => {
    for (const processes of [1, 3]) {
      const v = speedOf(perturbed(1.03, processes));
      expect(v.outcome).toBe('no-difference');
      expect(v.winner).toBeNull();
      expect(v.short).toMatch(/^no clear difference/);
    }
  });

  it('30% slower is a winner', () => {
    for (const processes of [1, 3]) {
      const v = speedOf(perturbed(1.3, processes));
      expect(v.outcome).toBe('winner');
      expect(v.winner).toBe('transformersjs');
      expect(v.ratio).toBeCloseTo(1.3, 6);
    }
  });
});

describe('replicated processes', () => {
  const results = makeResults({ processes: 3, runs: 6 });
  const speed = speedOf(results);

  it('uses processes as the unit, the plain band, and shows their spread', () => {
    expect(speed.unit).toBe('process');
    expect(speed.units).toBe(3);
    expect(speed.processes).toEqual([3, 3]);
    expect(speed.band).toBe(DEFAULT_NOISE_BAND);
    expect(speed.spread).toMatch(/^process-to-process range of the per-process figure over 3 processes: transformersjs [\d.]+–[\d.]+ ms, qvac [\d.]+–[\d.]+ ms$/);
    expect(speed.sentence).toMatch(/geometric mean over 3 processes of each process's geometric mean, over 6 fixtures, of the per-fixture median end-to-end latency/);
    expect(speed.sentence).toMatch(/paired t-test on log ratios over 3 processes/);
    expect(speed.figures![1] / speed.figures![0]).toBeCloseTo(speed.ratio!, 10);
  });

  it('never counts accuracy-pass samples as timing', () => {
    const withAccuracy = structuredClone(results);
    for (const cell of withAccuracy.cells) {
      if (cell.status === 'ok') cell.samples.push({ ...cell.samples[0]!, latencyMs: 1e9, process: 0, pass: 'accuracy' });
    }
    const a = withAccuracy.cells.filter((c) => c.key.engine === 'transformersjs' && c.key.task === 'ocr');
    const b = withAccuracy.cells.filter((c) => c.key.engine === 'qvac' && c.key.task === 'ocr');
    const units = ratioUnits(a, b, (s) => s.latencyMs, 'lower-is-better');
    expect(units.figureA).toBeLessThan(1e6);
    expect(speedOf(ResultsSchema.parse(withAccuracy)).ratio).toBeCloseTo(speed.ratio!, 10);
  });
});

describe('the noise band setting', () => {
  it('a wider configured band turns a clear winner into no clear difference, and the sentence states it', () => {
    const results = perturbed(1.1, 3);
    expect(speedOf(results).outcome).toBe('winner');
    const wide = buildReportModel([results], { noiseBand: 0.15 }).verdicts.find((v) => v.task === 'ocr' && v.aspect === 'speed')!;
    expect(wide.outcome).toBe('no-difference');
    expect(wide.band).toBe(0.15);
    expect(wide.sentence).toMatch(/within the ±15% noise band/);
  });
});

describe('unverified model files', () => {
  it('are labelled in every verdict and never get a quality verdict', () => {
    const results = structuredClone(makeResults({ ocrFixtures: 10 }));
    for (const model of results.models) if (model.engine === 'qvac') model.verification = { status: 'unverified', problems: ['no pin for model.gguf'] };
    const model = buildReportModel([ResultsSchema.parse(results)]);
    const speed = model.verdicts.find((v) => v.task === 'ocr' && v.aspect === 'speed')!;
    expect(speed.weights).toBe('unverified');
    expect(speed.sentence).toMatch(/\[unverified model files\]/);
    const quality = model.verdicts.find((v) => v.task === 'ocr' && v.aspect === 'quality')!;
    expect(quality.outcome).toBe('not-judged');
    expect(quality.short).toBe('not judged: unverified model files');
    expect(quality.sentence).toMatch(/not shown to be the real checkpoint/);
  });
});
