/**
 * HTTP for the Hugging Face hub: one request at a time, redirects left to the caller (the hub's
 * own first answer carries the file's sha256 and size), proxies from the environment, the user's
 * token for the hub only, and timeouts on the headers and on every gap in the body.
 *
 * Node's own fetch ignores HTTPS_PROXY/HTTP_PROXY/NO_PROXY, so requests go through undici with
 * its EnvHttpProxyAgent when one of them is set. Plain-http targets are forwarded to the proxy
 * without CONNECT (what an http proxy expects for http URLs); https targets are tunnelled.
 */
import type { Readable } from 'node:stream';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';

/** The hub's base URL: HF_ENDPOINT (a mirror, or the tests' stand-in hub) or huggingface.co. Read per call. */
export function hubEndpoint(): string {
  return (process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

export function hubUrl(repo: string, revision: string, file: string): string {
  return `${hubEndpoint()}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** The proxy variables a user may have set, for error messages. */
export function proxyInUse(): string | null {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
    const value = process.env[name];
    if (value) return `${name}=${value}`;
  }
  return null;
}

let cached: { key: string; dispatcher: Dispatcher } | null = null;

/** One dispatcher per proxy configuration (tests change the environment between cases). */
function dispatcher(): Dispatcher {
  const key = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].map((name) => process.env[name] ?? '').join('\0');
  if (cached?.key === key) return cached.dispatcher;
  let next: Dispatcher;
  if (proxyInUse()) {
    // undici marks this agent experimental with a process warning; the user only needs to know a proxy is used.
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      if (!/EnvHttpProxyAgent is experimental/.test(String(warning))) (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      next = new EnvHttpProxyAgent({ proxyTunnel: false } as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
    } finally {
      process.emitWarning = emitWarning;
    }
  } else {
    next = new Agent();
  }
  cached = { key, dispatcher: next };
  return next;
}

export interface HubResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

export interface HubRequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** No response headers within this long: the attempt fails. */
  headersTimeoutMs: number;
  /** No body bytes for this long: the attempt fails (undici's bodyTimeout is the gap between chunks). */
  stallTimeoutMs: number;
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** One GET, redirects not followed. The caller must consume or destroy `body`. */
export async function hubGet(url: string, options: HubRequestOptions): Promise<HubResponse> {
  const response = await request(url, {
    method: 'GET',
    headers: options.headers,
    signal: options.signal,
    dispatcher: dispatcher(),
    maxRedirections: 0,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.stallTimeoutMs,
  });
  return { status: response.statusCode, headers: flatten(response.headers), body: response.body };
}

/** The user's hub token (HF_TOKEN, or the older HUGGING_FACE_HUB_TOKEN), sent to the hub's own host only. */
export function hubToken(): string | null {
  return process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || null;
}
