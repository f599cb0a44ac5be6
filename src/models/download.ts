/**
 * Downloads pinned Hugging Face files into the cache with progress and sha256 checks.
 * Offline (or with the hub unreachable) it fails within seconds, naming the remedy.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../engines/engine.js';

export const HF_ENDPOINT = process.env.HF_ENDPOINT ?? 'https://huggingface.co';

export interface DownloadOptions {
  offline: boolean;
  /** How long to wait for the hub to answer before calling it unreachable. */
  probeTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

export function hubUrl(repo: string, revision: string, file: string): string {
  return `${HF_ENDPOINT}/${repo}/resolve/${revision}/${file}`;
}

function offlineError(what: string, cause: string, remedyDir: string): UserError {
  return new UserError(
    `${what} is not in the cache and the Hugging Face hub cannot be reached (${cause}) — connect to the internet and re-run, or copy the files into ${remedyDir}, or use the offline models: --models tiny`,
  );
}

/** Fetches with an overall deadline for the response headers, so an unreachable hub fails fast. */
async function fetchWithDeadline(url: string, ms: number, init: RequestInit = {}): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
  try {
    return await fetch(url, { ...init, signal: controller.signal, redirect: 'follow' });
  } finally {
    clearTimeout(timer);
  }
}

function describeFetchError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
}

/**
 * Ensures every file of a pinned repo revision is in `targetDir`. Files already present are kept
 * (their hashes are recorded by the caller). Returns the sha256 of each downloaded file.
 */
export async function downloadRepoFiles(
  repo: string,
  revision: string,
  files: string[],
  targetDir: string,
  options: DownloadOptions,
  pinned: Record<string, string> = {},
): Promise<Record<string, string>> {
  const missing = files.filter((file) => !existsSync(join(targetDir, file)));
  if (missing.length === 0) return {};
  const what = `${repo}@${revision} (${missing.length} file${missing.length > 1 ? 's' : ''})`;
  if (options.offline) throw offlineError(what, '--offline was given', targetDir);
  try {
    const probe = await fetchWithDeadline(hubUrl(repo, revision, missing[0] as string), options.probeTimeoutMs ?? 5000, { method: 'HEAD' });
    if (probe.status === 404) throw new UserError(`${repo}@${revision}: ${missing[0]} does not exist on the hub — the catalog entry is wrong; report it`);
    if (!probe.ok) throw new Error(`HTTP ${probe.status}`);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw offlineError(what, describeFetchError(error), targetDir);
  }
  const hashes: Record<string, string> = {};
  for (const [index, file] of missing.entries()) {
    const destination = join(targetDir, file);
    mkdirSync(dirname(destination), { recursive: true });
    const temporary = `${destination}.partial`;
    const response = await fetchWithDeadline(hubUrl(repo, revision, file), 30_000);
    if (!response.ok || !response.body) throw new UserError(`download of ${repo}/${file} failed: HTTP ${response.status} — retry later`);
    // The hub's ETag of an LFS file is its sha256; small git files have a git-sha1 ETag, which we do not check.
    const expected = pinned[file] ?? (response.headers.get('x-linked-etag') ?? response.headers.get('etag') ?? '').replace(/"/g, '').replace(/^W\//, '');
    const total = Number(response.headers.get('content-length') ?? 0);
    const hash = createHash('sha256');
    const out = createWriteStream(temporary);
    let received = 0;
    let lastReport = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        if (Date.now() - lastReport > 1000) {
          lastReport = Date.now();
          const percent = total ? ` ${((received / total) * 100).toFixed(0)}%` : '';
          options.onProgress?.(`downloading ${file} [${index + 1}/${missing.length}]${percent} (${(received / 1e6).toFixed(1)} MB)`);
        }
      }
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      out.destroy();
      rmSync(temporary, { force: true });
      throw new UserError(`download of ${repo}/${file} was interrupted (${describeFetchError(error)}) — re-run to resume from the files already complete`);
    }
    const digest = hash.digest('hex');
    if (/^[0-9a-f]{64}$/.test(expected) && expected !== digest) {
      rmSync(temporary, { force: true });
      throw new UserError(`download of ${repo}/${file} is corrupt: sha256 ${digest} but the hub says ${expected} — re-run the download`);
    }
    renameSync(temporary, destination);
    hashes[file] = digest;
    options.onProgress?.(`downloaded ${file} (${(received / 1e6).toFixed(1)} MB, sha256 ${digest.slice(0, 12)}…)`);
  }
  return hashes;
}
