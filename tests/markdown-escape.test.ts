/**
 * One escaping for every Markdown output: report.md (its claims, roofline and footprint tables
 * included) and the compare summary put text from results and fixtures through src/report/escape.ts,
 * so a hostile failure reason or fixture id renders as text, and no row gains or loses a column.
 */
import { describe, expect, it } from 'vitest';
import { renderClaimsMarkdown } from '../src/claims/render.js';
import type { ClaimVerdict } from '../src/claims/evaluate.js';
import { compareRuns, renderCompareMarkdown } from '../src/compare/gate.js';
import { renderFootprintMarkdown } from '../src/footprint/render.js';
import type { Footprint } from '../src/footprint/schema.js';
import { escapeMarkdownCell, escapeMarkdownText, markdownCodeBlock, markdownCodeSpan } from '../src/report/escape.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { buildReportModel } from '../src/report/model.js';
import type { Results } from '../src/results/schema.js';
import { makeResults } from './helpers/report-results.js';

const EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)> | *b* [l](javascript:x)\n# heading';

/** The Markdown outside code spans and fenced blocks, where text is shown verbatim anyway. */
function outsideCode(md: string): string {
  return md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
}

function expectInert(md: string): void {
  const prose = outsideCode(md);
  expect(prose).not.toMatch(/<script|<img|onerror=alert\(2\)>|(?<!\\)\]\(javascript:/i);
  expect(prose).not.toMatch(/^# heading/m);
  // Every table row keeps the column count of its header row.
  const lines = md.split('\n');
  lines.forEach((line, i) => {
    if (/^\|\s?-{3}/.test(line)) {
      const columns = (lines[i - 1]!.match(/(?<!\\)\|/g) ?? []).length;
      for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) expect((lines[j]!.match(/(?<!\\)\|/g) ?? []).length, lines[j]).toBe(columns);
    }
  });
}

describe('the escaping functions', () => {
  it('a table cell keeps | and line breaks inside, and markup is text', () => {
    expect(escapeMarkdownCell('a | b\nc <b>')).toBe('a \\| b<br>c &lt;b&gt;');
    expect(escapeMarkdownCell('*x* _y_ `z` [l](u) ~s~ \\')).toBe('\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\~s\\~ \\\\');
  });

  it('prose stays on one line and a leading # is not a heading', () => {
    expect(escapeMarkdownText('# title\n# second <i>')).toBe('\\# title # second &lt;i&gt;');
    expect(escapeMarkdownText('a & b')).toBe('a &amp; b');
  });

  it('code spans and blocks show content verbatim and cannot be closed from inside', () => {
    expect(markdownCodeSpan('a`b\nc')).toBe("`a'b c`");
    expect(markdownCodeBlock('x ``` y', 'sh')).toBe('````sh\nx ``` y\n````');
  });
});

function claim(overrides: Partial<ClaimVerdict>): ClaimVerdict {
  return {
    id: 'c1',
    subject: 'SmolVLM2',
    claim: 'runs',
    source: 'page',
    verdict: 'contradicted',
    evidence: 'ok',
    sentence: 's',
    figures: {},
    cells: [],
    runs: ['r'],
    ...overrides,
  };
}

describe('every Markdown output escapes text from results and fixtures', () => {
  it('the claims table (failure reasons and fixture ids reach it through evidence and cell ids)', () => {
    const md = renderClaimsMarkdown([
      claim({ subject: EVIL, claim: EVIL, source: EVIL, evidence: `failed: ${EVIL}`, cells: [`qvac|m|q|cpu|ocr|${EVIL}`], id: 'id`|x' }),
      claim({ id: 'c2' }),
    ]);
    expectInert(md);
    expect(md).toContain('&lt;script&gt;');
  });

  it('report.md, with hostile fixture ids, failure reasons, outputs and environment', () => {
    const results = makeResults({ hostile: true });
    const hostile: Results = structuredClone(results);
    hostile.cells[0]!.key.fixture = EVIL;
    hostile.fixtures.items.push({ ...hostile.fixtures.items[0]!, id: EVIL });
    const failed = hostile.cells.find((cell) => cell.status === 'failed')!;
    failed.reason = EVIL;
    hostile.cells[1]!.output = { text: EVIL, stableAcrossSamples: true };
    hostile.warnings = [EVIL];
    hostile.environment.hostname = EVIL;
    hostile.environment.cpu.model = EVIL;
    expectInert(renderMarkdown(buildReportModel([hostile], { now: new Date('2026-11-23T12:00:00Z') })));
  });

  it('the compare summary', () => {
    const base = makeResults({ hostile: true });
    const head: Results = structuredClone(base);
    const changed = head.cells.find((cell) => cell.status === 'ok')!;
    changed.status = 'failed';
    changed.reason = EVIL;
    head.cells[2]!.output = { text: EVIL, stableAcrossSamples: true };
    expectInert(renderCompareMarkdown(compareRuns(base, head)));
  });

  it('the footprint table', () => {
    const footprint = { platform: EVIL, notes: [EVIL], engines: [{ engine: EVIL, census: [], coldStart: [], models: [] }] } as unknown as Footprint;
    expectInert(renderFootprintMarkdown(footprint));
  });
});
