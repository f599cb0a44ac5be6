/**
 * A stand-in for the Hugging Face hub on 127.0.0.1, for tests that go through vlmbench's real
 * download code with HF_ENDPOINT pointed here. It serves generated files in the hub's URL layout
 * (`/<repo>/resolve/<rev>/<file>`) the way the hub does:
 * - files of at least `lfsFrom` bytes ("LFS" files) get a 302 to a separate CDN server, carrying
 *   `X-Linked-Etag` (their sha256) and `X-Linked-Size`; the CDN's own ETag is not a hash;
 * - smaller files are answered directly, with their git blob sha1 as ETag.
 * Per-file modes make it misbehave: corrupted bytes, a body that stalls, a connection dropped
 * halfway, 404, 401 without the right token, and a lying X-Linked-Etag. Every request is logged.
 * `startForwardProxy` is a CONNECT-less HTTP proxy, also on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type HubMode = 'normal' | 'corrupt' | 'stall-once' | 'stall-always' | 'drop-once' | 'not-found' | 'needs-token' | 'wrong-etag';

export interface StandInFile {
  repo: string;
  revision: string;
  name: string;
  bytes: Buffer;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  path: string;
  range?: string;
  authorization?: string;
}

export interface StandInHub {
  url: string;
  requests: LoggedRequest[];
  setMode(name: string, mode: HubMode): void;
  /** The sha256 of a served file (what a pin built from the generated files holds). */
  sha256(name: string): string;
  close(): Promise<void>;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function gitBlobSha1(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Sends `body` from `start`, honouring the mode: a stall or a drop after half of the file. */
function sendBody(response: ServerResponse, body: Buffer, start: number, mode: HubMode, once: { used: boolean }): void {
  const half = Math.floor(body.length / 2);
  if (mode === 'stall-always') {
    // Half the file (or, resumed past that, a few more bytes), then silence.
    response.write(body.subarray(start, start < half ? half : Math.min(start + 1000, body.length - 1)));
    return;
  }
  const stall = mode === 'stall-once' && !once.used;
  const drop = mode === 'drop-once' && !once.used;
  if ((stall || drop) && start < half) {
    once.used = true;
    response.write(body.subarray(start, half));
    // A stalled body keeps the connection open and silent; a dropped one ends it mid-file.
    if (drop) setTimeout(() => response.socket?.destroy(), 50);
    return;
  }
  response.end(body.subarray(start));
}

export async function startStandInHub(files: StandInFile[], options: { lfsFrom?: number; token?: string; cdnOnHubHost?: boolean } = {}): Promise<StandInHub> {
  const lfsFrom = options.lfsFrom ?? 10_000;
  const modes = new Map<string, HubMode>();
  const stalledOnce = new Map<string, { used: boolean }>();
  const requests: LoggedRequest[] = [];
  const bySha = new Map<string, StandInFile>();
  for (const file of files) bySha.set(sha256(file.bytes), file);
  const modeOf = (name: string): HubMode => modes.get(name) ?? 'normal';
  const onceOf = (name: string) => stalledOnce.get(name) ?? (stalledOnce.set(name, { used: false }).get(name) as { used: boolean });
  const served = (file: StandInFile): Buffer => {
    if (modeOf(file.name) !== 'corrupt') return file.bytes;
    const copy = Buffer.from(file.bytes);
    for (let i = 0; i < copy.length; i += 97) copy[i] = (copy[i] as number) ^ 0xff;
    return copy;
  };
  const rangeStart = (request: IncomingMessage): number => Number(/bytes=(\d+)-/.exec(request.headers.range ?? '')?.[1] ?? 0);
  const log = (server: 'hub' | 'cdn', request: IncomingMessage) =>
    requests.push({ server, path: request.url ?? '', ...(request.headers.range ? { range: request.headers.range } : {}), ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) });

  const serveCdn = (request: IncomingMessage, response: ServerResponse): void => {
    log('cdn', request);
    const file = bySha.get((request.url ?? '').split('/').pop() ?? '');
    if (!file) return void response.writeHead(404).end();
    const body = served(file);
    const start = rangeStart(request);
    // Like a CDN: an opaque ETag that is not the content's sha256.
    const headers = { etag: `"cdn-${start}-${body.length}"`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (start > 0) {
      if (start >= body.length) return void response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      response.writeHead(206, { ...headers, 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      response.writeHead(200, { ...headers, 'content-length': body.length });
    }
    sendBody(response, body, start, modeOf(file.name), onceOf(file.name));
  };
  const cdn = createServer(serveCdn);
  const cdnSockets = track(cdn);
  const cdnPort = await listen(cdn);

  const hub = createServer((request, response) => {
    // A CDN path on the hub's own host, as some mirrors serve it.
    if (options.cdnOnHubHost && (request.url ?? '').startsWith('/cdn/')) return serveCdn(request, response);
    log('hub', request);
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((request.url ?? '').split('?')[0] ?? '');
    const file = match && files.find((f) => f.repo === match[1] && f.revision === decodeURIComponent(match[2] as string) && f.name === decodeURIComponent(match[3] as string));
    if (!file) return void response.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    const mode = modeOf(file.name);
    if (mode === 'not-found') return void response.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    if (mode === 'needs-token' && request.headers.authorization !== `Bearer ${options.token}`) return void response.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('Unauthorized');
    const hash = sha256(file.bytes);
    if (file.bytes.length >= lfsFrom) {
      const claimed = mode === 'wrong-etag' ? sha256(Buffer.concat([file.bytes, Buffer.from('x')])) : hash;
      response.writeHead(302, {
        location: options.cdnOnHubHost ? `/cdn/${hash}` : `http://127.0.0.1:${cdnPort}/cdn/${hash}`,
        'x-linked-etag': `"${claimed}"`,
        'x-linked-size': String(file.bytes.length),
        'x-repo-commit': file.revision,
        'content-length': 0,
      });
      return void response.end();
    }
    const body = served(file);
    const start = rangeStart(request);
    const headers = { etag: `"${gitBlobSha1(file.bytes)}"`, 'x-repo-commit': file.revision, 'accept-ranges': 'bytes' };
    if (start > 0 && start < body.length) response.writeHead(206, { ...headers, 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    else response.writeHead(200, { ...headers, 'content-length': body.length });
    sendBody(response, body, start > 0 && start < body.length ? start : 0, mode, onceOf(file.name));
  });
  const hubSockets = track(hub);
  const hubPort = await listen(hub);

  return {
    url: `http://127.0.0.1:${hubPort}`,
    requests,
    setMode: (name, mode) => {
      modes.set(name, mode);
      stalledOnce.delete(name);
    },
    sha256: (name) => sha256((files.find((f) => f.name === name) as StandInFile).bytes),
    close: async () => {
      await closeServer(hub, hubSockets);
      await closeServer(cdn, cdnSockets);
    },
  };
}

export interface ForwardProxy {
  url: string;
  /** Absolute-form request targets the proxy forwarded. */
  forwarded: string[];
  close(): Promise<void>;
}

/** A CONNECT-less forward proxy: takes `GET http://host/path` and replays it. */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const forwarded: string[] = [];
  const server = createServer((request, response) => {
    const target = request.url ?? '';
    if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(target)) return void response.writeHead(403).end('this test proxy forwards to 127.0.0.1 only');
    forwarded.push(target);
    const upstream = httpRequest(target, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, forwarded, close: () => closeServer(server, sockets) };
}
