/** The device-runner protocol through the real CLI: a malformed post is refused, the reference runner's cells land as remote cells. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsSchema } from '../src/results/schema.js';
import { REPO, runCli, startCli, tempDir } from './helpers/cli.js';

describe('vlmbench device-session', () => {
  it('refuses a malformed post, accepts the reference runner’s cells and writes them as remote cells', async () => {
    const work = tempDir('device');
    const session = startCli(['device-session', '--tasks', 'ocr', '--limit', '2', '--runs', '2', '--warmup', '0', '--max-new-tokens', '8', '--wait', '150', '--results-dir', join(work, 'results')]);
    let out = '';
    session.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    session.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => session.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!/serving 2 fixtures at (\S+)/.test(out) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const url = /serving 2 fixtures at (\S+)/.exec(out)?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\//);

    const bad = await fetch(`${url}cells`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"device": "x", "cell": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/JSON/i);

    const runner = spawn(process.execPath, [join(REPO, 'dist', 'src', 'remote', 'reference-runner.js'), '--url', url, '--engine', 'transformersjs', '--device', 'loopback-test-device'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let runnerOut = '';
    runner.stdout?.on('data', (chunk: Buffer) => (runnerOut += chunk.toString()));
    runner.stderr?.on('data', (chunk: Buffer) => (runnerOut += chunk.toString()));
    expect(await new Promise((resolve) => runner.on('exit', resolve)), runnerOut).toBe(0);
    expect(await exited, out).toBe(0);

    const path = /results: (\S+)/.exec(out)?.[1] as string;
    const results = ResultsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    expect(results.cells).toHaveLength(2);
    for (const cell of results.cells) {
      expect(cell.flags).toContain('remote');
      expect(cell.remoteDevice).toBe('loopback-test-device');
      expect(cell.samples).toHaveLength(2);
      expect(cell.quality?.cer).toBeTypeOf('number');
    }
    expect(results.run.complete).toBe(true);
  }, 200_000);

  it('with no runner, gives up after --wait with one line naming the remedy, and writes no results', async () => {
    const work = tempDir('device-timeout');
    const result = await runCli(['device-session', '--tasks', 'ocr', '--limit', '1', '--wait', '1', '--results-dir', join(work, 'results')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no valid cell arrived within 1 s — check that the runner reaches http:\/\/127\.0\.0\.1/);
    // The session's journal is kept (it has its header), but no results file claims cells that never came.
    const runs = readdirSync(join(work, 'results'));
    expect(runs).toHaveLength(1);
    expect(existsSync(join(work, 'results', runs[0] as string, 'journal.jsonl'))).toBe(true);
    expect(existsSync(join(work, 'results', runs[0] as string, 'results.json'))).toBe(false);
    expect(result.stdout).not.toMatch(/results: /);
  }, 60_000);
});
