/** The compare comment names what was measured and marks synthetic weights; output text in it carries no control bytes. */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../src/compare/gate.js';
import { renderCompareMarkdown } from '../src/compare/markdown.js';
import { runFacts } from '../src/report/run-facts.js';
import type { Results } from '../src/results/schema.js';
import { makeResults } from './helpers/report-results.js';

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

function withOutput(results: Results, text: string): Results {
  const copy: Results = structuredClone(results);
  const cell = copy.cells.find((c) => c.status === 'ok')!;
  cell.output = { text, stableAcrossSamples: true };
  return copy;
}

describe('compare Markdown', () => {
  it('names the hardware, engine versions, models, image budget and weights of both runs, and warns about tiny weights', () => {
    const base = makeResults({ synthetic: 'tiny' });
    const head = withOutput(base, 'caption\u0000with a NUL\u001b[31m and an escape');
    const report = compareRuns(base, head);
    const markdown = renderCompareMarkdown(report, { base: runFacts(base), head: runFacts(head) });
    expect(markdown).toContain(`**Measured (both runs):** Test CPU @ 2.0GHz, 2 logical cores (1 physical), 2 threads requested,`);
    expect(markdown).toMatch(/Measured \(both runs\):\*\* .* · @huggingface\/transformers [^·]* · smolvlm2-256m q8 \(transformersjs\), smolvlm2-256m Q8\\_0 \(qvac\) · image budget: legacy \(transformers\.js one squashed frame\) · tiny synthetic weights\n/);
    expect(markdown).toContain('> [!WARNING]\n> **Tiny synthetic weights: these timings prove the plumbing only');
    expect(report.textChanges).toHaveLength(1);
    expect(markdown).not.toMatch(CONTROL);
    expect(markdown).toContain('caption\\u0000with a NUL\\u001b[31m and an escape');
  });

  it('shows each run apart when they differ, with no warning for real weights', () => {
    const base = makeResults();
    const head: Results = structuredClone(base);
    head.environment.cpu.model = 'Other CPU';
    const markdown = renderCompareMarkdown(compareRuns(base, head, { allowMismatch: true }), { base: runFacts(base), head: runFacts(head) });
    expect(markdown).toMatch(/\*\*Measured \(base\):\*\* Test CPU @ 2\.0GHz, .* · real weights\n\n\*\*Measured \(head\):\*\* Other CPU, /);
    expect(markdown).not.toContain('[!WARNING]\n> **Tiny');
  });
});
