/**
 * A reference device runner in Node: it speaks the device-runner protocol
 * (docs/device-runner-protocol.md) and wraps one of vlmbench's own engines, run in-process.
 * A native runner (Expo/React Native with QVAC, a Bare process on a board) does the same
 * steps; this one shows them end to end and is what the protocol tests drive.
 *
 *   node dist/src/remote/reference-runner.js --url URL --engine transformersjs [--target cpu]
 *        [--model-id ID --quant fp32 --model-file dir=/abs/model] [--device NAME]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { TARGETS, type Engine, type LoadReport, type ResolvedModel, type TargetId } from '../engines/engine.js';
import type { MeasuredRun } from '../engines/protocol.js';
import { createEngine } from '../engines/registry.js';
import { isoNow, nowMs } from '../measure/clock.js';
import { environmentFingerprint } from '../measure/environment.js';
import { resetTreePeaks, treePeaks } from '../measure/memory.js';
import { ensureTiny } from '../models/tiny/index.js';
import type { Cell, Environment, Sample } from '../results/schema.js';
import { toSample } from '../run/measure-cell.js';
import { SessionDocumentSchema, describeZodError, type SessionDocument, type SessionFixture } from './protocol.js';

export interface ReferenceRunnerOptions {
  /** The session URL the harness printed (ends in `/`). */
  url: string;
  engine: string;
  target?: TargetId;
  /** A resolved model; by default the tiny model matching the engine (tiny-onnx, or tiny-gguf for qvac). */
  model?: ResolvedModel;
  /** The device name posted with every cell; the host name by default. */
  device?: string;
  log?: (line: string) => void;
}

export interface ReferenceRunnerResult {
  posted: number;
  accepted: number;
  /** The harness's answers to rejected posts. */
  errors: string[];
}

async function defaultModel(engine: string): Promise<ResolvedModel> {
  if (engine === 'qvac') {
    const files = await ensureTiny('tiny-gguf');
    return { id: 'tiny-smolvlm', quant: 'f32', files, synthetic: 'tiny' };
  }
  const files = await ensureTiny('tiny-onnx');
  return { id: 'tiny-smolvlm', quant: 'fp32', files, synthetic: 'tiny' };
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** One measured run, timed exactly as the engine host times it (src/engines/host.ts). */
async function measure(engine: Engine, fixture: SessionFixture, imagePath: string, session: SessionDocument): Promise<MeasuredRun> {
  const { settings } = session;
  resetTreePeaks(process.pid);
  const tokenTimesMs: number[] = [];
  const start = nowMs();
  const output = await engine.run(
    {
      fixtureId: fixture.id,
      task: fixture.task,
      imagePath,
      prompt: settings.prompts[fixture.task] ?? '',
      decoding: { greedy: true, temperature: 0, seed: settings.decoding.seed, maxNewTokens: settings.maxNewTokens[fixture.task] ?? 1 },
    },
    () => {
      tokenTimesMs.push(nowMs() - start);
    },
  );
  const latencyMs = nowMs() - start;
  const memory = treePeaks(process.pid);
  if (output.workerPeakRssBytes !== undefined) memory.workerPeakRssBytes = output.workerPeakRssBytes;
  return { output, latencyMs, ttftMs: tokenTimesMs[0] ?? null, tokenTimesMs, memory };
}

function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

export async function runReferenceRunner(options: ReferenceRunnerOptions): Promise<ReferenceRunnerResult> {
  const log = options.log ?? (() => undefined);
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const parsed = SessionDocumentSchema.safeParse(await fetchJson(`${base}session`));
  if (!parsed.success) throw new Error(`the harness sent a session this runner does not understand: ${describeZodError(parsed.error)}`);
  const session = parsed.data;
  const { settings } = session;
  const target = options.target ?? 'cpu';
  const model = options.model ?? (await defaultModel(options.engine));
  const environment: Environment = environmentFingerprint();
  const device = options.device ?? environment.hostname ?? 'reference-runner';
  const result: ReferenceRunnerResult = { posted: 0, accepted: 0, errors: [] };
  const workDir = await mkdtemp(join(tmpdir(), 'vlmbench-runner-'));

  async function post(cell: Cell): Promise<void> {
    result.posted++;
    const response = await fetch(session.endpoints.cells, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ device, environment, cell }),
    });
    const body = (await response.json()) as { error?: string };
    if (response.status === 201) result.accepted++;
    else result.errors.push(`HTTP ${response.status}: ${body.error ?? 'no error text'}`);
    log(`${cell.key.fixture}: HTTP ${response.status}${body.error ? ` ${body.error}` : ''}`);
  }

  let engine: Engine | null = null;
  try {
    const loadStarted = isoNow();
    let report: LoadReport | null = null;
    let loadMs = 0;
    let loadMemory = { hostPeakRssBytes: null as number | null, workerPeakRssBytes: null as number | null };
    let unavailable: string | null = null;
    try {
      engine = await createEngine(options.engine, target);
      const availability = await engine.availability(target);
      if (!availability.available) {
        unavailable = availability.reason;
      } else {
        resetTreePeaks(process.pid);
        const start = nowMs();
        report = await engine.load({ model, target, threads: settings.threads, timeoutMs: settings.timeoutMs, options: { imageBudget: settings.imageBudget ?? (settings.imageSplitting ? 'native' : 'single') } });
        loadMs = nowMs() - start;
        loadMemory = treePeaks(process.pid);
      }
    } catch (error) {
      const message = errorLine(error);
      unavailable = message.startsWith('UNAVAILABLE: ') ? message.slice('UNAVAILABLE: '.length) : null;
      if (!unavailable) {
        for (const fixture of session.fixtures) await post(failedCell(fixture, 'failed', `load failed: ${message}`));
        return result;
      }
    }
    if (!report || !engine) {
      for (const fixture of session.fixtures) await post(failedCell(fixture, 'unavailable', unavailable ?? 'engine not available'));
      return result;
    }

    for (const [index, fixture] of session.fixtures.entries()) {
      const startedAt = index === 0 ? loadStarted : isoNow();
      const prompt = settings.prompts[fixture.task] ?? '';
      const maxNewTokens = settings.maxNewTokens[fixture.task] ?? 1;
      try {
        const response = await fetch(fixture.imageUrl);
        if (!response.ok) throw new Error(`image ${fixture.imageUrl}: HTTP ${response.status}`);
        const imagePath = join(workDir, `${fixture.id.replace(/[^A-Za-z0-9._-]/g, '_')}${extname(new URL(fixture.imageUrl).pathname) || '.png'}`);
        await writeFile(imagePath, Buffer.from(await response.arrayBuffer()));
        const warmup: Sample[] = [];
        for (let i = 0; i < settings.warmup; i++) warmup.push(toSample(await measure(engine, fixture, imagePath, session)));
        const samples: Sample[] = [];
        const texts: string[] = [];
        for (let i = 0; i < settings.runs; i++) {
          const run = await measure(engine, fixture, imagePath, session);
          texts.push(run.output.text);
          samples.push(toSample(run));
        }
        await post({
          key: { engine: options.engine, model: model.id, quant: model.quant, target, task: fixture.task, fixture: fixture.id },
          status: 'ok',
          startedAt,
          finishedAt: isoNow(),
          load: { ms: loadMs, memory: loadMemory, ...report, shared: index > 0 },
          prompt: { text: prompt, maxNewTokens, temperature: 0, seed: settings.decoding.seed },
          warmup,
          samples,
          output: { text: texts[0] ?? '', stableAcrossSamples: texts.every((text) => text === texts[0]) },
        });
      } catch (error) {
        await post(failedCell(fixture, 'failed', errorLine(error)));
      }
    }
    return result;
  } finally {
    await engine?.unload().catch(() => undefined);
    await fetch(session.endpoints.done, { method: 'POST', body: '{}' }).catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }

  function failedCell(fixture: SessionFixture, status: 'failed' | 'unavailable', reason: string): Cell {
    const now = isoNow();
    return {
      key: { engine: options.engine, model: model.id, quant: model.quant, target, task: fixture.task, fixture: fixture.id },
      status,
      reason,
      startedAt: now,
      finishedAt: now,
      warmup: [],
      samples: [],
    };
  }
}

function parseModelFiles(values: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new Error(`--model-file expects role=/absolute/path, got "${value}"`);
    files[value.slice(0, at)] = value.slice(at + 1);
  }
  return files;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      engine: { type: 'string', default: 'transformersjs' },
      target: { type: 'string', default: 'cpu' },
      'model-id': { type: 'string' },
      quant: { type: 'string' },
      'model-file': { type: 'string', multiple: true },
      device: { type: 'string' },
    },
  });
  if (!values.url) throw new Error('usage: reference-runner --url SESSION_URL [--engine transformersjs] [--target cpu] [--model-id ID --quant Q --model-file role=/path ...] [--device NAME]');
  const target = values.target as TargetId;
  if (!(TARGETS as readonly string[]).includes(target)) throw new Error(`--target must be one of ${TARGETS.join(', ')}`);
  const files = parseModelFiles(values['model-file'] ?? []);
  const model: ResolvedModel | undefined =
    Object.keys(files).length > 0 ? { id: values['model-id'] ?? 'custom', quant: values.quant ?? 'fp32', files, synthetic: false } : undefined;
  const result = await runReferenceRunner({ url: values.url, engine: values.engine ?? 'transformersjs', target, model, device: values.device, log: (line) => console.log(line) });
  console.log(`posted ${result.posted}, accepted ${result.accepted}${result.errors.length ? `; rejected: ${result.errors.join(' | ')}` : ''}`);
  process.exitCode = result.errors.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`reference-runner: ${errorLine(error)}`);
    process.exitCode = 1;
  });
}
