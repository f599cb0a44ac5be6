/**
 * The real-model path end to end, offline: the compiled CLI against a stand-in hub on 127.0.0.1
 * (HF_ENDPOINT), with test-only catalog entries (VLMBENCH_TEST_CATALOG) whose pins come from
 * generated files. Interrupts keep the .partial for the next run; files served under a real id
 * are refused; unverified files run only with --allow-unverified, under a banner; and a QVAC
 * registry model with --offline fails in seconds with the engine's message and a results.json.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTiny } from '../src/models/tiny/index.js';
import { ResultsSchema } from '../src/results/schema.js';
import { fixtureFolder, runCli, startCli, tempDir } from './helpers/cli.js';
import { startStandInHub, type StandInFile, type StandInHub } from './helpers/stand-in-hub.js';

const REV = 'feedface00000000000000000000000000000001';
const REAL_256M = { repo: 'HuggingFaceTB/SmolVLM2-256M-Video-Instruct', revision: '067788b187b95ebe7b2e040b3e4299e342e5b8fd' };
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const work = tempDir('stand-in-cli');
const blob = randomBytes(4_000_000);

let hub: StandInHub;
let tinyFiles: Record<string, Buffer>;
let env: Record<string, string>;

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile() && !name.split('/').some((part) => part.startsWith('.vlmbench')) && name !== 'files.json')
    .sort();
}

beforeAll(async () => {
  const { dir } = await ensureTiny('tiny-onnx', join(work, 'generated'));
  tinyFiles = Object.fromEntries(listTree(dir as string).map((name) => [name, readFileSync(join(dir as string, name))]));
  const served: StandInFile[] = [
    ...Object.entries(tinyFiles).map(([name, bytes]) => ({ repo: 'stand-in/tiny-smolvlm', revision: REV, name, bytes })),
    { repo: 'stand-in/big', revision: REV, name: 'onnx/blob.onnx', bytes: blob },
    // The tiny model served under the real 256M repo and file names: a substitute.
    ...Object.entries(tinyFiles).map(([name, bytes]) => ({ ...REAL_256M, name: name.replace(/^onnx\/(\w+)\.onnx$/, 'onnx/$1_quantized.onnx'), bytes })),
    { ...REAL_256M, name: 'chat_template.json', bytes: Buffer.from('{"chat_template": "{{ messages }}"}\n') },
  ];
  hub = await startStandInHub(served);
  const pins = (names: string[]) => Object.fromEntries(names.map((name) => [name, { sha256: sha(tinyFiles[name] as Buffer) }]));
  const tinyNames = Object.keys(tinyFiles);
  const catalog = {
    entries: [
      { id: 'test-standin-tiny', engine: 'transformersjs', quant: 'fp32', repo: 'stand-in/tiny-smolvlm', revision: REV, files: Object.fromEntries(tinyNames.map((n) => [n, n])), pins: pins(tinyNames) },
      {
        id: 'test-standin-unpinned',
        engine: 'transformersjs',
        quant: 'fp32',
        repo: 'stand-in/tiny-smolvlm',
        revision: REV,
        files: Object.fromEntries(tinyNames.map((n) => [n, n])),
        pins: pins(tinyNames.filter((name) => name !== 'tokenizer.json')),
      },
      { id: 'test-standin-big', engine: 'transformersjs', quant: 'fp32', repo: 'stand-in/big', revision: REV, files: { 'onnx/blob.onnx': 'onnx/blob.onnx' }, pins: { 'onnx/blob.onnx': { sha256: sha(blob) } } },
    ],
  };
  writeFileSync(join(work, 'test-catalog.json'), JSON.stringify(catalog));
  env = {
    VLMBENCH_TEST_CATALOG: join(work, 'test-catalog.json'),
    HF_ENDPOINT: hub.url,
    HF_HUB_CACHE: join(work, 'no-hf-cache'),
    VLMBENCH_CACHE: join(work, 'cache'),
  };
}, 120_000);

afterAll(() => hub.close());

describe('models pull through the stand-in hub', () => {
  it('SIGTERM stops a stalled download within 5 s keeping the .partial; the next pull resumes from its offset', async () => {
    hub.setMode('onnx/blob.onnx', 'stall-always');
    const partial = join(work, 'cache', 'models', 'hf', 'stand-in--big', REV, 'onnx', 'blob.onnx.partial');
    const child = startCli(['models', 'pull', 'test-standin-big'], { env: { ...env, VLMBENCH_STALL_TIMEOUT: '120' } });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!(existsSync(partial) && statSync(partial).size >= blob.length / 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(partial)).toBe(true);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(code).toBe(130);
    expect(stderr).toMatch(/download of stand-in\/big\/onnx\/blob\.onnx interrupted with 2\.0 MB on disk \(kept as \.partial\) — re-run/);
    expect(statSync(partial).size).toBe(blob.length / 2);

    hub.setMode('onnx/blob.onnx', 'normal');
    hub.requests.length = 0;
    const again = await runCli(['models', 'pull', 'test-standin-big'], { env, timeoutMs: 60_000 });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/resuming after 2\.0 MB/);
    expect(again.stdout).toMatch(/transformersjs:fp32 ready .*verified: every file matches its pin/);
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual([`bytes=${blob.length / 2}-`]);
    expect(sha(readFileSync(partial.replace(/\.partial$/, '')))).toBe(sha(blob));
  }, 120_000);

  it('Ctrl-C during a run that is still downloading stops it within 5 s', async () => {
    hub.setMode('onnx/blob.onnx', 'stall-always');
    const cache = join(work, 'cache-run-interrupt');
    const child = startCli(['run', '--engines', 'transformersjs', '--models', 'test-standin-big', '--no-report', '--results-dir', join(work, 'results-interrupt')], {
      env: { ...env, VLMBENCH_CACHE: cache, VLMBENCH_STALL_TIMEOUT: '120' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const partial = join(cache, 'models', 'hf', 'stand-in--big', REV, 'onnx', 'blob.onnx.partial');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(partial) && statSync(partial).size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const signalled = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(statSync(partial).size).toBeGreaterThan(0);
    hub.setMode('onnx/blob.onnx', 'normal');
  }, 90_000);

  it('refuses other files served under a real catalog id, naming the file and both hashes, even with --allow-unverified', async () => {
    for (const flags of [[], ['--allow-unverified']]) {
      const result = await runCli(['models', 'pull', 'smolvlm2-256m', ...flags], { env: { ...env, VLMBENCH_CACHE: join(work, `cache-substitute-${flags.length}`) }, timeoutMs: 60_000 });
      expect(result.code).toBe(2);
      const line = result.stderr.trim();
      expect(line.split('\n')).toHaveLength(1);
      expect(line).toMatch(
        new RegExp(`HuggingFaceTB/SmolVLM2-256M-Video-Instruct/onnx/vision_encoder_quantized\\.onnx: the hub says sha256 ${sha(tinyFiles['onnx/vision_encoder.onnx'] as Buffer)} but the catalog pins 2a70c53030657dc01be90be0e9bf24febc9c709ebf20812ad0a9976698619668`),
      );
      expect(result.stdout).not.toMatch(/ready/);
    }
  }, 120_000);
});

describe('run with files from the stand-in hub', () => {
  const fixtures = () => fixtureFolder(['ocr-clean-01']);
  const quick = ['--engines', 'transformersjs', '--tasks', 'ocr', '--runs', '1', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '4'];

  it('a test-only entry downloads verified, runs, and is reported as synthetic and test-only, never as a real checkpoint', async () => {
    const out = join(work, 'results-tiny');
    const reports = join(work, 'reports-tiny');
    const result = await runCli(['run', ...quick, '--models', 'test-standin-tiny', '--fixtures', fixtures(), '--results-dir', out, '--reports-dir', reports], { env, timeoutMs: 180_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SYNTHETIC WEIGHTS/);
    expect(result.stdout).not.toMatch(/UNVERIFIED/);
    const path = /results: (\S+)/.exec(result.stdout)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
    const model = results.models[0];
    expect(model).toMatchObject({ id: 'test-standin-tiny', synthetic: 'tiny', testOnly: true, verification: { status: 'verified', problems: [] } });
    expect(model?.files.filter((file) => file.pinned === true)).toHaveLength(Object.keys(tinyFiles).length);
    const markdown = readFileSync(join(reports, results.run.id, 'report.md'), 'utf8');
    expect(markdown).toMatch(/Synthetic tiny random weights: .*Models: test-standin-tiny/);
  }, 240_000);

  it('files without a pin are refused, and run with --allow-unverified under an UNVERIFIED banner', async () => {
    const refused = await runCli(['run', ...quick, '--models', 'test-standin-unpinned', '--fixtures', fixtures(), '--results-dir', join(work, 'results-unpinned'), '--no-report'], { env, timeoutMs: 120_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^vlmbench: test-standin-unpinned transformersjs:fp32 is not shown to be the checkpoint the catalog names: 1 of \d+ files has no pinned sha256 in the catalog \(tokenizer\.json\) — refused; pass --allow-unverified/);

    const reports = join(work, 'reports-unpinned');
    const allowed = await runCli(['run', ...quick, '--models', 'test-standin-unpinned', '--allow-unverified', '--fixtures', fixtures(), '--results-dir', join(work, 'results-unpinned'), '--reports-dir', reports], { env, timeoutMs: 180_000 });
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/UNVERIFIED MODEL FILES: test-standin-unpinned \(transformersjs:fp32\)/);
    const path = /results: (\S+)/.exec(allowed.stdout)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
    expect(results.models[0]?.verification).toMatchObject({ status: 'unverified', problems: [expect.stringMatching(/tokenizer\.json/)] });
    expect(results.models[0]?.source).toMatch(/^UNVERIFIED files/);
    expect(readFileSync(join(reports, results.run.id, 'report.md'), 'utf8')).toMatch(/Unverified model files/);
  }, 240_000);
});

describe('--model-path, the escape hatch', () => {
  it('checks local files against the same pins: other GGUFs under a real id are refused, or run UNVERIFIED with their real dimensions', async () => {
    const { gguf, mmproj } = await ensureTiny('tiny-gguf', join(work, 'generated'));
    const args = ['run', '--engines', 'qvac', '--models', 'smolvlm2-500m', '--model-path', `qvac:gguf=${gguf},qvac:mmproj=${mmproj}`, '--tasks', 'ocr', '--fixtures', fixtureFolder(['ocr-clean-01']), '--runs', '1', '--warmup', '0', '--host-warmup', '0', '--max-new-tokens', '2', '--no-report', '--results-dir', join(work, 'results-model-path')];
    const refused = await runCli(args, { env, timeoutMs: 60_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^vlmbench: smolvlm2-500m qvac:Q8_0 is not shown to be the checkpoint the catalog names: .*tiny-smolvlm-F32\.gguf: sha256 [0-9a-f]{64}, but the catalog pins 6f67b8036b2469fcd71728702720c6b51aebd759b78137a8120733b4d66438bc for SmolVLM2-500M-Video-Instruct-Q8_0\.gguf/);
    const allowed = await runCli([...args, '--allow-unverified'], { env, timeoutMs: 120_000 });
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/UNVERIFIED MODEL FILES: smolvlm2-500m \(qvac:Q8_0\)/);
    const path = /results: (\S+)/.exec(allowed.stdout)?.[1] as string;
    const model = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8'))).models[0];
    expect(model?.verification?.status).toBe('unverified');
    expect(model?.verification?.problems.join('; ')).toMatch(/the GGUF headers: text\.hidden is 64, but smolvlm2-500m has 960/);
    // The parameter count is the files', not the catalog's 507M.
    expect(model?.parameters).toBe(model?.verification?.parametersFromFiles);
    expect(model?.parameters).toBeLessThan(10_000_000);
  }, 180_000);
});

describe('QVAC registry models offline', () => {
  it('--offline fails within 10 s with the engine message, a failed cell and a results.json', async () => {
    const configPath = join(work, 'qvac-empty.config.json');
    writeFileSync(configPath, JSON.stringify({ cacheDirectory: join(work, 'qvac-empty-cache'), loggerLevel: 'error' }));
    const out = join(work, 'results-qvac-offline');
    const started = Date.now();
    const result = await runCli(['run', '--engines', 'qvac', '--models', 'smolvlm2-500m', '--tasks', 'ocr', '--fixtures', fixtureFolder(['ocr-clean-01']), '--offline', '--no-report', '--results-dir', out], {
      env: { ...env, QVAC_CONFIG_PATH: configPath },
      timeoutMs: 60_000,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    // No cell succeeded: exit 3, not a crash (1) and not a usage error (2).
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const message = /qvac: SMOLVLM2_500M_MULTIMODAL_Q8_0 \+ MMPROJ_SMOLVLM2_500M_MULTIMODAL_Q8_0 are not in QVAC's model cache \(.*qvac-empty-cache\) and --offline forbids the registry download — run "vlmbench models pull smolvlm2-500m" while online, or pass local GGUF files with --model-path/;
    const path = /results: (\S+)/.exec(result.stdout)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(join(process.cwd(), path), 'utf8')));
    expect(results.cells.length).toBeGreaterThan(0);
    for (const cell of results.cells) {
      expect(cell.status).toBe('failed');
      expect(cell.reason).toMatch(message);
    }
  }, 90_000);
});
