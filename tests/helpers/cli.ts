/** Runs the real compiled CLI (npm test builds dist/ first) as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'src', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = startCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vlmbench-${prefix}-`));
}

/** A small user fixture folder copied from the built-in set, optionally with extra items. */
export function fixtureFolder(ids: string[], extra: Array<{ id: string; task: 'ocr' | 'caption'; image: string; bytes: Buffer; sha256: string }> = []): string {
  const dir = tempDir('fixtures');
  const builtin = join(REPO, 'fixtures', 'builtin');
  const manifest = JSON.parse(readFileSync(join(builtin, 'manifest.json'), 'utf8')) as { version: number; items: Array<{ id: string; image: string }> };
  const items: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const item = manifest.items.find((candidate) => candidate.id === id);
    if (!item) throw new Error(`no built-in fixture ${id}`);
    mkdirSync(join(dir, item.image, '..'), { recursive: true });
    cpSync(join(builtin, item.image), join(dir, item.image));
    items.push(item);
  }
  for (const item of extra) {
    writeFileSync(join(dir, item.image), item.bytes);
    items.push({ id: item.id, task: item.task, category: 'custom', image: item.image, sha256: item.sha256, references: ['x'], source: 'test', licence: 'CC0-1.0' });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: manifest.version, items }, null, 2));
  return dir;
}

/** Processes whose command line mentions a path: engine hosts, Bare workers, Chromium. */
export function processesMatching(pattern: RegExp): number[] {
  const out: number[] = [];
  for (const pid of readProcPids()) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (pattern.test(cmdline)) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

function readProcPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}
