/**
 * Why a plan leaves an engine out, and what to type instead. An engine gets no cell when no
 * requested model has a variant for it, when it does none of the requested tasks, or when no
 * selected fixture is of a task it does. A plan with no cell at all is a usage error that says
 * all of that in one line and suggests a command that plans cells.
 */
import type { TaskId } from '../engines/engine.js';
import { ENGINE_INFO } from '../engines/registry.js';
import type { LoadedFixture } from '../fixtures/manifest.js';
import { CATALOG, DEFAULT_MODEL_BY_ENGINE, catalogEntry, variantFor } from '../models/catalog.js';

export interface PlanRequest {
  engines: string[];
  /** Catalog ids, aliases already expanded. */
  models: string[];
  tasks: TaskId[];
  /** The fixtures the run selected (its tasks, --fixture and --limit applied). */
  fixtures: LoadedFixture[];
}

export interface EngineGap {
  engine: string;
  reason: string;
  /** What would give this engine cells. */
  fix: { model?: string; tasks?: TaskId[]; dropFixtureFilter?: boolean };
}

function modelsOf(engine: string, models: string[]): string[] {
  return models.filter((id) => variantFor(catalogEntry(id), engine) !== null);
}

function runnableModels(engine: string): string[] {
  return CATALOG.filter((entry) => variantFor(entry, engine) !== null).map((entry) => entry.id);
}

/** One entry per engine that the plan leaves without a cell, with the reason in words. */
export function engineGaps(request: PlanRequest): EngineGap[] {
  const gaps: EngineGap[] = [];
  for (const engine of request.engines) {
    const info = ENGINE_INFO[engine];
    if (!info) continue;
    if (modelsOf(engine, request.models).length === 0) {
      const model = DEFAULT_MODEL_BY_ENGINE[engine];
      gaps.push({
        engine,
        reason: `${engine} runs none of the models ${request.models.join(', ')} (it runs ${runnableModels(engine).join(', ')})`,
        fix: model ? { model } : {},
      });
      continue;
    }
    const tasks = info.tasks.filter((task) => request.tasks.includes(task));
    if (tasks.length === 0) {
      gaps.push({ engine, reason: `${engine} does ${info.tasks.join(' and ')} only, and --tasks asks for ${request.tasks.join(',')}`, fix: { tasks: [...info.tasks] } });
      continue;
    }
    if (!request.fixtures.some((fixture) => tasks.includes(fixture.task))) {
      gaps.push({ engine, reason: `none of the selected fixtures is for ${tasks.join(' or ')}, the task${tasks.length > 1 ? 's' : ''} ${engine} does`, fix: { dropFixtureFilter: true } });
    }
  }
  return gaps;
}

/** The command's words with one flag set to a value (added when absent) or removed (null). */
export function withFlag(words: string[], flag: string, value: string | null): string[] {
  const out: string[] = [];
  let replaced = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const inline = word.startsWith(`${flag}=`);
    if (word !== flag && !inline) {
      out.push(word);
      continue;
    }
    if (!inline) i++; // skip its value
    if (value !== null && !replaced) out.push(flag, value);
    replaced = true;
  }
  if (!replaced && value !== null) out.push(flag, value);
  return out;
}

/** A command that gives every engine cells, made from the one the user typed; null when no change would. */
export function suggestCommand(command: string, request: PlanRequest, gaps: EngineGap[]): string | null {
  if (gaps.length === 0) return null;
  let words = command.split(/\s+/).filter(Boolean);
  const models = request.models.filter((id) => request.engines.some((engine) => modelsOf(engine, [id]).length > 0));
  for (const gap of gaps) if (gap.fix.model && !models.includes(gap.fix.model)) models.push(gap.fix.model);
  const tasks = request.tasks.filter((task) => request.engines.some((engine) => ENGINE_INFO[engine]?.tasks.includes(task)));
  for (const gap of gaps) for (const task of gap.fix.tasks ?? []) if (!tasks.includes(task)) tasks.push(task);
  if (gaps.some((gap) => gap.fix.model)) words = withFlag(words, '--models', models.join(','));
  if (gaps.some((gap) => gap.fix.tasks)) words = withFlag(words, '--tasks', tasks.join(','));
  if (gaps.some((gap) => gap.fix.dropFixtureFilter)) words = withFlag(withFlag(words, '--fixture', null), '--limit', null);
  const suggestion = words.join(' ');
  return suggestion === command.trim() ? null : suggestion;
}

/** The one line of a plan with no cell: every engine's reason, and a command that works. */
export function emptyPlanMessage(command: string, request: PlanRequest): string {
  const gaps = engineGaps(request);
  const reasons = gaps.length ? gaps.map((gap) => gap.reason).join('; ') : 'no engine, model, task and fixture combination is left';
  const suggestion = suggestCommand(command, request, gaps);
  return `nothing to run: ${reasons}${suggestion ? ` — try: ${suggestion}` : ''}`;
}
