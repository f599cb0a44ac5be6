/** Box plot of latency per variant for one task, with every counted sample drawn as a point. */
import type { TaskView } from '../model.js';
import { TASK_LABELS } from '../model.js';
import { escapeSvg } from '../escape.js';
import { colorFor, fitLabel, linearScale, marker, markerFor, svgDocument, svgNumber as n, text, xAxis } from './svg.js';

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** Deterministic jitter in [-1, 1] so the same data draws the same picture. */
function jitter(index: number): number {
  const x = Math.sin(index * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

export function latencyBoxChart(view: TaskView): string | null {
  const rows = view.variants.filter((f) => f.latencySamples.length > 0);
  if (rows.length === 0) return null;
  const left = 250;
  const right = 30;
  const width = 900;
  const rowHeight = 54;
  const top = 12;
  const plotBottom = top + rows.length * rowHeight;
  const height = plotBottom + 44;
  const all = rows.flatMap((r) => r.latencySamples);
  const scale = linearScale(0, Math.max(...all), left, width - right, 6);
  const parts: string[] = [xAxis(scale, plotBottom, top, 'Latency per request (ms), every counted sample shown')];
  rows.forEach((row, i) => {
    const cy = top + i * rowHeight + rowHeight / 2;
    const color = colorFor(row.variant.index);
    const sorted = [...row.latencySamples].sort((a, b) => a - b);
    const q1 = quantile(sorted, 0.25);
    const q2 = quantile(sorted, 0.5);
    const q3 = quantile(sorted, 0.75);
    const iqr = q3 - q1;
    const lowWhisker = sorted.find((v) => v >= q1 - 1.5 * iqr) ?? sorted[0]!;
    const highWhisker = [...sorted].reverse().find((v) => v <= q3 + 1.5 * iqr) ?? sorted[sorted.length - 1]!;
    parts.push(`<g><title>${escapeSvg(`${row.variant.label}: median ${q2.toFixed(1)} ms, IQR ${q1.toFixed(1)}–${q3.toFixed(1)} ms, n = ${sorted.length}`)}</title>`);
    parts.push(text(left - 10, cy - 2, fitLabel(row.variant.label, 38), 'text-anchor="end" class="label"'));
    parts.push(text(left - 10, cy + 12, `median ${q2.toFixed(0)} ms · n=${sorted.length}`, 'text-anchor="end" class="sublabel"'));
    parts.push(`<line x1="${n(scale(lowWhisker))}" x2="${n(scale(highWhisker))}" y1="${n(cy)}" y2="${n(cy)}" stroke="${color}" stroke-width="1.5"/>`);
    for (const w of [lowWhisker, highWhisker]) parts.push(`<line x1="${n(scale(w))}" x2="${n(scale(w))}" y1="${n(cy - 7)}" y2="${n(cy + 7)}" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<rect x="${n(scale(q1))}" y="${n(cy - 12)}" width="${n(Math.max(1, scale(q3) - scale(q1)))}" height="24" fill="${color}" fill-opacity="0.18" stroke="${color}" stroke-width="1.5"/>`);
    parts.push(`<line x1="${n(scale(q2))}" x2="${n(scale(q2))}" y1="${n(cy - 12)}" y2="${n(cy + 12)}" stroke="${color}" stroke-width="3"/>`);
    row.latencySamples.forEach((value, k) => {
      parts.push(marker(markerFor(row.variant.index), scale(value), cy + jitter(k + i * 1000) * 9, 6, color, 'fill-opacity="0.85"'));
    });
    parts.push('</g>');
  });
  return svgDocument(
    width,
    height,
    `${TASK_LABELS[view.task]}: latency per engine (ms)`,
    `Box plot with raw samples of end-to-end latency for ${rows.map((r) => r.variant.label).join(', ')}. Box: quartiles; thick line: median; whiskers: 1.5 IQR.`,
    parts.join(''),
  );
}
