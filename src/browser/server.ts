/**
 * The local HTTP server a browser page loads everything from: the driver page, transformers.js,
 * the exact onnxruntime-web wasm files it bundles, one model folder and the images it is asked
 * to serve. Nothing is fetched from a CDN. Every response carries COOP/COEP/CORP so the page is
 * cross-origin isolated (SharedArrayBuffer, so ORT's wasm threads work).
 */
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from '../measure/environment.js';
import { PAGE_HTML } from './page.js';

/** The wasm builds transformers.js 4.x may ask ORT for; served only by these exact names. */
export const ORT_WASM_FILES = [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.onnx_data': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.txt': 'text/plain; charset=utf-8',
};

export interface BrowserServerOptions {
  /** Catalog id → model folder; served under `/models/<id>/`. Ids must be URL-safe. */
  models: Record<string, string>;
  /** A fixed port (for `adb reverse tcp:PORT tcp:PORT`); random when absent. */
  port?: number;
  /** Where `@huggingface/transformers` and `onnxruntime-web` are installed (default: the repository's node_modules). */
  nodeModulesDir?: string;
}

export interface BrowserServer {
  /** e.g. `http://127.0.0.1:43123` (no trailing slash). */
  origin: string;
  port: number;
  /** Makes one image file fetchable and returns its path on this server (an unguessable name, never the file's path). */
  addImage(absolutePath: string): string;
  /** The onnxruntime-web version whose wasm files are served. */
  ortWebVersion: string | null;
  close(): Promise<void>;
}

const MODEL_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** The file under `root` that `relativePath` names, or null when it would leave `root` or does not exist. */
export function safeResolve(root: string, relativePath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const base = resolve(root);
  const candidate = resolve(base, `.${sep}${decoded}`);
  if (candidate !== base && !candidate.startsWith(base + sep)) return null;
  if (!existsSync(candidate)) return null;
  // A symlink inside the folder must not lead outside it either.
  const real = realpathSync(candidate);
  const realBase = realpathSync(base);
  if (real !== realBase && !real.startsWith(realBase + sep)) return null;
  return statSync(real).isFile() ? real : null;
}

function setIsolationHeaders(response: ServerResponse): void {
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  response.setHeader('Cache-Control', 'no-store');
}

function sendText(response: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  response.statusCode = status;
  response.setHeader('Content-Type', type);
  response.end(text);
}

function sendFile(request: IncomingMessage, response: ServerResponse, path: string): void {
  response.statusCode = 200;
  response.setHeader('Content-Type', CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream');
  response.setHeader('Content-Length', String(statSync(path).size));
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const nodeModules = options.nodeModulesDir ?? join(REPO_ROOT, 'node_modules');
  const transformersDist = join(nodeModules, '@huggingface', 'transformers', 'dist', 'transformers.js');
  const ortDist = join(nodeModules, 'onnxruntime-web', 'dist');
  if (!existsSync(transformersDist)) throw new Error(`transformers.js browser bundle not found at ${transformersDist}`);
  for (const id of Object.keys(options.models)) {
    if (!MODEL_ID_PATTERN.test(id)) throw new Error(`model id "${id}" cannot be served: use letters, digits, '.', '_' or '-'`);
  }
  let ortWebVersion: string | null = null;
  try {
    ortWebVersion = (JSON.parse(readFileSync(join(nodeModules, 'onnxruntime-web', 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    ortWebVersion = null;
  }
  const images = new Map<string, string>();

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    setIsolationHeaders(response);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendText(response, 405, 'method not allowed');
      return;
    }
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/' || pathname === '/index.html') {
      sendText(response, 200, PAGE_HTML, CONTENT_TYPES['.html']);
      return;
    }
    if (pathname === '/favicon.ico') {
      response.statusCode = 204;
      response.end();
      return;
    }
    if (pathname === '/lib/transformers.js') {
      sendFile(request, response, transformersDist);
      return;
    }
    if (pathname.startsWith('/ort/')) {
      const name = pathname.slice('/ort/'.length);
      const path = join(ortDist, name);
      if ((ORT_WASM_FILES as readonly string[]).includes(name) && existsSync(path)) {
        sendFile(request, response, path);
        return;
      }
    }
    if (pathname.startsWith('/models/')) {
      const rest = pathname.slice('/models/'.length);
      const slash = rest.indexOf('/');
      const id = slash > 0 ? rest.slice(0, slash) : '';
      const root = options.models[id];
      const path = root ? safeResolve(root, rest.slice(slash + 1)) : null;
      if (path) {
        sendFile(request, response, path);
        return;
      }
    }
    if (pathname.startsWith('/images/')) {
      const path = images.get(pathname.slice('/images/'.length));
      if (path && existsSync(path)) {
        sendFile(request, response, path);
        return;
      }
    }
    sendText(response, 404, 'not found');
  };

  const server = createServer(handler);
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    ortWebVersion,
    addImage(absolutePath: string): string {
      const name = `${randomBytes(8).toString('hex')}${extname(absolutePath).toLowerCase()}`;
      images.set(name, resolve(absolutePath));
      return `/images/${name}`;
    },
    close() {
      closed ??= new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
