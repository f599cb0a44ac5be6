import { describe, expect, it } from 'vitest';
import { checkComparability } from '../src/compare/comparable.js';
import { compareRuns, exitCodeFor, renderCompareMarkdown } from '../src/compare/gate.js';
import { ResultsSchema, type Cell, type Results, type Sample } from '../src/results/schema.js';

// ---------------------------------------------------------------------------------------
// A small factory for schema-true Results documents.

const NOISE = [0, 12, -8, 5, -15, 9, -3, 14, -11, 2];
const MIB = 2 ** 20;

interface CellSpec {
  fixture?: string;
  engine?: string;
  status?: Cell['status'];
  reason?: string;
  /** Median-ish latency; the samples are this plus NOISE (rotated by `phase`). */
  latencyMs?: number;
  phase?: number;
  runs?: number;
  peakRssBytes?: number;
  text?: string;
  quality?: Record<string, number | null>;
}

function sample(latencyMs: number, noise: number, peakRssBytes: number): Sample {
  return {
    latencyMs,
    ttftMs: 100 + noise / 10,
    decodeTokensPerSec: 25 + noise / 100,
    promptTokens: 80,
    imageTokens: 64,
    frames: 1,
    generatedTokens: 20,
    peakRssBytes,
    workerPeakRssBytes: null,
  };
}

function makeCell(spec: CellSpec = {}): Cell {
  const status = spec.status ?? 'ok';
  const runs = spec.runs ?? 10;
  const base = spec.latencyMs ?? 1000;
  const phase = spec.phase ?? 0;
  const peak = spec.peakRssBytes ?? 500 * MIB;
  const cell: Cell = {
    key: { engine: spec.engine ?? 'transformersjs', model: 'smolvlm2-256m', quant: 'q8', target: 'cpu', task: 'ocr', fixture: spec.fixture ?? 'receipt-01' },
    status,
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:01:00.000Z',
    warmup: [],
    samples: [],
  };
  if (spec.reason !== undefined) cell.reason = spec.reason;
  if (status !== 'ok') return cell;
  cell.load = {
    ms: 1200,
    memory: { hostPeakRssBytes: peak - 20 * MIB, workerPeakRssBytes: null },
    backendRequested: 'cpu',
    backendActual: 'cpu',
    threads: 2,
    dtypes: { decoder_model_merged: 'q8' },
    notes: [],
    shared: false,
  };
  cell.prompt = { text: 'Read the text.', maxNewTokens: 64, temperature: 0, seed: 42 };
  cell.samples = Array.from({ length: runs }, (_, index) => {
    const noise = NOISE[(index + phase) % NOISE.length] as number;
    return sample(base + noise, noise, peak);
  });
  cell.output = { text: spec.text ?? 'TOTAL 12.50', stableAcrossSamples: true };
  cell.quality = spec.quality ?? { cer: 0.1, wer: 0.2, wordF1: 0.8 };
  return cell;
}

interface ResultsSpec {
  id?: string;
  cells: Cell[];
  cpuModel?: string;
  node?: string;
  threads?: number;
  runs?: number;
}

function makeResults(spec: ResultsSpec): Results {
  const document: Results = {
    schemaVersion: 1,
    tool: { name: 'vlmbench', version: '0.1.0' },
    run: {
      id: spec.id ?? 'run-base',
      command: 'vlmbench run',
      startedAt: '2026-11-23T10:00:00.000Z',
      finishedAt: '2026-11-23T10:30:00.000Z',
      settings: {
        engines: ['transformersjs', 'qvac'],
        models: ['smolvlm2-256m'],
        targets: ['cpu'],
        tasks: ['ocr'],
        fixturesDir: 'fixtures',
        runs: spec.runs ?? 10,
        warmup: 1,
        threads: spec.threads ?? 2,
        maxNewTokens: { ocr: 64, caption: 64 },
        timeoutMs: 600000,
        scheduling: 'interleaved',
        offline: true,
      },
      complete: true,
    },
    environment: {
      os: { platform: 'linux', release: '6.1.0', arch: 'x64' },
      cpu: { model: spec.cpuModel ?? 'AMD EPYC 7B13', logicalCores: 2, physicalCores: 1, flags: ['avx2'] },
      memoryBytes: 24 * 2 ** 30,
      gpu: [],
      node: spec.node ?? 'v20.20.0',
      packages: { 'onnxruntime-node': '1.30.0', '@qvac/sdk': '0.19.1' },
      git: { commit: 'abcdef1234567890', dirty: false },
    },
    engines: [{ id: 'transformersjs', packageName: '@huggingface/transformers', version: '4.3.1', available: true }],
    models: [
      { id: 'smolvlm2-256m', engine: 'transformersjs', quant: 'q8', source: 'hf', synthetic: false, files: [{ role: 'dir', path: 'm', bytes: 10, sha256: 'aa' }] },
    ],
    fixtures: {
      manifestSha256: 'ff',
      dir: 'fixtures',
      items: [{ id: 'receipt-01', task: 'ocr', category: 'receipt', image: 'receipt-01.png', sha256: 'bb', references: ['TOTAL 12.50'], source: 'generated', licence: 'CC0' }],
    },
    prompts: { ocr: 'Read the text.' },
    cells: spec.cells,
  };
  return ResultsSchema.parse(document);
}

// ---------------------------------------------------------------------------------------

describe('compareRuns verdicts', () => {
  it('flags a clear +30% latency regression (10 samples, significant) → exit 1', () => {
    const base = makeResults({ cells: [makeCell({ latencyMs: 1000 })] });
    const head = makeResults({ id: 'run-head', cells: [makeCell({ latencyMs: 1300, phase: 3 })] });
    const report = compareRuns(base, head);
    expect(report.verdict).toBe('regression');
    expect(exitCodeFor(report)).toBe(1);
    expect(report.regressions).toHaveLength(1);
    const delta = report.regressions[0]?.delta;
    expect(delta?.replication).toBe('sample');
    expect(delta?.band).toBe(0.125);
    expect(delta?.metric).toBe('latencyMs');
    expect(delta?.relativeChange).toBeCloseTo(0.3, 2);
    expect(delta?.pValue).toBeLessThan(0.001);
    expect(report.unchangedCells).toBe(0);
    const markdown = renderCompareMarkdown(report);
    expect(markdown.split('\n')[0]).toBe('## ❌ vlmbench compare: 1 regression');
    expect(markdown).toMatch(/\| transformersjs \/ smolvlm2-256m \/ q8 \/ cpu \/ ocr \/ receipt-01 \| Latency \(median\) \| 1001 ms \| 1301 ms \| \+30\.0% \| p<0\.001, 10 vs 10 samples, head\/base 95% CI 1\.2\d\d–1\.3\d\d, band ±12\.5% \|/);
  });

  it('passes a noise-level +3% change → exit 0', () => {
    const base = makeResults({ cells: [makeCell({ latencyMs: 1000 })] });
    const head = makeResults({ id: 'run-head', cells: [makeCell({ latencyMs: 1030, phase: 5 })] });
    const report = compareRuns(base, head);
    expect(report.verdict).toBe('clean');
    expect(exitCodeFor(report)).toBe(0);
    expect(report.regressions).toEqual([]);
    expect(report.unchangedCells).toBe(1);
    expect(renderCompareMarkdown(report)).toMatch(/^## ✅ vlmbench compare: no regressions\n/);
  });

  it('does not gate a large change that cannot be tested (one run each) and warns', () => {
    const base = makeResults({ runs: 1, cells: [makeCell({ latencyMs: 1000, runs: 1 })] });
    const head = makeResults({ id: 'run-head', runs: 1, cells: [makeCell({ latencyMs: 1500, runs: 1 })] });
    const report = compareRuns(base, head);
    expect(exitCodeFor(report)).toBe(0);
    expect(report.warnings.join('\n')).toMatch(/too few samples/);
  });

  it('respects a per-metric threshold', () => {
    const base = makeResults({ cells: [makeCell({ latencyMs: 1000 })] });
    const head = makeResults({ id: 'run-head', cells: [makeCell({ latencyMs: 1300, phase: 3 })] });
    expect(exitCodeFor(compareRuns(base, head, { thresholds: { latencyMs: 0.5 } }))).toBe(0);
  });

  it('lists a latency improvement without failing', () => {
    const base = makeResults({ cells: [makeCell({ latencyMs: 1300 })] });
    const head = makeResults({ id: 'run-head', cells: [makeCell({ latencyMs: 1000, phase: 3 })] });
    const report = compareRuns(base, head);
    expect(exitCodeFor(report)).toBe(0);
    expect(report.improvements.map((finding) => finding.delta?.metric)).toEqual(['latencyMs']);
    expect(renderCompareMarkdown(report)).toMatch(/### Improvements \(1\)/);
  });

  it('flags a quality drop (CER +0.05) → exit 1, with the text change listed', () => {
    const base = makeResults({ cells: [makeCell({ text: 'TOTAL 12.50', quality: { cer: 0.1, wordF1: 0.8 } })] });
    const head = makeResults({ id: 'run-head', cells: [makeCell({ text: 'T0TAL 12.5O', quality: { cer: 0.15, wordF1: 0.8 } })] });
    const report = compareRuns(base, head);
    expect(exitCodeFor(report)).toBe(1);
    expect(report.regressions.map((finding) => finding.delta?.metric)).toEqual(['quality.cer']);
    expect(report.regressions[0]?.delta?.absoluteChange).toBeCloseTo(0.05, 12);
    expect(report.textChanges).toEqual([expect.objectContaining({ baseText: 'TOTAL 12.50', headText: 'T0TAL 12.5O' })]);
    const markdown = renderCompareMarkdown(report);
    expect(markdown).toContain('<details><summary>Output text changed in 1 cell(s)</summary>');
    expect(markdown).toContain('```text\nT0TAL 12.5O\n```');
  });

  it('treats a higher-is-better drop as a regression and a change within tolerance as none', () => {
    const base = makeResults({ cells: [makeCell({ quality: { cer: 0.1, wordF1: 0.8 } })] });
    const dropped = makeResults({ id: 'run-head', cells: [makeCell({ quality: { cer: 0.1, wordF1: 0.7 } })] });
    expect(compareRuns(base, dropped).regressions.map((finding) => finding.delta?.metric)).toEqual(['quality.wordF1']);
    const withinTolerance = makeResults({ id: 'run-head', cells: [makeCell({ quality: { cer: 0.105, wordF1: 0.795 } })] });
    expect(exitCodeFor(compareRuns(base, withinTolerance))).toBe(0);
  });

  it('flags ok → failed as a regression and lists cells present in one run only', () => {
    const base = makeResults({ cells: [makeCell({ fixture: 'receipt-01' }), makeCell({ fixture: 'gone' })] });
    const head = makeResults({
      id: 'run-head',
      cells: [makeCell({ fixture: 'receipt-01', status: 'failed', reason: 'host crashed: SIGSEGV' }), makeCell({ fixture: 'new' })],
    });
    const report = compareRuns(base, head);
    expect(exitCodeFor(report)).toBe(1);
    expect(report.regressions[0]?.statusChange).toEqual(expect.objectContaining({ base: 'ok', head: 'failed', reason: 'host crashed: SIGSEGV' }));
    expect(report.onlyInBase.map((key) => key.fixture)).toEqual(['gone']);
    expect(report.onlyInHead.map((key) => key.fixture)).toEqual(['new']);
    const markdown = renderCompareMarkdown(report);
    expect(markdown).toContain('| status | ok | failed | — | host crashed: SIGSEGV |');
    expect(markdown).toContain('Only in base (1): `transformersjs / smolvlm2-256m / q8 / cpu / ocr / gone`');
  });

  it('gates memory on per-run peaks by the same rule', () => {
    const base = makeResults({ cells: [makeCell({ peakRssBytes: 500 * MIB })] });
    const head = makeResults({ id: 'run-head', cells: [makeCell({ peakRssBytes: 600 * MIB })] });
    const report = compareRuns(base, head);
    expect(report.regressions.map((finding) => finding.delta?.metric)).toEqual(['peakMemoryBytes']);
    expect(renderCompareMarkdown(report)).toContain('| 500.0 MiB | 600.0 MiB | +20.0% |');
  });
});

/** Cells of one process each, tagged with their process index and a per-process factor (its luck). */
function replicated(spec: CellSpec & { luck: number[]; memoryLuck?: number[] }): Cell {
  const cell = makeCell({ ...spec, runs: spec.luck.length * 4 });
  cell.samples = cell.samples.map((s, index) => {
    const process = Math.floor(index / 4);
    const factor = spec.luck[process] as number;
    const memory = spec.memoryLuck?.[process] ?? 1;
    return { ...s, process, latencyMs: s.latencyMs * factor, ttftMs: (s.ttftMs ?? 0) * factor, decodeTokensPerSec: (s.decodeTokensPerSec ?? 0) / factor, peakRssBytes: Math.round((s.peakRssBytes ?? 0) * memory) };
  });
  return cell;
}

describe('compareRuns with replicated processes', () => {
  it('an A/A pair whose processes differ by up to 15% in memory and 8% in speed stays clean', () => {
    const base = makeResults({ cells: [replicated({ luck: [1, 1.08, 0.96], memoryLuck: [1, 1.15, 0.97] })] });
    const head = makeResults({ id: 'run-head', cells: [replicated({ luck: [1.05, 0.95, 1.02], memoryLuck: [1.12, 0.99, 1.04], phase: 4 })] });
    const report = compareRuns(base, head);
    expect(report.regressions).toEqual([]);
    const memory = report.cells[0]!.deltas.find((d) => d.metric === 'peakMemoryBytes')!;
    expect(memory.replication).toBe('process');
    expect(memory.nBase).toBe(3);
    expect(memory.band).toBe(0.1);
  });

  it('a 30% slower head in every process is a regression', () => {
    const base = makeResults({ cells: [replicated({ luck: [1, 1.03, 0.98] })] });
    const head = makeResults({ id: 'run-head', cells: [replicated({ luck: [1.3, 1.33, 1.28] })] });
    const report = compareRuns(base, head);
    expect(report.regressions.map((f) => f.delta?.metric)).toEqual(expect.arrayContaining(['latencyMs']));
    expect(report.regressions.find((f) => f.delta?.metric === 'latencyMs')?.delta?.replication).toBe('process');
    expect(report.regressions.find((f) => f.delta?.metric === 'latencyMs')?.delta?.bestRun?.classification).toBe('regression');
  });

  /**
   * QVAC's tiny runs on this machine: each run is fast (about 250 ms, one llama.cpp thread active)
   * or slowed (about 650 ms, two threads contending), and the share of slowed runs differs between
   * identical processes. `slowShare` per process; the fast runs keep a little noise of their own.
   */
  function bimodal(slowShare: number[], factor = 1): Cell {
    const cell = makeCell({ runs: slowShare.length * 10 });
    cell.samples = cell.samples.map((s, index) => {
      const process = Math.floor(index / 10);
      const slow = index % 10 < Math.round((slowShare[process] as number) * 10);
      const latencyMs = (slow ? 650 : 250 + (NOISE[index % 10] as number) / 2) * factor;
      return { ...s, process, latencyMs, ttftMs: latencyMs - 20 * factor, decodeTokensPerSec: 4000 / factor };
    });
    return cell;
  }

  it('a head whose processes were slowed more often (median +160%, fastest run unchanged) is not gated, and says so', () => {
    const base = makeResults({ cells: [bimodal([0.2, 0.3, 0.4])] });
    const head = makeResults({ id: 'run-head', cells: [bimodal([0.8, 0.7, 0.9])] });
    const report = compareRuns(base, head);
    const latency = report.cells[0]!.deltas.find((d) => d.metric === 'latencyMs')!;
    // The typical run alone would have been a regression: the check is what holds it.
    expect(latency.relativeChange!).toBeGreaterThan(1);
    expect(latency.pValue!).toBeLessThan(0.05);
    expect(latency.bestRun?.classification).toBe('unchanged');
    expect(latency.bestRun?.unconfirmed).toBe(true);
    expect(latency.classification).toBe('unchanged');
    expect(latency.reason).toMatch(/fastest run of each process did not/);
    expect(exitCodeFor(report)).toBe(0);
    expect(report.warnings.join('\n')).toMatch(/NOISY: 2 timing change\(s\).*transformersjs\/ocr\/receipt-01 Latency/);
  });

  it('the same bimodal runs 30% slower throughout are a regression', () => {
    const base = makeResults({ cells: [bimodal([0.2, 0.3, 0.4])] });
    const head = makeResults({ id: 'run-head', cells: [bimodal([0.8, 0.7, 0.9], 1.3)] });
    const report = compareRuns(base, head);
    expect(exitCodeFor(report)).toBe(1);
    const latency = report.regressions.find((f) => f.delta?.metric === 'latencyMs')!.delta!;
    expect(latency.bestRun?.classification).toBe('regression');
    expect(latency.bestRun?.head! / latency.bestRun?.base!).toBeCloseTo(1.3, 1);
    expect(latency.bestRun?.ratio).toBeCloseTo(1.3, 1);
  });

  it('memory is not held to the fastest run: a 30% higher per-run peak in every process regresses', () => {
    const base = makeResults({ cells: [replicated({ luck: [1, 1, 1], memoryLuck: [1, 1.02, 0.99] })] });
    const head = makeResults({ id: 'run-head', cells: [replicated({ luck: [1, 1, 1], memoryLuck: [1.3, 1.31, 1.29], phase: 4 })] });
    const memory = compareRuns(base, head).cells[0]!.deltas.find((d) => d.metric === 'peakMemoryBytes')!;
    expect(memory.classification).toBe('regression');
    expect(memory.bestRun).toBeUndefined();
  });
});

describe('compareRuns per variant × task', () => {
  const fixtures = ['a', 'b', 'c', 'd', 'e', 'f'];
  const run = (id: string, factor: number) =>
    makeResults({ id, cells: fixtures.map((fixture, i) => makeCell({ fixture, latencyMs: (800 + i * 100) * factor, phase: i, runs: 2 })) });

  it('a uniform 30% slowdown over every fixture is a group regression', () => {
    const report = compareRuns(run('base', 1), run('head', 1.3));
    const group = report.groups.find((g) => g.key.fixture === '*')!;
    expect(group.deltas.find((d) => d.metric === 'latencyMs')!.classification).toBe('regression');
    expect(group.deltas.find((d) => d.metric === 'latencyMs')!.replication).toBe('fixture');
    expect(report.regressions.some((f) => f.key.fixture === '*')).toBe(true);
  });

  it('a uniform 5% slowdown is not', () => {
    const report = compareRuns(run('base', 1), run('head', 1.05));
    expect(report.regressions).toEqual([]);
  });
});

describe('comparability', () => {
  it('refuses a hardware mismatch (different CPU model) → exit 2, naming the field', () => {
    const base = makeResults({ cells: [makeCell()] });
    const head = makeResults({ id: 'run-head', cpuModel: 'Intel Xeon Platinum 8375C', cells: [makeCell()] });
    const report = compareRuns(base, head);
    expect(report.refused).toBe(true);
    expect(report.verdict).toBe('refused');
    expect(exitCodeFor(report)).toBe(2);
    expect(report.comparability.differences).toEqual([
      { field: 'environment.cpu.model', kind: 'hardware', base: 'AMD EPYC 7B13', head: 'Intel Xeon Platinum 8375C', blocking: true },
    ]);
    const markdown = renderCompareMarkdown(report);
    expect(markdown).toMatch(/^## ⛔ vlmbench compare: refused/);
    expect(markdown).toContain('| environment.cpu.model | hardware | AMD EPYC 7B13 | Intel Xeon Platinum 8375C |');
  });

  it('compares anyway with allowMismatch, warning at the top', () => {
    const base = makeResults({ cells: [makeCell()] });
    const head = makeResults({ id: 'run-head', cpuModel: 'Intel Xeon Platinum 8375C', cells: [makeCell()] });
    const report = compareRuns(base, head, { allowMismatch: true });
    expect(report.refused).toBe(false);
    expect(report.mismatchAllowed).toBe(true);
    expect(exitCodeFor(report)).toBe(0);
    const lines = renderCompareMarkdown(report).split('\n');
    expect(lines[2]).toBe('> [!WARNING]');
    expect(lines.slice(0, 10).join('\n')).toContain('environment.cpu.model');
  });

  it('refuses a settings mismatch but only lists software differences', () => {
    const base = makeResults({ cells: [makeCell()] });
    const threads = checkComparability(base, makeResults({ threads: 4, cells: [makeCell()] }));
    expect(threads.comparable).toBe(false);
    expect(threads.differences.map((difference) => difference.field)).toEqual(['settings.threads']);
    const node = checkComparability(base, makeResults({ node: 'v22.1.0', cells: [makeCell()] }));
    expect(node.comparable).toBe(true);
    expect(node.differences).toEqual([{ field: 'environment.node', kind: 'software', base: 'v20.20.0', head: 'v22.1.0', blocking: false }]);
  });

  it('refuses runs with different image budgets (exit 2), and a budget against a run from before budgets existed', () => {
    const withBudget = (budget: 'native' | 'matched' | 'single' | undefined) => {
      const results = makeResults({ cells: [makeCell()] });
      if (budget) results.run.settings.imageBudget = budget;
      return results;
    };
    const report = compareRuns(withBudget('native'), withBudget('single'));
    expect(report.refused).toBe(true);
    expect(exitCodeFor(report)).toBe(2);
    const difference = checkComparability(withBudget('native'), withBudget('single')).differences;
    expect(difference).toEqual([{ field: 'settings.imageBudget', kind: 'settings', base: 'native', head: 'single', blocking: true }]);
    expect(checkComparability(withBudget(undefined), withBudget('native')).differences[0]).toMatchObject({ field: 'settings.imageBudget', base: 'legacy (transformers.js one squashed frame)', blocking: true });
    expect(checkComparability(withBudget('matched'), withBudget('matched')).comparable).toBe(true);
  });

  it('refuses when a model file hash changed', () => {
    const base = makeResults({ cells: [makeCell()] });
    const head = makeResults({ cells: [makeCell()] });
    const file = head.models[0]?.files[0];
    if (file) file.sha256 = 'cc';
    const result = checkComparability(base, head);
    expect(result.comparable).toBe(false);
    expect(result.differences.map((difference) => difference.field)).toEqual(['models.transformersjs/smolvlm2-256m/q8.sha256.dir']);
  });

  it('finds identical runs comparable with no differences', () => {
    const base = makeResults({ cells: [makeCell()] });
    expect(checkComparability(base, makeResults({ cells: [makeCell()] }))).toEqual({ comparable: true, differences: [] });
  });
});

describe('outside load', () => {
  it('warns loudly when either run was contaminated', () => {
    const base = makeResults({ cells: [makeCell()] });
    const head = makeResults({ id: 'run-head', cells: [{ ...makeCell(), machineLoad: { loadAverage: [5.2, 7.9], otherCpuSeconds: 12, otherCpuShare: 0.6, contaminated: true } }] });
    const report = compareRuns(base, head);
    expect(report.warnings.join('\n')).toMatch(/^CONTAMINATED: Head run run-head was measured under outside load \(1 of 1 cells/m);
    expect(renderCompareMarkdown(report)).toMatch(/> ⚠️ CONTAMINATED: Head run run-head/);
    expect(compareRuns(base, makeResults({ id: 'run-head', cells: [makeCell()] })).warnings.join('\n')).not.toMatch(/CONTAMINATED/);
  });
});
