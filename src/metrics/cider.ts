/**
 * CIDEr-D (Vedantam et al., CVPR 2015) as the COCO caption evaluation (pycocoevalcap
 * `cider_scorer.py`, which nlg-eval reuses as "CIDEr") computes it:
 * - n-grams of order 1..4, each weighted by TF × IDF where
 *   IDF = log(number of items) − log(max(1, document frequency)), the document frequency of
 *   an n-gram being the number of ITEMS whose references (any of them) contain it;
 * - per order n, the candidate vector is compared with each reference vector by a clipped
 *   cosine: Σ min(c, r)·r / (‖c‖·‖r‖) (candidate weights clipped by the reference's);
 * - each per-order similarity is multiplied by the Gaussian length penalty
 *   exp(−δ² / (2σ²)), σ = 6, where δ is the candidate length minus the reference length;
 * - the item score is the mean over orders, averaged over references, times 10.
 * Corpus CIDEr-D is the mean of the item scores.
 *
 * Length, as in pycocoevalcap, is the number of BIGRAMS (its `length` sums the term
 * frequencies of order-2 n-grams); for sentences of two or more tokens this equals the word
 * count minus one, so δ equals the word-count difference. Only 0- and 1-token sentences
 * differ from a word count (both have length 0).
 *
 * IDF comes from the evaluated set's own references, so a CIDEr-D value depends on which
 * items are scored together: compare engines only on the same fixture set, never across
 * sets. A set of one item has log(1) = 0 weights and scores 0 everywhere.
 *
 * Items with no reference score null and are left out of the IDF and the mean.
 */
import { countNgrams, ngramOrder, type NgramCounts } from './ngrams.js';

export const CIDER_MAX_ORDER = 4;
export const CIDER_SIGMA = 6;
const CIDER_SCALE = 10;

export interface CiderItem {
  candidate: readonly string[];
  references: readonly (readonly string[])[];
}

export interface CiderResult {
  corpus: number | null;
  perItem: (number | null)[];
}

interface WeightedVector {
  /** One map per order: n-gram key → TF·IDF weight. */
  weights: Map<string, number>[];
  norms: number[];
  length: number;
}

export function ciderD(items: readonly CiderItem[], maxN = CIDER_MAX_ORDER, sigma = CIDER_SIGMA): CiderResult {
  const scorable = items.filter((item) => item.references.length > 0);
  const referenceCounts = new Map<CiderItem, NgramCounts[]>();
  const documentFrequency = new Map<string, number>();
  for (const item of scorable) {
    const counts = item.references.map((reference) => countNgrams(reference, maxN));
    referenceCounts.set(item, counts);
    const seen = new Set<string>();
    for (const count of counts) for (const key of count.keys()) seen.add(key);
    for (const key of seen) documentFrequency.set(key, (documentFrequency.get(key) ?? 0) + 1);
  }
  const logItemCount = Math.log(Math.max(scorable.length, 1));

  const vectorize = (counts: NgramCounts): WeightedVector => {
    const weights = Array.from({ length: maxN }, () => new Map<string, number>());
    const squaredNorms = new Array<number>(maxN).fill(0);
    let length = 0;
    for (const [key, termFrequency] of counts) {
      const order = ngramOrder(key);
      const weight = termFrequency * (logItemCount - Math.log(Math.max(1, documentFrequency.get(key) ?? 0)));
      weights[order - 1]?.set(key, weight);
      squaredNorms[order - 1] = (squaredNorms[order - 1] as number) + weight * weight;
      if (order === 2) length += termFrequency;
    }
    return { weights, norms: squaredNorms.map(Math.sqrt), length };
  };

  const similarity = (candidate: WeightedVector, reference: WeightedVector): number => {
    const delta = candidate.length - reference.length;
    const lengthPenalty = Math.exp(-(delta * delta) / (2 * sigma * sigma));
    let sum = 0;
    for (let k = 0; k < maxN; k++) {
      const referenceWeights = reference.weights[k] as Map<string, number>;
      let dot = 0;
      for (const [key, weight] of candidate.weights[k] as Map<string, number>) {
        const referenceWeight = referenceWeights.get(key) ?? 0;
        dot += Math.min(weight, referenceWeight) * referenceWeight;
      }
      const norms = (candidate.norms[k] as number) * (reference.norms[k] as number);
      if (norms !== 0) dot /= norms;
      sum += dot * lengthPenalty;
    }
    return sum / maxN;
  };

  const perItem = items.map((item) => {
    const counts = referenceCounts.get(item);
    if (counts === undefined) return null;
    const candidate = vectorize(countNgrams(item.candidate, maxN));
    let total = 0;
    for (const reference of counts) total += similarity(candidate, vectorize(reference));
    return (total / counts.length) * CIDER_SCALE;
  });
  const scores = perItem.filter((score): score is number => score !== null);
  const corpus = scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
  return { corpus, perItem };
}
