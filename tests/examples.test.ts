/** The committed example results and report stay valid as the schema and report evolve. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SummaryJsonSchema } from '../src/report/summary.js';
import { readEmbeddedResults, reportCopy } from '../src/report/embedded-results.js';
import { escapeHtml, escapeMarkdownText } from '../src/report/escape.js';
import { runFacts } from '../src/report/run-facts.js';
import { ResultsSchema } from '../src/results/schema.js';
import { REPO } from './helpers/cli.js';

describe('committed examples', () => {
  const results = ResultsSchema.parse(JSON.parse(readFileSync(join(REPO, 'results', 'examples', 'tiny-two-engines', 'results.json'), 'utf8')));
  const reportDir = join(REPO, 'reports', 'examples', 'tiny-two-engines');

  it('results validate, are a complete run, and carry the synthetic marking', () => {
    expect(results.run.complete).toBe(true);
    expect(results.models.some((model) => model.synthetic === 'tiny')).toBe(true);
    expect(new Set(results.cells.map((cell) => cell.key.engine))).toEqual(new Set(['transformersjs', 'qvac', 'tesseract']));
  });

  it('the report was made from those results: it names every fixture and the summary validates', () => {
    const markdown = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(markdown).toContain(results.run.id);
    expect(markdown).toMatch(/Synthetic tiny random weights/);
    for (const cell of results.cells) expect(markdown).toContain(cell.key.fixture);
    const summary = SummaryJsonSchema.parse(JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')));
    expect(summary.runIds).toEqual([results.run.id]);
    expect(summary.measured?.[0]?.line).toBe(runFacts(results).line);
  });

  it('report.html stays within 1.5 MB with every figure and the raw data in it, once', () => {
    const path = join(reportDir, 'report.html');
    expect(statSync(path).size).toBeLessThanOrEqual(1.5 * 1024 * 1024);
    const html = readFileSync(path, 'utf8');
    // Every chart, every fixture of the gallery with its thumbnail, and the complete results once.
    expect(html.match(/<svg class="chart"/g)?.length).toBeGreaterThanOrEqual(10);
    const fixtures = new Set(results.cells.map((cell) => cell.key.fixture));
    for (const fixture of fixtures) expect(html).toContain(`data-fixture-id="${escapeHtml(fixture)}"`);
    expect(html.match(/<img src="data:image\//g)?.length).toBe(fixtures.size);
    const embedded = readEmbeddedResults(html);
    expect(embedded).toEqual([JSON.parse(JSON.stringify(reportCopy(results)))]);
    expect(html).not.toContain('data:application/json');
    // No warm-up token times; the counted samples keep theirs.
    const copy = embedded[0] as typeof results;
    expect(copy.cells.flatMap((cell) => cell.warmup).some((sample) => 'tokenTimesMs' in sample)).toBe(false);
    expect(copy.cells.flatMap((cell) => cell.samples).some((sample) => (sample.tokenTimesMs?.length ?? 0) > 0)).toBe(true);
  });

  it('states what was measured at the top of report.html, report.md and embed.html', () => {
    const line = runFacts(results).line;
    expect(line).toMatch(/^AMD EPYC, 2 logical cores \(2 physical\), 2 threads requested, [\d.]+ GiB RAM, Linux .*, no accelerator · @huggingface\/transformers 4\.3\.1, @qvac\/sdk 0\.19\.1, tesseract\.js 7\.0\.0 · tiny-smolvlm fp32 \(transformersjs\), tiny-smolvlm F32 \(qvac\), tesseract-eng lstm-eng \(tesseract\) · image budget: legacy \(transformers\.js one squashed frame\) · tiny synthetic weights \(tiny-smolvlm\), real weights \(tesseract-eng\)$/);
    const html = readFileSync(join(reportDir, 'report.html'), 'utf8');
    expect(html.slice(html.indexOf('<header>'), html.indexOf('</header>'))).toContain(escapeHtml(line));
    expect(readFileSync(join(reportDir, 'report.md'), 'utf8').split('\n')[2]).toBe(`**Measured:** ${escapeMarkdownText(line)}`);
    expect(readFileSync(join(reportDir, 'embed.html'), 'utf8')).toContain(escapeHtml(line));
  });

  it('collapses the roofline without --bandwidth, and report.md holds no control bytes from the tiny models\' output', () => {
    const markdown = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(markdown).toMatch(/## Decode against the memory-bandwidth roofline\n\nNot measured: no memory-bandwidth ceiling was recorded for this run, so the \d+ decode figures cannot be placed against it\. Run with --bandwidth to measure it\.\n/);
    expect(markdown).not.toContain('no ceiling measured');
    const html = readFileSync(join(reportDir, 'report.html'), 'utf8');
    expect(html).toMatch(/<h3>Decode against the memory-bandwidth roofline<\/h3><p class="collapsed">Not measured: /);
    expect(html).not.toContain('no bandwidth measurement recorded');
    // The tiny models' outputs hold control characters; report.md spells them out.
    expect(results.cells.some((cell) => /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(cell.output?.text ?? ''))).toBe(true);
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/);
    expect(markdown).toMatch(/\\u00[01][0-9a-f]/);
  });
});
