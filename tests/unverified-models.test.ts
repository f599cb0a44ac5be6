/**
 * What counts as real: unverified or test-only model records never decide a claim and carry a
 * banner in every report format; a load that included a download is left out of load-time
 * comparisons; the dimensions check reads the files, not the catalog.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../src/claims/rules.js';
import { RuleSchema } from '../src/claims/schema.js';
import { checkOnnxConfig } from '../src/models/config-check.js';
import { progressMeansDownload } from '../src/models/qvac-registry.js';
import { buildReportModel } from '../src/report/model.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { DOWNLOAD_IN_LOAD_FLAG, UNVERIFIED_BANNER, isRealCheckpoint } from '../src/results/real-weights.js';
import type { Results } from '../src/results/schema.js';
import { tempDir } from './helpers/cli.js';
import { makeResults } from './helpers/report-results.js';

const parametersRule = RuleSchema.parse({ kind: 'model-parameters', select: { engine: ['transformersjs', 'qvac'], model: 'smolvlm2-*' }, compare: '<', value: 2e9 });

function withModels(results: Results, patch: Partial<Results['models'][number]>): Results {
  return { ...results, models: results.models.map((model) => ({ ...model, parameters: 256_484_928, ...patch })) };
}

describe('unverified model files', () => {
  it('decide a parameter claim only when verified', () => {
    const verified = withModels(makeResults(), { verification: { status: 'verified', problems: [], parametersFromFiles: 256_484_928 } });
    expect(evaluateRule(parametersRule, [verified], 'x').verdict).toBe('supported');
    const unverified = withModels(makeResults(), { verification: { status: 'unverified', problems: ['config.json: text.hidden is 64, but smolvlm2-256m has 576'] } });
    const outcome = evaluateRule(parametersRule, [unverified], 'x');
    expect(outcome.verdict).toBe('not measured in this run');
    expect(outcome.evidence).toContain('unverified model files');
    const testOnly = withModels(makeResults(), { testOnly: true, verification: { status: 'verified', problems: [] } });
    expect(evaluateRule(parametersRule, [testOnly], 'x').verdict).toBe('not measured in this run');
  });

  it('isRealCheckpoint: real, not test-only, not unverified', () => {
    expect(isRealCheckpoint({ synthetic: false })).toBe(true);
    expect(isRealCheckpoint({ synthetic: false, verification: { status: 'unverified', problems: ['x'] } })).toBe(false);
    expect(isRealCheckpoint({ synthetic: false, testOnly: true })).toBe(false);
    expect(isRealCheckpoint({ synthetic: 'tiny' })).toBe(false);
  });

  it('get a banner in the Markdown report naming them', () => {
    const unverified = withModels(makeResults(), { verification: { status: 'unverified', problems: ['x'] } });
    const markdown = renderMarkdown(buildReportModel([unverified]));
    expect(markdown).toContain(UNVERIFIED_BANNER);
    expect(markdown).toContain('smolvlm2-256m (transformersjs:q8)');
    const verified = withModels(makeResults(), { verification: { status: 'verified', problems: [] } });
    expect(renderMarkdown(buildReportModel([verified]))).not.toContain(UNVERIFIED_BANNER);
  });
});

describe('a download inside a timed load', () => {
  it('is recognised from the SDK progress (a cache hit reports 100% only)', () => {
    expect(progressMeansDownload({ percentage: 100, downloaded: 10, total: 10 })).toBe(false);
    expect(progressMeansDownload({ percentage: 42 })).toBe(true);
    expect(progressMeansDownload({ downloaded: 5, total: 10 })).toBe(true);
  });

  it('is left out of load-time comparisons', () => {
    const rule = RuleSchema.parse({ kind: 'aggregate', field: 'load.ms', op: 'max', select: { engine: 'qvac' }, compare: '<', value: 10_000 });
    const base = makeResults();
    const withLoads = (flags?: string[]): Results => ({
      ...base,
      cells: base.cells.map((cell) => ({
        ...cell,
        ...(flags ? { flags } : {}),
        load: { ms: 60_000, memory: { hostPeakRssBytes: null, workerPeakRssBytes: null }, backendRequested: 'cpu', backendActual: 'cpu', threads: 2, dtypes: {}, notes: [], shared: false },
      })),
    });
    expect(evaluateRule(rule, [withLoads()], 'x').verdict).toBe('contradicted');
    expect(evaluateRule(rule, [withLoads([DOWNLOAD_IN_LOAD_FLAG])], 'x').verdict).toBe('not measured in this run');
  });
});

describe('the dimensions check', () => {
  it('reads config.json and refuses a model whose dimensions are not the catalog size', () => {
    const dir = tempDir('config-check');
    mkdirSync(dir, { recursive: true });
    const config = {
      scale_factor: 4,
      text_config: { hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49280 },
      vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 512, patch_size: 16 },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const good = checkOnnxConfig(dir, 'smolvlm2-256m', 256_000_000);
    expect(good.problems).toEqual([]);
    expect(good.parameters).toBe(256_484_928);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, text_config: { ...config.text_config, hidden_size: 64 } }));
    const bad = checkOnnxConfig(dir, 'smolvlm2-256m', 256_000_000);
    expect(bad.problems.join('; ')).toMatch(/text\.hidden is 64, but smolvlm2-256m has 576.*parameters, but smolvlm2-256m has about 256000000/);
    expect(checkOnnxConfig(dir, 'smolvlm2-500m', 507_000_000).problems.length).toBeGreaterThan(0);
  });
});
