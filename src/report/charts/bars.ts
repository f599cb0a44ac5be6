/** Horizontal bar charts: one bar per row, optional CI whiskers, optional stacked segments. */
import { escapeSvg } from '../escape.js';
import { colorFor, fitLabel, linearScale, marker, markerFor, svgDocument, svgNumber as n, text, xAxis } from './svg.js';

export interface BarSegment {
  value: number;
  /** Segment name for the legend/tooltip (e.g. "host", "worker"). */
  name: string;
  /** Hatched segments are told apart by pattern, not colour alone. */
  hatched?: boolean;
}

export interface BarRow {
  label: string;
  colorIndex: number;
  segments: BarSegment[];
  ci?: [number, number] | null;
  /** Text printed at the end of the bar (the value with its unit). */
  valueText: string;
}

export interface BarChartSpec {
  title: string;
  description: string;
  axisTitle: string;
  rows: BarRow[];
  legend?: Array<{ name: string; hatched: boolean }>;
  format?: (value: number) => string;
}

let hatchCounter = 0;

export function barChart(spec: BarChartSpec): string | null {
  if (spec.rows.length === 0) return null;
  const hatchId = `hatch-${++hatchCounter}`;
  const width = 900;
  const left = 250;
  const right = 200;
  const rowHeight = 34;
  const top = spec.legend ? 30 : 10;
  const plotBottom = top + spec.rows.length * rowHeight;
  const height = plotBottom + 44;
  const maxValue = Math.max(...spec.rows.map((r) => Math.max(r.segments.reduce((s, g) => s + g.value, 0), r.ci?.[1] ?? 0)));
  const scale = linearScale(0, maxValue > 0 ? maxValue : 1, left, width - right, 6);
  const parts: string[] = [
    `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff" fill-opacity="0.0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5"/></pattern></defs>`,
    xAxis(scale, plotBottom, top, spec.axisTitle, spec.format),
  ];
  if (spec.legend) {
    let lx = left;
    for (const item of spec.legend) {
      parts.push(`<rect x="${lx}" y="6" width="14" height="14" fill="#666"/>`);
      if (item.hatched) parts.push(`<rect x="${lx}" y="6" width="14" height="14" fill="url(#${hatchId})"/>`);
      parts.push(text(lx + 19, 17, item.name, 'class="sublabel"'));
      lx += 30 + item.name.length * 7;
    }
  }
  spec.rows.forEach((row, i) => {
    const y = top + i * rowHeight + 6;
    const barHeight = rowHeight - 12;
    const color = colorFor(row.colorIndex);
    parts.push(`<g><title>${escapeSvg(`${row.label}: ${row.valueText}`)}</title>`);
    parts.push(text(left - 24, y + barHeight / 2 + 4, fitLabel(row.label, 36), 'text-anchor="end" class="label"'));
    parts.push(marker(markerFor(row.colorIndex), left - 12, y + barHeight / 2, 9, color));
    let x = scale(0);
    for (const segment of row.segments) {
      const w = Math.max(0, scale(segment.value) - scale(0));
      parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${barHeight}" fill="${color}"><title>${escapeSvg(`${row.label} — ${segment.name}`)}</title></rect>`);
      if (segment.hatched) parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${barHeight}" fill="url(#${hatchId})"/>`);
      x += w;
    }
    if (row.ci) {
      const cy = y + barHeight / 2;
      parts.push(`<line x1="${n(scale(row.ci[0]))}" x2="${n(scale(row.ci[1]))}" y1="${n(cy)}" y2="${n(cy)}" stroke="#222" stroke-width="1.5"/>`);
      for (const v of row.ci) parts.push(`<line x1="${n(scale(v))}" x2="${n(scale(v))}" y1="${n(cy - 6)}" y2="${n(cy + 6)}" stroke="#222" stroke-width="1.5"/>`);
    }
    const endX = Math.max(x, row.ci ? scale(row.ci[1]) : 0);
    parts.push(text(endX + 6, y + barHeight / 2 + 4, row.valueText, 'class="value"'));
    parts.push('</g>');
  });
  return svgDocument(width, height, spec.title, spec.description, parts.join(''));
}
