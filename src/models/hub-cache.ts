/**
 * Files a Python user already has in the standard Hugging Face hub cache, reused read-only:
 * `$HF_HUB_CACHE` (or `$HF_HOME/hub`, or `~/.cache/huggingface/hub`) holds
 * `models--<org>--<name>/snapshots/<commit>/<file>`, a symlink into `blobs/`. vlmbench never
 * writes there; a file is used only after its sha256 matched the catalog's pin.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function hubCacheDir(): string {
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  const home = process.env.HF_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** The snapshot path of a file at a commit, when the hub cache has it. */
export function hubCachedFile(repo: string, revision: string, file: string): string | null {
  const path = join(hubCacheDir(), `models--${repo.replace('/', '--')}`, 'snapshots', revision, file);
  return existsSync(path) ? path : null;
}
