/** Median latency per (variant, task) on each device, grouped bars: one colour and marker per run. */
import type { CrossDeviceView } from '../model.js';
import { TASK_LABELS } from '../model.js';
import { barChart, type BarRow } from './bars.js';

export function crossDeviceChart(view: CrossDeviceView): string | null {
  const rows: BarRow[] = [];
  for (const group of view.groups) {
    group.latencyMedianMs.forEach((value, runIndex) => {
      if (value === null) return;
      rows.push({
        label: `${TASK_LABELS[group.task]} · ${group.variant.label} · run ${runIndex + 1}`,
        colorIndex: runIndex,
        segments: [{ value, name: view.runs[runIndex]!.deviceLabel }],
        valueText: `${value.toFixed(0)} ms (run ${runIndex + 1})`,
      });
    });
  }
  return barChart({
    title: 'Median latency per device (ms)',
    description: `Median latency of each engine/model variant and task on each run: ${view.runs.map((r, i) => `run ${i + 1} = ${r.deviceLabel}`).join('; ')}.`,
    axisTitle: 'Median latency per request (ms) — shorter is better',
    rows,
  });
}
