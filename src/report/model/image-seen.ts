/**
 * What each engine saw, per fixture: the frames, tile grid, frame resolution and image tokens its
 * samples recorded (measured, or an estimate that says so), with the speed per image and per
 * frame, and whether the engines encoded the same frames. Also the fairness rows and the verdict
 * phrase that state the image budget (src/engines/image-budget.ts).
 */
import { budgetOfSettings, describeFrameSizes, describeGrid, type ImageSeen } from '../../engines/image-budget.js';
import type { Cell, Sample, Settings } from '../../results/schema.js';
import { median } from '../../stats/percentile.js';
import { formatMs } from '../format.js';
import { performanceSamples } from '../../verdict/index.js';
import type { FairnessView, ImageSeenRow, ImageSeenCell, Variant } from './types.js';

/** What a variant's image budget was, as the fairness table shows it. */
export function budgetOfVariant(samples: Sample[], settings: Settings): string {
  const budgets = [...new Set(samples.flatMap((s) => (s.image ? [s.image.budget] : [])))];
  if (budgets.length > 0) return budgets.join(' / ');
  // Older runs recorded frames without the budget; engines with no frames read the image as given.
  return samples.some((s) => s.frames !== null) ? budgetOfSettings(settings) : 'none (reads the image as given)';
}

/** How the frame counts were learnt: measured from the engine, or estimated (and from what). */
export function framesSourceOf(samples: Sample[]): string {
  const sources = [...new Set(samples.flatMap((s) => (s.image ? [s.image.source === 'measured' ? `measured: ${s.image.method}` : s.image.method] : [])))];
  if (sources.length > 0) return sources.join(' / ');
  return samples.some((s) => s.frames !== null) ? (samples.some((s) => s.phases?.estimated?.includes('frames')) ? 'estimated (no record of how)' : 'as the engine reported (no record of how)') : '–';
}

export function distinctGrids(samples: Sample[]): string {
  const grids = [...new Set(samples.flatMap((s) => (s.image ? [describeGrid(s.image)] : [])))].sort();
  return grids.length ? grids.join(' / ') : '–';
}

export function distinctFrameSizes(samples: Sample[]): string {
  const sizes = [...new Set(samples.flatMap((s) => (s.image ? [describeFrameSizes(s.image.frameSizes)] : [])))].sort();
  return sizes.length ? sizes.join(' / ') : '–';
}

function seenCell(cell: Cell | undefined): ImageSeenCell | null {
  if (!cell || cell.status !== 'ok') return null;
  const samples = performanceSamples(cell);
  const image: ImageSeen | undefined = samples.find((s) => s.image)?.image;
  const frames = image?.frames ?? samples.find((s) => s.frames !== null)?.frames ?? null;
  if (frames === null) return null;
  const latency = samples.length ? median(samples.map((s) => s.latencyMs)) : null;
  return {
    frames,
    grid: image ? describeGrid(image) : '–',
    frameSize: image ? describeFrameSizes(image.frameSizes) : '–',
    imageTokens: image?.imageTokens ?? samples.find((s) => s.imageTokens !== null)?.imageTokens ?? null,
    source: image?.source ?? 'unrecorded',
    latencyMs: latency,
    perFrameMs: latency !== null && frames > 0 ? latency / frames : null,
    ...(image?.note ? { note: image.note } : {}),
  };
}

/** One row per fixture that a vision engine measured, one cell per variant. */
export function imageSeenRows(cells: Cell[], variants: Variant[], variantIdOf: (cell: Cell) => string, sizes: Map<string, { width?: number; height?: number }>): ImageSeenRow[] {
  const fixtures = [...new Set(cells.map((c) => `${c.key.task}\0${c.key.fixture}`))];
  const rows: ImageSeenRow[] = [];
  for (const key of fixtures) {
    const [task, fixture] = key.split('\0') as [Cell['key']['task'], string];
    const seen = variants.map((v) => seenCell(cells.find((c) => c.key.task === task && c.key.fixture === fixture && variantIdOf(c) === v.id)));
    if (seen.every((s) => s === null)) continue;
    const size = sizes.get(fixture);
    const present = seen.filter((s): s is ImageSeenCell => s !== null);
    const same = (pick: (s: ImageSeenCell) => unknown) => new Set(present.map((s) => JSON.stringify(pick(s)))).size === 1;
    let agreement: string | null = null;
    if (present.length > 1) {
      const differences = [
        same((s) => s.frames) ? null : 'frames',
        same((s) => s.grid) ? null : 'grid',
        same((s) => s.frameSize) ? null : 'frame size',
        present.every((s) => s.imageTokens !== null) && !same((s) => s.imageTokens) ? 'image tokens' : null,
      ].filter(Boolean);
      agreement = differences.length ? `differ: ${differences.join(', ')}` : 'same';
    }
    rows.push({ task, fixture, input: size?.width && size.height ? `${size.width}×${size.height}` : '–', seen, agreement });
  }
  return rows;
}

/** The verdict phrase: "Image budget: native." or, where the contenders differ, each one's. */
export function budgetPhrase(fairness: FairnessView | undefined, contenders: string[]): string | null {
  const row = fairness?.rows.find((r) => r.attribute === 'Image budget');
  if (!fairness || !row) return null;
  const values = contenders.map((label) => {
    const index = fairness.variants.findIndex((v) => v.label === label);
    return index >= 0 ? { label, value: row.values[index] ?? '–' } : null;
  });
  const known = values.filter((v): v is { label: string; value: string } => v !== null);
  if (known.length === 0) return null;
  const distinct = [...new Set(known.map((v) => v.value))];
  return distinct.length === 1 ? `Image budget: ${distinct[0]}.` : `Image budget: ${known.map((v) => `${v.label} ${v.value}`).join(', ')}.`;
}

/** One table cell of the per-fixture view, in words: "13 frames (3×4 + global) of 512×512, 208 tokens; 1.20 s per image, 92.3 ms per frame". */
export function seenWords(s: ImageSeenCell | null): string {
  if (!s) return '–';
  const tokens = s.imageTokens !== null ? `, ${s.imageTokens} tokens` : '';
  const speed = s.latencyMs !== null ? `; ${formatMs(s.latencyMs)} per image, ${formatMs(s.perFrameMs)} per frame` : '';
  const source = s.source === 'measured' ? '' : ` [${s.source}]`;
  return `${s.frames} frame${s.frames === 1 ? '' : 's'} (${s.grid}) of ${s.frameSize}${tokens}${speed}${source}${s.note ? ` — ${s.note}` : ''}`;
}
