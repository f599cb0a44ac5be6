import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportModel } from '../src/report/model.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderEmbed, EMBED_ROOT_CLASS } from '../src/report/embed.js';
import { escapeHtml, escapeMarkdownCell, escapeMarkdownText, jsonForScriptTag } from '../src/report/escape.js';
import { renderDiffHtml } from '../src/report/diff.js';
import { writeReport } from '../src/report/write.js';
import { DOWNLOAD_SCRIPT, downloadScriptHash, readEmbeddedResults, reportCopy } from '../src/report/embedded-results.js';
import { runFacts } from '../src/report/run-facts.js';
import type { Results } from '../src/results/schema.js';
import { SummaryJsonSchema } from '../src/report/summary.js';
import { HOSTILE_FIXTURE_ID, fixtureIds, makeResults, writeFixtureImages } from './helpers/report-results.js';

const NOW = new Date('2026-11-23T12:00:00Z');

describe('escaping', () => {
  it('escapes text and attribute metacharacters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });

  it('JSON for a script tag cannot close the tag and still parses back', () => {
    const value = { text: '</script><script>alert(1)</script><!--', sep: '\u2028' };
    const encoded = jsonForScriptTag(value);
    expect(encoded).not.toMatch(/</);
    expect(JSON.parse(encoded)).toEqual(value);
  });

  it('markdown cells keep | and newlines inside the cell', () => {
    expect(escapeMarkdownCell('a | b\nc <b>')).toBe('a \\| b<br>c &lt;b&gt;');
  });

  it('diff output is escaped', () => {
    const html = renderDiffHtml('<b>x</b>', '<img src=x onerror=alert(1)>');
    expect(html).not.toMatch(/<img/);
    expect(html).toMatch(/&lt;img/);
    expect(html).toMatch(/<ins/);
    expect(html).toMatch(/<del/);
  });
});

describe('HTML report', () => {
  const results = makeResults({ hostile: true });
  const model = buildReportModel([results], { now: NOW });
  const html = renderHtml(model);

  it('renders hostile fixture and output text as text, never markup', () => {
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain('<a href="https://example.invalid"');
    expect(html).toContain('&lt;script&gt;window.__pwned');
    expect(html).toContain(`data-fixture-id="${escapeHtml(HOSTILE_FIXTURE_ID)}"`);
    expect(html).toContain('&quot;&gt;&lt;img');
    // The only script elements: the inert data block, and the download button's script, allowed by its hash.
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      '<script type="application/octet-stream" id="vlmbench-results-0" class="vlmbench-results" data-encoding="gzip+base64" data-file="results-run-2026-11-23-a.json">',
      '<script>',
    ]);
    expect(html).toContain(`<script>${DOWNLOAD_SCRIPT}</script>`);
    expect(html).toContain(`script-src ${downloadScriptHash()};`);
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
  });

  it('embeds the results once, compressed, without warm-up token times, and builds the download at click time', () => {
    const withTokens: Results = structuredClone(results);
    const first = withTokens.cells.find((cell) => cell.status === 'ok')!;
    first.warmup = [{ ...first.samples[0]!, tokenTimesMs: [1, 2, 3] }];
    first.samples[0]!.tokenTimesMs = [4, 5, 6];
    const page = renderHtml(buildReportModel([withTokens], { now: NOW }));
    const embedded = readEmbeddedResults(page);
    expect(embedded).toHaveLength(1);
    expect(embedded[0]).toEqual(JSON.parse(JSON.stringify(reportCopy(withTokens))));
    const cell = (embedded[0] as Results).cells.find((c) => c.status === 'ok')!;
    expect(cell.warmup[0]).not.toHaveProperty('tokenTimesMs');
    expect(cell.warmup[0]!.latencyMs).toBe(first.samples[0]!.latencyMs);
    expect(cell.samples[0]!.tokenTimesMs).toEqual([4, 5, 6]);
    // One copy: no data: link, no second JSON block.
    expect(page).not.toContain('data:application/json');
    expect(page.match(/class="vlmbench-results"/g)).toHaveLength(1);
    expect(page).toContain('<button type="button" class="download" data-results="vlmbench-results-0">Download results-run-2026-11-23-a.json</button>');
  });

  it('makes no external reference', () => {
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^(#|data:)/);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });

  it('has the verdicts, failures, charts, gallery, fairness, environment and raw data', () => {
    for (const id of ['verdicts', 'failures', 'results', 'charts', 'gallery', 'fairness', 'environment', 'raw-data']) expect(html).toContain(`<section id="${id}">`);
    expect(html).not.toContain('<section id="cross-device">');
    // five charts per task, plus one phases chart for the run (its crafted samples carry phases)
    expect(html.match(/<svg class="chart"/g)!.length).toBe(11);
    expect(html).toContain('Where the time goes per request');
    expect(html).toContain('timeout after 60000 ms | host killed');
    expect(html).toContain(escapeHtml(results.run.command));
    expect(html).toContain(results.fixtures.manifestSha256);
    for (const id of fixtureIds({ hostile: true })) expect(html).toContain(`data-fixture-id="${escapeHtml(id)}"`);
  });

  it('shows a banner for tiny synthetic weights and drops quality columns for shape models', () => {
    const tiny = renderHtml(buildReportModel([makeResults({ synthetic: 'tiny' })], { now: NOW }));
    expect(tiny).toContain('Synthetic tiny random weights: timings prove the plumbing only; quality figures mean nothing');
    const shape = renderHtml(buildReportModel([makeResults({ synthetic: 'shape' })], { now: NOW }));
    expect(shape).toContain('Shape-faithful random weights: speed and memory are real-scale; quality is meaningless');
    expect(shape).not.toMatch(/<th scope="col">CER/);
    expect(shape).not.toMatch(/CER&nbsp;/);
    expect(html).toMatch(/<th scope="col">CER/);
  });

  it('states at the top, in one line, the hardware, engine versions, models and quantisation, image budget and weights', () => {
    const facts = runFacts(results);
    const top = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
    expect(top).toContain(`<p class="measured"><span class="evidence-label">Measured:</span> ${escapeHtml(facts.line)}</p>`);
    expect(facts.line).toMatch(/^Test CPU @ 2\.0GHz, \d+ logical cores.*, 2 threads requested, .* RAM, Linux .*, no accelerator · @huggingface\/transformers .* · smolvlm2-256m q8 \(transformersjs\), smolvlm2-256m Q8_0 \(qvac\) · image budget: legacy \(transformers\.js one squashed frame\) · real weights$/);
  });

  it('collapses quality to one line when every engine ran synthetic weights (the roofline: tests/examples.test.ts)', () => {
    const tiny = renderHtml(buildReportModel([makeResults({ synthetic: 'tiny' })], { now: NOW }));
    expect(tiny).not.toMatch(/<th scope="col">CER/);
    expect(tiny.match(/<p class="collapsed">Quality not shown: every engine ran synthetic weights \(smolvlm2-256m\)/g)).toHaveLength(2);
    expect(html).not.toContain('Quality not shown');
  });

  it('with one engine, says once per task that there is nothing to compare', () => {
    const single = renderHtml(buildReportModel([makeResults({ engines: ['qvac'] })], { now: NOW }));
    expect(single).toContain('Only one engine (qvac) is in these results');
    expect(single).not.toContain('<li class="verdict');
    expect(single.match(/nothing to compare speed, quality or memory against/g)).toHaveLength(2);
  });

  it('adds a cross-device section for several runs', () => {
    const multi = renderHtml(
      buildReportModel([makeResults({ runId: 'run-a', hostname: 'host-a' }), makeResults({ runId: 'run-b', hostname: 'host-b', slowdown: 1.5 })], { now: NOW }),
    );
    expect(multi).toContain('<section id="cross-device">');
    expect(multi).toContain('Test CPU @ 2.0GHz · host-b · run run-b');
    expect(multi).toContain('vlmbench-results-1');
  });
});

describe('Markdown report', () => {
  const md = renderMarkdown(buildReportModel([makeResults({ hostile: true })], { now: NOW }));

  it('escapes table cells and markup', () => {
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<img');
    expect(md).toContain('timeout after 60000 ms \\| host killed');
    const hostileRow = md.split('\n').find((line) => line.includes('window.\\_\\_pwned = 2'))!;
    expect(hostileRow).toBeDefined();
    expect(hostileRow).toContain('second line');
    expect(hostileRow.startsWith('|')).toBe(true);
    // Every table row keeps the column count of its header row.
    const lines = md.split('\n');
    lines.forEach((line, i) => {
      if (/^\| ---/.test(line)) {
        const columns = (lines[i - 1]!.match(/(?<!\\)\|/g) ?? []).length;
        for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) expect((lines[j]!.match(/(?<!\\)\|/g) ?? []).length).toBe(columns);
      }
    });
  });

  it('has verdicts, a summary table per task, fairness, environment and the command', () => {
    for (const heading of ['## Verdicts', '### OCR', '### Captioning', '## Results per task', '## Per-fixture detail', '## Fairness and method', '## Environment']) {
      expect(md).toContain(heading);
    }
    expect(md).toMatch(/```sh\nvlmbench run .* \| tee log\n```/);
  });

  it('states what was measured in one line under the title', () => {
    const results = makeResults({ hostile: true });
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^# /);
    expect(lines[2]).toBe(`**Measured:** ${escapeMarkdownText(runFacts(results).line)}`);
  });

  it('carries no control bytes: output text spells them as \\u escapes', () => {
    const results: Results = structuredClone(makeResults());
    const cell = results.cells.find((c) => c.status === 'ok')!;
    cell.output = { text: 'a\u0000b\u0007c\u001bd\u007fe\u0085f\ttab', stableAcrossSamples: true };
    const markdown = renderMarkdown(buildReportModel([results], { now: NOW }));
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/);
    expect(markdown).toContain('a\\u0000b\\u0007c\\u001bd\\u007fe\\u0085f\ttab');
  });
});

describe('embed fragment', () => {
  const embed = renderEmbed(buildReportModel([makeResults({ synthetic: 'tiny' })], { now: NOW }));

  it('is a fragment whose every CSS selector is scoped under the root class', () => {
    expect(embed).not.toMatch(/<html|<body|<head/i);
    expect(embed.startsWith(`<div class="${EMBED_ROOT_CLASS}"`)).toBe(true);
    const css = /<style>([\s\S]*?)<\/style>/.exec(embed)![1]!;
    const selectors = [...css.matchAll(/([^{}]+)\{[^}]*\}/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()));
    expect(selectors.length).toBeGreaterThan(5);
    for (const selector of selectors) expect(selector.startsWith(`.${EMBED_ROOT_CLASS}`)).toBe(true);
    expect(embed).toContain('href="report.html"');
    expect(embed).toContain('Synthetic tiny random weights');
  });

  it('names what was measured, and links to an absolute report URL when given one', () => {
    const results = makeResults({ synthetic: 'tiny' });
    expect(embed).toContain(`<p class="vb-measured"><strong>Measured:</strong> ${escapeHtml(runFacts(results).line)}</p>`);
    expect(runFacts(results).line).toMatch(/Test CPU @ 2\.0GHz, .* RAM, Linux .* · smolvlm2-256m q8 \(transformersjs\), .* · tiny synthetic weights$/);
    const absolute = renderEmbed(buildReportModel([results], { now: NOW }), 'https://bench.example.org/runs/42/report.html');
    expect(absolute).toContain('<a class="vb-a" href="https://bench.example.org/runs/42/report.html">');
  });
});

describe('writeReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vlmbench-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes all four files atomically, with thumbnails and a missing-image note', async () => {
    const fixturesDir = join(dir, 'fixtures');
    await writeFixtureImages(fixturesDir, fixtureIds());
    const out = join(dir, 'out');
    const { files } = await writeReport([makeResults({ fixturesDir, hostile: true })], out, { title: 'Test <report>', now: NOW });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['report.html', 'report.md', 'summary.json', 'embed.html']);
    expect((await readdir(out)).sort()).toEqual(['embed.html', 'report.html', 'report.md', 'summary.json']);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<title>Test &lt;report&gt;</title>');
    const thumbnails = [...html.matchAll(/<img src="data:image\/(?:png|jpeg);base64,[^"]+" width="(\d+)" height="(\d+)"/g)];
    expect(thumbnails).toHaveLength(12);
    for (const t of thumbnails) expect(Number(t[1])).toBeLessThanOrEqual(160);
    expect(html).toContain('missing image');
    const summary = SummaryJsonSchema.parse(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')));
    expect(summary.runIds).toEqual(['run-2026-11-23-a']);
    const facts = runFacts(makeResults({ fixturesDir, hostile: true }));
    expect(summary.measured).toEqual([{ runId: 'run-2026-11-23-a', ...facts }]);
    expect(summary.measured?.[0]?.hardware).toMatch(/^Test CPU @ 2\.0GHz, 2 logical cores \(1 physical\), 2 threads requested, [\d.]+ GiB RAM, Linux .*, no accelerator$/);
    expect(summary.measured?.[0]?.weights).toBe('real');
  });

  it('finds images through extra fixtures directories', async () => {
    const fixturesDir = join(dir, 'moved-fixtures');
    await writeFixtureImages(fixturesDir, fixtureIds());
    const out = join(dir, 'out2');
    await writeReport([makeResults({ fixturesDir: '/nonexistent/fixtures' })], out, { fixturesDirs: [fixturesDir], now: NOW });
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect([...html.matchAll(/<img src="data:image\/(?:png|jpeg);base64,/g)]).toHaveLength(12);
    expect(html).not.toContain('missing image');
  });
});
