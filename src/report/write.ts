/** Writes the four report files (report.html, report.md, summary.json, embed.html), each atomically. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Results } from '../results/schema.js';
import { buildReportModel } from './model.js';
import { loadThumbnails, renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildSummaryJson } from './summary.js';
import { renderEmbed } from './embed.js';

export const REPORT_FILES = { html: 'report.html', markdown: 'report.md', summary: 'summary.json', embed: 'embed.html' } as const;

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Renders every format from one report model. `results` must be schema-valid (read them
 * with src/results/io.ts or parseResultsForReport). Everything is rendered before anything
 * is written, so a rendering error leaves the previous report untouched.
 */
export async function writeReport(
  results: Results[],
  outDir: string,
  options: { title?: string; fixturesDirs?: string[]; now?: Date; noiseBand?: number; reportUrl?: string } = {},
): Promise<{ files: string[] }> {
  const model = buildReportModel(results, options);
  const thumbnails = await loadThumbnails(model);
  const contents: Array<[string, string]> = [
    [REPORT_FILES.html, renderHtml(model, thumbnails)],
    [REPORT_FILES.markdown, renderMarkdown(model)],
    [REPORT_FILES.summary, `${JSON.stringify(buildSummaryJson(model), null, 2)}\n`],
    [REPORT_FILES.embed, renderEmbed(model, options.reportUrl ?? REPORT_FILES.html)],
  ];
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, content] of contents) {
    const path = join(dir, name);
    await writeAtomically(path, content);
    files.push(path);
  }
  return { files };
}
