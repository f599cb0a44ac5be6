/**
 * How verdict sentences write their numbers. Figures carry four significant digits and ratios
 * three, so a reader who divides the two figures in a sentence gets the ratio it states.
 */
import type { TaskId } from '../../engines/engine.js';
import type { Aspect, Verdict, VerdictOutcome, Weights } from './types.js';
import type { Outcome } from '../../verdict/index.js';

/** Four significant digits, as a plain decimal (no exponent). */
export function sig4(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return String(Number(value.toPrecision(4)));
}

/** Three significant digits with the × sign: 1.67×, 16.6×, 137×. */
export function ratioWords(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 1000 ? value.toFixed(0) : value.toPrecision(3)}×`;
}

export function pWords(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return 'no p-value';
  if (p < 0.0001) return 'p < 0.0001';
  return `p = ${Number(p.toPrecision(2))}`;
}

export function outcomeOf(outcome: Outcome): VerdictOutcome {
  return outcome === 'winner' ? 'winner' : outcome === 'no-clear-difference' ? 'no-difference' : 'insufficient';
}

export const ASPECT_NOUNS: Record<Aspect, string> = {
  speed: 'speed',
  ttft: 'time-to-first-token',
  decode: 'decode-rate',
  memory: 'memory',
  quality: 'quality',
};

/** The tag a sentence carries when its weights are not the real checkpoint. */
export function weightsTag(weights: Weights): string {
  return weights === 'shape' ? ' [shape-faithful random weights]' : weights === 'tiny' ? ' [tiny synthetic weights]' : weights === 'unverified' ? ' [unverified model files]' : '';
}

/** A few words for tables. */
export function shortVerdict(v: Verdict): string {
  const tag = v.weights === 'shape' ? ' (shape weights)' : v.weights === 'unverified' ? ' (unverified files)' : '';
  switch (v.outcome) {
    case 'winner': {
      const r = v.ratio !== undefined ? ratioWords(v.ratio) : '';
      const what: Record<Aspect, string> = {
        speed: `${r} faster`,
        ttft: `${r} sooner first token`,
        decode: `${r} faster decode`,
        memory: `${r} less memory`,
        quality: `better on ${v.metric ?? 'quality'}`,
      };
      return `${v.winnerVariant} ${what[v.aspect]}${tag}`;
    }
    case 'no-difference':
      return `no clear difference${v.band !== undefined && v.aspect !== 'quality' ? ` (±${Number((v.band * 100).toPrecision(3))}%)` : ''}${tag}`;
    case 'insufficient':
      return `not enough evidence${tag}`;
    case 'not-judged':
      return v.weights === 'real' ? 'not judged' : `not judged: ${WEIGHTS_NOT_JUDGED[v.weights]}`;
    case 'single-engine':
      return 'nothing to compare';
  }
}

const WEIGHTS_NOT_JUDGED: Record<Exclude<Weights, 'real'>, string> = {
  tiny: 'tiny synthetic weights',
  shape: 'shape-faithful weights',
  unverified: 'unverified model files',
};

export interface VerdictContext {
  runId: string;
  deviceLabel: string;
  task: TaskId;
  fixtureSetNote: string;
  /** The configured noise band for ratio verdicts (before one-process widening). */
  noiseBand: number;
}
