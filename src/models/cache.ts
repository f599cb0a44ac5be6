import { homedir } from 'node:os';
import { join } from 'node:path';

/** Models and fixture packs live outside git: $VLMBENCH_CACHE, or ~/.cache/vlmbench. */
export function cacheRoot(): string {
  return process.env.VLMBENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vlmbench');
}

export function modelCacheDir(...parts: string[]): string {
  return join(cacheRoot(), 'models', ...parts);
}
