/** Turning one measured host run into a schema sample, and samples into a cell's statistics. */
import type { MeasuredRun } from '../engines/protocol.js';
import type { Cell, Sample } from '../results/schema.js';
import { summarize } from '../stats/index.js';

export function toSample(run: MeasuredRun): Sample {
  const { output } = run;
  const tokens = run.tokenTimesMs;
  const generated = output.generatedTokens;
  // Decode rate after the first token: the first token's time is TTFT (prefill). The engine's own
  // token count is used, not the number of streamed pieces: QVAC holds back a token that is not yet
  // whole UTF-8, so it streams fewer pieces than it decodes.
  const last = tokens[tokens.length - 1];
  const decodeTokensPerSec =
    generated >= 2 && tokens.length >= 2 && last !== undefined && run.ttftMs !== null && last > run.ttftMs
      ? ((generated - 1) / (last - run.ttftMs)) * 1000
      : null;
  return {
    latencyMs: run.latencyMs,
    ttftMs: run.ttftMs,
    decodeTokensPerSec,
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
  };
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
