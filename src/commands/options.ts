/** Parsing and checking command-line values: a bad value is one line naming the flag and what it accepts. */
import { TARGETS, TASKS, UserError, type TargetId, type TaskId } from '../engines/engine.js';
import { ENGINE_IDS } from '../engines/registry.js';
import { DEFAULT_IMAGE_BUDGET, IMAGE_BUDGETS, type ImageBudget } from '../engines/image-budget.js';

export function list(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

export function positiveInt(flag: string, value: string, { allowZero = false } = {}): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || (!allowZero && n === 0)) {
    throw new UserError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} whole number, got "${value}"`);
  }
  return n;
}

export function seconds(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new UserError(`${flag} must be a number of seconds, got "${value}"`);
  return n * 1000;
}

export function oneOf<T extends string>(flag: string, values: string[], allowed: readonly T[]): T[] {
  for (const value of values) {
    if (!allowed.includes(value as T)) throw new UserError(`${flag}: unknown value "${value}" — choose from: ${allowed.join(', ')}`);
  }
  return values as T[];
}

export const parseTargets = (value: string): TargetId[] => oneOf('--targets', list(value), TARGETS);
export const parseTasks = (value: string): TaskId[] => oneOf('--tasks', list(value), TASKS);
export const parseEngines = (value: string): string[] => oneOf('--engines', list(value), ENGINE_IDS);

/** `engine=value,engine=value` pairs, e.g. --quant transformersjs=fp32,qvac=F32. */
export function enginePairs(flag: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of list(value)) {
    const [engine, setting] = part.split('=');
    if (!engine || !setting) throw new UserError(`${flag} takes engine=value pairs, e.g. transformersjs=fp32,qvac=F32; got "${part}"`);
    oneOf(flag, [engine], ENGINE_IDS);
    out[engine] = setting;
  }
  return out;
}

/** A noise band: a fraction (0.05) or a percentage ("5%"), above 0 and below 1. */
export function noiseBand(flag: string, value: string): number {
  const trimmed = value.trim();
  const fraction = trimmed.endsWith('%') ? Number(trimmed.slice(0, -1)) / 100 : Number(trimmed);
  if (trimmed === '' || !Number.isFinite(fraction) || fraction <= 0 || fraction >= 1) {
    throw new UserError(`${flag} must be a fraction like 0.05 or a percentage like 5%, above 0 and below 100%; got "${value}"`);
  }
  return fraction;
}

/** A duration: 900, 900s, 15m or 1.5h (seconds without a unit), in ms. */
export function duration(flag: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(value);
  const amount = match ? Number(match[1]) : Number.NaN;
  if (!match || !(amount > 0)) throw new UserError(`${flag} takes a duration like 900, 900s, 15m or 1.5h; got "${value}"`);
  return amount * { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

/**
 * --image-budget, with the deprecated --image-splitting as an alias for `native` (the default
 * since the budget exists): asking for both with another budget is a contradiction, not a choice.
 */
export function imageBudget(
  flags: { imageBudget?: string; imageSplitting?: boolean; defaultImageBudget?: ImageBudget },
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): ImageBudget {
  const chosen = flags.imageBudget === undefined ? undefined : oneOf('--image-budget', [flags.imageBudget], IMAGE_BUDGETS)[0];
  if (flags.imageSplitting) {
    if (chosen !== undefined && chosen !== 'native') throw new UserError(`--image-splitting means --image-budget native, which contradicts --image-budget ${chosen} — drop --image-splitting`);
    warn('vlmbench: --image-splitting is deprecated: it is --image-budget native, the default (each runtime tiles as it does for its users)');
    return 'native';
  }
  return chosen ?? flags.defaultImageBudget ?? DEFAULT_IMAGE_BUDGET;
}

/** An absolute http(s) URL, for links that must survive being pasted elsewhere (embed.html). */
export function absoluteUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${flag} must be an absolute URL such as https://example.org/bench/report.html, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UserError(`${flag} must be an http or https URL, got "${value}"`);
  return url.href;
}
