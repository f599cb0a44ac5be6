/**
 * docs/ci-workflow.md, run as written. Its shell steps are extracted and run in a temporary
 * workspace on the tiny models, as a self-hosted runner would run them (tests/helpers/workflow.ts):
 * a push to main runs the benchmark for real and records the baseline artifact; a pull request
 * whose results are that same run (an A/A pair with no noise at all) must pass the gate (exit 0);
 * the same pull request with its latencies inflated by 30% must fail it (exit 1). Whether two
 * separate real runs pass on a given machine depends on that machine's noise (this suite runs two
 * test files at once), so it is measured by `npm run bench:gate`, a benchmark, not asserted here.
 * GitHub's service is out of reach here, so `gh` is a stand-in that serves the main
 * run's artifact and records the comment. The only change to the document's profile is
 * `--limit 1` (one fixture per task), which keeps the real run to a few minutes. Its 10 runs per
 * cell stay: with 4, the processes' medians under the suite's own load spread so widely that the
 * gate could not tell a 30% slowdown from them.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inflateLatencies } from '../bench/inflate.js';
import { ResultsSchema } from '../src/results/schema.js';
import { REPO, tempDir } from './helpers/cli.js';
import { parseWorkflow, runJob, workflowYaml, type JobContext, type StepResult, type Workflow } from './helpers/workflow.js';

const GH_STUB = `#!/usr/bin/env bash
# Stand-in for the GitHub CLI: serves the artifact a main run uploaded, and records PR comments.
set -euo pipefail
echo "$*" >> "$GH_STUB_DIR/calls.log"
arg() { local flag=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$flag" ]; then echo "$2"; return; fi; shift; done; }
case "$1 $2" in
  "run list") if [ -d "$GH_STUB_DIR/artifact" ]; then echo 4242; fi ;;
  "run download")
    [ "$3" = 4242 ] && [ "$(arg --name "$@")" = vlmbench-results ] || { echo "gh stub: no such run or artifact: $*" >&2; exit 1; }
    dir=$(arg --dir "$@"); mkdir -p "$dir"; cp -R "$GH_STUB_DIR/artifact/." "$dir/" ;;
  "pr comment")
    body=$(arg --body-file "$@")
    if [[ " $* " == *" --edit-last "* ]] && [ ! -f "$GH_STUB_DIR/comment-$3.md" ]; then echo "no comments found for current user" >&2; exit 1; fi
    cp "$body" "$GH_STUB_DIR/comment-$3.md" ;;
  *) echo "gh stub: unsupported: $*" >&2; exit 1 ;;
esac
`;

/** A runner's workspace: the checkout (here: the built dist/ of this repository) and nothing else. */
function workspace(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(REPO, 'dist'), join(dir, 'dist'));
  return dir;
}

function step(results: StepResult[], name: string): StepResult {
  const found = results.find((result) => result.step.name === name);
  if (!found) throw new Error(`no step "${name}" ran or was skipped: ${results.map((r) => r.step.name).join(', ')}`);
  return found;
}

function explain(results: StepResult[]): string {
  return results.map((r) => `--- ${r.step.name}: ${r.outcome} (${r.code})\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).join('\n');
}

describe('docs/ci-workflow.md as written', () => {
  const root = tempDir('ci-workflow');
  const stubDir = join(root, 'gh');
  let workflow: Workflow;
  let context: (cwd: string, event: JobContext['event']) => JobContext;

  beforeAll(() => {
    workflow = parseWorkflow(workflowYaml(readFileSync(join(REPO, 'docs', 'ci-workflow.md'), 'utf8')));
    mkdirSync(stubDir, { recursive: true });
    writeFileSync(join(stubDir, 'gh'), GH_STUB);
    chmodSync(join(stubDir, 'gh'), 0o755);
    const env = {
      PATH: `${stubDir}:${process.env.PATH ?? ''}`,
      GH_STUB_DIR: stubDir,
      // The models this machine already has (the document's /opt/vlmbench/cache is the reference device's).
      VLMBENCH_CACHE: process.env.VLMBENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vlmbench'),
      VLMBENCH_RUN_FLAGS: `${workflow.env.VLMBENCH_RUN_FLAGS ?? ''} --limit 1`,
    };
    context = (cwd, event) => ({ cwd, event, prNumber: 17, env });
  });

  it('has the steps this test knows, a run into one flat folder, and the profile in the job env', () => {
    expect(workflow.steps.map((s) => s.name)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'Install and build',
      'Run the benchmark',
      'Fetch the baseline (latest successful run on main)',
      'Compare against the baseline',
      'Comment the verdict on the pull request',
      'Upload results and report',
      'Upload the comparison',
      'Fail on regression or refusal',
    ]);
    expect(workflow.steps.find((s) => s.name === 'Run the benchmark')?.run).toContain('--out results/head');
    expect(workflow.env.VLMBENCH_RUN_FLAGS).toMatch(/--processes 3/);
  });

  it('without a baseline on main yet, a pull request says so and passes', () => {
    const cwd = workspace(root, 'pr-first');
    const results = runJob(workflow, context(cwd, 'pull_request'), { skip: ['Install and build', 'Run the benchmark'] });
    expect(step(results, 'Fetch the baseline (latest successful run on main)').outputs.found, explain(results)).toBe('false');
    expect(step(results, 'Compare against the baseline').outcome).toBe('skipped');
    expect(step(results, 'Fail on regression or refusal').outcome).toBe('skipped');
    expect(readFileSync(join(cwd, '.step-summary.md'), 'utf8')).toContain('No successful run on main yet');
  });

  describe('a push to main, then pull requests against it', () => {
    let main: string;
    let mainSteps: StepResult[];
    let pr: string;
    let prSteps: StepResult[];

    beforeAll(() => {
      // main: the run is recorded and uploaded as the artifact "vlmbench-results" (path results/head/).
      main = workspace(root, 'main');
      mainSteps = runJob(workflow, context(main, 'push'), { skip: ['Install and build'] });
      const mainRun = step(mainSteps, 'Run the benchmark');
      if (mainRun.outcome !== 'success') throw new Error(`the main run failed:\n${explain(mainSteps)}`);
      cpSync(join(main, 'results', 'head'), join(stubDir, 'artifact'), { recursive: true });

      // A pull request whose results are main's run itself: an A/A pair with no noise, then everything after the run, as written.
      pr = workspace(root, 'pr-same');
      cpSync(join(main, 'results', 'head'), join(pr, 'results', 'head'), { recursive: true });
      prSteps = runJob(workflow, context(pr, 'pull_request'), { skip: ['Install and build', 'Run the benchmark'] });
    }, 1_800_000);

    it('the run writes one flat folder, which the artifact keeps with results.json at its root', () => {
      expect(step(mainSteps, 'Run the benchmark').outcome, explain(mainSteps)).toBe('success');
      expect(step(mainSteps, 'Compare against the baseline').outcome).toBe('skipped');
      for (const name of ['results.json', 'journal.jsonl', 'report.html', 'report.md', 'summary.json', 'embed.html']) {
        expect(existsSync(join(main, 'results', 'head', name)), name).toBe(true);
        expect(existsSync(join(pr, 'baseline', name)), `baseline/${name}`).toBe(true);
      }
      // The document's profile, as overridden above: 3 processes, 10 runs per cell.
      const settings = ResultsSchema.parse(JSON.parse(readFileSync(join(main, 'results', 'head', 'results.json'), 'utf8'))).run.settings;
      expect({ runs: settings.runs, processes: settings.processes }).toEqual({ runs: 10, processes: 3 });
    });

    it('an A/A pair (main\'s run on both sides) passes the gate: compare exits 0, the check passes, and the comment names what was measured', () => {
      const compare = step(prSteps, 'Compare against the baseline');
      expect(compare.outcome, explain(prSteps)).toBe('success');
      expect(compare.outputs.exit_code, readFileSync(join(pr, 'compare.md'), 'utf8')).toBe('0');
      expect(step(prSteps, 'Fail on regression or refusal').outcome).toBe('skipped');
      const comment = readFileSync(join(stubDir, 'comment-17.md'), 'utf8');
      expect(comment).toMatch(/^## ✅ vlmbench compare: no regressions/);
      expect(comment).toMatch(/\*\*Measured \(both runs\):\*\* .*logical cores.*threads requested.*RAM.* · .*tiny-smolvlm fp32 \(transformersjs\).* · image budget: .* · tiny synthetic weights/);
      expect(comment).toContain('Tiny synthetic weights');
      expect(readFileSync(join(pr, '.step-summary.md'), 'utf8')).toContain('vlmbench compare');
      expect(JSON.parse(readFileSync(join(pr, 'compare.json'), 'utf8')).measured.head.weights).toBe('tiny');
    });

    it('a head run with every latency 30% slower fails the gate: compare exits 1 and the check fails', () => {
      const slow = workspace(root, 'pr-slow');
      const head = ResultsSchema.parse(JSON.parse(readFileSync(join(pr, 'results', 'head', 'results.json'), 'utf8')));
      mkdirSync(join(slow, 'results', 'head'), { recursive: true });
      writeFileSync(join(slow, 'results', 'head', 'results.json'), `${JSON.stringify(inflateLatencies(head, 1.3), null, 2)}\n`);
      // Everything after the run, as written.
      const results = runJob(workflow, context(slow, 'pull_request'), { skip: ['Install and build', 'Run the benchmark'] });
      const compare = step(results, 'Compare against the baseline');
      expect(compare.outputs.exit_code, explain(results)).toBe('1');
      expect(readFileSync(join(slow, 'compare.md'), 'utf8')).toMatch(/^## ❌ vlmbench compare: \d+ regressions?/);
      const fail = step(results, 'Fail on regression or refusal');
      expect(fail.outcome).toBe('failure');
      expect(fail.stdout).toContain('::error::vlmbench found a regression');
      expect(readFileSync(join(stubDir, 'comment-17.md'), 'utf8')).toMatch(/^## ❌ vlmbench compare/);
    });
  });
});
