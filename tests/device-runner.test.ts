/**
 * The device-runner protocol over loopback: the reference runner's cells are accepted and
 * flagged remote; malformed and schema-invalid posts get 400 with a line naming the problem,
 * and the session keeps accepting later valid posts; nothing is left running afterwards.
 */
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_FIXTURES_DIR, loadManifest, type LoadedFixture } from '../src/fixtures/manifest.js';
import { descendantPids } from '../src/measure/memory.js';
import { environmentFingerprint } from '../src/measure/environment.js';
import type { DeviceSessionSettings } from '../src/remote/protocol.js';
import { runReferenceRunner } from '../src/remote/reference-runner.js';
import { startDeviceSession, type DeviceSession } from '../src/remote/server.js';
import type { Cell } from '../src/results/schema.js';
import { OUTPUT_TEXT_CAP_BYTES } from '../src/results/text-cap.js';
import { DEFAULT_SEED, TASK_PROMPTS } from '../src/tasks.js';

const SETTINGS: DeviceSessionSettings = {
  prompts: { ...TASK_PROMPTS },
  maxNewTokens: { caption: 6, ocr: 6 },
  decoding: { greedy: true, temperature: 0, seed: DEFAULT_SEED },
  runs: 2,
  warmup: 1,
  threads: 1,
  imageSplitting: false,
  timeoutMs: 60_000,
};

let fixtures: LoadedFixture[] = [];
let childrenBefore: number[] = [];
const sessions: DeviceSession[] = [];

async function session(): Promise<DeviceSession> {
  const opened = await startDeviceSession({ fixtures, settings: SETTINGS, timeoutMs: 30_000 });
  sessions.push(opened);
  return opened;
}

function validCell(fixture: LoadedFixture, latencyMs = 120): Cell {
  const now = new Date().toISOString();
  const sample = {
    latencyMs,
    ttftMs: 40,
    decodeTokensPerSec: 50,
    promptTokens: 30,
    imageTokens: 16,
    frames: 1,
    generatedTokens: 5,
    peakRssBytes: 100_000_000,
    workerPeakRssBytes: null,
  };
  return {
    key: { engine: 'qvac', model: 'smolvlm2-256m', quant: 'Q8_0', target: 'cpu', task: fixture.task, fixture: fixture.id },
    status: 'ok',
    startedAt: now,
    finishedAt: now,
    prompt: { text: TASK_PROMPTS[fixture.task], maxNewTokens: 6, temperature: 0, seed: DEFAULT_SEED },
    warmup: [],
    samples: [sample, { ...sample, latencyMs: latencyMs + 10 }],
  };
}

async function post(url: string, body: string): Promise<{ status: number; json: { error?: string; accepted?: boolean; key?: string } }> {
  const response = await fetch(`${url}cells`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  return { status: response.status, json: (await response.json()) as { error?: string } };
}

function portIsClosed(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

beforeAll(async () => {
  childrenBefore = descendantPids(process.pid);
  const manifest = await loadManifest(BUILTIN_FIXTURES_DIR, { verifyHashes: false });
  const caption = manifest.items.find((item) => item.task === 'caption');
  const ocr = manifest.items.find((item) => item.task === 'ocr');
  if (!caption || !ocr) throw new Error('the built-in fixtures need a caption and an ocr item');
  fixtures = [caption, ocr];
});

afterAll(async () => {
  for (const opened of sessions) await opened.close();
  for (const opened of sessions) expect(await portIsClosed(opened.url)).toBe(true);
  expect(descendantPids(process.pid).filter((pid) => !childrenBefore.includes(pid))).toEqual([]);
});

describe('device-runner protocol', () => {
  it('serves settings and fixtures, and accepts the reference runner\'s cells, flagged remote with the device name', async () => {
    const opened = await session();
    const document = (await (await fetch(`${opened.url}session`)).json()) as { settings: DeviceSessionSettings; fixtures: Array<{ id: string; imageUrl: string }> };
    expect(document.settings).toEqual(SETTINGS);
    expect(document.fixtures.map((fixture) => fixture.id)).toEqual(fixtures.map((fixture) => fixture.id));
    const image = await fetch(document.fixtures[0]?.imageUrl ?? '');
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');

    const waiting = opened.waitForCells(2);
    const lines: string[] = [];
    const result = await runReferenceRunner({ url: opened.url, engine: 'transformersjs', device: 'loopback-test-device', log: (line) => lines.push(line) });
    expect(result.errors).toEqual([]);
    expect(result.accepted).toBe(2);
    const cells = await waiting;
    expect(cells).toHaveLength(2);
    for (const cell of cells) {
      expect(cell.status).toBe('ok');
      expect(cell.flags).toContain('remote');
      expect(cell.remoteDevice).toBe('loopback-test-device');
      expect(cell.key.engine).toBe('transformersjs');
      expect(cell.samples).toHaveLength(SETTINGS.runs);
      expect(cell.warmup).toHaveLength(SETTINGS.warmup);
      expect(cell.stats?.latencyMs?.n).toBe(SETTINGS.runs);
      expect(cell.prompt?.text).toBe(SETTINGS.prompts[cell.key.task]);
      for (const sample of cell.samples) expect(sample.generatedTokens).toBeLessThanOrEqual(6);
    }
    expect(Object.keys(opened.environments())).toEqual(['loopback-test-device']);
    const status = (await (await fetch(`${opened.url}status`)).json()) as { accepted: number; done: boolean };
    expect(status).toEqual({ accepted: 2, rejected: 0, done: true });
  }, 60_000);

  it('answers bad posts with 400 and one line naming the problem, and keeps accepting valid ones', async () => {
    const opened = await session();
    const environment = environmentFingerprint();
    const [caption, ocr] = fixtures as [LoadedFixture, LoadedFixture];

    const malformed = await post(opened.url, '{"device": "x", "cell": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/^invalid JSON: /);

    const negative = await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: validCell(caption, -5) }));
    expect(negative.status).toBe(400);
    expect(negative.json.error).toMatch(/^field "cell\.samples\.0\.latencyMs": /);
    expect(negative.json.error).not.toContain('\n');

    const unknownFixture = validCell(caption);
    unknownFixture.key.fixture = 'not-a-fixture';
    const unknown = await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: unknownFixture }));
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toContain('"cell.key.fixture"');

    const otherPrompt = validCell(caption);
    if (otherPrompt.prompt) otherPrompt.prompt.text = 'Say something.';
    expect((await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: otherPrompt }))).json.error).toContain('"cell.prompt.text"');

    const noDevice = await post(opened.url, JSON.stringify({ environment, cell: validCell(caption) }));
    expect(noDevice.status).toBe(400);
    expect(noDevice.json.error).toMatch(/^field "device": /);

    const wrongToken = await fetch(opened.url.replace(opened.token, 'f'.repeat(32)) + 'session');
    expect(wrongToken.status).toBe(403);

    const good = await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: validCell(caption) }));
    expect(good.status).toBe(201);
    const duplicate = await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: validCell(caption) }));
    expect(duplicate.status).toBe(409);
    const later = await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: validCell(ocr) }));
    expect(later.status).toBe(201);

    const cells = await opened.waitForCells(2);
    expect(cells.map((cell) => cell.key.fixture)).toEqual([caption.id, ocr.id]);
    for (const cell of cells) {
      expect(cell.flags).toEqual(['remote']);
      expect(cell.remoteDevice).toBe('phone');
      // The harness computes statistics itself from the posted samples.
      expect(cell.stats?.latencyMs?.median).toBe(125);
    }
    expect(opened.rejections()).toHaveLength(6);
  });

  it('stores a runner\'s huge output text and reason within the same caps as local cells, recording the cut', async () => {
    const opened = await session();
    const [caption, ocr] = [fixtures.find((f) => f.task === 'caption') as LoadedFixture, fixtures.find((f) => f.task === 'ocr') as LoadedFixture];
    const environment = environmentFingerprint();
    const huge = 'é'.repeat(4 * 1024 * 1024); // 8 MB of UTF-8, within the 16 MB body limit
    const ok = { ...validCell(caption), output: { text: huge, stableAcrossSamples: true } };
    expect((await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: ok }))).status).toBe(201);
    const failed = { ...validCell(ocr), status: 'failed' as const, reason: 'x'.repeat(1_000_000), samples: [] };
    expect((await post(opened.url, JSON.stringify({ device: 'phone', environment, cell: failed }))).status).toBe(201);
    const [okCell, failedCell] = await opened.waitForCells(2);
    expect(Buffer.byteLength(okCell?.output?.text ?? '')).toBeLessThanOrEqual(OUTPUT_TEXT_CAP_BYTES);
    expect(okCell?.output?.text).toBe('é'.repeat(OUTPUT_TEXT_CAP_BYTES / 2));
    expect(okCell?.output?.originalBytes).toBe(8 * 1024 * 1024);
    expect(failedCell?.reason?.length).toBeLessThan(5000);
    expect(failedCell?.reason).toMatch(/\[cut: 1000000 characters\]$/);
  });

  it('answers waitForCells with what arrived when the runner says it is done early', async () => {
    const opened = await session();
    const waiting = opened.waitForCells(5);
    await fetch(`${opened.url}done`, { method: 'POST', body: '{}' });
    expect(await waiting).toEqual([]);
  });
});
