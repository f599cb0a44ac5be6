import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsForSummary, evaluateClaims, loadLedger, type ClaimVerdict } from '../src/claims/evaluate.js';
import { cellAnchorId, renderClaimsHtml, renderClaimsMarkdown } from '../src/claims/render.js';
import { evaluateRule } from '../src/claims/rules.js';
import { parseLedger, RuleSchema, type Rule } from '../src/claims/schema.js';
import { UserError } from '../src/engines/engine.js';
import type { Footprint } from '../src/footprint/schema.js';
import { escapeHtml } from '../src/report/escape.js';
import { ResultsSchema, type Cell, type Results } from '../src/results/schema.js';

const GIB = 2 ** 30;

interface CellSpec {
  engine: string;
  model: string;
  quant?: string;
  target?: Cell['key']['target'];
  task?: Cell['key']['task'];
  fixture?: string;
  status?: Cell['status'];
  flags?: string[];
  peakRssBytes?: number;
  quality?: Record<string, number>;
}

function makeCell(spec: CellSpec): Cell {
  const status = spec.status ?? 'ok';
  const sample = {
    latencyMs: 100,
    ttftMs: 10,
    decodeTokensPerSec: 20,
    promptTokens: 10,
    imageTokens: 4,
    frames: 1,
    generatedTokens: 3,
    peakRssBytes: spec.peakRssBytes ?? 100_000_000,
    workerPeakRssBytes: null,
  };
  return {
    key: { engine: spec.engine, model: spec.model, quant: spec.quant ?? 'q8', target: spec.target ?? 'cpu', task: spec.task ?? 'ocr', fixture: spec.fixture ?? 'ocr-clean-01' },
    status,
    ...(status === 'ok' ? {} : { reason: `${status}: crafted` }),
    ...(spec.flags ? { flags: spec.flags } : {}),
    startedAt: '2026-11-23T00:00:00.000Z',
    finishedAt: '2026-11-23T00:00:01.000Z',
    warmup: [],
    samples: status === 'ok' ? [sample] : [],
    ...(spec.quality ? { quality: spec.quality } : {}),
  };
}

interface ModelSpec {
  id: string;
  engine: string;
  quant?: string;
  synthetic?: false | 'tiny';
  parameters?: number;
  bytes?: number;
}

interface ResultsSpec {
  id?: string;
  cells: CellSpec[];
  models: ModelSpec[];
  platform?: string;
  network?: { offline: boolean; method: string };
  footprint?: Footprint;
}

const CATEGORIES: Record<string, string> = {
  'ocr-clean-01': 'clean',
  ...Object.fromEntries(
    ['two-column', 'table', 'small-font'].flatMap((category) => ['01', '02', '03'].map((n) => [`ocr-${category}-${n}`, category])),
  ),
  'scene-01': 'scene-1-2-objects',
};

function makeResults(spec: ResultsSpec): Results {
  const cells = spec.cells.map(makeCell);
  return ResultsSchema.parse({
    schemaVersion: 1,
    tool: { name: 'vlmbench', version: '0.0.0' },
    run: {
      id: spec.id ?? 'run-1',
      command: 'vlmbench run',
      startedAt: '2026-11-23T00:00:00.000Z',
      finishedAt: '2026-11-23T00:01:00.000Z',
      settings: {
        engines: [...new Set(cells.map((cell) => cell.key.engine))],
        models: spec.models.map((model) => model.id),
        targets: ['cpu'],
        tasks: ['ocr', 'caption'],
        fixturesDir: '/fixtures',
        runs: 1,
        warmup: 0,
        threads: 2,
        maxNewTokens: { ocr: 96, caption: 48 },
        timeoutMs: 1000,
        scheduling: 'interleaved',
        offline: false,
      },
      complete: true,
    },
    environment: {
      os: { platform: spec.platform ?? 'linux', release: '6', arch: 'x64' },
      cpu: { model: 'cpu', logicalCores: 2, physicalCores: 1, flags: [] },
      memoryBytes: 8 * GIB,
      gpu: [],
      node: 'v20',
      packages: {},
      git: { commit: null, dirty: null },
      ...(spec.network ? { extra: { network: spec.network } } : {}),
    },
    engines: [],
    models: spec.models.map((model) => ({
      id: model.id,
      engine: model.engine,
      quant: model.quant ?? 'q8',
      source: 'crafted',
      synthetic: model.synthetic ?? false,
      files: model.bytes === undefined ? [] : [{ role: 'weights', path: '/m', bytes: model.bytes, sha256: 'x' }],
      ...(model.parameters === undefined ? {} : { parameters: model.parameters }),
    })),
    fixtures: {
      manifestSha256: 'x',
      dir: '/fixtures',
      items: Object.entries(CATEGORIES).map(([id, category]) => ({
        id,
        task: id.startsWith('scene') ? 'caption' : 'ocr',
        category,
        image: `${id}.png`,
        sha256: 'x',
        references: ['x'],
        source: 'test',
        licence: 'CC0-1.0',
      })),
    },
    prompts: {},
    cells,
    ...(spec.footprint ? { extra: { footprint: spec.footprint } } : {}),
  });
}

const SMOL = { id: 'smolvlm2-256m', engine: 'transformersjs', parameters: 256e6, bytes: 300e6 };
const TINY = { id: 'tiny-smolvlm', engine: 'transformersjs', quant: 'fp32', synthetic: 'tiny' as const, bytes: 400_000 };
const TESS = { id: 'tesseract-eng', engine: 'tesseract', quant: 'lstm-eng' };

function check(rule: unknown, results: Results[]) {
  return evaluateRule(RuleSchema.parse(rule) as Rule, results, 'MEASURE-HINT');
}

describe('aggregate rule', () => {
  const rule = { kind: 'aggregate', select: { engine: 'transformersjs', synthetic: false }, field: 'peakRssBytes', op: 'max', compare: '<', value: 2 * GIB, unit: 'bytes' };

  it('is supported when the max is under the threshold, naming the deciding cell', () => {
    const results = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, peakRssBytes: GIB }, { engine: 'transformersjs', model: SMOL.id, fixture: 'ocr-table-01', peakRssBytes: 1.5 * GIB }] });
    const outcome = check(rule, [results]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.figures['max peakRssBytes']).toBe(1.5 * GIB);
    expect(outcome.cells).toEqual(['transformersjs|smolvlm2-256m|q8|cpu|ocr|ocr-table-01']);
  });

  it('is contradicted when the max is over it', () => {
    const results = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, peakRssBytes: 3 * GIB }] });
    const outcome = check(rule, [results]);
    expect(outcome.verdict).toBe('contradicted');
    expect(outcome.evidence).toContain('3.22 GB');
  });

  it('is not measured with only synthetic weights, or no cells', () => {
    const tinyOnly = makeResults({ models: [TINY], cells: [{ engine: 'transformersjs', model: TINY.id, quant: 'fp32', peakRssBytes: 3 * GIB }] });
    const synthetic = check({ ...rule, select: { engine: 'transformersjs' } }, [tinyOnly]);
    expect(synthetic.verdict).toBe('not measured in this run');
    expect(synthetic.evidence).toContain('only synthetic weights');
    expect(synthetic.evidence).toContain('MEASURE-HINT');
    expect(check(rule, [makeResults({ models: [], cells: [] })]).verdict).toBe('not measured in this run');
  });
});

describe('exists rule', () => {
  const phone = { kind: 'exists', select: { engine: 'transformersjs', target: 'browser-*', flag: 'remote' }, realWeightsOnly: true };

  it('is supported by an ok remote browser cell of real weights', () => {
    const results = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, target: 'browser-wasm', flags: ['remote'] }] });
    const outcome = check(phone, [results]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.cells).toEqual(['transformersjs|smolvlm2-256m|q8|browser-wasm|ocr|ocr-clean-01']);
  });

  it('is contradicted when the matching cells ran and failed', () => {
    const results = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, target: 'browser-wasm', flags: ['remote'], status: 'failed' }] });
    const outcome = check(phone, [results]);
    expect(outcome.verdict).toBe('contradicted');
    expect(outcome.evidence).toContain('failed: crafted');
  });

  it('is not measured without a remote cell (a local browser cell does not count)', () => {
    const results = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, target: 'browser-wasm' }] });
    const outcome = check(phone, [results]);
    expect(outcome.verdict).toBe('not measured in this run');
    expect(outcome.evidence).toContain('MEASURE-HINT');
  });

  it('selects by platform: a phone cell flagged platform:android', () => {
    const rule = { kind: 'exists', select: { model: 'smolvlm2-*', platform: ['android', 'ios'] }, realWeightsOnly: true };
    const phone = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, target: 'browser-wasm', flags: ['remote', 'platform:android'] }] });
    const desktop = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, target: 'browser-wasm', flags: ['remote'] }] });
    expect(check(rule, [phone]).verdict).toBe('supported');
    expect(check(rule, [desktop]).verdict).toBe('not measured in this run');
  });

  it('needs every selector in the same run', () => {
    const rule = { kind: 'exists', select: [{ engine: 'qvac', task: 'caption' }, { engine: 'qvac-ocr' }] };
    const both = makeResults({ models: [], cells: [{ engine: 'qvac', model: 'm', task: 'caption', fixture: 'scene-01' }, { engine: 'qvac-ocr', model: 'o' }] });
    const split = [makeResults({ id: 'a', models: [], cells: [{ engine: 'qvac', model: 'm', task: 'caption', fixture: 'scene-01' }] }), makeResults({ id: 'b', models: [], cells: [{ engine: 'qvac-ocr', model: 'o' }] })];
    expect(check(rule, [both]).verdict).toBe('supported');
    expect(check(rule, [both]).cells).toHaveLength(2);
    expect(check(rule, split).verdict).toBe('not measured in this run');
  });
});

describe('offline rule', () => {
  const rule = { kind: 'offline', select: { engine: 'qvac*' } };
  const offline = { offline: true, method: 'procfs' };

  it('is supported by ok cells in a run recorded as offline', () => {
    const outcome = check(rule, [makeResults({ network: offline, models: [], cells: [{ engine: 'qvac-ocr', model: 'o' }] })]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.figures.offline).toBe(true);
  });

  it('is contradicted when every matching cell failed offline', () => {
    expect(check(rule, [makeResults({ network: offline, models: [], cells: [{ engine: 'qvac', model: 'm', status: 'failed' }] })]).verdict).toBe('contradicted');
  });

  it('is not measured when the run had a network or did not record it', () => {
    const online = check(rule, [makeResults({ network: { offline: false, method: 'procfs' }, models: [], cells: [{ engine: 'qvac', model: 'm' }] })]);
    expect(online.verdict).toBe('not measured in this run');
    expect(online.evidence).toContain('had a network');
    expect(check(rule, [makeResults({ models: [], cells: [{ engine: 'qvac', model: 'm' }] })]).evidence).toContain('did not record');
  });
});

describe('model-parameters and model-bytes rules', () => {
  const parameters = { kind: 'model-parameters', select: { model: 'smolvlm2-*' }, compare: '<', value: 2e9 };
  const bytes = { kind: 'model-bytes', select: { engine: 'transformersjs', model: 'smolvlm2-*', quant: ['q8', 'q4'] }, compare: '<', value: 2e9 };

  it('are supported by a real model under the thresholds', () => {
    const results = makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id }] });
    const byParameters = check(parameters, [results]);
    expect(byParameters.verdict).toBe('supported');
    expect(byParameters.evidence).toContain('256M');
    expect(byParameters.cells).toEqual(['transformersjs|smolvlm2-256m|q8|cpu|ocr|ocr-clean-01']);
    expect(check(bytes, [results]).verdict).toBe('supported');
  });

  it('are contradicted by a model over them', () => {
    const big = makeResults({ models: [{ ...SMOL, id: 'smolvlm2-big', parameters: 2.2e9, bytes: 2.5e9 }], cells: [] });
    expect(check(parameters, [big]).verdict).toBe('contradicted');
    expect(check(bytes, [big]).verdict).toBe('contradicted');
  });

  it('are not measured with only synthetic weights', () => {
    const tiny = makeResults({ models: [{ ...TINY, id: 'smolvlm2-tiny', quant: 'q8', parameters: 1000 }], cells: [] });
    expect(check(parameters, [tiny]).verdict).toBe('not measured in this run');
    expect(check(bytes, [tiny]).evidence).toContain('only synthetic weights');
    const tinyNamed = makeResults({ models: [TINY], cells: [] });
    expect(check(parameters, [tinyNamed]).evidence).toContain('only synthetic weights in this run');
  });
});

describe('compare-quality rule', () => {
  const rule = {
    kind: 'compare-quality',
    metric: 'cer',
    lowerIsBetter: true,
    subject: { engine: ['transformersjs', 'qvac'], model: 'smolvlm2-*' },
    baseline: { engine: 'tesseract' },
    categories: ['two-column', 'table', 'small-font'],
    claimSays: 'subject-worse',
  };
  // Three fixtures in each hard category: nine paired fixtures, above the 8-fixture minimum.
  const hard = ['two-column', 'table', 'small-font'].flatMap((category) => ['01', '02', '03'].map((n) => `ocr-${category}-${n}`));
  /** Per-fixture spread so the paired test has a variance to work with. */
  const wobble = (i: number) => ((i * 37) % 7) / 100 - 0.03;
  const run = (vlmCer: number, tessCer: number, fixtures = hard, extra: CellSpec[] = []) =>
    makeResults({
      models: [SMOL, TESS],
      cells: [
        ...fixtures.map((fixture, i) => ({ engine: 'transformersjs', model: SMOL.id, fixture, quality: { cer: vlmCer + wobble(i) } })),
        ...fixtures.map((fixture) => ({ engine: 'tesseract', model: TESS.id, quant: 'lstm-eng', fixture, quality: { cer: tessCer } })),
        // An easy category the rule must ignore.
        { engine: 'transformersjs', model: SMOL.id, fixture: 'ocr-clean-01', quality: { cer: 0 } },
        ...extra,
      ],
    });

  it('is supported when the VLM is clearly worse than tesseract on the hard categories (paired t-test, beyond the band)', () => {
    const outcome = check(rule, [run(0.6, 0.2)]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.figures.fixtures).toBe(9);
    expect(outcome.evidence).toMatch(/^the subject is clearly worse on cer \(lower is better\) over 9 shared fixture\(s\)/);
    expect(outcome.evidence).toMatch(/paired t-test p = /);
    expect(outcome.evidence).toMatch(/band ±0\.02, at least 8 fixtures/);
    expect(outcome.evidence).toMatch(/two-column 0\.\d+ vs 0\.2/);
    expect(outcome.cells).toContain('tesseract|tesseract-eng|lstm-eng|cpu|ocr|ocr-table-01');
    expect(outcome.cells).not.toContain('transformersjs|smolvlm2-256m|q8|cpu|ocr|ocr-clean-01');
  });

  it('is contradicted when the VLM does better, and when there is no clear difference', () => {
    expect(check(rule, [run(0.1, 0.2)]).verdict).toBe('contradicted');
    const close = check(rule, [run(0.205, 0.2)]);
    expect(close.verdict).toBe('contradicted');
    expect(close.evidence).toMatch(/^no clear difference/);
  });

  it('never decides on fewer than 8 shared fixtures, however large the difference', () => {
    const few = check(rule, [run(0.9, 0.1, hard.slice(0, 3))]);
    expect(few.verdict).toBe('not measured in this run');
    expect(few.evidence).toMatch(/needs at least 8 fixtures measured on both sides, has 3/);
  });

  it('is not measured when either side is missing or synthetic', () => {
    const noBaseline = makeResults({ models: [SMOL], cells: hard.map((fixture) => ({ engine: 'transformersjs', model: SMOL.id, fixture, quality: { cer: 0.5 } })) });
    expect(check(rule, [noBaseline]).verdict).toBe('not measured in this run');
    expect(check(rule, [noBaseline]).evidence).toContain('baseline');
    const synthetic = makeResults({
      models: [{ ...TINY, id: 'smolvlm2-x' }, TESS],
      cells: [
        { engine: 'transformersjs', model: 'smolvlm2-x', quant: 'fp32', fixture: 'ocr-table-01', quality: { cer: 0.9 } },
        { engine: 'tesseract', model: TESS.id, quant: 'lstm-eng', fixture: 'ocr-table-01', quality: { cer: 0.1 } },
      ],
    });
    expect(check(rule, [synthetic]).evidence).toContain('only synthetic weights');
  });
});

describe('platforms rule', () => {
  const rule = { kind: 'platforms', select: { engine: 'qvac' }, expected: ['linux', 'darwin', 'win32', 'android', 'ios'] };
  const onPlatform = (platform: string, status: Cell['status'] = 'ok', flags?: string[]) =>
    makeResults({ id: `run-${platform}`, platform, models: [], cells: [{ engine: 'qvac', model: 'm', status, ...(flags ? { flags } : {}) }] });

  it('is partly supported from one platform, naming the ones not measured', () => {
    const outcome = check(rule, [onPlatform('linux')]);
    expect(outcome.verdict).toBe('partly supported');
    expect(outcome.evidence).toContain('not measured on macOS, Windows, Android, iOS');
  });

  it('is supported when merged runs cover every platform (phones by cell flag)', () => {
    const runs = [onPlatform('linux'), onPlatform('darwin'), onPlatform('win32'), onPlatform('linux', 'ok', ['remote', 'platform:android']), onPlatform('darwin', 'ok', ['remote', 'platform:ios'])];
    expect(check(rule, runs).verdict).toBe('supported');
  });

  it('takes a remote cell\'s platform from its device environment, never from the host', () => {
    const remote = makeResults({ platform: 'linux', models: [], cells: [{ engine: 'qvac', model: 'm', flags: ['remote'] }] });
    remote.cells[0] = { ...(remote.cells[0] as Cell), remoteDevice: 'pixel' };
    expect(check(rule, [remote]).verdict).toBe('not measured in this run');
    remote.environment.extra = { devices: { pixel: { os: { platform: 'android' } } } };
    const outcome = check(rule, [remote]);
    expect(outcome.verdict).toBe('partly supported');
    expect(outcome.evidence).toMatch(/^ok on Android \(1 of 5 platforms\)/);
  });

  it('is contradicted where every cell failed, and not measured with no cell', () => {
    expect(check(rule, [onPlatform('linux'), onPlatform('win32', 'failed')]).verdict).toBe('contradicted');
    expect(check(rule, [makeResults({ models: [], cells: [] })]).verdict).toBe('not measured in this run');
  });
});

function footprintOf(engines: Array<{ engine: string; bytes: number; coldMs?: number; cacheCold?: boolean | null; model?: string }>, installMs?: number): Footprint {
  return {
    platform: 'linux-x64',
    notes: [],
    ...(installMs === undefined ? {} : { installMs }),
    engines: engines.map((entry) => ({
      engine: entry.engine,
      install: { packageName: entry.engine, version: '1', bytes: entry.bytes, packages: 10, nativeBytes: Math.floor(entry.bytes / 2), nativeFiles: [], method: 'm' },
      models: [],
      census: [{ model: entry.model ?? 'm', processes: 2, threads: 20, commands: [], method: 'm' }],
      coldStart:
        entry.coldMs === undefined
          ? []
          : [{ model: entry.model ?? 'm', spawnToReadyMs: 100, readyToLoadedMs: 200, loadedToFirstResultMs: 300, timeToFirstResultMs: entry.coldMs, cacheCold: entry.cacheCold ?? null, method: 'm' }],
    })),
  };
}

describe('footprint rule', () => {
  const figures = ['installBytes', 'packages', 'processes', 'threads'];
  const cells: CellSpec[] = [{ engine: 'qvac', model: 'm' }, { engine: 'transformersjs', model: 'm' }];

  it('is measured (informational) without a threshold, stating both sides', () => {
    const results = makeResults({ models: [], cells, footprint: footprintOf([{ engine: 'qvac', bytes: 4e9 }, { engine: 'transformersjs', bytes: 5e8 }]) });
    const outcome = check({ kind: 'footprint', engine: 'qvac', baseline: 'transformersjs', figures }, [results]);
    expect(outcome.verdict).toBe('measured');
    expect(outcome.evidence).toMatch(/qvac: 4\.00 GB installed, 10 packages, 2 processes, 20 threads vs transformersjs: 500\.0 MB installed/);
    expect(outcome.cells).toHaveLength(2);
  });

  it('is supported or contradicted by a ratio threshold', () => {
    const results = makeResults({ models: [], cells, footprint: footprintOf([{ engine: 'qvac', bytes: 4e9 }, { engine: 'transformersjs', bytes: 5e8 }]) });
    const rule = { kind: 'footprint', engine: 'qvac', baseline: 'transformersjs', figures, threshold: { figure: 'installBytes', compare: '>', ratio: 2 } };
    expect(check(rule, [results]).verdict).toBe('supported');
    expect(check(rule, [results]).figures.ratio).toBe(8);
    expect(check({ ...rule, threshold: { ...rule.threshold, ratio: 10 } }, [results]).verdict).toBe('contradicted');
  });

  it('is not measured when the run has no footprint', () => {
    expect(check({ kind: 'footprint', engine: 'qvac', figures }, [makeResults({ models: [], cells })]).verdict).toBe('not measured in this run');
  });
});

describe('first-result rule', () => {
  const rule = { kind: 'first-result', engine: 'transformersjs', compare: '<', value: 600_000 };
  const run = (coldMs: number, cacheCold: boolean | null, installMs?: number) =>
    makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id }], footprint: footprintOf([{ engine: 'transformersjs', bytes: 1, coldMs, cacheCold, model: SMOL.id }], installMs) });

  it('is supported by a cold-cache first result in time, install included when recorded', () => {
    const outcome = check(rule, [run(120_000, true, 90_000)]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.figures.totalMs).toBe(210_000);
    expect(outcome.figures.coldStarts).toBe(1);
    expect(outcome.evidence).toMatch(/resting on 1 cold-cache start only — 3 are needed/);
  });

  it('with 3 cold starts, decides on their median and shows their range', () => {
    const outcome = check(rule, [run(120_000, true, 90_000), { ...run(700_000, true, 90_000), run: { ...run(1, true).run, id: 'run-2' } }, run(150_000, true, 90_000)]);
    expect(outcome.figures.coldStarts).toBe(3);
    expect(outcome.figures.totalMs).toBe(240_000);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.evidence).toMatch(/median of 3 cold-cache starts 4\.0 min \(range 3\.5 min–13\.2 min\)/);
  });

  it('is contradicted when install plus first result exceed the limit', () => {
    expect(check(rule, [run(550_000, true, 90_000)]).verdict).toBe('contradicted');
  });

  it('is not measured on a warm cache or with synthetic weights', () => {
    expect(check(rule, [run(1000, false)]).evidence).toContain('not cold');
    const tiny = makeResults({ models: [TINY], cells: [], footprint: footprintOf([{ engine: 'transformersjs', bytes: 1, coldMs: 10, cacheCold: true, model: TINY.id }]) });
    expect(check(rule, [tiny]).evidence).toContain('only synthetic');
  });
});

describe('unmeasurable rule', () => {
  it('gives the reason', () => {
    const outcome = check({ kind: 'unmeasurable', reason: 'no MLX here' }, []);
    expect(outcome).toMatchObject({ verdict: 'unmeasurable', evidence: 'no MLX here' });
  });
});

describe('the ledger', () => {
  const ledgerPath = join(import.meta.dirname, '..', 'claims', 'ledger.json');

  it('loads, and every claim of the page gets a verdict', () => {
    const ledger = loadLedger();
    const ids = ledger.claims.map((claim) => claim.id);
    for (const id of ['smolvlm2-under-2b-parameters', 'smolvlm2-runs-on-phone', 'smolvlm2-quantized-under-2gb', 'smolvlm2-onnx-path', 'smolvlm2-first-result-under-10-min', 'smolvlm2-local-no-cloud', 'smolvlm2-complex-ocr-not-enough', 'qvac-one-api-vision-ocr', 'qvac-offline-once-cached', 'qvac-platforms', 'qvac-p2p-complexity']) {
      expect(ids).toContain(id);
    }
    const verdicts = evaluateClaims([makeResults({ models: [TINY], cells: [{ engine: 'transformersjs', model: TINY.id, quant: 'fp32' }] })], ledger);
    expect(verdicts).toHaveLength(ledger.claims.length);
    expect(verdicts.find((verdict) => verdict.id === 'smolvlm2-under-2b-parameters')?.evidence).toContain('only synthetic weights in this run');
    const phone = verdicts.find((verdict) => verdict.id === 'smolvlm2-runs-on-phone');
    expect(phone?.verdict).toBe('not measured in this run');
    expect(phone?.evidence).toMatch(/no run has an ok cell with model=smolvlm2-\*, platform=android\|ios \(only synthetic weights .*tiny-smolvlm\)\. To measure it: run --targets browser-wasm/);
    expect(verdicts.find((verdict) => verdict.id === 'smolvlm2-mlx-path')?.verdict).toBe('unmeasurable');
  });

  it('rejects a malformed claim, naming the claim and the field', () => {
    const ledger = JSON.parse(readFileSync(ledgerPath, 'utf8')) as { claims: Array<Record<string, unknown>> };
    const broken = structuredClone(ledger);
    (broken.claims[0] as { check: Record<string, unknown> }).check.compare = '≈';
    expect(() => parseLedger(broken)).toThrow(UserError);
    expect(() => parseLedger(broken)).toThrow(/claim "smolvlm2-under-2b-parameters" is malformed — check.compare: Invalid (enum value|option)/);
    const noSource = structuredClone(ledger);
    delete noSource.claims[1]?.source;
    expect(() => parseLedger(noSource)).toThrow(/claim "smolvlm2-runs-on-phone" is malformed — source: (Required|Invalid input)/);
    const unknownKind = structuredClone(ledger);
    (unknownKind.claims[2] as { check: Record<string, unknown> }).check = { kind: 'vibes' };
    expect(() => parseLedger(unknownKind)).toThrow(/claim "smolvlm2-quantized-under-2gb" is malformed — check.kind/);
    const duplicate = structuredClone(ledger);
    duplicate.claims.push(structuredClone(duplicate.claims[0] as Record<string, unknown>));
    expect(() => parseLedger(duplicate)).toThrow(/appears twice/);
  });

  it('flipping a threshold in a copy of the ledger flips the verdict', () => {
    const results = [makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id }] })];
    const original = evaluateClaims(results, loadLedger(ledgerPath)).find((verdict) => verdict.id === 'smolvlm2-under-2b-parameters');
    expect(original?.verdict).toBe('supported');
    const copy = JSON.parse(readFileSync(ledgerPath, 'utf8')) as { claims: Array<{ id: string; check: { value?: number } }> };
    const claim = copy.claims.find((candidate) => candidate.id === 'smolvlm2-under-2b-parameters') as { check: { value?: number } };
    claim.check.value = 100_000_000;
    const path = join(mkdtempSync(join(tmpdir(), 'vlmbench-ledger-')), 'ledger.json');
    writeFileSync(path, JSON.stringify(copy));
    const flipped = evaluateClaims(results, loadLedger(path)).find((verdict) => verdict.id === 'smolvlm2-under-2b-parameters');
    expect(flipped?.verdict).toBe('contradicted');
  });

  it('a claim added as data alone is evaluated', () => {
    const ledger = parseLedger({
      version: 1,
      claims: [{ id: 'memory-under-2gib', subject: 'SmolVLM2', claim: 'Fits in 2 GiB.', source: 'test', measureWith: 'run a real model', check: { kind: 'aggregate', select: { engine: 'transformersjs', synthetic: false }, field: 'peakRssBytes', op: 'max', compare: '<', value: 2 * GIB } }],
    });
    const verdicts = evaluateClaims([makeResults({ models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, peakRssBytes: GIB }] })], ledger);
    expect(verdicts[0]?.verdict).toBe('supported');
  });

  it('reports an unreadable or invalid ledger file as a UserError', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vlmbench-ledger-')), 'ledger.json');
    writeFileSync(path, '{ not json');
    expect(() => loadLedger(path)).toThrow(/not valid JSON/);
    expect(() => loadLedger(join(path, 'missing.json'))).toThrow(UserError);
  });
});

describe('rendering and summary', () => {
  const verdicts: ClaimVerdict[] = evaluateClaims(
    [makeResults({ network: { offline: true, method: 'm' }, models: [SMOL], cells: [{ engine: 'transformersjs', model: SMOL.id, fixture: 'ocr-table-01' }] })],
    parseLedger({
      version: 1,
      claims: [
        { id: 'local', subject: 'SmolVLM2 <b>', claim: 'Runs | locally.', source: 'page § x', measureWith: 'unshare -n', check: { kind: 'offline', select: { engine: 'transformersjs' } } },
        { id: 'mlx', subject: 'SmolVLM2', claim: 'MLX.', source: 'page § y', measureWith: 'n/a', check: { kind: 'unmeasurable', reason: 'no MLX' } },
      ],
    }),
  );

  it('links the deciding cells by anchor in Markdown and HTML, escaping text', () => {
    const anchor = cellAnchorId('transformersjs|smolvlm2-256m|q8|cpu|ocr|ocr-table-01');
    expect(anchor).toBe('cell-transformersjs_smolvlm2-256m_q8_cpu_ocr_ocr-table-01');
    const markdown = renderClaimsMarkdown(verdicts);
    expect(markdown).toContain(`(#${anchor})`);
    expect(markdown).toContain('Runs \\| locally.');
    expect(markdown).toContain('1 supported, 1 unmeasurable');
    const html = renderClaimsHtml(verdicts, escapeHtml);
    expect(html).toContain(`href="#${anchor}"`);
    expect(html).toContain('SmolVLM2 &lt;b&gt;');
    expect(html).not.toContain('SmolVLM2 <b>');
  });

  it('gives summary.json entries with id, verdict, sentence and cells', () => {
    const summary = claimsForSummary(verdicts);
    expect(summary[0]).toMatchObject({ id: 'local', verdict: 'supported', cells: ['transformersjs|smolvlm2-256m|q8|cpu|ocr|ocr-table-01'] });
    expect(summary[0]?.sentence).toMatch(/^SmolVLM2 <b>: "Runs \| locally\." — supported: /);
    expect(summary[1]).toMatchObject({ id: 'mlx', verdict: 'unmeasurable', cells: [] });
  });
});
