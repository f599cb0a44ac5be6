/** The one line that says what a run measured (src/report/run-facts.ts), built from the results alone. */
import { describe, expect, it } from 'vitest';
import { cellFactsLine, hardwareShort, runFacts } from '../src/report/run-facts.js';
import type { Results } from '../src/results/schema.js';
import { makeResults } from './helpers/report-results.js';

function withSettings(results: Results, change: (r: Results) => void): Results {
  const copy: Results = structuredClone(results);
  change(copy);
  return copy;
}

describe('runFacts', () => {
  it('names the image budget the run recorded, or the legacy budget of a run from before the option', () => {
    const recorded = withSettings(makeResults(), (r) => void (r.run.settings.imageBudget = 'matched'));
    expect(runFacts(recorded).imageBudget).toBe('matched');
    expect(runFacts(recorded).line).toContain(' · image budget: matched · ');
    const older = withSettings(makeResults(), (r) => void delete r.run.settings.imageBudget);
    expect(runFacts(older).line).toContain(' · image budget: legacy (transformers.js one squashed frame) · ');
  });

  it('names the accelerator, and says when the run did not use it', () => {
    const gpu = { name: 'NVIDIA H200', memoryBytes: 139 * 2 ** 30, source: 'nvidia-smi' };
    const unused = withSettings(makeResults(), (r) => void (r.environment.gpu = [gpu]));
    expect(runFacts(unused).hardware).toMatch(/, accelerator NVIDIA H200 139\.00 GiB \(not used: CPU targets only\)$/);
    const used = withSettings(unused, (r) => void (r.run.settings.targets = ['gpu']));
    expect(runFacts(used).hardware).toMatch(/, accelerator NVIDIA H200 139\.00 GiB$/);
    expect(hardwareShort(used)).toBe('Test CPU @ 2.0GHz 2T + NVIDIA H200');
    expect(runFacts(makeResults()).hardware).toMatch(/, no accelerator$/);
  });

  it('takes the least real weights for the run and names each kind when they are mixed', () => {
    const mixed = withSettings(makeResults(), (r) => {
      r.models = r.models.map((m) => (m.engine === 'qvac' ? { ...m, synthetic: 'tiny' } : m));
    });
    const facts = runFacts(mixed);
    expect(facts.weights).toBe('tiny');
    expect(facts.weightsText).toBe('tiny synthetic weights (smolvlm2-256m), real weights (smolvlm2-256m)');
    const qvacCell = mixed.cells.find((c) => c.key.engine === 'qvac')!;
    expect(cellFactsLine(mixed, qvacCell.key)).toMatch(/ · smolvlm2-256m Q8_0 · image budget: .* · tiny synthetic weights$/);
  });

  it('states the threads the run asked for beside the cores the machine has, and each engine\'s measured threads where its runs recorded them', () => {
    const four = withSettings(makeResults(), (r) => void (r.run.settings.threads = 4));
    expect(runFacts(four).hardware).toMatch(/^Test CPU @ 2\.0GHz, 2 logical cores \(1 physical\), 4 threads requested, /);
    expect(runFacts(four).hardware).not.toContain('measured');
    const measured = withSettings(makeResults(), (r) => {
      for (const cell of r.cells) for (const sample of cell.samples) sample.activeThreads = cell.key.engine === 'qvac' ? 4 : 2;
    });
    const engines = [...new Set(measured.cells.filter((cell) => cell.samples.length > 0).map((cell) => cell.key.engine))];
    expect(engines).toEqual(expect.arrayContaining(['transformersjs', 'qvac']));
    expect(runFacts(measured).hardware).toContain(`2 threads requested (measured: ${engines.map((engine) => `${engine} ${engine === 'qvac' ? 4 : 2}`).join(', ')}), `);
  });
});
