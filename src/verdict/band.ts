/**
 * The noise band δ: how far apart two engines may measure before a difference matters.
 *
 * A winner needs a confidence interval wholly outside the band, not just significance: a
 * detectable 1% is not a difference a comparison page should quote, and identical processes on
 * one machine already differ by more than that.
 *
 * Where the defaults come from (this project's own measurements, README "The harness out of the
 * way"): `npm run bench:overhead -- --engines transformersjs --control --sessions 8` runs two
 * identical transformers.js processes side by side in fresh pairs. Their per-session ratios of
 * median latency ran from 0.889 to 1.048 on the 2-core VM (2026-11-24): one process pair can be
 * 12.5% apart (1/0.889) through process luck alone, and a typical pair about 5% apart.
 * - With replicated processes, the CI over processes already carries that spread; the band is
 *   then the smallest difference worth a verdict: 5%.
 * - With one process per engine, the CI over fixtures cannot see the process's luck, so the band
 *   widens to the worst pair the control measured: 12.5%.
 * Both are settings (`--noise-band`), stated in every verdict.
 */

export const DEFAULT_NOISE_BAND = 0.05;
/** The widest process-to-process gap the A/A control measured (1/0.889 - 1). */
export const SINGLE_PROCESS_BAND = 0.125;
export const DEFAULT_ALPHA = 0.05;

/**
 * Quality: greedy outputs are deterministic, so fixtures are the units. The band is absolute
 * (metric points): 2 points of CER, WER, ANLS, F1, BLEU or ROUGE-L, 0.1 of CIDEr-D (whose scale
 * runs to 10). A verdict needs at least this many fixtures with a score on both sides.
 */
export const DEFAULT_QUALITY_BAND = 0.02;
export const QUALITY_BANDS: Record<string, number> = { ciderD: 0.1 };
export const MIN_QUALITY_FIXTURES = 8;

export function qualityBand(metric: string, override?: number): number {
  return override ?? QUALITY_BANDS[metric] ?? DEFAULT_QUALITY_BAND;
}

/** The band a ratio verdict uses: the configured band, widened for one process per engine. */
export function effectiveRatioBand(configured: number, replicatedProcesses: boolean): number {
  return replicatedProcesses ? configured : Math.max(configured, SINGLE_PROCESS_BAND);
}

/** "±5%" */
export function formatBand(band: number): string {
  return `±${Number((band * 100).toPrecision(3))}%`;
}
