/**
 * --resume rebuilds a run's options from its recorded settings. The two mappings (settingsFrom,
 * optionsFromSettings) must stay each other's inverse, or a resumed run silently measures with
 * different settings from the cells already on disk.
 */
import { describe, expect, it } from 'vitest';
import { optionsFromSettings, settingsFrom, type RunOptions } from '../src/run/orchestrator.js';
import { SettingsSchema, type Settings } from '../src/results/schema.js';

// Every optional setting present, with values unlike any default, so a dropped field shows.
const recorded: Settings = SettingsSchema.parse({
  engines: ['transformersjs', 'qvac'],
  models: ['shape-smolvlm2-256m'],
  targets: ['cpu'],
  tasks: ['caption', 'ocr'],
  fixturesDir: '/somewhere/fixtures',
  runs: 7,
  warmup: 3,
  hostWarmup: 4,
  minTimeMs: 1234,
  threads: 5,
  maxNewTokens: { caption: 48, ocr: 96 },
  timeoutMs: 99_000,
  scheduling: 'sequential',
  cooldownMs: 250,
  offline: true,
  networkAudit: true,
  imageSplitting: true,
  imageBudget: 'matched',
  engineOptions: { cdpUrl: 'http://127.0.0.1:9222' },
  quant: { transformersjs: 'fp32' },
  engineOptionsByEngine: { transformersjs: { graphOptimizationLevel: 'extended' } },
  noiseBand: 0.07,
  processes: 4,
  perfFixturesPerTask: 3,
  budgetMs: 900_000,
});

describe('resume settings', () => {
  it('turns every recorded setting back into the same option', () => {
    const rest: Omit<RunOptions, keyof ReturnType<typeof optionsFromSettings>> = { loadTimeoutMs: 1, resultsRoot: '/r', command: 'vlmbench run' };
    const again = settingsFrom({ ...optionsFromSettings(recorded), ...rest }, recorded.fixturesDir);
    expect(again).toEqual({ ...recorded, profile: undefined });
  });

  it('lists every field of the settings schema in the round trip', () => {
    const schemaKeys = Object.keys(SettingsSchema.shape).filter((key) => key !== 'profile').sort();
    expect(Object.keys(recorded).sort()).toEqual(schemaKeys);
    expect(Object.keys(optionsFromSettings(recorded)).sort()).toEqual(schemaKeys);
  });
});
