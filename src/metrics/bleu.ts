/**
 * BLEU-1..4 as the COCO caption evaluation (pycocoevalcap `bleu_scorer.py`) computes it,
 * so numbers are comparable with published COCO-style results:
 * - clipped n-gram precision: a candidate n-gram counts up to the MAXIMUM number of times it
 *   occurs in any single reference;
 * - effective reference length per sentence: the reference length closest to the
 *   candidate's length, ties going to the shorter reference ("closest");
 * - corpus BLEU-n: geometric mean of the corpus-summed precisions of orders 1..n, times one
 *   brevity penalty exp(1 − r/c) computed from corpus-summed lengths (when c < r);
 * - sentence BLEU-n: the same formula on one sentence's counts (pycocoevalcap's per-image
 *   list);
 * - smoothing constants exactly as pycocoevalcap: each precision is
 *   (correct + 1e-15) / (guess + 1e-9), and the length ratio is (c + 1e-15) / (r + 1e-9). So a
 *   sentence with no matching 4-gram gets a tiny positive BLEU-4 (e.g. 9.04e-5), not 0.
 *
 * Tokens are expected pre-tokenized (see tokenize.ts). Items with no reference are not
 * scorable: their sentence scores are null and they do not enter the corpus sums.
 */
import { countNgrams, ngramOrder } from './ngrams.js';

export const BLEU_MAX_ORDER = 4;
const TINY = 1e-15;
const SMALL = 1e-9;

export interface BleuItem {
  candidate: readonly string[];
  references: readonly (readonly string[])[];
}

export interface BleuResult {
  /** Corpus BLEU-1..maxN (index 0 is BLEU-1); null when no item has a reference. */
  corpus: (number | null)[];
  /** Per item, BLEU-1..maxN; null entries for items without references. */
  perItem: (number | null)[][];
}

interface SentenceStatistics {
  candidateLength: number;
  referenceLength: number;
  guess: number[];
  correct: number[];
}

function closestReferenceLength(referenceLengths: readonly number[], candidateLength: number): number {
  let best = referenceLengths[0] as number;
  for (const length of referenceLengths) {
    const distance = Math.abs(length - candidateLength);
    const bestDistance = Math.abs(best - candidateLength);
    if (distance < bestDistance || (distance === bestDistance && length < best)) best = length;
  }
  return best;
}

function sentenceStatistics(item: BleuItem, maxN: number): SentenceStatistics {
  const maxReferenceCounts = new Map<string, number>();
  for (const reference of item.references) {
    for (const [key, count] of countNgrams(reference, maxN)) {
      if (count > (maxReferenceCounts.get(key) ?? 0)) maxReferenceCounts.set(key, count);
    }
  }
  const guess: number[] = [];
  const correct: number[] = new Array<number>(maxN).fill(0);
  for (let n = 1; n <= maxN; n++) guess.push(Math.max(item.candidate.length - n + 1, 0));
  for (const [key, count] of countNgrams(item.candidate, maxN)) {
    const order = ngramOrder(key);
    correct[order - 1] = (correct[order - 1] as number) + Math.min(count, maxReferenceCounts.get(key) ?? 0);
  }
  const referenceLength = closestReferenceLength(
    item.references.map((reference) => reference.length),
    item.candidate.length,
  );
  return { candidateLength: item.candidate.length, referenceLength, guess, correct };
}

function bleuFromStatistics(stats: SentenceStatistics, maxN: number): number[] {
  const scores: number[] = [];
  let product = 1;
  for (let k = 0; k < maxN; k++) {
    product *= ((stats.correct[k] as number) + TINY) / ((stats.guess[k] as number) + SMALL);
    scores.push(product ** (1 / (k + 1)));
  }
  const ratio = (stats.candidateLength + TINY) / (stats.referenceLength + SMALL);
  if (ratio < 1) {
    const brevityPenalty = Math.exp(1 - 1 / ratio);
    return scores.map((score) => score * brevityPenalty);
  }
  return scores;
}

export function bleu(items: readonly BleuItem[], maxN = BLEU_MAX_ORDER): BleuResult {
  const total: SentenceStatistics = {
    candidateLength: 0,
    referenceLength: 0,
    guess: new Array<number>(maxN).fill(0),
    correct: new Array<number>(maxN).fill(0),
  };
  let scorable = 0;
  const perItem = items.map((item) => {
    if (item.references.length === 0) return new Array<number | null>(maxN).fill(null);
    const stats = sentenceStatistics(item, maxN);
    scorable++;
    total.candidateLength += stats.candidateLength;
    total.referenceLength += stats.referenceLength;
    for (let k = 0; k < maxN; k++) {
      total.guess[k] = (total.guess[k] as number) + (stats.guess[k] as number);
      total.correct[k] = (total.correct[k] as number) + (stats.correct[k] as number);
    }
    return bleuFromStatistics(stats, maxN);
  });
  const corpus = scorable === 0 ? new Array<number | null>(maxN).fill(null) : bleuFromStatistics(total, maxN);
  return { corpus, perItem };
}
