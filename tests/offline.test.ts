/**
 * Offline is verified, not assumed: the real CLI runs inside a network namespace with only
 * loopback (`unshare -n`, root), with the tiny models already in a fresh cache.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultsSchema, type Results } from '../src/results/schema.js';
import { CLI, REPO, tempDir, type CliResult } from './helpers/cli.js';

const CAN_UNSHARE = spawnSync('unshare', ['-n', 'true']).status === 0;
const NETWORK_MODULE = join(REPO, 'dist', 'src', 'measure', 'network.js');

/** A command in a fresh network namespace (no interface but loopback), with its own cache root. */
function runOffline(command: string[], env: Record<string, string>, timeoutMs: number, namespace = true): Promise<CliResult> {
  const { VLMBENCH_CACHE: _ignored, QVAC_CONFIG_PATH: _alsoIgnored, ...inherited } = process.env;
  const argv = namespace ? ['unshare', '-n', ...command] : command;
  return new Promise((resolvePromise) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: REPO, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function resultsFrom(run: CliResult): Results {
  const path = /results: (\S+)/.exec(run.stdout)?.[1];
  if (!path) throw new Error(`no results path in output:\n${run.stdout}\n${run.stderr}`);
  return ResultsSchema.parse(JSON.parse(readFileSync(join(REPO, path), 'utf8')));
}

describe.skipIf(!CAN_UNSHARE)('with no network at all (unshare -n)', () => {
  const cacheHome = tempDir('offline-cache');
  const out = tempDir('offline-results');
  const env = { XDG_CACHE_HOME: cacheHome };
  const runFlags = ['--limit', '1', '--runs', '1', '--warmup', '0', '--tasks', 'ocr', '--results-dir', out, '--reports-dir', out, '--no-report', '--quiet'];
  let allEngines: CliResult;
  let realModel: CliResult;
  let registryModel: CliResult;

  beforeAll(async () => {
    // The models go into the cache first, as a user would have them; only then is the network taken away.
    const make = await runOffline([process.execPath, CLI, 'models', 'make-tiny'], env, 60_000, false);
    expect(make.code, make.stderr).toBe(0);
    // The three runs are independent (separate run ids); running them side by side keeps the file short.
    [allEngines, realModel, registryModel] = await Promise.all([
      runOffline([process.execPath, CLI, 'run', '--engines', 'transformersjs,qvac,qvac-ocr,tesseract', '--models', 'tiny,tesseract-eng', ...runFlags], env, 240_000),
      runOffline([process.execPath, CLI, 'run', '--engines', 'transformersjs', '--models', 'smolvlm2-256m', ...runFlags], env, 60_000),
      runOffline([process.execPath, CLI, 'run', '--engines', 'qvac', '--models', 'smolvlm2-500m', '--load-timeout', '5', ...runFlags], env, 120_000),
    ]);
  }, 300_000);

  it('the namespace really blocks egress: DNS and a TCP connect to a public address fail', async () => {
    const probe =
      "const net = require('node:net'); const dns = require('node:dns');" +
      "dns.lookup('registry.npmjs.org', (dnsError) => { const socket = net.connect({ host: '1.1.1.1', port: 443, timeout: 3000 });" +
      "socket.on('connect', () => { console.log('CONNECTED'); process.exit(0); });" +
      "socket.on('timeout', () => { console.log('dns:' + (dnsError && dnsError.code) + ' tcp:TIMEOUT'); process.exit(0); });" +
      "socket.on('error', (e) => { console.log('dns:' + (dnsError && dnsError.code) + ' tcp:' + e.code); process.exit(0); }); });";
    const result = await runOffline([process.execPath, '-e', probe], env, 20_000);
    expect(result.stdout).not.toContain('CONNECTED');
    expect(result.stdout).toMatch(/dns:E\w+ tcp:(ENETUNREACH|EHOSTUNREACH|TIMEOUT)/);
  });

  it('detectOffline says offline inside the namespace', async () => {
    const script = `import(${JSON.stringify(NETWORK_MODULE)}).then(async (m) => console.log(JSON.stringify(await m.detectOffline())))`;
    const inside = await runOffline([process.execPath, '-e', script], env, 20_000);
    expect(JSON.parse(inside.stdout)).toMatchObject({ offline: true, interfaces: [], defaultRoute: false });
  });

  it('every engine succeeds on cached models: transformersjs, qvac, qvac-ocr, tesseract', () => {
    expect(allEngines.code, `${allEngines.stdout}\n${allEngines.stderr}`).toBe(0);
    const results = resultsFrom(allEngines);
    for (const engine of ['transformersjs', 'qvac', 'qvac-ocr', 'tesseract']) {
      const cells = results.cells.filter((cell) => cell.key.engine === engine);
      expect(cells.length, engine).toBeGreaterThan(0);
      for (const cell of cells) expect(cell.status, `${engine}: ${cell.reason ?? ''}`).toBe('ok');
    }
  });

  it('the run records that it was offline (environment.extra.network)', () => {
    const results = resultsFrom(allEngines);
    expect(results.environment.extra?.network).toMatchObject({ offline: true });
  });

  it('a real model with an empty cache fails at once with a clear message', () => {
    const result = realModel;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SmolVLM2-256M-Video-Instruct.* is not in the cache and the Hugging Face hub cannot be reached/);
    expect(result.stderr).toContain('--models tiny');
  });

  it('a QVAC registry model without a network fails at once (no fetch inside the timed load), as a failed cell with the reason', () => {
    const result = registryModel;
    expect(result.code).toBe(3);
    const results = resultsFrom(result);
    expect(results.cells.length).toBeGreaterThan(0);
    for (const cell of results.cells) {
      expect(cell.status).toBe('failed');
      expect(cell.reason).toMatch(/SMOLVLM2_500M_MULTIMODAL_Q8_0 \+ MMPROJ_SMOLVLM2_500M_MULTIMODAL_Q8_0 not in QVAC's cache and this machine has no network .* "vlmbench models pull smolvlm2-500m"/);
    }
  });
});
