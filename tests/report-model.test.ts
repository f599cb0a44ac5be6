import { describe, expect, it } from 'vitest';
import { UserError } from '../src/engines/engine.js';
import { ResultsSchema } from '../src/results/schema.js';
import { buildReportModel, parseResultsForReport, type Verdict } from '../src/report/model.js';
import { buildSummaryJson, SummaryJsonSchema } from '../src/report/summary.js';
import { wordDiff } from '../src/report/diff.js';
import { paretoFront } from '../src/report/charts/quality-latency.js';
import { makeResults } from './helpers/report-results.js';

function verdict(verdicts: Verdict[], task: string, aspect: string): Verdict {
  const found = verdicts.find((v) => v.task === task && v.aspect === aspect);
  if (!found) throw new Error(`no ${task} ${aspect} verdict`);
  return found;
}

describe('report model verdicts', () => {
  const results = makeResults();
  const model = buildReportModel([results], { now: new Date('2026-11-23T12:00:00Z') });

  it('the factory produces schema-valid Results', () => {
    expect(() => ResultsSchema.parse(results)).not.toThrow();
    expect(results.cells.length).toBe(24);
  });

  it('computes a speed, first-token, decode, memory and quality verdict per task', () => {
    for (const task of ['ocr', 'caption']) {
      expect(model.verdicts.filter((v) => v.task === task).map((v) => v.aspect).sort()).toEqual(['decode', 'memory', 'quality', 'speed', 'ttft']);
    }
  });

  it('names the faster engine with the statistic, both figures, the interval, the test and the band', () => {
    const speed = verdict(model.verdicts, 'ocr', 'speed');
    expect(speed.outcome).toBe('winner');
    expect(speed.winner).toBe('transformersjs');
    expect(speed.weights).toBe('real');
    expect(speed.unit).toBe('fixture');
    expect(speed.units).toBe(6);
    expect(speed.processes).toEqual([1, 1]);
    // One process per engine: the band widens to the A/A control's worst gap.
    expect(speed.band).toBe(0.125);
    expect(speed.ratio).toBeGreaterThan(1.7);
    expect(speed.ratio).toBeLessThan(2.3);
    // The ratio is exactly the ratio of the two figures the sentence shows.
    expect(speed.figures![1] / speed.figures![0]).toBeCloseTo(speed.ratio!, 10);
    expect(speed.ci95![0]).toBeLessThanOrEqual(speed.ratio!);
    expect(speed.ci95![1]).toBeGreaterThanOrEqual(speed.ratio!);
    expect(speed.sentence).toMatch(
      /^transformersjs is \d\.\d\d× faster than qvac: geometric mean over 6 fixtures of the per-fixture median end-to-end latency, one process per engine, [\d.]+ ms vs [\d.]+ ms \(95% CI \d\.\d\d×–\d\.\d\d×, paired t-test on log ratios over 6 fixtures p [<=] [\d.]+; noise band ±12\.5%, widened for one process per engine\)\.$/,
    );
    expect(speed.evidence).toMatch(/one process per engine/);
    expect(speed.evidence).toMatch(/30 vs 30 performance samples over 6 common fixtures/);
    expect(speed.fixtures).toHaveLength(6);
    expect(speed.n).toBe(60);
    expect(speed.short).toMatch(/^transformersjs \d\.\d\d× faster$/);
  });

  it('shows the settings that differ next to the verdict', () => {
    const speed = verdict(model.verdicts, 'ocr', 'speed');
    expect(speed.caveats).toEqual(expect.arrayContaining([expect.stringMatching(/^Frames per image: 5 vs 1$/), expect.stringMatching(/^Quantisation: q8 vs Q8_0$/)]));
    expect(speed.evidence).toMatch(/settings that differ: .*Frames per image: 5 vs 1/);
  });

  it('judges OCR quality by CER (lower is better) with a paired test over enough fixtures', () => {
    const ten = buildReportModel([makeResults({ ocrFixtures: 10 })]);
    const quality = verdict(ten.verdicts, 'ocr', 'quality');
    expect(quality.metric).toBe('cer');
    expect(quality.outcome).toBe('winner');
    expect(quality.winner).toBe('transformersjs');
    expect(quality.pValue).toBeLessThan(0.05);
    expect(quality.n).toBe(10);
    expect(quality.sentence).toMatch(/^transformersjs is better on CER than qvac: mean per-fixture CER over 10 fixtures, [\d.]+ vs [\d.]+ \(difference [\d.]+, 95% CI [\d.]+ to [\d.]+, paired t-test p [<=] [\d.e-]+; band ±0\.02; transformersjs better on 10, qvac on 0, 0 tied\)\.$/);
    expect(quality.evidence).toMatch(/lower is better/);
  });

  it('needs at least 8 fixtures for a quality verdict', () => {
    const quality = verdict(model.verdicts, 'ocr', 'quality');
    expect(quality.outcome).toBe('insufficient');
    expect(quality.winner).toBeNull();
    expect(quality.sentence).toMatch(/^Not enough evidence for a quality verdict on CER between transformersjs and qvac: needs at least 8 fixtures measured on both sides, has 6/);
    const caption = verdict(model.verdicts, 'caption', 'quality');
    expect(caption.metric).toBe('ciderD');
    // caption-6 failed for qvac, so only 5 fixtures pair up.
    expect(caption.n).toBe(5);
    expect(caption.short).toBe('not enough evidence');
  });

  it('compares memory as per-run peaks of host plus worker, with parts that add up', () => {
    const memory = verdict(model.verdicts, 'ocr', 'memory');
    expect(memory.winner).toBe('transformersjs');
    expect(memory.sentence).toMatch(/^transformersjs needs \d\.\d\d× less peak memory than qvac: geometric mean over 6 fixtures of the per-fixture median per-run peak memory \(host \+ worker\), one process per engine, [\d.]+ MiB vs [\d.]+ MiB/);
    expect(memory.figures![1] / memory.figures![0]).toBeCloseTo(memory.ratio!, 10);
    const parts = /qvac host ([\d.]+) \+ worker ([\d.]+) = ([\d.]+) MiB/.exec(memory.evidence)!;
    expect(Number(parts[1]) + Number(parts[2])).toBeCloseTo(Number(parts[3]), 6);
    expect(memory.evidence).toMatch(/transformersjs host [\d.]+ MiB \(no worker\)/);
  });

  it('lists failed cells with their reasons', () => {
    expect(model.failures).toHaveLength(1);
    expect(model.failures[0]!.key.fixture).toBe('caption-6');
    expect(model.failures[0]!.reason).toMatch(/timeout/);
    const caption = model.tasks.find((t) => t.task === 'caption')!;
    expect(caption.variants.find((f) => f.variant.engine === 'qvac')!.failedCells).toBe(1);
  });

  it('recomputes corpus-level quality from outputs and references', () => {
    const ocr = model.tasks.find((t) => t.task === 'ocr')!;
    const tjs = ocr.variants.find((f) => f.variant.engine === 'transformersjs')!;
    // transformersjs outputs equal the references exactly, so its corpus CER is 0.
    expect(tjs.quality.find((q) => q.name === 'cer')!.corpus).toBe(0);
  });

  it('with one engine, says there is nothing to compare', () => {
    const single = buildReportModel([makeResults({ engines: ['transformersjs'] })]);
    expect(single.engines).toEqual(['transformersjs']);
    for (const v of single.verdicts) {
      expect(v.winner).toBeNull();
      expect(v.sentence).toMatch(/Only one engine \(transformersjs\)/);
      expect(v.outcome).toBe('single-engine');
    }
  });

  it('when one engine failed everywhere, says so instead of comparing', () => {
    const results = makeResults();
    for (const cell of results.cells) {
      if (cell.key.engine === 'qvac' && cell.key.task === 'ocr') Object.assign(cell, { status: 'failed', reason: 'worker crashed', samples: [], output: undefined, quality: undefined });
    }
    const model = buildReportModel([ResultsSchema.parse(results)]);
    const speed = verdict(model.verdicts, 'ocr', 'speed');
    expect(speed.winner).toBeNull();
    expect(speed.sentence).toMatch(/Only one engine \(transformersjs\) produced results; qvac failed or was unavailable on every fixture/);
    expect(model.failures.filter((f) => f.reason === 'worker crashed')).toHaveLength(6);
    expect(verdict(model.verdicts, 'caption', 'speed').outcome).toBe('winner');
  });

  it('never judges tiny synthetic weights, and labels shape-faithful verdicts', () => {
    const tiny = buildReportModel([makeResults({ synthetic: 'tiny' })]);
    expect(tiny.synthetic.tiny).toEqual(['smolvlm2-256m']);
    for (const v of tiny.verdicts) {
      expect(v.outcome).toBe('not-judged');
      expect(v.winner).toBeNull();
      expect(v.weights).toBe('tiny');
      expect(v.short).toBe('not judged: tiny synthetic weights');
    }
    expect(verdict(tiny.verdicts, 'ocr', 'quality').sentence).toMatch(/^Quality not judged/);
    expect(verdict(tiny.verdicts, 'ocr', 'speed').sentence).toMatch(/^Speed not judged between transformersjs and qvac: tiny synthetic weights \(smolvlm2-256m\)/);
    const shape = buildReportModel([makeResults({ synthetic: 'shape' })]);
    expect(shape.synthetic.shape).toEqual(['smolvlm2-256m']);
    expect(shape.tasks.every((t) => t.variants.every((f) => f.qualityHidden))).toBe(true);
    const speed = verdict(shape.verdicts, 'ocr', 'speed');
    expect(speed.outcome).toBe('winner');
    expect(speed.weights).toBe('shape');
    expect(speed.sentence).toMatch(/^transformersjs is [\d.]+× faster than qvac \[shape-faithful random weights\]:/);
    expect(speed.short).toMatch(/\(shape weights\)$/);
    expect(verdict(shape.verdicts, 'ocr', 'quality').outcome).toBe('not-judged');
  });

  it('builds a cross-device view for several runs', () => {
    const a = makeResults({ runId: 'run-a', hostname: 'host-a' });
    const b = makeResults({ runId: 'run-b', hostname: 'host-b', slowdown: 2 });
    const multi = buildReportModel([a, b]);
    expect(multi.crossDevice).not.toBeNull();
    const view = multi.crossDevice!;
    expect(view.runs.map((r) => r.runId)).toEqual(['run-a', 'run-b']);
    const row = view.rows.find((r) => r.key.engine === 'transformersjs' && r.key.fixture === 'ocr-1')!;
    expect(row.comparable).toBe(true);
    expect(row.perRun[1]!.latencyMedianMs! / row.perRun[0]!.latencyMedianMs!).toBeCloseTo(2, 1);
    const failedRow = view.rows.find((r) => r.key.engine === 'qvac' && r.key.fixture === 'caption-6')!;
    expect(failedRow.comparable).toBe(false);
    // Verdicts are per device: speed comparisons are never pooled across machines.
    expect(multi.verdicts.filter((v) => v.task === 'ocr' && v.aspect === 'speed').map((v) => v.runId)).toEqual(['run-a', 'run-b']);
    expect(buildReportModel([a]).crossDevice).toBeNull();
  });

  it('flags runs whose settings differ as not comparable', () => {
    const a = makeResults({ runId: 'run-a' });
    const b = makeResults({ runId: 'run-b', runs: 3 });
    const view = buildReportModel([a, b]).crossDevice!;
    expect(view.rows.every((r) => !r.comparable)).toBe(true);
    expect(view.statements.join(' ')).toMatch(/counted runs differs/);
  });
});

describe('summary.json', () => {
  it('validates against its own schema and carries every verdict', () => {
    const model = buildReportModel([makeResults()]);
    const summary = buildSummaryJson(model);
    expect(() => SummaryJsonSchema.parse(JSON.parse(JSON.stringify(summary)))).not.toThrow();
    expect(summary.schema).toBe('vlmbench-summary');
    expect(summary.version).toBe(1);
    expect(summary.verdicts).toHaveLength(10);
    expect(summary.verdicts.every((v) => v.weights === 'real')).toBe(true);
    expect(summary.failures).toHaveLength(1);
    expect(summary.synthetic.any).toBe(false);
    const speed = summary.verdicts.find((v) => v.task === 'ocr' && v.aspect === 'speed')!;
    expect(speed.winner).toBe('transformersjs');
    expect(speed.ci95).toHaveLength(2);
  });

  it('leaves quality out for shape-synthetic models', () => {
    const summary = buildSummaryJson(buildReportModel([makeResults({ synthetic: 'shape' })]));
    expect(summary.figures.every((f) => f.quality === null)).toBe(true);
    expect(summary.synthetic.shape).toEqual(['smolvlm2-256m']);
  });
});

describe('parseResultsForReport', () => {
  it('accepts valid results', () => {
    const results = makeResults();
    expect(parseResultsForReport(JSON.parse(JSON.stringify(results))).run.id).toBe(results.run.id);
  });

  it('rejects an invalid file with a UserError naming the first bad field', () => {
    const broken = JSON.parse(JSON.stringify(makeResults())) as { cells: Array<{ key: { engine: unknown } }> };
    broken.cells[3]!.key.engine = 42;
    expect(() => parseResultsForReport(broken)).toThrow(UserError);
    expect(() => parseResultsForReport(broken)).toThrow(/field "cells\[3\]\.key\.engine"/);
  });

  it('rejects a wrong schema version and non-objects', () => {
    const wrongVersion = { ...JSON.parse(JSON.stringify(makeResults())), schemaVersion: 2 };
    expect(() => parseResultsForReport(wrongVersion)).toThrow(/field "schemaVersion"/);
    expect(() => parseResultsForReport('nope')).toThrow(UserError);
  });
});

describe('helpers', () => {
  it('word diff marks missing and added words', () => {
    expect(wordDiff('a red square', 'a blue square')).toEqual([
      { op: 'equal', text: 'a' },
      { op: 'delete', text: 'red' },
      { op: 'insert', text: 'blue' },
      { op: 'equal', text: 'square' },
    ]);
    expect(wordDiff('same text', 'same text')).toEqual([{ op: 'equal', text: 'same text' }]);
  });

  it('the Pareto front keeps only undominated points', () => {
    const points = [
      { latency: 100, quality: 0.5 },
      { latency: 200, quality: 0.9 },
      { latency: 300, quality: 0.6 },
    ];
    expect(paretoFront(points, true)).toEqual([points[0], points[1]]);
    expect(paretoFront(points, false)).toEqual([points[0]]);
  });
});
