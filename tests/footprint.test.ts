import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processCensus } from '../src/footprint/census.js';
import { coldStartFigures } from '../src/footprint/cold-start.js';
import { collectFootprint, readFootprint } from '../src/footprint/collect.js';
import { apparentBytes, dependencyClosure, installFootprint } from '../src/footprint/install.js';
import { renderFootprintHtml, renderFootprintMarkdown } from '../src/footprint/render.js';
import { parseInterfaces, parseRoutes } from '../src/measure/network.js';
import { escapeHtml } from '../src/report/escape.js';

const REPO = join(import.meta.dirname, '..');
const HERE = `${process.platform}-${process.arch}`;
const ELSEWHERE = process.platform === 'darwin' ? 'linux-x64' : 'darwin-arm64';

function duBytes(path: string, exclude?: string): number {
  const args = ['-sb', ...(exclude ? [`--exclude=${exclude}`] : []), path];
  return Number(execFileSync('du', args, { encoding: 'utf8' }).split(/\s+/)[0]);
}

function writePackage(dir: string, manifest: Record<string, unknown>, files: Record<string, string | Buffer> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/**
 * root/node_modules: engine → shared (hoisted), nested (its own node_modules, a different
 * version than the hoisted one), a missing optional dependency; unrelated is not in the closure.
 */
function fakeRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'vlmbench-footprint-'));
  writePackage(root, { name: 'app', dependencies: { engine: '1' } });
  const modules = join(root, 'node_modules');
  writePackage(join(modules, 'engine'), { name: 'engine', version: '1.2.3', dependencies: { shared: '1', nested: '2' }, optionalDependencies: { 'engine-other-platform': '1' } }, {
    'index.js': 'x'.repeat(1000),
    [`prebuilds/${HERE}/engine.node`]: Buffer.alloc(5000, 1),
    [`prebuilds/${ELSEWHERE}/engine.node`]: Buffer.alloc(7000, 1),
    'lib/helper.dll': Buffer.alloc(300, 1),
    'bin/runtime': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(2000)]),
    'bin/script': '#!/bin/sh\necho hi\n',
  });
  writePackage(join(modules, 'engine', 'node_modules', 'nested'), { name: 'nested', version: '2.0.0' }, { 'a.wasm': Buffer.alloc(1234, 2) });
  writePackage(join(modules, 'nested'), { name: 'nested', version: '1.0.0' }, { 'big.js': 'y'.repeat(50_000) });
  writePackage(join(modules, 'shared'), { name: 'shared', version: '1.0.0', dependencies: { leaf: '1' } }, { 'lib/x.so.1': Buffer.alloc(800, 3), 'readme.md': 'shared' });
  writePackage(join(modules, 'leaf'), { name: 'leaf', version: '1.0.0' }, { 'leaf.js': 'z' });
  writePackage(join(modules, 'unrelated'), { name: 'unrelated', version: '1.0.0' }, { 'u.js': 'u'.repeat(9999) });
  return root;
}

describe('install footprint', () => {
  const root = fakeRepo();
  const modules = join(root, 'node_modules');

  it('follows dependencies as Node resolves them: nested first, then hoisted; skips absent optionals', async () => {
    const closure = await dependencyClosure('engine', root);
    expect(closure.sort()).toEqual([join(modules, 'engine'), join(modules, 'engine', 'node_modules', 'nested'), join(modules, 'leaf'), join(modules, 'shared')].sort());
  });

  it('counts the same bytes as du -sb over the closure, and only this platform\'s native files', async () => {
    const footprint = await installFootprint('engine', root);
    const expected =
      duBytes(join(modules, 'engine'), 'node_modules') + duBytes(join(modules, 'engine', 'node_modules', 'nested')) + duBytes(join(modules, 'shared')) + duBytes(join(modules, 'leaf'));
    expect(footprint.bytes).toBe(expected);
    expect(footprint.packages).toBe(4);
    expect(footprint.version).toBe('1.2.3');
    const native = footprint.nativeFiles.map((file) => file.path).sort();
    const expectedNative = [`node_modules/engine/prebuilds/${HERE}/engine.node`, 'node_modules/engine/bin/runtime', 'node_modules/engine/node_modules/nested/a.wasm', 'node_modules/shared/lib/x.so.1'];
    if (process.platform === 'win32') expectedNative.push('node_modules/engine/lib/helper.dll');
    expect(native).toEqual(expectedNative.sort());
    expect(footprint.nativeBytes).toBe(5000 + 2004 + 1234 + 800);
    expect(footprint.method).toMatch(/shared by several engines counts in full for each/);
  });

  it('matches du -sb on a real package in node_modules', async () => {
    // commander has no dependencies and no nested node_modules: its closure is its own folder.
    const footprint = await installFootprint('commander', REPO);
    expect(footprint.packages).toBe(1);
    expect(footprint.bytes).toBe(duBytes(join(REPO, 'node_modules', 'commander')));
    expect(await apparentBytes(join(REPO, 'node_modules', 'commander'))).toBe(footprint.bytes);
  });

  it('names a package that is not installed', async () => {
    await expect(installFootprint('no-such-package-here', root)).rejects.toThrow(/"no-such-package-here" is not installed/);
  });
});

describe('process census', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  function started(child: ChildProcess): Promise<void> {
    children.push(child);
    return new Promise((resolvePromise) => child.stdout?.once('data', () => resolvePromise()));
  }

  it('counts the processes and threads of a spawned tree', async () => {
    // A shell with two `sleep` children: 3 single-threaded processes.
    const shell = spawn('sh', ['-c', 'sleep 30 & sleep 30 & echo ready; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await started(shell);
    // A background child is forked before it execs `sleep`: wait until both have, so the census is not racing them.
    let census = processCensus(shell.pid as number);
    for (let i = 0; i < 100 && census.commands.filter((c) => c === 'sleep 30').length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      census = processCensus(shell.pid as number);
    }
    expect(census.processes).toBe(3);
    expect(census.threads).toBe(3);
    expect(census.commands).toEqual(['sh -c sleep 30 & sleep 30 & echo ready; wait', 'sleep 30', 'sleep 30']);
    expect(census.method).toMatch(/Threads:/);
  });

  it('counts a multi-threaded process as many threads', async () => {
    // Node with two worker threads: its thread count is main + workers + runtime threads, the same as /proc/PID/task lists.
    const script = "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 2; i++) new Worker('setInterval(() => {}, 1000)', { eval: true }).on('online', () => { if (++globalThis.n === 2) console.log('ready'); }); globalThis.n = 0; setTimeout(() => {}, 30000);";
    const node = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await started(node);
    const census = processCensus(node.pid as number);
    expect(census.processes).toBe(1);
    expect(census.threads).toBeGreaterThanOrEqual(3);
    expect(census.threads).toBe(readdirSync(`/proc/${node.pid}/task`).length);
  });

  it('gives zeros for a process that is gone', () => {
    expect(processCensus(2 ** 22 + 7)).toMatchObject({ processes: 0, threads: 0, commands: [] });
  });
});

describe('cold start figures', () => {
  it('splits spawn → ready → loaded → first result, from resolve when given', () => {
    expect(coldStartFigures({ spawnedAt: 1000, readyAt: 1400, loadedAt: 3400, firstResultAt: 4000 })).toMatchObject({
      spawnToReadyMs: 400,
      readyToLoadedMs: 2000,
      loadedToFirstResultMs: 600,
      timeToFirstResultMs: 3000,
      cacheCold: null,
    });
    expect(coldStartFigures({ resolveStartedAt: 0, spawnedAt: 1000, readyAt: 1400, loadedAt: 3400, firstResultAt: 4000, cacheCold: true })).toMatchObject({ timeToFirstResultMs: 4000, cacheCold: true });
  });
});

describe('footprint section and rendering', () => {
  it('collects per engine, validates, renders a table and a bar chart', async () => {
    const root = fakeRepo();
    // ENGINE_INFO maps tesseract to tesseract.js, absent from the fake repo: recorded with a reason.
    const footprint = await collectFootprint({
      engines: ['tesseract'],
      repoRoot: root,
      models: [{ id: 'tesseract-eng', engine: 'tesseract', quant: 'lstm-eng', source: 's', synthetic: false, files: [{ role: 'a', path: '/a', bytes: 1_000_000, sha256: 'x' }, { role: 'b', path: '/b', bytes: 500_000, sha256: 'y' }] }],
      census: [{ engine: 'tesseract', model: 'tesseract-eng', processes: 1, threads: 9, commands: ['node host'], method: 'm' }],
      coldStart: [{ engine: 'tesseract', model: 'tesseract-eng', ...coldStartFigures({ spawnedAt: 0, readyAt: 100, loadedAt: 1100, firstResultAt: 2100 }) }],
    });
    const engine = footprint.engines[0];
    expect(engine?.install).toBeNull();
    expect(engine?.installReason).toMatch(/tesseract\.js" is not installed/);
    expect(engine?.models[0]).toMatchObject({ model: 'tesseract-eng', bytes: 1_500_000, files: 2 });
    expect(engine?.census[0]).toMatchObject({ model: 'tesseract-eng', processes: 1, threads: 9 });

    const real = await collectFootprint({ engines: ['tesseract'], repoRoot: REPO, models: [] });
    expect(real.engines[0]?.install?.packageName).toBe('tesseract.js');
    expect(real.engines[0]?.install?.packages).toBeGreaterThan(1);
    expect(readFootprint({ extra: { footprint: real } } as never)).toEqual(real);

    const markdown = renderFootprintMarkdown(footprint);
    expect(markdown).toContain('| tesseract | — (package "tesseract.js" is not installed');
    expect(markdown).toContain('tesseract-eng 1.5 MB');
    expect(markdown).toContain('1 / 9');
    expect(markdown).toContain('100 ms + load 1.00 s');
    const html = renderFootprintHtml(real, escapeHtml);
    expect(html).toContain('<svg');
    expect(html).toContain('tesseract.js');
    expect(html).toMatch(/<rect [^>]*width="420.0"/);
  });
});

describe('offline detection parsers', () => {
  it('reads interfaces and routes from procfs text', () => {
    const netDev = 'Inter-|   Receive\n face |bytes\n    lo: 0 0\n  eth0: 1 2\n';
    expect(parseInterfaces(netDev)).toEqual(['eth0']);
    const route = 'Iface\tDestination\tGateway\nlo\t0000007F\t00000000\neth0\t00000000\t010200C0\n';
    expect(parseRoutes(route, '')).toEqual({ interfaces: new Set(['eth0']), defaultRoute: true });
    expect(parseRoutes('Iface\tDestination\n', '00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000001 00000000 00200001 lo\n')).toEqual({ interfaces: new Set(), defaultRoute: false });
  });
});
