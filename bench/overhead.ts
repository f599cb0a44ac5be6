/**
 * The harness out of the way: the same model and fixture, timed through a vlmbench cell's
 * machinery (the orchestrator's HostClient driving the real engine host process and engine
 * module, exactly as a run does) and through a minimal direct call of the library
 * (bench/direct/<engine>.js, which imports transformers.js or @qvac/sdk and nothing of
 * vlmbench). Both sides are child processes of this one, called alternately (ABBA order), each
 * call timed here from request to reply. It prints, per engine, the ratio of medians
 * harness / direct with its 95% bootstrap CI. Target: ≤ 1.02.
 *
 * Why sessions: with `--control` the vlmbench side becomes a second, identical direct child; on
 * the 2-core VM this was written on, 8 such sessions gave ratios from 0.889 to 1.048. A process
 * keeps its luck (memory layout, page placement) for its whole life, so rounds of one process
 * pair cannot resolve 2%. Each session therefore starts a fresh host and a fresh direct child and
 * gives one ratio of medians; sessions are blocks, as fixtures are in a run's cross-fixture
 * comparison, so the figure is their geometric mean with a bootstrap CI over sessions and a
 * Wilcoxon signed-rank p (compareAcrossFixtures). The spread between process pairs is counted;
 * drift inside a session is paired out by ABBA order.
 *
 * Run: `npm run bench:overhead -- [--model shape-smolvlm2-256m] [--engines transformersjs,qvac]
 *       [--sessions 16] [--rounds 4] [--warmup 3] [--max-new-tokens 32] [--threads N] [--control] [--out FILE.json]`
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
import { compareAcrossFixtures, median, type FixtureSetComparison } from '../src/stats/index.js';
import { TASK_PROMPTS, decodingFor } from '../src/tasks.js';

export interface OverheadOptions {
  model: string;
  engines: string[];
  /** Fresh process pairs (one host, one direct child) per engine. */
  sessions: number;
  /** Counted ABBA rounds per session. */
  rounds: number;
  /** Uncounted rounds at the start of each session (both sides), so first-call costs stay out. */
  warmupRounds: number;
  maxNewTokens: number;
  threads: number;
  fixtureId?: string;
  /**
   * A/A control: the vlmbench side is replaced by a second direct child, so the ratio shows the
   * spread this machine puts between two identical processes (the noise floor), not overhead.
   */
  control?: boolean;
  log?: (line: string) => void;
}

/** One fresh process pair's counted rounds; index i of each array belongs to round i. */
export interface OverheadSession {
  harnessMs: number[];
  directMs: number[];
  /** The host's own latency for each harness call (inside the engine module): the rest is IPC and host bookkeeping. */
  hostReportedMs: number[];
  /** The direct child's own time inside the library call. */
  directInsideMs: number[];
  /** median(harness) / median(direct) within this session. */
  ratio: number;
}

export interface EngineOverhead {
  engine: string;
  quant: string;
  /** True when both sides were direct children (--control). */
  control: boolean;
  sessions: OverheadSession[];
  /** Geometric mean over sessions of median(harness) / median(direct); 1.00 means no overhead. */
  ratio: number;
  /** 95% bootstrap CI of that geometric mean, over sessions. */
  ratioCi95: [number, number] | null;
  /** The blocked comparison behind both (per-session ratios, Wilcoxon p). */
  comparison: FixtureSetComparison;
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

/** One side of a session: a process that loads once and then answers timed calls. */
interface Side {
  load(): Promise<void>;
  /** One call; insideMs is the side's own time for it, tokens what it generated. */
  call(): Promise<{ insideMs: number; tokens: number }>;
  close(): Promise<void>;
}

function hostSide(engine: string, loadRequest: LoadRequest, request: RunRequest): Side {
  const host = new HostClient(`overhead-${engine}`);
  return {
    load: async () => {
      await host.load(engine, loadRequest);
    },
    call: async () => {
      const measured = await host.run(request, 600_000);
      return { insideMs: measured.latencyMs, tokens: measured.output.generatedTokens };
    },
    close: () => host.shutdown().catch(() => host.kill()),
  };
}

function directSide(engine: string, loadMessage: Record<string, unknown>, runMessage: Record<string, unknown>): Side {
  const direct = new DirectChild(engine);
  return {
    load: async () => {
      await direct.request(loadMessage, 'loaded');
    },
    call: async () => {
      const reply = await direct.request(runMessage, 'ran');
      return { insideMs: Number(reply.insideMs), tokens: Number(reply.generatedTokens) };
    },
    close: () => direct.close(),
  };
}

/**
 * Both sides, in every session, must do the same work, or the ratio compares different things:
 * the returned check throws as soon as a call generates a different number of tokens than the first.
 */
export function sameWorkCheck(engine: string): (side: string, tokens: number) => void {
  let firstCount: { side: string; tokens: number } | null = null;
  return (side, tokens) => {
    firstCount ??= { side, tokens };
    if (tokens !== firstCount.tokens) throw new Error(`${engine}: ${side} generated ${tokens} tokens but ${firstCount.side} generated ${firstCount.tokens}; the two calls do not do the same work`);
  };
}

const pooled = (sessions: OverheadSession[], pick: (session: OverheadSession) => number[]): number[] => sessions.flatMap(pick);

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
    const loadRequest: LoadRequest = { model, target: 'cpu', threads: options.threads, timeoutMs: 600_000, options: { imageBudget: 'native' } };
    const directLoad = engine === 'qvac' ? { type: 'load', gguf: model.files.gguf, mmproj: model.files.mmproj } : { type: 'load', dir: model.files.dir, dtype: model.quant, threads: options.threads };
    const request: RunRequest = { fixtureId: fixture.id, task: 'caption', imagePath: fixture.imagePath, prompt: TASK_PROMPTS.caption, decoding: decodingFor('caption', options.maxNewTokens) };
    const sameWork = sameWorkCheck(engine);
    const sessions: OverheadSession[] = [];
    for (let sessionIndex = 0; sessionIndex < options.sessions; sessionIndex++) {
      const session: OverheadSession = { harnessMs: [], directMs: [], hostReportedMs: [], directInsideMs: [], ratio: Number.NaN };
      // Which side starts (and loads) first alternates too, so neither always gets the fresher page cache.
      const harnessFirst = sessionIndex % 2 === 0;
      const directRun = { type: 'run', imagePath: fixture.imagePath, prompt: request.prompt, maxNewTokens: options.maxNewTokens };
      const harness = options.control ? directSide(engine, directLoad, directRun) : hostSide(engine, loadRequest, request);
      const direct = directSide(engine, directLoad, directRun);
      const harnessLabel = options.control ? 'second direct child' : 'vlmbench';
      try {
        for (const side of harnessFirst ? [harness, direct] : [direct, harness]) await side.load();
        const timed = async (side: Side, label: string, counted: boolean, into: number[], insideInto: number[]): Promise<void> => {
          const started = performance.now();
          const { insideMs, tokens } = await side.call();
          const elapsed = performance.now() - started;
          sameWork(label, tokens);
          if (!counted) return;
          into.push(elapsed);
          insideInto.push(insideMs);
        };
        for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
          const counted = round >= options.warmupRounds;
          const runHarness = () => timed(harness, harnessLabel, counted, session.harnessMs, session.hostReportedMs);
          const runDirect = () => timed(direct, 'direct', counted, session.directMs, session.directInsideMs);
          // ABBA: each side goes first equally often, so drift and cache warmth cancel.
          const harnessNow = (round % 2 === 0) === harnessFirst;
          for (const call of harnessNow ? [runHarness, runDirect] : [runDirect, runHarness]) await call();
        }
      } finally {
        await harness.close();
        await direct.close();
      }
      session.ratio = median(session.harnessMs) / median(session.directMs);
      sessions.push(session);
      log(`  ${engine} session ${sessionIndex + 1}/${options.sessions}: median harness ${median(session.harnessMs).toFixed(0)} ms, direct ${median(session.directMs).toFixed(0)} ms, ratio ${session.ratio.toFixed(3)}`);
    }
    // Latency, lower is better: each block's ratio is median(b) / median(a) = harness / direct.
    const comparison = compareAcrossFixtures(
      sessions.map((session) => ({ a: session.directMs, b: session.harnessMs })),
      { labelA: 'direct', labelB: 'vlmbench', lowerIsBetter: true },
    );
    out.push({ engine, quant: model.quant, control: options.control === true, sessions, ratio: comparison.geometricMeanRatio, ratioCi95: comparison.ratioCi95, comparison });
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
    sessions: Number(argValue(args, '--sessions') ?? 16),
    rounds: Number(argValue(args, '--rounds') ?? 4),
    warmupRounds: Number(argValue(args, '--warmup') ?? 3),
    maxNewTokens: Number(argValue(args, '--max-new-tokens') ?? 32),
    threads: Number(argValue(args, '--threads') ?? cores),
    fixtureId: argValue(args, '--fixture'),
    control: args.includes('--control'),
  };
  for (const [flag, value, least] of [['--sessions', options.sessions, 2], ['--rounds', options.rounds, 2], ['--warmup', options.warmupRounds, 0]] as const) {
    if (!(Number.isInteger(value) && value >= least)) throw new Error(`${flag} must be an integer ≥ ${least}, got ${argValue(args, flag)}`);
  }
  const startLoad = loadavg();
  console.log(
    `${options.control ? 'A/A control (a second direct child in place of vlmbench)' : 'harness overhead'} on ${options.model}: ${options.sessions} sessions (fresh process pairs) × ${options.rounds} ABBA rounds after ${options.warmupRounds} warm-up, ${options.maxNewTokens} tokens, ${options.threads} threads; ${new Date().toISOString()}, load average ${startLoad.map((v) => v.toFixed(2)).join(' ')}`,
  );
  const results = await measureOverhead(options);
  for (const result of results) {
    const { sessions } = result;
    const ci = result.ratioCi95 ? `[${result.ratioCi95[0].toFixed(3)}, ${result.ratioCi95[1].toFixed(3)}]` : '(CI needs ≥ 2 sessions)';
    const verdict = result.control
      ? 'the spread between two identical processes, not overhead'
      : result.ratioCi95 && result.ratioCi95[1] <= 1.02 ? 'within the 1.02 target' : result.ratio <= 1.02 ? 'median within 1.02, CI not conclusive' : 'ABOVE the 1.02 target';
    const harness = pooled(sessions, (s) => s.harnessMs);
    const direct = pooled(sessions, (s) => s.directMs);
    const inside = median(pooled(sessions, (s) => s.hostReportedMs));
    const directInside = median(pooled(sessions, (s) => s.directInsideMs));
    const ipcMs = median(sessions.flatMap((s) => s.harnessMs.map((ms, i) => ms - (s.hostReportedMs[i] ?? ms))));
    const directIpcMs = median(sessions.flatMap((s) => s.directMs.map((ms, i) => ms - (s.directInsideMs[i] ?? ms))));
    console.log(`${result.engine} ${result.quant}: per-session ratios ${sessions.map((s) => s.ratio.toFixed(3)).join(' ')}`);
    const [module, host] = result.control ? ['second direct child', 'second direct child'] : ['vlmbench engine module', 'vlmbench host'];
    console.log(`${result.engine} ${result.quant}: inside the call: ${module} ${inside.toFixed(0)} ms vs direct ${directInside.toFixed(0)} ms; IPC + bookkeeping: ${host} ${ipcMs.toFixed(1)} ms vs direct child ${directIpcMs.toFixed(1)} ms`);
    const p = result.comparison.pValue === null ? '' : `, Wilcoxon p=${result.comparison.pValue.toFixed(3)}`;
    console.log(
      `${result.engine} ${result.quant}: ${result.control ? 'direct / direct' : 'vlmbench / direct'} = ${result.ratio.toFixed(3)} 95% CI ${ci} (geometric mean over ${sessions.length} sessions${p}; all calls: medians ${median(harness).toFixed(0)} ms vs ${median(direct).toFixed(0)} ms, n=${harness.length} each) — ${verdict}`,
    );
  }
  const out = argValue(args, '--out');
  if (out) {
    writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), options, loadAverage: { start: startLoad, end: loadavg() }, results }, null, 2)}\n`);
    console.log(`raw measurements: ${out}`);
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
