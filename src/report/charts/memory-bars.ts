/** Peak resident memory per variant: host process and its worker (e.g. QVAC's Bare worker) stacked. */
import type { TaskView } from '../model.js';
import { TASK_LABELS, formatBytes } from '../model.js';
import { barChart } from './bars.js';

const MIB = 1024 * 1024;

export function memoryChart(view: TaskView): string | null {
  const rows = view.variants
    .filter((f) => f.hostPeakBytes !== null)
    .map((f) => {
      const host = f.hostPeakBytes ?? 0;
      const worker = f.workerPeakBytes ?? 0;
      return {
        label: f.variant.label,
        colorIndex: f.variant.index,
        segments: [
          { value: host / MIB, name: 'host process peak' },
          ...(worker > 0 ? [{ value: worker / MIB, name: 'worker peak', hatched: true }] : []),
        ],
        valueText: worker > 0 ? `${formatBytes(host + worker)} (${formatBytes(host)} + ${formatBytes(worker)})` : formatBytes(host),
      };
    });
  return barChart({
    title: `${TASK_LABELS[view.task]}: peak resident memory (MiB)`,
    description: 'Peak RSS (VmHWM) of the engine host process, with its worker processes stacked on top (hatched), over load and all samples.',
    axisTitle: 'Peak resident memory (MiB): host solid, worker hatched — shorter is better',
    rows,
    legend: [
      { name: 'host process', hatched: false },
      { name: 'worker (descendants)', hatched: true },
    ],
  });
}
