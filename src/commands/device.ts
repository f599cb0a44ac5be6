/**
 * `vlmbench device-session`: serve the run's settings and fixtures to a native runner (a phone
 * app, a Bare process on a board) over the device-runner protocol, and turn the cells it posts
 * back into an ordinary results file (cells flagged `remote`, named by device).
 */
import { join, resolve } from 'node:path';
import { UserError } from '../engines/engine.js';
import { isoNow } from '../measure/clock.js';
import { thermalSnapshot } from '../measure/environment.js';
import { startDeviceSession } from '../remote/server.js';
import { writeResults } from '../results/io.js';
import type { ModelRecord } from '../results/schema.js';
import { assembleResults } from '../run/assemble.js';
import { Journal, readJournal } from '../run/journal.js';
import { newRunHeader, newRunId, selectFixtures } from '../run/orchestrator.js';
import { TASK_PROMPTS, decodingFor } from '../tasks.js';
import { positiveInt, seconds } from './options.js';
import { runOptionsFrom, type RunFlags } from './run.js';

export interface DeviceFlags extends RunFlags {
  port?: string;
  host?: string;
  expect?: string;
  wait: string;
}

export async function deviceSessionCommand(flags: DeviceFlags, command: string): Promise<number> {
  const options = runOptionsFrom(flags, command);
  const selected = await selectFixtures(options);
  const runId = newRunId();
  const journal = new Journal(join(options.resultsRoot, runId, 'journal.jsonl'));
  const header = newRunHeader(runId, { ...options, engines: ['remote'], models: ['remote'] }, selected);
  journal.append({ type: 'header', header });
  journal.append({ type: 'thermal', snapshot: thermalSnapshot() });

  const session = await startDeviceSession({
    fixtures: selected.fixtures,
    settings: {
      prompts: Object.fromEntries(options.tasks.map((task) => [task, TASK_PROMPTS[task]])),
      maxNewTokens: options.maxNewTokens,
      decoding: { greedy: true, temperature: 0, seed: decodingFor('ocr').seed },
      runs: options.runs,
      warmup: options.warmup,
      threads: options.threads,
      imageBudget: options.imageBudget,
      // For runners written before imageBudget: every budget but single lets the model tile.
      imageSplitting: options.imageBudget !== 'single',
      timeoutMs: options.timeoutMs,
    },
    port: flags.port !== undefined ? positiveInt('--port', flags.port) : undefined,
    host: flags.host,
    timeoutMs: seconds('--wait', flags.wait),
  });
  const expected = flags.expect !== undefined ? positiveInt('--expect', flags.expect) : selected.fixtures.length;
  console.log(`device session ${runId} is serving ${selected.fixtures.length} fixtures at ${session.url}`);
  console.log(`point a runner at it, e.g.: node dist/src/remote/reference-runner.js --url ${session.url} --engine transformersjs`);
  console.log(`waiting for ${expected} cells (at most ${flags.wait} s; the protocol is in docs/device-runner-protocol.md)…`);
  try {
    const cells = await session.waitForCells(expected);
    for (const rejection of session.rejections()) console.log(`rejected: ${rejection}`);
    if (cells.length === 0) throw new UserError(`no valid cell arrived within ${flags.wait} s — check that the runner reaches ${session.url} (adb reverse for a phone)`);
    const models = new Map<string, ModelRecord>();
    for (const cell of cells) {
      journal.append({ type: 'cell', cell });
      const key = `${cell.key.engine}|${cell.key.model}|${cell.key.quant}`;
      if (!models.has(key)) {
        models.set(key, { id: cell.key.model, engine: cell.key.engine, quant: cell.key.quant, source: `remote device ${cell.remoteDevice ?? '?'} (files not visible to the harness)`, synthetic: false, files: [] });
      }
    }
    journal.append({ type: 'thermal', snapshot: thermalSnapshot() });
    const contents = readJournal(journal.path);
    contents.header.models = [...models.values()];
    contents.header.extra = { ...(contents.header.extra ?? {}), remoteEnvironments: session.environments() };
    const results = assembleResults(contents, { finishedAt: isoNow(), complete: cells.length >= expected, version: header.tool.version });
    const path = resolve(options.resultsRoot, runId, 'results.json');
    writeResults(path, results);
    console.log(`results: ${path} (${cells.length} remote cells${cells.length < expected ? `, ${expected - cells.length} missing` : ''})`);
    return 0;
  } finally {
    await session.close();
  }
}
