/**
 * The report states the image budget: in every verdict's evidence (and summary.json), in the
 * fairness table (budget, tile grid, frame resolution, how frames were learnt, shown as a caveat
 * where they differ), and per fixture, what each engine saw with its speed per image and per frame.
 */
import { describe, expect, it } from 'vitest';
import type { ImageSeen } from '../src/engines/image-budget.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { buildReportModel, type Verdict } from '../src/report/model.js';
import { buildSummaryJson } from '../src/report/summary.js';
import type { Results } from '../src/results/schema.js';
import { makeResults } from './helpers/report-results.js';

function seen(frames: number, grid: ImageSeen['grid'], tokensPerFrame = 64): ImageSeen {
  return {
    budget: 'matched',
    source: 'measured',
    method: 'test',
    input: { width: 1240, height: 1754 },
    frames,
    grid,
    overview: grid !== null,
    frameSizes: [{ width: 512, height: 512, count: frames }],
    tokensPerFrame,
    imageTokens: frames * tokensPerFrame,
  };
}

/** Both engines ran `matched`; they encoded the same 13 frames everywhere but on `ocr-2`, where QVAC added an overview. */
function matchedResults(): Results {
  const results = makeResults();
  results.run.settings.imageBudget = 'matched';
  for (const cell of results.cells) {
    const odd = cell.key.fixture === 'ocr-2' && cell.key.engine === 'qvac';
    for (const sample of [...cell.samples, ...cell.warmup]) {
      sample.image = odd ? { ...seen(2, { columns: 1, rows: 1 }), note: 'matched is not exact for this image' } : seen(13, { columns: 3, rows: 4 });
      sample.frames = sample.image.frames;
      sample.imageTokens = sample.image.imageTokens;
    }
  }
  return results;
}

describe('the image budget in the report', () => {
  const results = matchedResults();
  const model = buildReportModel([results], { now: new Date('2026-12-03T12:00:00Z') });

  it('states it in the evidence of every OCR and captioning verdict, and in summary.json', () => {
    const verdicts = model.verdicts.filter((v: Verdict) => v.task === 'ocr');
    expect(verdicts.map((v) => v.aspect).sort()).toEqual(['decode', 'memory', 'quality', 'speed', 'ttft']);
    for (const v of model.verdicts) {
      expect(v.evidence, `${v.task} ${v.aspect}`).toMatch(/ Image budget: matched\.$/);
      expect(v.imageBudget).toBe('matched');
    }
    const summary = buildSummaryJson(model);
    expect(summary.verdicts.every((v) => v.imageBudget === 'matched')).toBe(true);
    const markdown = renderMarkdown(model);
    const ocrSection = markdown.slice(markdown.indexOf('### OCR'), markdown.indexOf('## Claims checked'));
    expect(ocrSection.match(/Image budget: matched\./g)?.length).toBe(5);
  });

  it('shows the budget, grid and frame resolution in the fairness table', () => {
    const fairness = model.fairness[0]!;
    const row = (name: string) => fairness.rows.find((r) => r.attribute === name);
    expect(row('Image budget')).toMatchObject({ values: ['matched', 'matched'], differs: false });
    expect(row('Frame resolution')).toMatchObject({ values: ['512×512', '512×512'], differs: false });
    expect(row('Tile grid')?.values).toEqual(['3×4 + global', '1×1 + global / 3×4 + global']);
    expect(row('Tile grid')?.differs).toBe(true);
    expect(fairness.settings).toContainEqual(['Image budget', 'matched']);
    // A differing grid is a caveat beside the verdicts; how the frames were learnt is not a setting.
    const speed = model.verdicts.find((v) => v.task === 'ocr' && v.aspect === 'speed')!;
    expect(speed.caveats.some((c) => c.startsWith('Tile grid:'))).toBe(true);
    expect(speed.caveats.some((c) => c.startsWith('Frames measured by'))).toBe(false);
  });

  it('lists per fixture what each engine saw, with speed per image and per frame, and where they differ', () => {
    const rows = model.fairness[0]!.imagesSeen;
    const same = rows.find((r) => r.fixture === 'ocr-1')!;
    expect(same.agreement).toBe('same');
    expect(same.seen.map((s) => s?.frames)).toEqual([13, 13]);
    for (const s of same.seen) expect(s!.perFrameMs).toBeCloseTo(s!.latencyMs! / 13, 6);
    const odd = rows.find((r) => r.fixture === 'ocr-2')!;
    expect(odd.agreement).toBe('differ: frames, grid, image tokens');
    expect(odd.seen[1]?.note).toMatch(/not exact/);
    const markdown = renderMarkdown(model);
    expect(markdown).toContain('What each engine saw, per fixture');
    const html = renderHtml(model);
    expect(html).toContain('<h4>What each engine saw, per fixture</h4>');
    expect(html).toContain('<strong class="differs">differ: frames, grid, image tokens</strong>');
    expect(markdown).toMatch(/\| ocr \| ocr-2 \| 320×200 \| 13 frames \(3×4 \+ global\) of 512×512, 832 tokens; [\d.]+ m?s per image, [\d.]+ m?s per frame \| 2 frames \(1×1 \+ global\) of 512×512, 128 tokens; .* — matched is not exact for this image \| differ: frames, grid, image tokens \|/);
  });

  it('names a run from before budgets existed by what it did', () => {
    const legacy = buildReportModel([makeResults()], { now: new Date('2026-12-03T12:00:00Z') });
    expect(legacy.verdicts[0]?.evidence).toMatch(/Image budget: legacy \(transformers\.js one squashed frame\)\.$/);
  });
});
