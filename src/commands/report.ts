/** `vlmbench report`, `vlmbench compare` and `vlmbench export`: files in, documents out. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../engines/engine.js';
import { readResults, runFolder, writeFileAtomic } from '../results/io.js';
import { absoluteUrl, list, noiseBand } from './options.js';

export async function reportCommand(files: string[], flags: { out?: string; title?: string; noiseBand?: string; reportUrl?: string }): Promise<number> {
  if (files.length === 0) throw new UserError('vlmbench report needs at least one results.json — e.g. vlmbench report results/<run-id>/results.json');
  const reportUrl = flags.reportUrl !== undefined ? absoluteUrl('--report-url', flags.reportUrl) : undefined;
  const results = files.map((file) => readResults(file));
  // Without --out the folder is named after the run: runFolder keeps a hostile id inside reports/.
  const outDir = flags.out !== undefined ? resolve(flags.out) : results.length === 1 ? runFolder('reports', (results[0] as (typeof results)[number]).run.id) : resolve('reports', 'merged');
  const { writeReport } = await import('../report/write.js');
  const band = flags.noiseBand !== undefined ? noiseBand('--noise-band', flags.noiseBand) : undefined;
  const written = await writeReport(results, outDir, { title: flags.title, ...(band !== undefined ? { noiseBand: band } : {}), ...(reportUrl ? { reportUrl } : {}) });
  for (const file of written.files) console.log(file);
  return 0;
}

export async function compareCommand(
  base: string,
  head: string,
  flags: { threshold?: string; qualityTolerance?: string; allowMismatch?: boolean; markdown?: string; json?: string },
): Promise<number> {
  const { compareRuns, exitCodeFor, renderCompareMarkdown, DEFAULT_THRESHOLDS } = await import('../compare/gate.js');
  const baseResults = readResults(base);
  const headResults = readResults(head);
  const thresholds: Record<string, number> = {};
  for (const part of list(flags.threshold ?? '')) {
    const [metric, value] = part.split('=');
    const fraction = Number(value?.replace('%', '')) / (value?.endsWith('%') ? 100 : 1);
    if (!metric || !(metric in DEFAULT_THRESHOLDS) || !Number.isFinite(fraction) || fraction < 0) {
      throw new UserError(`--threshold takes metric=fraction pairs (metrics: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}), e.g. latencyMs=0.15; got "${part}"`);
    }
    thresholds[metric] = fraction;
  }
  const tolerance = flags.qualityTolerance !== undefined ? Number(flags.qualityTolerance) : undefined;
  if (tolerance !== undefined && (!Number.isFinite(tolerance) || tolerance < 0)) throw new UserError(`--quality-tolerance must be a non-negative number, got "${flags.qualityTolerance}"`);
  const report = compareRuns(baseResults, headResults, { thresholds, qualityTolerance: tolerance, allowMismatch: flags.allowMismatch });
  const { runFacts } = await import('../report/run-facts.js');
  const measured = { base: runFacts(baseResults), head: runFacts(headResults) };
  const markdown = renderCompareMarkdown(report, measured);
  console.log(markdown);
  if (flags.markdown) writeFileAtomic(resolve(flags.markdown), markdown);
  if (flags.json) writeFileAtomic(resolve(flags.json), `${JSON.stringify({ ...report, measured }, null, 2)}\n`);
  return exitCodeFor(report);
}

export async function exportCommand(file: string, flags: { format: string; out?: string }): Promise<number> {
  const results = readResults(file);
  let text: string;
  if (flags.format === 'csv') text = (await import('../report/csv.js')).toCsv(results);
  else if (flags.format === 'bmf') text = `${JSON.stringify((await import('../report/bmf.js')).toBencherMetricFormat(results), null, 2)}\n`;
  else if (flags.format === 'gab-smaller' || flags.format === 'gab-bigger') {
    const gab = (await import('../report/github-benchmark.js')).toGithubActionBenchmark(results);
    text = `${JSON.stringify(flags.format === 'gab-smaller' ? gab.smallerIsBetter : gab.biggerIsBetter, null, 2)}\n`;
  } else throw new UserError(`--format must be csv, bmf, gab-smaller or gab-bigger, got "${flags.format}"`);
  if (flags.out) writeFileSync(resolve(flags.out), text);
  else process.stdout.write(text);
  return 0;
}
