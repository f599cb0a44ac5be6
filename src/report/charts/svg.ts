/**
 * Shared SVG primitives for the report's charts: palette, marker shapes, scales, axes.
 * Hand-written so the report needs no chart library and no network.
 */
import { escapeSvg } from '../escape.js';

/** Okabe–Ito, reordered so the first colours have the strongest contrast on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'triangle-down';
export const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross', 'triangle-down'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

export function markerFor(index: number): MarkerShape {
  return MARKERS[index % MARKERS.length]!;
}

function num(value: number): string {
  return Number(value.toFixed(2)).toString();
}

/** A marker centred on (x, y); shape plus colour, so colour is never the only cue. */
export function marker(shape: MarkerShape, x: number, y: number, size: number, fill: string, extra = ''): string {
  const r = size / 2;
  const common = `fill="${fill}" stroke="#fff" stroke-width="0.8" ${extra}`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}" ${common}/>`;
    case 'square':
      return `<rect x="${num(x - r)}" y="${num(y - r)}" width="${num(size)}" height="${num(size)}" ${common}/>`;
    case 'triangle':
      return `<polygon points="${num(x)},${num(y - r * 1.15)} ${num(x + r * 1.15)},${num(y + r)} ${num(x - r * 1.15)},${num(y + r)}" ${common}/>`;
    case 'triangle-down':
      return `<polygon points="${num(x)},${num(y + r * 1.15)} ${num(x + r * 1.15)},${num(y - r)} ${num(x - r * 1.15)},${num(y - r)}" ${common}/>`;
    case 'diamond':
      return `<polygon points="${num(x)},${num(y - r * 1.3)} ${num(x + r * 1.3)},${num(y)} ${num(x)},${num(y + r * 1.3)} ${num(x - r * 1.3)},${num(y)}" ${common}/>`;
    case 'cross': {
      const t = r / 2.5;
      return `<path d="M${num(x - t)},${num(y - r)}h${num(2 * t)}v${num(r - t)}h${num(r - t)}v${num(2 * t)}h${num(-(r - t))}v${num(r - t)}h${num(-2 * t)}v${num(-(r - t))}h${num(-(r - t))}v${num(-2 * t)}h${num(r - t)}z" ${common}/>`;
    }
  }
}

/** "Nice" tick values covering [min, max] (1, 2, 2.5, 5 × 10^k steps). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) {
    const pad = Math.abs(max) > 0 ? Math.abs(max) * 0.1 : 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

export interface LinearScale {
  (value: number): number;
  domain: [number, number];
  ticks: number[];
}

/** Maps [domain] onto [range]; domain snapped to nice ticks. */
export function linearScale(min: number, max: number, rangeStart: number, rangeEnd: number, tickCount = 5): LinearScale {
  const ticks = niceTicks(min, max, tickCount);
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const scale = ((value: number) => rangeStart + ((value - lo) / (hi - lo || 1)) * (rangeEnd - rangeStart)) as LinearScale;
  scale.domain = [lo, hi];
  scale.ticks = ticks;
  return scale;
}

export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return Number(value.toPrecision(4)).toString();
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}" ${attrs}>${escapeSvg(content)}</text>`;
}

/** Horizontal axis at y with gridlines up to `top`, tick labels and a title with units. */
export function xAxis(scale: LinearScale, y: number, top: number, title: string, format: (v: number) => string = formatTick): string {
  const parts: string[] = [];
  for (const tick of scale.ticks) {
    const x = scale(tick);
    parts.push(`<line x1="${num(x)}" x2="${num(x)}" y1="${num(top)}" y2="${num(y)}" class="grid"/>`);
    parts.push(text(x, y + 14, format(tick), 'text-anchor="middle" class="tick"'));
  }
  const [x0, x1] = [scale(scale.domain[0]), scale(scale.domain[1])];
  parts.push(`<line x1="${num(x0)}" x2="${num(x1)}" y1="${num(y)}" y2="${num(y)}" class="axis"/>`);
  parts.push(text((x0 + x1) / 2, y + 32, title, 'text-anchor="middle" class="axis-title"'));
  return parts.join('');
}

/** Vertical axis at x with gridlines across to `right`, tick labels and a rotated title. */
export function yAxis(scale: LinearScale, x: number, right: number, title: string, format: (v: number) => string = formatTick): string {
  const parts: string[] = [];
  for (const tick of scale.ticks) {
    const y = scale(tick);
    parts.push(`<line x1="${num(x)}" x2="${num(right)}" y1="${num(y)}" y2="${num(y)}" class="grid"/>`);
    parts.push(text(x - 6, y + 4, format(tick), 'text-anchor="end" class="tick"'));
  }
  const [y0, y1] = [scale(scale.domain[0]), scale(scale.domain[1])];
  parts.push(`<line x1="${num(x)}" x2="${num(x)}" y1="${num(y0)}" y2="${num(y1)}" class="axis"/>`);
  const mid = (y0 + y1) / 2;
  parts.push(text(x - 46, mid, title, `text-anchor="middle" class="axis-title" transform="rotate(-90 ${num(x - 46)} ${num(mid)})"`));
  return parts.join('');
}

let chartCounter = 0;

/** Wraps chart content in an accessible <svg> with a title and description. */
export function svgDocument(width: number, height: number, title: string, description: string, body: string): string {
  const id = `chart-${++chartCounter}`;
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">${escapeSvg(title)}</title><desc id="${id}-d">${escapeSvg(description)}</desc>` +
    body +
    '</svg>'
  );
}

/** Shortens a label so it fits the left margin; the full text stays in a <title> tooltip. */
export function fitLabel(label: string, maxChars: number): string {
  return label.length <= maxChars ? label : `${label.slice(0, maxChars - 1)}…`;
}

export { num as svgNumber };
