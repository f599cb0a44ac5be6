/**
 * The harness out of the way: the same model and fixture, timed through a vlmbench cell's
 * machinery (the orchestrator's HostClient driving the real engine host process and engine
 * module, exactly as a run does) and through a minimal direct call of the library
 * (bench/direct/<engine>.js, which imports transformers.js or @qvac/sdk and nothing of
 * vlmbench). Both sides are child processes of this one, loaded once, and called alternately
 * (ABBA order), each call timed here from request to reply. It prints, per engine, the ratio
 * of medians harness / direct with its 95% bootstrap CI (compareSamples). Target: ≤ 1.02.
 *
 * Run: `npm run bench:overhead -- [--model shape-smolvlm2-256m] [--engines transformersjs,qvac]
 *       [--rounds 8] [--max-new-tokens 32] [--threads N]`
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadRequest, RunRequest } from '../src/engines/engine.js';
import { ensureQvacConfig } from '../src/engines/qvac-sdk.js';
import { BUILTIN_FIXTURES_DIR, loadManifest } from '../src/fixtures/manifest.js';
import { environmentFingerprint, REPO_ROOT } from '../src/measure/environment.js';
import { catalogEntry, variantFor } from '../src/models/catalog.js';
import { resolveVariant } from '../src/models/resolve.js';
import { HostClient } from '../src/run/host-client.js';
import { compareSamples, median, type PairComparison } from '../src/stats/index.js';
import { TASK_PROMPTS, decodingFor } from '../src/tasks.js';

export interface OverheadOptions {
  model: string;
  engines: string[];
  rounds: number;
  maxNewTokens: number;
  threads: number;
  fixtureId?: string;
  log?: (line: string) => void;
}

export interface EngineOverhead {
  engine: string;
  quant: string;
  harnessMs: number[];
  directMs: number[];
  /** The host's own latency for each harness call (inside the engine module): the rest is IPC and host bookkeeping. */
  hostReportedMs: number[];
  /** The direct child's own time inside the library call. */
  directInsideMs: number[];
  /** median(harness) / median(direct): 1.00 means no overhead. */
  ratio: number;
  ratioCi95: [number, number] | null;
  comparison: PairComparison;
}

/** A direct-call child: load once, then one reply per run message. */
class DirectChild {
  private readonly child: ChildProcess;
  constructor(engine: string) {
    this.child = fork(join(REPO_ROOT, 'dist', 'bench', 'direct', `${engine}.js`), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  request(message: Record<string, unknown>, expect: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: { type: string; message?: string }) => {
        this.child.off('exit', onExit);
        if (reply.type === expect) resolve(reply);
        else reject(new Error(`direct ${String(message.type)}: ${reply.message ?? reply.type}`));
      };
      const onExit = (code: number | null) => reject(new Error(`direct child exited (${code}) during ${String(message.type)}`));
      this.child.once('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'exit' });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export async function measureOverhead(options: OverheadOptions): Promise<EngineOverhead[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  ensureQvacConfig(); // the direct QVAC child inherits the same quiet SDK config as the host
  const manifest = await loadManifest(BUILTIN_FIXTURES_DIR);
  const fixture = manifest.items.find((item) => (options.fixtureId ? item.id === options.fixtureId : item.task === 'caption'));
  if (!fixture) throw new Error(`no fixture ${options.fixtureId ?? '(caption)'} in ${BUILTIN_FIXTURES_DIR} — run "vlmbench fixtures build"`);
  const entry = catalogEntry(options.model);
  const out: EngineOverhead[] = [];
  for (const engine of options.engines) {
    const variant = variantFor(entry, engine);
    if (!variant) throw new Error(`model ${options.model} has no ${engine} variant`);
    const { model } = await resolveVariant(entry, variant, { offline: true });
    const host = new HostClient(`overhead-${engine}`);
    const direct = new DirectChild(engine);
    try {
      const loadRequest: LoadRequest = { model, target: 'cpu', threads: options.threads, timeoutMs: 600_000, options: { imageSplitting: false } };
      await host.load(engine, loadRequest);
      await direct.request(engine === 'qvac' ? { type: 'load', gguf: model.files.gguf, mmproj: model.files.mmproj } : { type: 'load', dir: model.files.dir, dtype: model.quant, threads: options.threads }, 'loaded');
      const request: RunRequest = { fixtureId: fixture.id, task: 'caption', imagePath: fixture.imagePath, prompt: TASK_PROMPTS.caption, decoding: decodingFor('caption', options.maxNewTokens) };
      const hostReportedMs: number[] = [];
      const directInsideMs: number[] = [];
      const runHarness = async (): Promise<number> => {
        const started = performance.now();
        const measured = await host.run(request, 600_000);
        const elapsed = performance.now() - started;
        hostReportedMs.push(measured.latencyMs);
        return elapsed;
      };
      const runDirect = async (): Promise<number> => {
        const started = performance.now();
        const reply = await direct.request({ type: 'run', imagePath: fixture.imagePath, prompt: request.prompt, maxNewTokens: options.maxNewTokens }, 'ran');
        const elapsed = performance.now() - started;
        directInsideMs.push(Number(reply.insideMs));
        return elapsed;
      };
      await runHarness();
      await runDirect();
      hostReportedMs.length = 0;
      directInsideMs.length = 0;
      const harnessMs: number[] = [];
      const directMs: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        // ABBA: each side goes first equally often, so drift and cache warmth cancel.
        const order = round % 2 === 0 ? (['h', 'd'] as const) : (['d', 'h'] as const);
        for (const side of order) (side === 'h' ? harnessMs : directMs).push(side === 'h' ? await runHarness() : await runDirect());
        log(`  ${engine} round ${round + 1}/${options.rounds}: harness ${harnessMs.at(-1)?.toFixed(0)} ms, direct ${directMs.at(-1)?.toFixed(0)} ms`);
      }
      const comparison = compareSamples(directMs, harnessMs, { labelA: 'direct', labelB: 'vlmbench', unit: 'ms' });
      const ratio = median(harnessMs) / median(directMs);
      // compareSamples orients its ratio as A's advantage (B/A for latency): exactly harness / direct here.
      out.push({ engine, quant: model.quant, harnessMs, directMs, hostReportedMs, directInsideMs, ratio, ratioCi95: comparison.ratioCi95, comparison });
    } finally {
      await host.shutdown().catch(() => host.kill());
      await direct.close();
    }
  }
  return out;
}

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const cores = environmentFingerprint().cpu.physicalCores ?? 2;
  const options: OverheadOptions = {
    model: argValue(args, '--model') ?? 'shape-smolvlm2-256m',
    engines: (argValue(args, '--engines') ?? 'transformersjs,qvac').split(','),
    rounds: Number(argValue(args, '--rounds') ?? 8),
    maxNewTokens: Number(argValue(args, '--max-new-tokens') ?? 32),
    threads: Number(argValue(args, '--threads') ?? cores),
    fixtureId: argValue(args, '--fixture'),
  };
  const startLoad = loadavg();
  console.log(`harness overhead on ${options.model}, ${options.rounds} interleaved rounds, ${options.maxNewTokens} tokens, ${options.threads} threads; ${new Date().toISOString()}, load average ${startLoad.map((v) => v.toFixed(2)).join(' ')}`);
  const results = await measureOverhead(options);
  for (const result of results) {
    const ci = result.ratioCi95 ? `[${result.ratioCi95[0].toFixed(3)}, ${result.ratioCi95[1].toFixed(3)}]` : '(CI needs ≥ 2 samples)';
    const verdict = result.ratioCi95 && result.ratioCi95[1] <= 1.02 ? 'within the 1.02 target' : result.ratio <= 1.02 ? 'median within 1.02, CI not conclusive' : 'ABOVE the 1.02 target';
    const ipcMs = median(result.harnessMs.map((ms, i) => ms - (result.hostReportedMs[i] ?? ms)));
    const directIpcMs = median(result.directMs.map((ms, i) => ms - (result.directInsideMs[i] ?? ms)));
    console.log(`${result.engine} ${result.quant}: inside the call: vlmbench engine module ${median(result.hostReportedMs).toFixed(0)} ms vs direct ${median(result.directInsideMs).toFixed(0)} ms; IPC + bookkeeping: vlmbench host ${ipcMs.toFixed(1)} ms vs direct child ${directIpcMs.toFixed(1)} ms`);
    console.log(`${result.engine} ${result.quant}: vlmbench / direct = ${result.ratio.toFixed(3)} 95% CI ${ci} (medians ${median(result.harnessMs).toFixed(0)} ms vs ${median(result.directMs).toFixed(0)} ms, n=${result.harnessMs.length} each) — ${verdict}`);
  }
  console.log(`load average at the end: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`bench:overhead failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
