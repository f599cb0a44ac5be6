/** TTFT and decode tokens/s bars per variant for one task (median, 95% CI whiskers). */
import type { TaskView } from '../model.js';
import { TASK_LABELS } from '../model.js';
import { barChart } from './bars.js';

export function ttftChart(view: TaskView): string | null {
  const rows = view.variants
    .filter((f) => f.ttft)
    .map((f) => ({
      label: f.variant.label,
      colorIndex: f.variant.index,
      segments: [{ value: f.ttft!.median, name: 'median TTFT' }],
      ci: f.ttft!.medianCi95,
      valueText: `${f.ttft!.median.toFixed(0)} ms`,
    }));
  return barChart({
    title: `${TASK_LABELS[view.task]}: time to first token (ms)`,
    description: 'Median time to first token per engine/model variant, with the 95% CI of the median as whiskers. TTFT includes image preprocessing, vision encoding and prefill.',
    axisTitle: 'Time to first token, median (ms) — shorter is better',
    rows,
  });
}

export function decodeRateChart(view: TaskView): string | null {
  const rows = view.variants
    .filter((f) => f.decodeTokensPerSec)
    .map((f) => ({
      label: f.variant.label,
      colorIndex: f.variant.index,
      segments: [{ value: f.decodeTokensPerSec!.median, name: 'median decode rate' }],
      ci: f.decodeTokensPerSec!.medianCi95,
      valueText: `${f.decodeTokensPerSec!.median.toFixed(1)} tok/s`,
    }));
  return barChart({
    title: `${TASK_LABELS[view.task]}: decode rate (tokens/s)`,
    description: 'Median decode rate after the first token per engine/model variant, with the 95% CI of the median as whiskers.',
    axisTitle: 'Decode rate, median (tokens/s) — longer is better',
    rows,
  });
}
