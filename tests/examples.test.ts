/** The committed example results and report stay valid as the schema and report evolve. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SummaryJsonSchema } from '../src/report/summary.js';
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
  });
});
