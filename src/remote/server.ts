/**
 * The harness side of the device-runner protocol: an HTTP server on 127.0.0.1 that hands a
 * native runner (an Expo/React Native app, a Bare process on a board) the session's settings
 * and fixtures, and takes back finished cells. Every post is validated with the results
 * document's own schemas; a bad one is answered 400 with one line naming the field, and the
 * session goes on. Accepted cells are flagged `remote` and carry the device's name.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import type { LoadedFixture } from '../fixtures/manifest.js';
import { cellKeyId, type Cell, type Environment } from '../results/schema.js';
import { cellStats } from '../run/measure-cell.js';
import { capReason, capText } from '../results/text-cap.js';
import { CellPostSchema, describeZodError, PROTOCOL_VERSION, type DeviceSessionSettings, type SessionDocument } from './protocol.js';

/** Bodies larger than this are refused with 413 (a cell with token times is a few hundred KB at most). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface DeviceSessionOptions {
  fixtures: LoadedFixture[];
  settings: DeviceSessionSettings;
  /** A fixed port (needed for `adb reverse tcp:PORT tcp:PORT`); random when absent. */
  port?: number;
  /** Interface to listen on; 127.0.0.1 unless a board on the network must reach it (the token is then the only guard). */
  host?: string;
  /** How long waitForCells waits before it answers with what has arrived. */
  timeoutMs: number;
}

export interface DeviceSession {
  /** The session's base URL, token included, ending in `/`: give it to the runner. */
  url: string;
  token: string;
  /** Resolves with the accepted cells once `expected` arrived, the runner posted `done`, or timeoutMs passed (then with what arrived). */
  waitForCells(expected: number): Promise<Cell[]>;
  /** Accepted cells so far. */
  cells(): Cell[];
  /** The environment fingerprint each device posted, by device name. */
  environments(): Record<string, Environment>;
  /** Rejected posts so far, each as its one-line error. */
  rejections(): string[];
  close(): Promise<void>;
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif' };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', String(Buffer.byteLength(text)));
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks a schema-valid cell against the session: known fixture, its task, the session's prompt and limits. */
function checkAgainstSession(cell: Cell, fixtures: Map<string, LoadedFixture>, settings: DeviceSessionSettings): string | null {
  const fixture = fixtures.get(cell.key.fixture);
  if (!fixture) return `field "cell.key.fixture": unknown fixture "${cell.key.fixture}" (not in this session)`;
  if (cell.key.task !== fixture.task) return `field "cell.key.task": fixture "${fixture.id}" is a ${fixture.task} fixture, not ${cell.key.task}`;
  if (cell.status !== 'ok') return cell.reason ? null : 'field "cell.reason": required when status is not ok';
  if (cell.samples.length === 0) return 'field "cell.samples": an ok cell needs at least one counted sample';
  if (!cell.prompt) return 'field "cell.prompt": required when status is ok';
  const expectedPrompt = settings.prompts[cell.key.task];
  if (cell.prompt.text !== expectedPrompt) return `field "cell.prompt.text": differs from the session's ${cell.key.task} prompt`;
  const expectedMax = settings.maxNewTokens[cell.key.task];
  if (cell.prompt.maxNewTokens !== expectedMax) return `field "cell.prompt.maxNewTokens": ${cell.prompt.maxNewTokens} differs from the session's ${expectedMax}`;
  if (cell.prompt.temperature !== 0) return 'field "cell.prompt.temperature": must be 0 (greedy)';
  for (const [list, samples] of [['warmup', cell.warmup], ['samples', cell.samples]] as const) {
    for (const [index, sample] of samples.entries()) {
      if (sample.ttftMs !== null && sample.ttftMs > sample.latencyMs) return `field "cell.${list}.${index}.ttftMs": larger than latencyMs`;
      if (sample.generatedTokens > expectedMax) return `field "cell.${list}.${index}.generatedTokens": more than maxNewTokens ${expectedMax}`;
    }
  }
  return null;
}

/** A runner may post up to MAX_BODY_BYTES: output and reason are stored within the same caps as local cells. */
function boundedText(cell: Cell): Pick<Cell, 'output' | 'reason'> {
  const bounded: Pick<Cell, 'output' | 'reason'> = {};
  if (cell.reason !== undefined) bounded.reason = capReason(cell.reason);
  if (cell.output) {
    const { text, originalBytes } = capText(cell.output.text);
    bounded.output = { ...cell.output, text, ...(originalBytes !== undefined ? { originalBytes: cell.output.originalBytes ?? originalBytes } : {}) };
  }
  return bounded;
}

export async function startDeviceSession(options: DeviceSessionOptions): Promise<DeviceSession> {
  const token = randomBytes(16).toString('hex');
  const fixtures = new Map(options.fixtures.map((fixture) => [fixture.id, fixture]));
  const accepted = new Map<string, Cell>();
  const environments: Record<string, Environment> = {};
  const rejected: string[] = [];
  let done = false;
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const wake of waiters) wake();
  };
  let base = '';

  function sessionDocument(): SessionDocument {
    return {
      protocol: PROTOCOL_VERSION,
      settings: options.settings,
      fixtures: options.fixtures.map((fixture) => ({
        id: fixture.id,
        task: fixture.task,
        category: fixture.category,
        imageUrl: `${base}fixtures/${encodeURIComponent(fixture.id)}/image`,
        sha256: fixture.sha256,
        ...(fixture.width !== undefined ? { width: fixture.width } : {}),
        ...(fixture.height !== undefined ? { height: fixture.height } : {}),
      })),
      endpoints: { cells: `${base}cells`, done: `${base}done`, status: `${base}status` },
    };
  }

  function acceptCell(text: string): { key: string } {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `invalid JSON: ${(error as Error).message.split('\n')[0]}`);
    }
    const parsed = CellPostSchema.safeParse(json);
    if (!parsed.success) throw new HttpError(400, describeZodError(parsed.error));
    const { device, environment, cell } = parsed.data;
    const problem = checkAgainstSession(cell, fixtures, options.settings);
    if (problem) throw new HttpError(400, problem);
    const key = cellKeyId(cell.key);
    if (accepted.has(key)) throw new HttpError(409, `cell ${key} was already accepted`);
    const flags = [...new Set([...(cell.flags ?? []), 'remote'])];
    // Statistics are the harness's, computed the same way as for local cells; quality is scored by the harness from output.text.
    const { quality: _deviceQuality, ...rest } = cell;
    const stored: Cell = { ...rest, flags, remoteDevice: device, stats: cellStats(cell.samples), ...boundedText(cell) };
    accepted.set(key, stored);
    environments[device] = environment;
    return { key };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const match = /^\/v1\/([^/]+)\/(.*)$/.exec(pathname);
    if (!match) throw new HttpError(404, `no such endpoint ${pathname} (session URLs look like /v1/TOKEN/session)`);
    if (!sameToken(match[1] ?? '', token)) throw new HttpError(403, 'wrong session token');
    const rest = match[2] ?? '';
    const method = request.method ?? 'GET';
    if (rest === 'session' && method === 'GET') {
      sendJson(response, 200, sessionDocument());
      return;
    }
    if (rest === 'status' && method === 'GET') {
      sendJson(response, 200, { accepted: accepted.size, rejected: rejected.length, done });
      return;
    }
    const image = /^fixtures\/([^/]+)\/image$/.exec(rest);
    if (image && method === 'GET') {
      const fixture = fixtures.get(decodeURIComponent(image[1] ?? ''));
      if (!fixture) throw new HttpError(404, `unknown fixture ${image[1]}`);
      response.statusCode = 200;
      response.setHeader('Content-Type', IMAGE_TYPES[extname(fixture.imagePath).toLowerCase()] ?? 'application/octet-stream');
      response.setHeader('Content-Length', String(statSync(fixture.imagePath).size));
      createReadStream(fixture.imagePath).on('error', () => response.destroy()).pipe(response);
      return;
    }
    if (rest === 'cells' && method === 'POST') {
      const { key } = acceptCell(await readBody(request));
      sendJson(response, 201, { accepted: true, key, received: accepted.size });
      notify();
      return;
    }
    if (rest === 'done' && method === 'POST') {
      await readBody(request);
      done = true;
      sendJson(response, 200, { accepted: accepted.size, rejected: rejected.length, done });
      notify();
      return;
    }
    throw new HttpError(rest === 'session' || rest === 'cells' || rest === 'done' || rest === 'status' ? 405 : 404, `${method} ${rest} is not an endpoint of this session`);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 400 || status === 409 || status === 413) rejected.push(message);
      // Drain what the client still sends, so it reads our answer instead of a reset.
      request.resume();
      if (!response.headersSent) sendJson(response, status, { error: message });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1/${token}/`;

  let closing: Promise<void> | null = null;
  return {
    url: base,
    token,
    cells: () => [...accepted.values()],
    environments: () => ({ ...environments }),
    rejections: () => [...rejected],
    waitForCells(expected: number) {
      return new Promise<Cell[]>((resolve) => {
        const finish = (): void => {
          waiters.delete(check);
          clearTimeout(timer);
          resolve([...accepted.values()]);
        };
        const check = (): void => {
          if (accepted.size >= expected || done || closing) finish();
        };
        const timer = setTimeout(finish, options.timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      if (!closing) {
        closing = new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        // Pending waitForCells calls answer with what arrived.
        notify();
      }
      return closing;
    },
  };
}
