#!/usr/bin/env node
/** Command-line wiring only: parse, call, print, exit code. */
import { Command, Option } from 'commander';
import { UserError } from './engines/engine.js';
import { TOOL_VERSION } from './measure/environment.js';
import { EXIT } from './exit-codes.js';
import { buildFixturesCommand, listFixturesCommand, listPacksCommand, pullFixturesCommand, verifyFixturesCommand } from './commands/fixtures.js';
import { listModels, makeTinyCommand, pullModelCommand } from './commands/models.js';
import { compareCommand, exportCommand, reportCommand } from './commands/report.js';
import { QUICKSTART_IMAGE_BUDGET, runCommand, type RunFlags } from './commands/run.js';
import { DEFAULT_HOST_WARMUP } from './run/orchestrator.js';
import { DEFAULT_MODEL_BY_ENGINE } from './models/catalog.js';
import { envCommand } from './commands/env.js';
import { deviceSessionCommand, type DeviceFlags } from './commands/device.js';
import { makeShapeCommand } from './commands/shape.js';
import { tuneCommand, type TuneFlags } from './commands/tune.js';

/** Every command ends here: a user error is one line and exit 2; anything else is a bug, exit 70. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number> | number) {
  return async (...args: A) => {
    try {
      process.exitCode = await fn(...args);
    } catch (error) {
      if (error instanceof UserError) {
        console.error(`vlmbench: ${error.message}`);
        process.exitCode = EXIT.usage;
      } else {
        console.error(`vlmbench: internal error: ${(error as Error).message?.split('\n')[0] ?? String(error)}${process.env.VLMBENCH_DEBUG ? `\n${(error as Error).stack}` : ' (set VLMBENCH_DEBUG=1 for the stack)'}`);
        process.exitCode = EXIT.internal;
      }
    }
  };
}

const DEFAULT_MODELS_HELP = Object.entries(DEFAULT_MODEL_BY_ENGINE)
  .map(([engine, model]) => `${engine} ${model}`)
  .join(', ');

function addRunOptions(command: Command, defaults: { engines: string; runs: string; warmup: string }): Command {
  return command
    .option('--engines <ids>', 'engines, comma-separated (transformersjs, qvac, qvac-ocr, tesseract)', defaults.engines)
    .option('--models <ids>', `catalog model ids or aliases, comma-separated (see "vlmbench models list"); default: each engine's offline model (${DEFAULT_MODELS_HELP})`)
    .option('--targets <ids>', 'cpu, gpu, browser-wasm, browser-webgpu', 'cpu')
    .option('--tasks <ids>', 'caption, ocr', 'caption,ocr')
    .option('--fixtures <dir>', 'a fixture folder with manifest.json (default: the built-in set)')
    .option('--fixture <ids>', 'only these fixture ids, comma-separated')
    .option('--limit <n>', 'at most n fixtures per task')
    .option('--runs <n>', 'counted runs per cell', defaults.runs)
    .option('--warmup <n>', 'warm-up runs per cell (never counted)', defaults.warmup)
    .option('--host-warmup <n>', 'extra warm-up runs after each model load, on its first fixture', String(DEFAULT_HOST_WARMUP))
    .option('--min-time <s>', 'keep running until the counted runs of a cell add up to this many seconds')
    .option('--threads <n>', 'threads for every engine (default: physical cores)')
    .option('--max-new-tokens <n>', 'token limit, or task=n pairs (default caption=48,ocr=96)')
    .option('--timeout <s>', 'per-run timeout in seconds', '120')
    .option('--load-timeout <s>', 'model load timeout in seconds (downloads happen before loading, untimed)', '600')
    .addOption(new Option('--scheduling <mode>', 'interleave engines per fixture, or run them one after another').choices(['interleaved', 'sequential']).default('interleaved'))
    .option('--cooldown <s>', 'pause between fixtures')
    .option('--offline', 'never touch the network; fail at once if a model is not cached')
    .option('--network-audit', 'run each engine host (and its browser) in a network namespace where every destination is refused, and record every attempt (root, tcpdump)')
    .option('--allow-unverified', 'run model files that do not match the catalog\'s pins, marked UNVERIFIED (no claim is decided from them)')
    .option('--image-budget <mode>', 'frames per image: native (each runtime\'s own preprocessing, the default), matched (the same tile grid on both), single (one padded frame); see docs/image-budget.md')
    .option('--image-splitting', 'deprecated: the same as --image-budget native')
    .option('--quant <pairs>', 'engine=quant overrides, e.g. transformersjs=fp32,qvac=F32')
    .option('--model-path <pairs>', 'local model files: engine:role=path, e.g. qvac:gguf=/m/a.gguf,qvac:mmproj=/m/b.gguf')
    .option('--results-dir <dir>', 'where runs are written', 'results')
    .option('--reports-dir <dir>', 'where reports are written', 'reports')
    .option('--no-report', 'do not write the report after the run')
    .option('--profile <name>', 'take threads, quantisation and engine options from a tuned profile ("vlmbench tune"), e.g. best')
    .option('--bandwidth', 'measure the memory-bandwidth ceiling first, for the decode roofline in the report')
    .option('--cdp <url>', 'browser targets: attach to a Chromium already running elsewhere (e.g. Chrome on a phone via adb forward), see docs/browser-and-phone.md')
    .option('--resume <run-id>', 'continue an interrupted run without redoing finished cells')
    .option('--allow-failures', `exit 0 when the run finished but some cells failed (otherwise ${EXIT.someCellsFailed})`)
    .option('--noise-band <fraction>', 'noise band of ratio verdicts, e.g. 0.05 or 5% (default 5%; see docs/verdicts.md)')
    .option('--processes <n>', 'verdict-grade timing: an accuracy pass over every fixture, then up to n rounds of fresh engine processes on a representative subset, stopping early once the intervals are narrow (docs/verdicts.md)')
    .option('--perf-fixtures <n>', 'fixtures per task in the performance pass (default 4, spread over the categories)')
    .option('--budget <duration>', 'time budget of the whole run, e.g. 15m: process rounds stop when the next would overspend it')
    .option('--quiet', 'no progress output');
}

const program = new Command('vlmbench')
  .description('SmolVLM2 on transformers.js vs the QVAC SDK: latency, memory and quality on the same fixtures')
  .version(TOOL_VERSION)
  .showSuggestionAfterError()
  // Set before any subcommand exists: commander copies it into each one as it is created. Its
  // own one-line message stays; the status is 2 (1 would read as "regression" to a CI script).
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });

const REPORT_URL_HELP = 'absolute URL where report.html will be published, for embed.html\'s link (default: report.html beside it)';
const OUT_HELP = 'write results.json, journal.jsonl and the report into this one folder, flat (instead of --results-dir/<run-id> and --reports-dir/<run-id>); it must be new or empty';

addRunOptions(program.command('run').description('run the benchmark and write results (and a report)'), { engines: 'transformersjs,qvac', runs: '5', warmup: '1' })
  .option('--out <dir>', OUT_HELP)
  .option('--report-url <url>', REPORT_URL_HELP)
  .action(action((flags: RunFlags) => runCommand(flags, ['vlmbench', ...process.argv.slice(2)].join(' '))));

addRunOptions(program.command('quickstart').description('the offline quick start: tiny generated models, both runtimes, built-in fixtures, one frame per image (--image-budget single unless given), results and report'), {
  engines: 'transformersjs,qvac',
  runs: '3',
  warmup: '1',
})
  .option('--out <dir>', OUT_HELP)
  .option('--report-url <url>', REPORT_URL_HELP)
  .action(action((flags: RunFlags) => runCommand({ ...flags, defaultImageBudget: QUICKSTART_IMAGE_BUDGET }, ['vlmbench', ...process.argv.slice(2)].join(' '))));

addRunOptions(program.command('device-session').description('serve fixtures and settings to a native device runner and collect its cells (docs/device-runner-protocol.md)'), {
  engines: 'transformersjs',
  runs: '5',
  warmup: '1',
})
  .option('--port <n>', 'fixed port (e.g. for adb reverse tcp:PORT tcp:PORT); random when absent')
  .option('--host <ip>', 'interface to listen on (default 127.0.0.1)')
  .option('--expect <n>', 'cells to wait for (default: one per fixture)')
  .option('--wait <s>', 'how long to wait for the runner', '1800')
  .action(action((flags: DeviceFlags) => deviceSessionCommand(flags, ['vlmbench', ...process.argv.slice(2)].join(' '))));

program
  .command('report')
  .description('write report.html, report.md, summary.json and embed.html from one or more results files')
  .argument('<results...>', 'results.json files (several machines make a cross-device report)')
  .option('--out <dir>', 'output folder (default reports/<run-id>)')
  .option('--title <text>', 'report title')
  .option('--noise-band <fraction>', 'noise band of ratio verdicts, e.g. 0.05 or 5% (default: the run\'s setting, else 5%; see docs/verdicts.md)')
  .option('--report-url <url>', REPORT_URL_HELP)
  .action(action((files: string[], flags: { out?: string; title?: string; noiseBand?: string; reportUrl?: string }) => reportCommand(files, flags)));

program
  .command('compare')
  .description('regression gate: exit 0 clean, 1 regression, 2 usage error or runs not comparable')
  .argument('<base>', 'baseline results.json')
  .argument('<head>', 'new results.json')
  .option('--threshold <pairs>', 'metric=fraction, e.g. latencyMs=0.15 (default 0.10 each)')
  .option('--quality-tolerance <x>', 'allowed absolute quality drop (default 0.01)')
  .option('--allow-mismatch', 'compare runs from different hardware or settings anyway (loud warning)')
  .option('--markdown <file>', 'also write the Markdown summary here')
  .option('--json <file>', 'also write the full comparison as JSON')
  .action(action((base: string, head: string, flags: Parameters<typeof compareCommand>[2]) => compareCommand(base, head, flags)));

program
  .command('export')
  .description('export cells as CSV, Bencher Metric Format, or github-action-benchmark JSON')
  .argument('<results>', 'results.json')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'bmf', 'gab-smaller', 'gab-bigger']).default('csv'))
  .option('--out <file>', 'write here instead of stdout')
  .action(action((file: string, flags: { format: string; out?: string }) => exportCommand(file, flags)));

const models = program.command('models').description('the model catalog');
models.command('list').description('list catalog entries').action(action(() => listModels()));
models.command('make-tiny').description('generate the tiny deterministic random-weight models into the cache').action(action(() => makeTinyCommand()));
models.command('make-shape').description('generate random-weight models with a real SmolVLM2 size (smolvlm2-256m | smolvlm2-500m) into the cache').argument('<size>').action(action((size: string) => makeShapeCommand(size)));
models
  .command('pull')
  .description('download a real model (pinned revision, sha256 checked; QVAC registry models through the SDK) into the cache, before any timing')
  .argument('<id>', 'catalog id, e.g. smolvlm2-256m')
  .option('--offline', 'fail at once instead of reaching the network')
  .option('--allow-unverified', 'keep files the catalog has no pin for, marked UNVERIFIED, instead of refusing them')
  .action(action((id: string, flags: { offline?: boolean; allowUnverified?: boolean }) => pullModelCommand(id, flags)));

const fixtures = program.command('fixtures').description('fixture sets');
fixtures.command('build').description('render the built-in fixtures deterministically').option('--out <dir>', 'output folder (default fixtures/builtin)').action(action((flags: { out?: string }) => buildFixturesCommand(flags)));
fixtures.command('verify').description('check a fixture folder against its manifest').argument('[dir]').action(action((dir?: string) => verifyFixturesCommand(dir)));
fixtures.command('list').description('list fixtures').argument('[dir]').action(action((dir?: string) => listFixturesCommand(dir)));
fixtures.command('packs').description('list the fixture packs that "fixtures pull" can download').action(action(() => listPacksCommand()));
fixtures
  .command('pull')
  .description('download a named pack of real photos or scans (pinned URLs, sha256 verified)')
  .argument('<pack>')
  .option('--trust-on-first-use', 'accept files whose hash the pack does not pin, and record it')
  .action(action((pack: string, flags: { trustOnFirstUse?: boolean }) => pullFixturesCommand(pack, flags)));

program.command('tune').description('sweep each engine\'s threads, quantisation and runtime options with small real runs; write the best as a profile for "run --profile"').option('--engines <ids>', 'engines, comma-separated', 'transformersjs,qvac').option('--models <id>', 'one catalog model id', 'shape-smolvlm2-256m').option('--task <id>', 'caption or ocr', 'caption').option('--fixture <id>', 'fixture id (default: the first of the task)').option('--runs <n>', 'counted runs per configuration', '3').option('--warmup <n>', 'warm-up runs per configuration', '1').option('--max-new-tokens <n>', 'token limit per run', '32').option('--profile <name>', 'profile name or .json path (default under the cache)', 'best').option('--offline', 'never touch the network').action(action((flags: TuneFlags) => tuneCommand(flags)));

program
  .command('env')
  .description('print the environment fingerprint')
  .option('--bandwidth', 'also measure memory bandwidth (a triad over buffers much larger than the last-level cache, all cores)')
  .action(action((flags: { bandwidth?: boolean }) => envCommand(flags)));

// Anything that escapes the actions (an unhandled 'error' event, a stray rejection) is a bug too.
const crashed = (error: unknown): void => {
  console.error(`vlmbench: internal error: ${error instanceof Error ? (process.env.VLMBENCH_DEBUG ? error.stack : error.message.split('\n')[0]) : String(error)}`);
  process.exit(EXIT.internal);
};
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

await program.parseAsync(process.argv);
