/**
 * Runs the GitHub Actions workflow in docs/ci-workflow.md as written, step by step, the way a
 * runner would: each `run:` script in bash with `-eo pipefail`, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, the job's `env:`, `${{ … }}` expressions filled in and `if:`
 * conditions evaluated. Only the expressions the document uses are understood; anything else
 * throws, so the document cannot grow a step this runner would silently misread.
 * `uses:` steps (checkout, setup-node, upload-artifact) are GitHub's own and are skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WorkflowStep {
  name: string;
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
}

export interface Workflow {
  env: Record<string, string>;
  steps: WorkflowStep[];
}

/** The ```yaml block of the document. */
export function workflowYaml(markdown: string): string {
  const match = /```yaml\n([\s\S]*?)\n```/.exec(markdown);
  if (!match) throw new Error('no ```yaml block in the document');
  return match[1] as string;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return /^'.*'$|^".*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

/** The job's env and steps: enough YAML for this document (block scalars, one job). */
export function parseWorkflow(yaml: string): Workflow {
  const lines = yaml.split('\n');
  const env: Record<string, string> = {};
  const steps: WorkflowStep[] = [];
  let section: 'none' | 'env' | 'steps' = 'none';
  let step: (WorkflowStep & Record<string, string | undefined>) | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    // A line at the job's own level (4 spaces or less) ends the env or steps section it was in.
    if (line.trim() !== '' && !line.trimStart().startsWith('#') && /^ {0,4}\S/.test(line)) {
      section = /^ {4}env:\s*$/.test(line) ? 'env' : /^ {4}steps:\s*$/.test(line) ? 'steps' : 'none';
      continue;
    }
    if (section === 'env') {
      const match = /^ {6}([A-Z_][A-Z0-9_]*):\s*(.*)$/.exec(line);
      if (match) env[match[1] as string] = unquote(match[2] as string);
      continue;
    }
    if (section !== 'steps') continue;
    const item = /^ {6}- (\w[\w-]*):\s*(.*)$/.exec(line);
    const key = /^ {8}(\w[\w-]*):\s*(.*)$/.exec(line);
    const found = item ?? key;
    if (!found) continue;
    if (item) {
      step = { name: '' };
      steps.push(step);
    }
    if (!step) continue;
    const [, name, rest] = found as unknown as [string, string, string];
    if (rest === '|') {
      const body: string[] = [];
      while (i + 1 < lines.length && (/^ {10}/.test(lines[i + 1] as string) || (lines[i + 1] as string).trim() === '')) body.push((lines[++i] as string).slice(10));
      step[name] = `${body.join('\n').trimEnd()}\n`;
    } else if (rest !== '') step[name] = unquote(rest);
  }
  for (const s of steps) if (!s.name) s.name = s.uses ?? '(unnamed)';
  return { env, steps };
}

export interface JobContext {
  cwd: string;
  event: 'pull_request' | 'push';
  prNumber: number;
  env: Record<string, string>;
}

export interface StepResult {
  step: WorkflowStep;
  ran: boolean;
  outcome: 'success' | 'failure' | 'skipped';
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

interface State {
  job: JobContext;
  steps: Map<string, StepResult>;
  failed: boolean;
}

/** A `${{ … }}` or `if:` expression, limited to the forms the document uses. */
export function evaluate(expression: string, state: State): string | boolean {
  const tokens = expression.match(/'[^']*'|&&|\|\||==|!=|[\w.-]+\([^)]*\)|[\w.-]+/g) ?? [];
  const value = (token: string): string | boolean => {
    if (token.startsWith("'")) return token.slice(1, -1);
    if (token === 'always()') return true;
    if (token === 'success()') return !state.failed;
    const hash = /^hashFiles\('([^']+)'\)$/.exec(token);
    if (hash) return existsSync(join(state.job.cwd, hash[1] as string)) ? 'hash' : '';
    if (token === 'github.event_name') return state.job.event;
    if (token === 'github.event.pull_request.number') return String(state.job.prNumber);
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(token);
    if (output) return state.steps.get(output[1] as string)?.outputs[output[2] as string] ?? '';
    const outcome = /^steps\.([\w-]+)\.outcome$/.exec(token);
    if (outcome) return state.steps.get(outcome[1] as string)?.outcome ?? '';
    throw new Error(`the workflow runner does not understand "${token}" in "${expression}"`);
  };
  // a == b, a != b, joined by && and || (no parentheses in the document).
  const orParts = splitOn(tokens, '||').map((andPart) =>
    splitOn(andPart, '&&').every((comparison) => {
      if (comparison.length === 1) return Boolean(value(comparison[0] as string));
      if (comparison.length === 3 && (comparison[1] === '==' || comparison[1] === '!=')) {
        const equal = String(value(comparison[0] as string)) === String(value(comparison[2] as string));
        return comparison[1] === '==' ? equal : !equal;
      }
      throw new Error(`the workflow runner does not understand "${comparison.join(' ')}"`);
    }),
  );
  if (tokens.length === 1) return value(tokens[0] as string);
  return orParts.some(Boolean);
}

function splitOn(tokens: string[], operator: string): string[][] {
  const parts: string[][] = [[]];
  for (const token of tokens) if (token === operator) parts.push([]);
  else (parts[parts.length - 1] as string[]).push(token);
  return parts;
}

function readOutputs(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/**
 * Runs the named steps in order (all `run:` steps when `only` is absent), skipping `uses:` ones and
 * those `skip` names. A failed step fails the job: later steps run only if their `if:` says always().
 */
export function runJob(workflow: Workflow, job: JobContext, options: { only?: string[]; skip?: string[]; timeoutMs?: number } = {}): StepResult[] {
  const state: State = { job, steps: new Map(), failed: false };
  const summary = join(job.cwd, '.step-summary.md');
  const results: StepResult[] = [];
  for (const step of workflow.steps) {
    const selected = options.only ? options.only.includes(step.name) : !options.skip?.includes(step.name);
    if (step.uses || !step.run || !selected) continue;
    const condition = step.if ?? 'success()';
    const wanted = /\balways\(\)/.test(condition) ? Boolean(evaluate(condition, state)) : !state.failed && Boolean(evaluate(condition, state));
    if (!wanted) {
      const skipped: StepResult = { step, ran: false, outcome: 'skipped', code: null, stdout: '', stderr: '', outputs: {} };
      results.push(skipped);
      if (step.id) state.steps.set(step.id, skipped);
      continue;
    }
    const script = step.run.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => String(evaluate(expression, state)));
    const dir = mkdtempSync(join(job.cwd, '.step-'));
    const scriptPath = join(dir, 'script.sh');
    const outputPath = join(dir, 'output');
    writeFileSync(scriptPath, script);
    writeFileSync(outputPath, '');
    const child = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptPath], {
      cwd: job.cwd,
      env: { ...process.env, ...workflow.env, ...job.env, GITHUB_OUTPUT: outputPath, GITHUB_STEP_SUMMARY: summary, GITHUB_REPOSITORY: 'vlmbench/vlmbench', GITHUB_EVENT_NAME: job.event, CI: 'true' },
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const result: StepResult = {
      step,
      ran: true,
      outcome: child.status === 0 ? 'success' : 'failure',
      code: child.status,
      stdout: child.stdout ?? '',
      stderr: `${child.stderr ?? ''}${child.error ? `\n${child.error.message}` : ''}`,
      outputs: readOutputs(outputPath),
    };
    results.push(result);
    if (step.id) state.steps.set(step.id, result);
    if (result.outcome === 'failure') state.failed = true;
  }
  return results;
}
