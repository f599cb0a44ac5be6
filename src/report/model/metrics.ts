/** Which quality metrics a task is judged by, and how each is labelled, for every report format. */
import type { TaskId } from '../../engines/engine.js';
import { METRIC_INFO } from '../../metrics/index.js';
import type { TaskView } from './types.js';

/** The metric a task is judged by; others are shown beside it. */
const HEADLINE_CANDIDATES: Record<TaskId, string[]> = {
  ocr: ['cer', 'CER'],
  caption: ['ciderD', 'cider_d', 'cider-d', 'CIDEr-D', 'cider'],
};

export const TASK_LABELS: Record<TaskId, string> = { caption: 'Captioning', ocr: 'OCR' };

export function metricLabel(name: string): string {
  return METRIC_INFO[name]?.label ?? name;
}

/** Quality columns appear when the task has metrics and some variant's quality means something (real weights). */
export function showsQuality(view: TaskView): boolean {
  return view.metricNames.length > 0 && view.variants.some((f) => !f.qualityHidden);
}

/** The one line that stands for a task's quality section when every contender ran synthetic weights; null when quality is shown. */
export function qualityNotShown(view: TaskView): string | null {
  if (view.metricNames.length === 0 || showsQuality(view)) return null;
  const models = [...new Set(view.variants.map((f) => f.variant.model))];
  return `Quality not shown: every engine ran synthetic weights (${models.join(', ')}), whose outputs are random text, so no score means anything; the outputs themselves are in the gallery.`;
}

/** A metric column's heading, for every report format: its label, which way is better, and whether it is the headline. */
export function metricHeading(view: TaskView, name: string): { label: string; direction: '↑' | '↓' | ''; headline: boolean } {
  const figure = view.variants[0]?.quality.find((q) => q.name === name);
  return { label: figure?.label ?? name, direction: figure ? (figure.higherIsBetter ? '↑' : '↓') : '', headline: name === view.headlineMetric };
}

export function metricHigherIsBetter(name: string): boolean {
  const info = METRIC_INFO[name];
  if (info) return info.higherIsBetter;
  // Error rates and distances are the usual lower-is-better metrics.
  return !/(^|_|-)(cer|wer|error|distance|edit)/i.test(name);
}

export function headlineMetricFor(task: TaskId, present: string[]): string | null {
  for (const candidate of HEADLINE_CANDIDATES[task]) if (present.includes(candidate)) return candidate;
  const loose = present.find((name) => HEADLINE_CANDIDATES[task].some((c) => name.toLowerCase().includes(c.toLowerCase())));
  return loose ?? present[0] ?? null;
}

