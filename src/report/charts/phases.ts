/**
 * Where the time goes, per engine: one stacked bar of median preprocessing, vision encoding,
 * prefill and decode, so "decodes 2× faster but encodes images 3× slower" shows at a glance.
 *
 * transformers.js measures each phase by wrapping its ONNX sessions. QVAC does not expose
 * them: its bar is estimated from TTFT (preprocessing, vision encoding and prefill together)
 * and latency − TTFT (decode), and is hatched and labelled as an estimate.
 */
import { hashName } from '../../models/tiny/rng.js';
import { median } from '../../stats/index.js';
import type { Results, Sample } from '../../results/schema.js';
import { colorFor, fitLabel, linearScale, svgDocument, svgNumber as n, text, xAxis } from './svg.js';
import { escapeSvg } from '../escape.js';

export type PhaseName = 'preprocess' | 'visionEncode' | 'prefill' | 'visionAndPrefill' | 'decode';

export const PHASE_LABELS: Record<PhaseName, string> = {
  preprocess: 'preprocess',
  visionEncode: 'vision encode',
  prefill: 'prefill',
  visionAndPrefill: 'preprocess + vision encode + prefill (TTFT)',
  decode: 'decode',
};

const PHASE_COLOR: Record<PhaseName, number> = { preprocess: 4, visionEncode: 1, prefill: 0, visionAndPrefill: 1, decode: 2 };

export interface PhaseBar {
  label: string;
  engine: string;
  model: string;
  quant: string;
  task: string;
  /** Median frames per image and image tokens, so per-frame costs can be read off. */
  frames: number | null;
  imageTokens: number | null;
  segments: Array<{ phase: PhaseName; ms: number; estimated: boolean }>;
  /** True when any segment is an estimate rather than a measurement. */
  estimated: boolean;
  /** Median vision encode time per frame, where measured. */
  visionPerFrameMs: number | null;
  samples: number;
}

const med = (values: number[]): number | null => (values.length > 0 ? median(values) : null);

function measured(samples: Sample[], pick: (s: Sample) => number | undefined): number[] {
  return samples.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** One bar per (engine, model, quant, task), from the counted samples of its ok cells. */
export function phaseBars(results: Pick<Results, 'cells'>): PhaseBar[] {
  const groups = new Map<string, { engine: string; model: string; quant: string; task: string; samples: Sample[] }>();
  for (const cell of results.cells) {
    if (cell.status !== 'ok') continue;
    const id = [cell.key.engine, cell.key.model, cell.key.quant, cell.key.task].join('|');
    const group = groups.get(id) ?? { engine: cell.key.engine, model: cell.key.model, quant: cell.key.quant, task: cell.key.task, samples: [] };
    group.samples.push(...cell.samples);
    groups.set(id, group);
  }
  const bars: PhaseBar[] = [];
  for (const group of groups.values()) {
    const { samples } = group;
    if (samples.length === 0) continue;
    const decodeMeasured = measured(samples, (s) => s.phases?.decodeMs);
    const segments: PhaseBar['segments'] = [];
    if (decodeMeasured.length > 0) {
      for (const [phase, pick] of [
        ['preprocess', (s: Sample) => s.phases?.preprocessMs],
        ['visionEncode', (s: Sample) => s.phases?.visionEncodeMs],
        ['prefill', (s: Sample) => s.phases?.prefillMs],
        ['decode', (s: Sample) => s.phases?.decodeMs],
      ] as Array<[PhaseName, (s: Sample) => number | undefined]>) {
        const value = med(measured(samples, pick));
        if (value !== null) segments.push({ phase, ms: value, estimated: samples.some((s) => s.phases?.estimated?.includes(`${phase}Ms`)) });
      }
    } else {
      const ttft = med(measured(samples, (s) => s.ttftMs ?? undefined));
      const decode = med(measured(samples, (s) => (typeof s.ttftMs === 'number' ? s.latencyMs - s.ttftMs : undefined)));
      if (ttft !== null) segments.push({ phase: 'visionAndPrefill', ms: ttft, estimated: true });
      if (decode !== null) segments.push({ phase: 'decode', ms: decode, estimated: true });
    }
    if (segments.length === 0) continue;
    const frames = med(measured(samples, (s) => s.frames ?? undefined));
    const imageTokens = med(measured(samples, (s) => s.imageTokens ?? undefined));
    const estimated = segments.some((segment) => segment.estimated);
    bars.push({
      label: `${group.engine} ${group.quant}${frames !== null ? ` · ${frames} frame${frames === 1 ? '' : 's'}` : ''}${estimated ? ' (estimated)' : ''}`,
      engine: group.engine,
      model: group.model,
      quant: group.quant,
      task: group.task,
      frames,
      imageTokens,
      segments,
      estimated,
      visionPerFrameMs: med(measured(samples, (s) => s.phases?.visionEncodePerFrameMs)),
      samples: samples.length,
    });
  }
  return bars;
}

/** A stacked horizontal bar chart (SVG) of the bars; null when there is nothing to draw. */
export function phasesChart(bars: PhaseBar[], title = 'Where the time goes: median phases per engine (ms)'): string | null {
  if (bars.length === 0) return null;
  const width = 900;
  const left = 260;
  const right = 150;
  const rowHeight = 34;
  const top = 34;
  const plotBottom = top + bars.length * rowHeight;
  const height = plotBottom + 60;
  const total = (bar: PhaseBar) => bar.segments.reduce((sum, s) => sum + s.ms, 0);
  const scale = linearScale(0, Math.max(1, ...bars.map(total)), left, width - right, 6);
  // Derived from the content, not random: the same results give byte-identical reports, and
  // two charts on one page (several runs) get different pattern ids.
  const hatchId = `phase-hatch-${hashName(bars.map((bar) => `${bar.label}|${bar.task}`).join('\n')).toString(16)}`;
  const parts: string[] = [
    `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5"/></pattern></defs>`,
    xAxis(scale, plotBottom, top, 'Median milliseconds per sample, stacked by phase — shorter is better; hatched = estimated'),
  ];
  const used = [...new Set(bars.flatMap((bar) => bar.segments.map((s) => s.phase)))];
  let lx = 10;
  for (const phase of used) {
    parts.push(`<rect x="${lx}" y="8" width="14" height="14" fill="${colorFor(PHASE_COLOR[phase])}"/>`);
    parts.push(text(lx + 19, 19, PHASE_LABELS[phase], 'class="sublabel"'));
    lx += 30 + PHASE_LABELS[phase].length * 6.5;
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight + 6;
    const barHeight = rowHeight - 12;
    parts.push(`<g><title>${escapeSvg(`${bar.label}: ${bar.segments.map((s) => `${PHASE_LABELS[s.phase]} ${s.ms.toFixed(0)} ms${s.estimated ? ' (estimate)' : ''}`).join(', ')}`)}</title>`);
    parts.push(text(left - 10, y + barHeight / 2 + 4, fitLabel(bar.label, 40), 'text-anchor="end" class="label"'));
    let x = scale(0);
    for (const segment of bar.segments) {
      const w = Math.max(0, scale(segment.ms) - scale(0));
      parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${barHeight}" fill="${colorFor(PHASE_COLOR[segment.phase])}"/>`);
      if (segment.estimated) parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${barHeight}" fill="url(#${hatchId})"/>`);
      x += w;
    }
    const perFrame = bar.visionPerFrameMs !== null ? ` · ${bar.visionPerFrameMs.toFixed(0)} ms/frame` : '';
    parts.push(text(x + 6, y + barHeight / 2 + 4, `${total(bar).toFixed(0)} ms${perFrame}`, 'class="value"'));
    parts.push('</g>');
  });
  const description =
    'Stacked median phase times per engine. transformers.js phases are measured by wrapping its ONNX sessions; bars marked (estimated) come from TTFT and latency − TTFT because the engine does not expose its phases.';
  return svgDocument(width, height, title, description, parts.join(''));
}
