import { describe, expect, it } from 'vitest';
import { toBencherMetricFormat } from '../src/report/bmf.js';
import { csvField, toCsv } from '../src/report/csv.js';
import { toGithubActionBenchmark } from '../src/report/github-benchmark.js';
import { ResultsSchema, type Cell, type Results } from '../src/results/schema.js';
import { summarize } from '../src/stats/index.js';

const MIB = 2 ** 20;
const LATENCIES = [110, 100, 120, 105, 115];

function okCell(fixture: string): Cell {
  return {
    key: { engine: 'qvac', model: 'smolvlm2-256m', quant: 'Q8_0', target: 'cpu', task: 'ocr', fixture },
    status: 'ok',
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:01:00.000Z',
    load: {
      ms: 900,
      memory: { hostPeakRssBytes: 100 * MIB, workerPeakRssBytes: 300 * MIB },
      backendRequested: 'cpu',
      backendActual: 'cpu',
      threads: 2,
      dtypes: {},
      notes: [],
      shared: false,
    },
    warmup: [],
    samples: LATENCIES.map((latencyMs, index) => ({
      latencyMs,
      ttftMs: 20 + index,
      decodeTokensPerSec: 30 + index,
      promptTokens: 50,
      imageTokens: 64,
      frames: 1,
      generatedTokens: 10,
      peakRssBytes: 120 * MIB,
      workerPeakRssBytes: 350 * MIB,
    })),
    output: { text: 'hello', stableAcrossSamples: true },
    quality: { cer: 0.25, wordF1: 0.5, mysteryScore: 3 },
  };
}

function failedCell(reason: string): Cell {
  return {
    key: { engine: 'transformersjs', model: 'smolvlm2-256m', quant: 'q8', target: 'gpu', task: 'ocr', fixture: 'receipt-01' },
    status: 'failed',
    reason,
    startedAt: '2026-11-23T10:00:00.000Z',
    finishedAt: '2026-11-23T10:01:00.000Z',
    warmup: [],
    samples: [],
  };
}

function makeResults(cells: Cell[], models: Results['models'] = []): Results {
  return ResultsSchema.parse({
    schemaVersion: 1,
    tool: { name: 'vlmbench', version: '0.1.0' },
    run: {
      id: 'run-1',
      command: 'vlmbench run',
      startedAt: '2026-11-23T10:00:00.000Z',
      finishedAt: '2026-11-23T10:30:00.000Z',
      settings: {
        engines: ['qvac'],
        models: ['smolvlm2-256m'],
        targets: ['cpu'],
        tasks: ['ocr'],
        fixturesDir: 'fixtures',
        runs: 5,
        warmup: 1,
        threads: 2,
        maxNewTokens: { ocr: 64 },
        timeoutMs: 600000,
        scheduling: 'interleaved',
        offline: true,
      },
      complete: true,
    },
    environment: {
      os: { platform: 'linux', release: '6.1.0', arch: 'x64' },
      cpu: { model: 'Test CPU 9000', logicalCores: 2, physicalCores: 1, flags: [] },
      memoryBytes: 8 * 1024 * MIB,
      gpu: [],
      node: 'v20.20.0',
      packages: {},
      git: { commit: null, dirty: null },
    },
    engines: [{ id: 'qvac', packageName: '@qvac/sdk', version: '0.19.1', available: true }],
    models,
    fixtures: { manifestSha256: 'x', dir: 'fixtures', items: [] },
    prompts: {},
    cells,
  });
}

/** RFC 4180 reader, enough to round-trip what toCsv writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index++;
    } else field += char;
  }
  return rows;
}

describe('CSV', () => {
  it('quotes commas, quotes and newlines per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField(null)).toBe('');
    expect(csvField(1.5)).toBe('1.5');
  });

  it('neutralises text that a spreadsheet would run as a formula, and leaves numbers alone', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    for (const start of ['=', '+', '-', '@', '\t']) expect(csvField(`${start}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField('ocr-clean-01')).toBe('ocr-clean-01');
    expect(csvField(-1.5)).toBe('-1.5');
  });

  it('writes one row per cell with stats, memory and every quality metric, and round-trips a nasty reason', () => {
    const reason = 'load failed: "model.onnx", line 1,\ncolumn 2';
    const csv = toCsv(makeResults([okCell('receipt-01'), failedCell(reason)]));
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(3);
    const header = rows[0] as string[];
    const column = (row: string[], name: string): string => row[header.indexOf(name)] as string;
    expect(header.slice(0, 8)).toEqual(['engine', 'model', 'quant', 'target', 'task', 'fixture', 'status', 'reason']);
    expect(header.slice(-3)).toEqual(['quality_cer', 'quality_mysteryScore', 'quality_wordF1']);
    const ok = rows[1] as string[];
    const expected = summarize(LATENCIES);
    expect(column(ok, 'n')).toBe('5');
    expect(column(ok, 'latency_median_ms')).toBe('110');
    expect(column(ok, 'latency_mean_ms')).toBe('110');
    expect(Number(column(ok, 'latency_sd_ms'))).toBeCloseTo(expected.sd, 12);
    expect(Number(column(ok, 'latency_ci95_low_ms'))).toBe(expected.medianCi95?.[0]);
    expect(column(ok, 'ttft_median_ms')).toBe('22');
    expect(column(ok, 'decode_tokens_per_sec_median')).toBe('32');
    expect(column(ok, 'peak_rss_bytes')).toBe(String(120 * MIB));
    expect(column(ok, 'worker_peak_rss_bytes')).toBe(String(350 * MIB));
    expect(column(ok, 'quality_cer')).toBe('0.25');
    const failed = rows[2] as string[];
    expect(failed).toHaveLength(header.length);
    expect(column(failed, 'status')).toBe('failed');
    expect(column(failed, 'reason')).toBe(reason);
    expect(column(failed, 'latency_median_ms')).toBe('');
    expect(column(ok, 'weights')).toBe('real weights');
    expect(column(ok, 'engine_version')).toBe('0.19.1');
    expect(column(ok, 'image_budget')).toBe('legacy (transformers.js one squashed frame)');
    expect(column(ok, 'hardware')).toBe('Test CPU 9000, 2 logical cores (1 physical), 2 threads requested, 8.00 GiB RAM, Linux 6.1.0 x64, no accelerator');
    expect(column(failed, 'hardware')).toBe(column(ok, 'hardware'));
  });

  it('marks every row of tiny synthetic weights as such', () => {
    const rows = parseCsv(toCsv(makeResults([okCell('receipt-01')], [TINY_MODEL])));
    const header = rows[0] as string[];
    expect((rows[1] as string[])[header.indexOf('weights')]).toBe('tiny synthetic weights');
  });
});

const TINY_MODEL: Results['models'][number] = { id: 'smolvlm2-256m', engine: 'qvac', quant: 'Q8_0', source: 'generated', synthetic: 'tiny', files: [] };

describe('Bencher Metric Format', () => {
  it('names benchmarks by cell key, weights and hardware, reports latency in ns with CI bounds, and skips failed cells', () => {
    const bmf = toBencherMetricFormat(makeResults([okCell('receipt-01'), failedCell('x')]));
    const name = 'qvac/smolvlm2-256m/Q8_0/cpu/ocr/receipt-01 [real weights] on Test CPU 9000 2T';
    expect(Object.keys(bmf)).toEqual([name]);
    const measures = bmf[name];
    const ci = summarize(LATENCIES).medianCi95 as [number, number];
    expect(measures?.['latency']).toEqual({ value: 110e6, lower_value: ci[0] * 1e6, upper_value: ci[1] * 1e6 });
    expect(measures?.['time-to-first-token']?.value).toBe(22e6);
    expect(measures?.['decode-tokens-per-second']?.value).toBe(32);
    expect(measures?.['peak-memory']).toEqual({ value: 470 * MIB });
    expect(measures?.['quality-cer']).toEqual({ value: 0.25 });
    for (const measure of Object.values(measures ?? {})) expect(typeof measure.value).toBe('number');
  });

  it('puts tiny synthetic weights in the name, the only field Bencher shows', () => {
    const bmf = toBencherMetricFormat(makeResults([okCell('receipt-01')], [TINY_MODEL]));
    expect(Object.keys(bmf)).toEqual(['qvac/smolvlm2-256m/Q8_0/cpu/ocr/receipt-01 [tiny synthetic weights] on Test CPU 9000 2T']);
  });
});

describe('github-action-benchmark', () => {
  it('splits entries by direction with name, unit, value, range and extra', () => {
    const output = toGithubActionBenchmark(makeResults([okCell('receipt-01'), failedCell('x')]));
    const prefix = 'qvac/smolvlm2-256m/Q8_0/cpu/ocr/receipt-01';
    const weights = '[real weights]';
    expect(output.smallerIsBetter.map((entry) => entry.name)).toEqual([
      `${prefix} latency (median) ${weights}`,
      `${prefix} TTFT (median) ${weights}`,
      `${prefix} peak memory ${weights}`,
      `${prefix} cer ${weights}`,
    ]);
    expect(output.biggerIsBetter.map((entry) => entry.name)).toEqual([`${prefix} decode throughput (median) ${weights}`, `${prefix} wordF1 ${weights}`]);
    const latency = output.smallerIsBetter[0];
    expect(latency).toEqual(expect.objectContaining({ unit: 'ms', value: 110 }));
    expect(latency?.range).toMatch(/^± [\d.]+$/);
    expect(latency?.extra).toContain('n=5');
    expect(output.smallerIsBetter[2]).toEqual(expect.objectContaining({ name: `${prefix} peak memory ${weights}`, unit: 'MiB', value: 470 }));
    for (const entry of [...output.smallerIsBetter, ...output.biggerIsBetter]) {
      expect(typeof entry.name).toBe('string');
      expect(typeof entry.unit).toBe('string');
      expect(Number.isFinite(entry.value)).toBe(true);
      // Every point says what was measured: hardware, engine version, model and quantisation, image budget, weights.
      expect(entry.extra).toContain('measured: Test CPU 9000, 2 logical cores (1 physical), 2 threads requested, 8.00 GiB RAM, Linux 6.1.0 x64, no accelerator · @qvac/sdk 0.19.1 · smolvlm2-256m Q8_0 · image budget: legacy (transformers.js one squashed frame) · real weights');
    }
  });

  it('names tiny synthetic weights in every entry', () => {
    const output = toGithubActionBenchmark(makeResults([okCell('receipt-01')], [TINY_MODEL]));
    for (const entry of [...output.smallerIsBetter, ...output.biggerIsBetter]) {
      expect(entry.name).toMatch(/\[tiny synthetic weights\]$/);
      expect(entry.extra).toMatch(/tiny synthetic weights$/);
    }
  });
});
