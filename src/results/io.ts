import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../engines/engine.js';
import { MAX_RESULTS_STRING_CHARS, findOversizedString } from './text-cap.js';
import { RUN_ID_PATTERN, RUN_ID_RULE, ResultsSchema, type Results } from './schema.js';

/**
 * `root/name`, refused unless it stays inside `root`: a name from a results file or the command
 * line must never choose where files are written.
 */
export function insideFolder(root: string, name: string, what: string): string {
  const base = resolve(root);
  const full = resolve(base, name);
  if (!isStrictlyInside(base, full)) throw new UserError(`${what} "${name}" would leave ${base} — refusing to write outside it`);
  return full;
}

/** True when `path` lies below `root` (not `root` itself), by path alone. */
export function isStrictlyInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
}

/** The folder of run `runId` under `root` (results/ or reports/), after checking the id. */
export function runFolder(root: string, runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new UserError(`run id "${runId}" is not valid: ${RUN_ID_RULE}`);
  return insideFolder(root, runId, 'run id');
}

/** Writes then renames, so a reader (or a crash) never sees a half-written file. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

export function writeResults(path: string, results: Results): void {
  const checked = ResultsSchema.parse(results);
  writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`);
}

/** Parses and validates; any problem becomes one line naming the file, the field and the remedy. */
export function parseResults(json: unknown, source: string): Results {
  // Checked first: a hostile file with a 50 MB string would otherwise cost minutes and gigabytes in every report format.
  const oversized = findOversizedString(json);
  if (oversized) {
    throw new UserError(
      `${source} is not a valid vlmbench results file: ${oversized.path} is ${oversized.length} characters, more than vlmbench ever writes (${MAX_RESULTS_STRING_CHARS}) — pass a results.json written by "vlmbench run"`,
    );
  }
  const parsed = ResultsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new UserError(
      `${source} is not a valid vlmbench results file: ${where}: ${issue?.message ?? 'invalid'} — pass a results.json written by "vlmbench run"`,
    );
  }
  return parsed.data;
}

export function readResults(path: string): Results {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`results file ${path} cannot be read — check the path (runs write results/<run-id>/results.json)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`results file ${path} is not JSON (${(error as Error).message}) — pass a results.json written by "vlmbench run"`);
  }
  return parseResults(json, path);
}
