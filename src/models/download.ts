/**
 * Puts every file of a pinned hub revision in vlmbench's cache folder, verified:
 * 1. a file already there is kept if its sha256 (hashed once, then remembered) still matches its
 *    pin, or, unpinned, the hash recorded when it was verified;
 * 2. otherwise a copy in the user's Hugging Face hub cache is linked in, read-only, once it
 *    matched its pin (or the hub hash its blob is named after);
 * 3. otherwise it is downloaded (src/models/download-file.ts), unless --offline.
 * Each file's verification is written to `.vlmbench-verified.json` beside the files.
 * Offline, or with the hub unreachable, it fails within seconds and names the remedy.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../engines/engine.js';
import type { FilePin } from './catalog-types.js';
import { DownloadInterruptedError, HubUnreachableError, downloadFile } from './download-file.js';
import { fileProgress } from './download-progress.js';
import { rememberSha256, sha256FileRemembered } from './hash.js';
import { hubCachedFile } from './hub-cache.js';
import { hubUrl, proxyInUse } from './hub-http.js';

export { DownloadInterruptedError };

export interface DownloadOptions {
  offline: boolean;
  onProgress?: (message: string) => void;
  /** A terminal to redraw the per-file progress line on; none in CI logs and pipes. */
  liveStream?: NodeJS.WriteStream;
  signal?: AbortSignal;
  /** No body bytes for this long aborts the attempt (then it resumes). Default: VLMBENCH_STALL_TIMEOUT seconds, else 30 s. */
  stallTimeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

export interface VerifiedFile {
  file: string;
  path: string;
  sha256: string;
  bytes: number;
  /** The catalog pinned this file and it matched. False: no pin, so it is unverified. */
  pinned: boolean;
  from: 'cache' | 'hf-cache' | 'download';
  verifiedAt: string;
}

const RECORD = '.vlmbench-verified.json';

function stallTimeoutMs(options: DownloadOptions): number {
  if (options.stallTimeoutMs !== undefined) return options.stallTimeoutMs;
  const seconds = Number(process.env.VLMBENCH_STALL_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

function readRecord(dir: string): Record<string, VerifiedFile> {
  try {
    return JSON.parse(readFileSync(join(dir, RECORD), 'utf8')) as Record<string, VerifiedFile>;
  } catch {
    return {};
  }
}

function writeRecord(dir: string, record: Record<string, VerifiedFile>): void {
  mkdirSync(dir, { recursive: true });
  const staging = join(dir, `${RECORD}.tmp-${process.pid}`);
  writeFileSync(staging, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(staging, join(dir, RECORD));
}

function offlineError(what: string, cause: string, remedyDir: string): UserError {
  const proxy = proxyInUse();
  return new UserError(
    `${what} is not in the cache and the Hugging Face hub cannot be reached (${cause}${proxy ? `, through ${proxy}` : ''}) — connect to the internet${proxy ? ' or fix the proxy' : ''} and re-run, or copy the files into ${remedyDir}, or use the offline models: --models tiny`,
  );
}

async function gitBlobSha1(path: string): Promise<string> {
  const hash = createHash('sha1').update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A hub-cache snapshot file is trusted when it matches its pin, or else the hub hash its blob is named after. */
async function usableFromHubCache(path: string, pin: FilePin | undefined): Promise<{ sha256: string } | null> {
  const sha256 = await sha256FileRemembered(path);
  if (pin) return sha256 === pin.sha256 ? { sha256 } : null;
  const blob = basename(realpathSync(path));
  if (/^[0-9a-f]{64}$/.test(blob)) return sha256 === blob ? { sha256 } : null;
  if (/^[0-9a-f]{40}$/.test(blob)) return (await gitBlobSha1(path)) === blob ? { sha256 } : null;
  return null;
}

/**
 * Ensures each of `files` is in `targetDir`, verified; returns what was verified and how. A
 * pinned file that does not match is refused (deleted, with a one-line error naming both hashes).
 */
export async function ensureRepoFiles(
  repo: string,
  revision: string,
  files: string[],
  targetDir: string,
  pins: Record<string, FilePin>,
  options: DownloadOptions,
): Promise<VerifiedFile[]> {
  const record = readRecord(targetDir);
  const out: VerifiedFile[] = [];
  const missing: string[] = [];
  const now = () => new Date().toISOString();
  for (const file of files) {
    const path = join(targetDir, file);
    const pin = pins[file];
    if (existsSync(path)) {
      const sha256 = await sha256FileRemembered(path);
      const known = pin?.sha256 ?? record[file]?.sha256;
      if (!known || sha256 === known) {
        out.push({ file, path, sha256, bytes: statSync(path).size, pinned: Boolean(pin), from: record[file]?.from ?? 'cache', verifiedAt: record[file]?.verifiedAt ?? now() });
        continue;
      }
      options.onProgress?.(`${file}: the cached copy has sha256 ${sha256.slice(0, 12)}…, not ${known.slice(0, 12)}…; fetching it again`);
      rmSync(path, { force: true });
    }
    const shared = hubCachedFile(repo, revision, file);
    const usable = shared ? await usableFromHubCache(shared, pin) : null;
    if (shared && usable) {
      mkdirSync(dirname(path), { recursive: true });
      rmSync(path, { force: true }); // a dangling link to a copy that has since gone
      symlinkSync(shared, path);
      out.push({ file, path, sha256: usable.sha256, bytes: statSync(path).size, pinned: Boolean(pin), from: 'hf-cache', verifiedAt: now() });
      options.onProgress?.(`${file}: reusing the verified copy in the Hugging Face cache (${shared})`);
      continue;
    }
    missing.push(file);
  }
  if (missing.length > 0) {
    const what = `${repo}@${revision} (${missing.length} file${missing.length > 1 ? 's' : ''})`;
    if (options.offline) throw offlineError(what, '--offline was given', targetDir);
    for (const [index, file] of missing.entries()) {
      const path = join(targetDir, file);
      const label = `${file} [${index + 1}/${missing.length}]`;
      const partialBytes = existsSync(`${path}.partial`) ? statSync(`${path}.partial`).size : 0;
      options.onProgress?.(`downloading ${label} from ${repo}${partialBytes > 0 ? ` (resuming after ${(partialBytes / 1e6).toFixed(1)} MB)` : ''}`);
      const progress = fileProgress(label, partialBytes, options.liveStream);
      const started = Date.now();
      let result: Awaited<ReturnType<typeof downloadFile>>;
      try {
        result = await downloadFile(hubUrl(repo, revision, file), path, `${repo}/${file}`, pins[file], {
          signal: options.signal,
          stallTimeoutMs: stallTimeoutMs(options),
          headersTimeoutMs: stallTimeoutMs(options),
          retries: options.retries ?? 5,
          backoffMs: options.backoffMs ?? 1000,
          onBytes: (received, total) => progress.onBytes(received, total),
        });
      } catch (error) {
        if (error instanceof HubUnreachableError) throw offlineError(what, error.code, targetDir);
        throw error;
      } finally {
        progress.end();
      }
      const seconds = (Date.now() - started) / 1000;
      const fresh = result.bytes - result.resumedFrom;
      options.onProgress?.(
        `downloaded ${file} (${(result.bytes / 1e6).toFixed(1)} MB${result.resumedFrom > 0 ? `, resumed after ${(result.resumedFrom / 1e6).toFixed(1)} MB` : ''}, ${(fresh / 1e6 / Math.max(seconds, 0.001)).toFixed(1)} MB/s, sha256 ${result.sha256.slice(0, 12)}… ${result.pinned ? 'matches the pin' : 'unpinned: unverified'})`,
      );
      rememberSha256(path, result.sha256);
      const verified: VerifiedFile = { file, path, sha256: result.sha256, bytes: result.bytes, pinned: result.pinned, from: 'download', verifiedAt: now() };
      record[file] = verified;
      writeRecord(targetDir, record);
      out.push(verified);
    }
  }
  for (const entry of out) record[entry.file] = entry;
  writeRecord(targetDir, record);
  return files.map((file) => out.find((entry) => entry.file === file) as VerifiedFile);
}
