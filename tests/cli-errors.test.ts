/** Bad input gets one clear line, a non-zero exit, no stack trace; a bad fixture costs only its cell. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsSchema } from '../src/results/schema.js';
import { fixtureFolder, runCli, tempDir } from './helpers/cli.js';

function expectOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  const lines = result.stderr.split('\n').filter((line) => line.trim() && !line.startsWith('npm warn'));
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

const quick = ['--runs', '1', '--warmup', '0', '--max-new-tokens', '4'];

describe('one-line errors', () => {
  const work = tempDir('errors');
  const dirs = ['--results-dir', join(work, 'results'), '--reports-dir', join(work, 'reports')];

  it('unknown model id names the model and the valid ids', async () => {
    expectOneLineError(await runCli(['run', '--models', 'smolvlm9', ...dirs]), /unknown model "smolvlm9".*tiny-smolvlm/);
  });

  it('unknown engine id names the engine and the valid ids', async () => {
    expectOneLineError(await runCli(['run', '--engines', 'llamafile', ...dirs]), /unknown value "llamafile".*transformersjs/);
  });

  it('bad flag values name the flag', async () => {
    expectOneLineError(await runCli(['run', '--runs', 'five', ...dirs]), /--runs must be a positive whole number, got "five"/);
    expectOneLineError(await runCli(['run', '--targets', 'tpu', ...dirs]), /--targets: unknown value "tpu"/);
    expectOneLineError(await runCli(['run', '--threads', '0', ...dirs]), /--threads must be a positive whole number/);
    expectOneLineError(await runCli(['run', '--host-warmup', '-1', ...dirs]), /--host-warmup must be a non-negative whole number, got "-1"/);
    expectOneLineError(await runCli(['run', '--image-budget', 'huge', ...dirs]), /--image-budget: unknown value "huge" — choose from: native, matched, single/);
    expectOneLineError(await runCli(['run', '--image-splitting', '--image-budget', 'single', ...dirs]), /--image-splitting means --image-budget native, which contradicts --image-budget single/);
  });

  it('a missing image in a fixture manifest names the fixture and the remedy', async () => {
    const dir = fixtureFolder(['ocr-clean-01']);
    rmSync(join(dir, 'ocr'), { recursive: true, force: true });
    expectOneLineError(await runCli(['run', '--engines', 'transformersjs', '--fixtures', dir, ...quick, ...dirs]), /fixture "ocr-clean-01": image .* is missing/);
  });

  it('a fixture folder that does not exist names the remedy', async () => {
    expectOneLineError(await runCli(['run', '--fixtures', join(work, 'nope'), ...dirs]), /--fixtures .*no such folder/);
  });

  it('a model file that is not there names the path', async () => {
    expectOneLineError(await runCli(['run', '--engines', 'transformersjs', '--model-path', `transformersjs:dir=${join(work, 'no-model')}`, ...dirs]), /no-model does not exist/);
  });

  it('a model folder without its files fails its cells with the reason and exits non-zero', async () => {
    const empty = join(work, 'empty-model');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'README'), 'not a model');
    const fixtures = fixtureFolder(['ocr-clean-01']);
    const result = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--model-path', `transformersjs:dir=${empty}`, '--fixtures', fixtures, ...quick, ...dirs]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no config\.json in .*empty-model/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('an unknown tuning profile names the remedy', async () => {
    expectOneLineError(await runCli(['run', '--profile', 'no-such-profile', ...dirs], { env: { VLMBENCH_CACHE: join(work, 'cache') } }), /--profile no-such-profile: no tuning profile .* run "vlmbench tune" first/);
  });

  it('every usage error in every subcommand exits 2 (1 means "regression" to compare\'s callers)', async () => {
    const cases = [
      ['compare', 'a.json'],
      ['compare', 'a.json', 'b.json', '--bogus'],
      ['run', '--bogus'],
      ['quickstart', '--bogus'],
      ['export', 'x.json', '--format', 'xml'],
      ['report'],
      ['report', 'x.json', '--bogus'],
      ['fixtures', 'verify', 'a', 'b'],
      ['fixtures', 'pull'],
      ['models', 'make-shape'],
      ['models', 'pull', 'x', '--bogus'],
      ['device-session', '--bogus'],
      ['tune', '--bogus'],
      ['env', '--bogus'],
      ['no-such-command'],
      ['run', '--scheduling', 'random'],
    ];
    for (const args of cases) {
      const result = await runCli(args);
      expect(result.code, `vlmbench ${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  }, 120_000);

  it('report and compare reject a missing or invalid results file with exit 2', async () => {
    const invalid = join(work, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ schemaVersion: 1, cells: 'nope' }));
    const report = await runCli(['report', invalid, '--out', join(work, 'report')]);
    expectOneLineError(report, /invalid\.json is not a valid vlmbench results file/);
    expect(report.code).toBe(2);
    const compare = await runCli(['compare', join(work, 'missing.json'), invalid]);
    expectOneLineError(compare, /missing\.json cannot be read/);
    expect(compare.code).toBe(2);
  });

  it('--offline with an uncached real model fails fast and names the remedy', async () => {
    const result = await runCli(['run', '--engines', 'transformersjs', '--models', 'smolvlm2-256m', '--offline', ...dirs], { env: { VLMBENCH_CACHE: join(work, 'cache') }, timeoutMs: 60_000 });
    expectOneLineError(result, /not in the cache.*--offline was given.*--models tiny/);
  });

  it('an unreachable hub fails fast and names the remedy', async () => {
    // HF_ENDPOINT on a closed loopback port stands in for "no internet", the same on every machine.
    const result = await runCli(['run', '--engines', 'transformersjs', '--models', 'smolvlm2-256m', ...dirs], {
      env: { VLMBENCH_CACHE: join(work, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9' },
      timeoutMs: 60_000,
    });
    expectOneLineError(result, /Hugging Face hub cannot be reached.*connect to the internet/);
  });
});

describe('a corrupt image costs only its own cell', () => {
  it('records the fixture as failed with the reason and measures the others', async () => {
    const work = tempDir('corrupt');
    const bytes = Buffer.concat([readFileSync(join(import.meta.dirname, '..', 'fixtures', 'builtin', 'scenes', 'scene-01.png')).subarray(0, 200), Buffer.from('garbage')]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fixtures = fixtureFolder(['ocr-clean-01', 'scene-01'], [{ id: 'broken', task: 'ocr', image: 'broken.png', bytes, sha256 }]);
    const result = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--fixtures', fixtures, ...quick, '--results-dir', join(work, 'results'), '--no-report']);
    // Finished, but a cell failed: its own documented status, not success.
    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stderr).toMatch(/finished, but 1 of 3 cells failed .*--allow-failures/);
    const allowed = await runCli(['run', '--engines', 'transformersjs', '--models', 'tiny-smolvlm', '--fixtures', fixtures, ...quick, '--results-dir', join(work, 'results'), '--no-report', '--allow-failures']);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    const path = /results: (\S+)/.exec(result.stdout)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
    const byFixture = Object.fromEntries(results.cells.map((cell) => [cell.key.fixture, cell]));
    expect(byFixture.broken?.status).toBe('failed');
    expect(byFixture.broken?.reason).toMatch(/broken\.png cannot be decoded/);
    expect(byFixture['ocr-clean-01']?.status).toBe('ok');
    expect(byFixture['scene-01']?.status).toBe('ok');
  });
});
