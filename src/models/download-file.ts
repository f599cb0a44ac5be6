/**
 * One file from the hub into the cache, so that it cannot be fooled or hang:
 * - redirects are followed by hand, and the sha256 and size come from the hub's own first answer
 *   (`X-Linked-Etag`, `X-Linked-Size` on the redirect to the CDN; a plain file's ETag is its git
 *   blob sha1), never from the CDN, whose ETag is not a content hash;
 * - every byte, resumed ones included, is hashed and checked against the catalog's pin (which
 *   decides whether the file is the real one) and against the hub's own hash (which decides
 *   whether it arrived intact); a mismatch deletes the file and names both hashes;
 * - bytes go to `<file>.partial`, resumed with HTTP Range after a drop, a stall or an interrupt;
 * - no bytes for `stallTimeoutMs` aborts the attempt; attempts are bounded, with backoff.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../engines/engine.js';
import type { FilePin } from './catalog-types.js';
import { hubGet, hubToken, type HubResponse } from './hub-http.js';

export interface TransferOptions {
  signal?: AbortSignal;
  stallTimeoutMs: number;
  headersTimeoutMs: number;
  /** Further attempts after the first fails on the network, a stall or a server error. */
  retries: number;
  /** Wait before the first retry; doubled each time, at most 30 s. */
  backoffMs: number;
  onBytes?: (received: number, total: number | null) => void;
}

export interface TransferResult {
  sha256: string;
  bytes: number;
  /** True when the catalog pinned this file and the bytes matched; false when there was no pin. */
  pinned: boolean;
  /** What the hub's first answer said the file hashes to (sha256 for large files, git sha1 for small ones). */
  hubHash: string | null;
  /** Bytes already on disk in `.partial` when this call started. */
  resumedFrom: number;
}

/** Ctrl-C or SIGTERM during a download: the `.partial` file stays for the next run to resume. */
export class DownloadInterruptedError extends UserError {
  constructor(label: string, bytesOnDisk: number) {
    super(`download of ${label} interrupted with ${(bytesOnDisk / 1e6).toFixed(1)} MB on disk (kept as .partial) — re-run the same command to resume`);
    this.name = 'DownloadInterruptedError';
  }
}

/** The hub could not be reached at all (refused, unknown host): worth no retries. */
export class HubUnreachableError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'HubUnreachableError';
  }
}

class RetryableError extends Error {}

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT/;
const MAX_REDIRECTS = 5;

function errorCode(error: unknown): string {
  const err = error as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  return err.code ?? err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
}

function unquote(etag: string | undefined): string | null {
  if (!etag) return null;
  return etag.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase() || null;
}

function partialSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

async function discard(response: HubResponse): Promise<void> {
  const body = response.body as HubResponse['body'] & { dump?: () => Promise<void> };
  if (typeof body.dump === 'function') await body.dump().catch(() => undefined);
  else body.destroy();
}

interface HubFacts {
  /** sha256 (X-Linked-Etag) for large files; git blob sha1 (ETag) for files stored in git. */
  hash: string | null;
  size: number | null;
}

/**
 * GET with redirects followed by hand. The hub's facts come from its own answers, the first one
 * that states them winning (the redirect to the CDN, or the file itself for a plain file, after
 * any same-hub redirect such as a renamed repo). A CDN on another host is never asked; a plain
 * ETag counts only when it has the shape of a git sha1 or a sha256, so a same-host CDN's opaque
 * ETag cannot stand in for one.
 */
async function follow(url: string, label: string, offset: number, pin: FilePin | undefined, options: TransferOptions): Promise<{ response: HubResponse; facts: HubFacts }> {
  const hubOrigin = new URL(url).origin;
  const token = hubToken();
  const facts: HubFacts = { hash: null, size: null };
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const onHub = new URL(current).origin === hubOrigin;
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    // The token is for the hub; a CDN host must not see it.
    if (token && onHub) headers.authorization = `Bearer ${token}`;
    const response = await hubGet(current, { headers, signal: options.signal, headersTimeoutMs: options.headersTimeoutMs, stallTimeoutMs: options.stallTimeoutMs });
    if (onHub) {
      const linked = unquote(response.headers['x-linked-etag']);
      const linkedSize = Number(response.headers['x-linked-size']);
      facts.hash ??= linked;
      if (facts.size === null && Number.isFinite(linkedSize) && linkedSize >= 0 && response.headers['x-linked-size'] !== undefined) facts.size = linkedSize;
      if ((response.status === 200 || response.status === 206) && !linked) {
        const etag = unquote(response.headers.etag);
        if (etag && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(etag)) facts.hash ??= etag;
        // A whole file states its length; a resumed one its total after the slash of Content-Range.
        const total = response.status === 200 ? response.headers['content-length'] : /\/(\d+)\s*$/.exec(response.headers['content-range'] ?? '')?.[1];
        if (facts.size === null && total !== undefined && Number.isFinite(Number(total))) facts.size = Number(total);
      }
    }
    if (pin && facts.hash && /^[0-9a-f]{64}$/.test(facts.hash) && facts.hash !== pin.sha256) {
      await discard(response);
      throw new UserError(`${label}: the hub says sha256 ${facts.hash} but the catalog pins ${pin.sha256} — the hub (HF_ENDPOINT) serves a different file; nothing was downloaded`);
    }
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && location) {
      await discard(response);
      current = new URL(location, current).href;
      continue;
    }
    return { response, facts };
  }
  throw new RetryableError(`more than ${MAX_REDIRECTS} redirects`);
}

async function hashExisting(path: string, hashes: Hash[]): Promise<void> {
  for await (const chunk of createReadStream(path)) for (const hash of hashes) hash.update(chunk as Buffer);
}

function gitBlobSha1(size: number): Hash {
  return createHash('sha1').update(`blob ${size}\0`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function refuse(label: string, actual: string, expected: string, whose: string, partial: string): never {
  rmSync(partial, { force: true });
  throw new UserError(
    `${label}: sha256 ${actual} but ${whose} ${expected} — the file was deleted; re-run to download it again, and if it repeats, the server (HF_ENDPOINT=${process.env.HF_ENDPOINT ?? 'huggingface.co'}) is serving other bytes`,
  );
}

/** One attempt: from the current `.partial` size to the end, or an error saying whether to retry. */
async function attempt(url: string, label: string, partial: string, pin: FilePin | undefined, options: TransferOptions): Promise<TransferResult> {
  let offset = partialSize(partial);
  const { response, facts } = await follow(url, label, offset, pin, options);
  const { status } = response;
  if (status === 404) {
    await discard(response);
    throw new UserError(`${label} does not exist on the hub (HTTP 404 from ${url}) — the catalog entry is wrong, or HF_ENDPOINT points at a server without it`);
  }
  if (status === 401 || status === 403) {
    await discard(response);
    throw new UserError(
      hubToken()
        ? `${label}: the hub refused the token in HF_TOKEN (HTTP ${status}) — check that it is valid and has access to this repository`
        : `${label}: the hub asks for authentication (HTTP ${status}) — set HF_TOKEN to a Hugging Face access token with access to this repository`,
    );
  }
  if (status === 416 && offset > 0) {
    // The partial file is already complete (or longer than the file): check what is there.
    await discard(response);
    if (facts.size === null || offset !== facts.size) {
      rmSync(partial, { force: true });
      throw new RetryableError(`the server rejected resuming at ${offset} bytes`);
    }
  } else if (status !== 200 && status !== 206) {
    await discard(response);
    throw new RetryableError(`HTTP ${status}`);
  }
  const resumedFrom = offset;
  if (status === 200) offset = 0; // the server ignored the Range: start over
  if (status === 206) {
    const start = Number(/bytes\s+(\d+)-/.exec(response.headers['content-range'] ?? '')?.[1]);
    if (start !== offset) {
      await discard(response);
      rmSync(partial, { force: true });
      throw new RetryableError(`the server resumed at byte ${start}, not ${offset}`);
    }
  }
  const total = facts.size;
  const sha256 = createHash('sha256');
  const gitSha1 = total !== null && facts.hash?.length === 40 ? gitBlobSha1(total) : null;
  const hashes = gitSha1 ? [sha256, gitSha1] : [sha256];
  if (offset > 0) await hashExisting(partial, hashes);
  let received = offset;
  if (status !== 416) {
    const out = createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' });
    const closed = new Promise<void>((resolve, reject) => {
      out.on('close', resolve);
      out.on('error', reject);
    });
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        for (const hash of hashes) hash.update(chunk);
        received += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        options.onBytes?.(received, total);
      }
    } finally {
      // What arrived stays on disk, so the next attempt (or run) resumes after it.
      out.end();
      await closed;
    }
  }
  if (total !== null && received < total) throw new RetryableError(`the connection closed after ${received} of ${total} bytes`);
  const digest = sha256.digest('hex');
  if (total !== null && received > total) refuse(label, digest, `${total} bytes`, 'the hub says the file has', partial);
  if (pin && digest !== pin.sha256) refuse(label, digest, pin.sha256, 'the catalog pins', partial);
  if (facts.hash?.length === 64 && digest !== facts.hash) refuse(label, digest, facts.hash, "the hub's X-Linked-Etag says", partial);
  if (gitSha1 && facts.hash) {
    const blob = gitSha1.digest('hex');
    if (blob !== facts.hash) refuse(label, `${digest} (git blob sha1 ${blob})`, facts.hash, "the hub's ETag (git blob sha1) says", partial);
  }
  if (pin?.bytes !== undefined && received !== pin.bytes) refuse(label, digest, `${pin.bytes} bytes`, 'the catalog pins', partial);
  return { sha256: digest, bytes: received, pinned: Boolean(pin), hubHash: facts.hash, resumedFrom };
}

/** Downloads `url` to `destination` (via `destination.partial`), verified; see the file comment. */
export async function downloadFile(url: string, destination: string, label: string, pin: FilePin | undefined, options: TransferOptions): Promise<TransferResult> {
  mkdirSync(dirname(destination), { recursive: true });
  const partial = `${destination}.partial`;
  for (let tries = 0; ; tries++) {
    if (options.signal?.aborted) throw new DownloadInterruptedError(label, partialSize(partial));
    try {
      const result = await attempt(url, label, partial, pin, options);
      renameSync(partial, destination);
      return result;
    } catch (error) {
      if (options.signal?.aborted) throw new DownloadInterruptedError(label, partialSize(partial));
      if (error instanceof UserError) throw error;
      const code = errorCode(error);
      if (tries === 0 && partialSize(partial) === 0 && UNREACHABLE.test(code)) throw new HubUnreachableError(code);
      if (tries >= options.retries) {
        throw new UserError(`download of ${label} failed after ${tries + 1} attempts (${code}) — re-run to resume from the ${(partialSize(partial) / 1e6).toFixed(1)} MB already on disk`);
      }
      await sleep(Math.min(30_000, options.backoffMs * 2 ** tries), options.signal);
    }
  }
}
