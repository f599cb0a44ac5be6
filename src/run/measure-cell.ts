/** Turning one measured host run into a schema sample, and samples into a cell's statistics. */
import type { MeasuredRun } from '../engines/protocol.js';
import type { Cell, Sample } from '../results/schema.js';
import { capText } from '../results/text-cap.js';
import { summarize } from '../stats/index.js';

/** Decode rate after the first token, from token timestamps: (generated - 1) / (last - first). */
function decodeRateFromTimes(generated: number, tokens: readonly number[], ttftMs: number | null): number | null {
  const last = tokens[tokens.length - 1];
  return generated >= 2 && tokens.length >= 2 && last !== undefined && ttftMs !== null && last > ttftMs ? ((generated - 1) / (last - ttftMs)) * 1000 : null;
}

/**
 * A cell's output from its counted samples' texts: the first, capped (a runaway generation must
 * not bloat results.json; the cut is recorded), and whether every sample said the same.
 */
export function cellOutput(texts: string[]): NonNullable<Cell['output']> {
  const first = texts[0] ?? '';
  const { text, originalBytes } = capText(first);
  return { text, stableAcrossSamples: texts.every((t) => t === first), ...(originalBytes !== undefined ? { originalBytes } : {}) };
}

export function toSample(run: MeasuredRun): Sample {
  const { output } = run;
  const tokens = run.tokenTimesMs;
  const generated = output.generatedTokens;
  // The engine's own token count is used, not the number of streamed pieces: QVAC holds back a
  // token that is not yet whole UTF-8, so it streams fewer pieces than it decodes.
  const hostDecode = decodeRateFromTimes(generated, tokens, run.ttftMs);
  // Where tokens are made elsewhere (QVAC's worker), the engine's own decode timer is the figure;
  // TTFT is then what is left of the end-to-end latency once that decode time is taken out, so
  // latency = TTFT + decode for every engine. The host's own figures are kept, labelled.
  const timing = output.engineTiming;
  const engineTtft = timing ? run.latencyMs - timing.decodeMs : null;
  const useEngine = timing !== undefined && engineTtft !== null && engineTtft >= 0 && Number.isFinite(timing.decodeTokensPerSec);
  const sample: Sample = {
    latencyMs: run.latencyMs,
    ttftMs: useEngine ? engineTtft : run.ttftMs,
    decodeTokensPerSec: useEngine ? timing.decodeTokensPerSec : hostDecode,
    promptTokens: output.promptTokens ?? null,
    imageTokens: output.imageTokens ?? null,
    frames: output.frames ?? null,
    generatedTokens: generated,
    peakRssBytes: run.memory.hostPeakRssBytes,
    workerPeakRssBytes: run.memory.workerPeakRssBytes,
    phases: output.phases,
    ...(output.image ? { image: output.image } : {}),
    engineStats: output.engineStats,
    tokenTimesMs: tokens.map((t) => Math.round(t * 1000) / 1000),
    tokenTimesSource: useEngine ? 'host-arrival' : 'engine-process',
  };
  if (useEngine) {
    sample.timingSource = timing.source;
    sample.hostTiming = { ttftMs: run.ttftMs, decodeTokensPerSec: hostDecode };
  }
  if (run.threads) {
    sample.activeThreads = run.threads.activeThreads;
    sample.cpuMs = Math.round(run.threads.cpuMs * 1000) / 1000;
    sample.runQueueWaitMs = Math.round(run.threads.runQueueWaitMs * 1000) / 1000;
  } else if (run.threads === null) {
    sample.activeThreads = null;
  }
  if (run.residentKinds) sample.residentKinds = run.residentKinds;
  return sample;
}

export function cellStats(samples: Sample[]): NonNullable<Cell['stats']> {
  const pick = (values: Array<number | null>) => values.filter((v): v is number => v !== null && Number.isFinite(v));
  const stats: NonNullable<Cell['stats']> = {};
  if (samples.length === 0) return stats;
  stats.latencyMs = summarize(samples.map((s) => s.latencyMs));
  const ttft = pick(samples.map((s) => s.ttftMs));
  if (ttft.length) stats.ttftMs = summarize(ttft);
  const tps = pick(samples.map((s) => s.decodeTokensPerSec));
  if (tps.length) stats.decodeTokensPerSec = summarize(tps);
  const rss = pick(samples.map((s) => (s.peakRssBytes === null ? null : s.peakRssBytes + (s.workerPeakRssBytes ?? 0))));
  if (rss.length) stats.peakRssBytes = summarize(rss);
  return stats;
}
