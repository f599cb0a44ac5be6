import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Models and fixture packs live outside git: $VLMBENCH_CACHE, or ~/.cache/vlmbench. */
export function cacheRoot(): string {
  return process.env.VLMBENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vlmbench');
}

export function modelCacheDir(...parts: string[]): string {
  return join(cacheRoot(), 'models', ...parts);
}

const STAMP_FILE = '.vlmbench-complete';

/**
 * Builds a cache folder once per `stamp`: writes into a private staging folder, stamps it, and
 * renames it into place, so a racing process (parallel tests, two runs) never sees half a
 * model. Returns true when it built the folder now, false when a complete copy was there.
 */
export async function buildOnce(dir: string, stamp: string, write: (staging: string) => Promise<void>): Promise<boolean> {
  const stampPath = join(dir, STAMP_FILE);
  const ready = (): boolean => existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === stamp;
  if (ready()) return false;
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await write(staging);
    writeFileSync(join(staging, STAMP_FILE), `${stamp}\n`);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      // Another process put its identical, deterministic copy in place first.
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!ready()) throw new Error(`model generation into ${dir} did not complete`);
  return true;
}
