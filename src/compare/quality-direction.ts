/** Which way is better for a quality metric; the metrics module is the single source. */
import { METRIC_INFO } from '../metrics/index.js';

/** True / false where the metric is known; null for a name the metrics module does not define. */
export function qualityHigherIsBetter(metric: string): boolean | null {
  return METRIC_INFO[metric]?.higherIsBetter ?? null;
}

export function qualityLabel(metric: string): string {
  return METRIC_INFO[metric]?.label ?? metric;
}
