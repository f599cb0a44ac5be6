import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { cacheRoot } from './cache.js';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface RememberedHash {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

function memoPath(): string {
  return join(cacheRoot(), 'sha256-memo.json');
}

function readMemo(): Record<string, RememberedHash> {
  try {
    return JSON.parse(readFileSync(memoPath(), 'utf8')) as Record<string, RememberedHash>;
  } catch {
    return {};
  }
}

/**
 * sha256 of a file, remembered by (path, size, mtime, inode) as git's index does, because every
 * run records the hash of every model file and re-reading 1 GB of shape-faithful weights cost
 * seconds per run. A file rewritten in place gets a new mtime and is hashed again. The memo is
 * written atomically; two processes racing only cost a repeated hash, never a wrong one.
 */
export async function sha256FileRemembered(path: string): Promise<string> {
  const absolute = resolve(path);
  const stat = statSync(absolute);
  const remembered = readMemo()[absolute];
  if (remembered && remembered.size === stat.size && remembered.mtimeMs === stat.mtimeMs && remembered.ino === stat.ino) return remembered.sha256;
  const sha256 = await sha256File(absolute);
  rememberSha256(absolute, sha256);
  return sha256;
}

/** Records a hash computed elsewhere (a download hashes every byte as it arrives), so the file is not read again. */
export function rememberSha256(path: string, sha256: string): void {
  const absolute = resolve(path);
  const stat = statSync(absolute);
  const memo = readMemo();
  // Entries for files that are gone (a deleted model, a test's scratch copy) would only pile up.
  for (const remembered of Object.keys(memo)) if (!existsSync(remembered)) delete memo[remembered];
  memo[absolute] = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256 };
  try {
    mkdirSync(dirname(memoPath()), { recursive: true });
    const staging = `${memoPath()}.tmp-${process.pid}`;
    writeFileSync(staging, JSON.stringify(memo));
    renameSync(staging, memoPath());
  } catch {
    // A cache that cannot be written only means hashing again next time.
  }
}

/** Every regular file under a directory, relative paths sorted, so hashes list stably. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}
