/** Quality (headline metric) against median latency, one point per variant, with the Pareto front. */
import type { TaskView } from '../model.js';
import { TASK_LABELS } from '../model.js';
import { escapeSvg } from '../escape.js';
import { colorFor, linearScale, marker, markerFor, svgDocument, svgNumber as n, text, xAxis, yAxis } from './svg.js';

interface Point {
  label: string;
  index: number;
  latency: number;
  quality: number;
}

/** Points not dominated by another that is at least as fast and at least as good (and better on one). */
export function paretoFront<T extends { latency: number; quality: number }>(points: T[], higherIsBetter: boolean): T[] {
  const better = (a: number, b: number): boolean => (higherIsBetter ? a > b : a < b);
  const atLeast = (a: number, b: number): boolean => (higherIsBetter ? a >= b : a <= b);
  return points
    .filter((p) => !points.some((q) => q !== p && q.latency <= p.latency && atLeast(q.quality, p.quality) && (q.latency < p.latency || better(q.quality, p.quality))))
    .sort((a, b) => a.latency - b.latency);
}

export function qualityLatencyChart(view: TaskView): string | null {
  const metric = view.headlineMetric;
  if (!metric) return null;
  const points: Point[] = [];
  let higherIsBetter = true;
  let metricTitle = metric;
  for (const f of view.variants) {
    const q = f.quality.find((m) => m.name === metric);
    const value = q ? (q.corpus ?? q.mean) : null;
    if (!q || f.qualityHidden || value === null || !f.latency) continue;
    higherIsBetter = q.higherIsBetter;
    metricTitle = q.label;
    points.push({ label: f.variant.label, index: f.variant.index, latency: f.latency.median, quality: value });
  }
  if (points.length === 0) return null;
  const width = 900;
  const height = 360;
  const left = 80;
  const right = 40;
  const top = 20;
  const bottom = height - 50;
  const x = linearScale(0, Math.max(...points.map((p) => p.latency)), left, width - right, 6);
  const qualities = points.map((p) => p.quality);
  const y = linearScale(Math.min(0, ...qualities), Math.max(...qualities, higherIsBetter ? 0 : 0.01), bottom, top, 5);
  const parts = [
    xAxis(x, bottom, top, 'Median latency per request (ms) — left is faster'),
    yAxis(y, left, width - right, `${metricTitle} (${higherIsBetter ? 'higher' : 'lower'} is better)`),
  ];
  const front = paretoFront(points, higherIsBetter);
  if (front.length > 1) {
    const path = front.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(x(p.latency))},${n(y(p.quality))}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="5 4"/>`);
  }
  for (const p of points) {
    const onFront = front.includes(p);
    const px = x(p.latency);
    const py = y(p.quality);
    parts.push(`<g><title>${escapeSvg(`${p.label}: ${p.latency.toFixed(1)} ms, ${metricTitle} ${p.quality.toFixed(3)}${onFront ? ' (Pareto front)' : ''}`)}</title>`);
    if (onFront) parts.push(`<circle cx="${n(px)}" cy="${n(py)}" r="11" fill="none" stroke="#555" stroke-width="1"/>`);
    parts.push(marker(markerFor(p.index), px, py, 11, colorFor(p.index)));
    const anchorEnd = px > width * 0.65;
    parts.push(text(px + (anchorEnd ? -14 : 14), py - 8, p.label, `text-anchor="${anchorEnd ? 'end' : 'start'}" class="label"`));
    parts.push('</g>');
  }
  parts.push(text(width - right, top + 4, 'dashed: Pareto front (circled points)', 'text-anchor="end" class="sublabel"'));
  return svgDocument(
    width,
    height,
    `${TASK_LABELS[view.task]}: ${metricTitle} against median latency`,
    `Scatter of ${points.length} engine/model variants; the dashed line joins the variants no other beats on both speed and quality.`,
    parts.join(''),
  );
}
