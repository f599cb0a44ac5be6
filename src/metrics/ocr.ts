/**
 * OCR quality: character and word error rates, bag-of-words F1 and ANLS.
 *
 * Definitions (all scores are fractions, not percents):
 * - CER = Levenshtein distance over code points / reference length in code points.
 *   WER = Levenshtein distance over words / reference word count. Words are maximal runs of
 *   non-whitespace (any Unicode whitespace, newlines included, separates words). This is
 *   what jiwer and fastwer compute; both may exceed 1 when the output is longer.
 * - "Raw" variants compare the strings as given, except that leading and trailing whitespace
 *   is stripped (jiwer's default CER transform does the same; an engine's trailing newline is
 *   not a recognition error): case, inner whitespace and Unicode composition all count (a
 *   precomposed "é" differs from "e" + U+0301).
 * - "Normalized" variants first apply {@link normalizeForOcr}:
 *   `String.prototype.toLowerCase()` (locale-independent, so results do not depend on the
 *   host's locale), then Unicode NFC (after lowercasing, so a lowercased decomposed letter
 *   still composes), then every run of whitespace collapsed to one space, then trimmed.
 * - cerNoWhitespace: NFC, then every whitespace character removed; case is kept. It
 *   isolates recognition errors from layout (line breaks, spacing) errors.
 * - wordF1: order-insensitive multiset overlap of normalized words: precision = overlap /
 *   output words, recall = overlap / reference words, F1 their harmonic mean.
 * - ANLS (Biten et al., "Scene Text Visual Question Answering", ICCV 2019): for each
 *   reference, NL = Levenshtein(lower(trim(output)), lower(trim(reference))) divided by the
 *   longer of the two lengths (code points); the similarity is 1 − NL when NL < τ = 0.5, else
 *   0; the item's ANLS is the maximum over references. Only trimming and lowercasing are
 *   applied, as in the paper.
 *
 * Empty texts: a rate whose reference is empty is 0 when the output is empty too (nothing
 * to get wrong) and null otherwise (division by zero, not a number). wordF1 follows the same
 * rule with 1 for the both-empty case. ANLS of two empty strings is 1 (NL = 0); with no
 * references at all it is null.
 *
 * Several references: CER/WER and wordF1 use the FIRST reference (the canonical
 * transcription); ANLS takes the max over all references, as its definition says.
 */
import { codePoints, editDistance, levenshteinDistance } from './edit-distance.js';

export const ANLS_THRESHOLD = 0.5;

export function normalizeForOcr(text: string): string {
  return text.toLowerCase().normalize('NFC').replace(/\s+/gu, ' ').trim();
}

export function removeWhitespace(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, '');
}

export function splitWords(text: string): string[] {
  return text.split(/\s+/u).filter((word) => word.length > 0);
}

/** Edit count and reference length: the two numbers a corpus-level rate sums. */
export interface ErrorCounts {
  edits: number;
  referenceLength: number;
}

export function characterErrorCounts(output: string, reference: string): ErrorCounts {
  const referencePoints = codePoints(reference.trim());
  return { edits: levenshteinDistance(codePoints(output.trim()), referencePoints), referenceLength: referencePoints.length };
}

export function wordErrorCounts(output: string, reference: string): ErrorCounts {
  const referenceWords = splitWords(reference);
  return { edits: editDistance(splitWords(output), referenceWords), referenceLength: referenceWords.length };
}

/** edits / referenceLength, with 0/0 = 0 and x/0 = null (see the module comment). */
export function errorRate(counts: ErrorCounts): number | null {
  if (counts.referenceLength === 0) return counts.edits === 0 ? 0 : null;
  return counts.edits / counts.referenceLength;
}

/** Corpus-level rate: total edits / total reference length (micro average, as jiwer and fastwer do). */
export function corpusErrorRate(perItem: readonly ErrorCounts[]): number | null {
  let edits = 0;
  let referenceLength = 0;
  for (const counts of perItem) {
    edits += counts.edits;
    referenceLength += counts.referenceLength;
  }
  return errorRate({ edits, referenceLength });
}

export function characterErrorRate(output: string, reference: string): number | null {
  return errorRate(characterErrorCounts(output, reference));
}

export function wordErrorRate(output: string, reference: string): number | null {
  return errorRate(wordErrorCounts(output, reference));
}

export interface WordOverlap {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Multiset precision / recall / F1 of normalized words, ignoring order. */
export function bagOfWordsF1(output: string, reference: string): WordOverlap {
  const outputWords = splitWords(normalizeForOcr(output));
  const referenceWords = splitWords(normalizeForOcr(reference));
  if (referenceWords.length === 0) {
    const perfect = outputWords.length === 0 ? 1 : null;
    return { precision: perfect, recall: perfect, f1: perfect };
  }
  const remaining = new Map<string, number>();
  for (const word of referenceWords) remaining.set(word, (remaining.get(word) ?? 0) + 1);
  let overlap = 0;
  for (const word of outputWords) {
    const left = remaining.get(word) ?? 0;
    if (left > 0) {
      overlap++;
      remaining.set(word, left - 1);
    }
  }
  const recall = overlap / referenceWords.length;
  if (outputWords.length === 0) return { precision: null, recall, f1: 0 };
  const precision = overlap / outputWords.length;
  const f1 = overlap === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Normalized Levenshtein similarity of one answer against one reference, thresholded at τ. */
export function anlsSimilarity(output: string, reference: string, threshold = ANLS_THRESHOLD): number {
  const a = codePoints(output.trim().toLowerCase());
  const b = codePoints(reference.trim().toLowerCase());
  const longer = Math.max(a.length, b.length);
  const normalizedDistance = longer === 0 ? 0 : levenshteinDistance(a, b) / longer;
  return normalizedDistance < threshold ? 1 - normalizedDistance : 0;
}

/** ANLS of one item: max similarity over its references; null without references. */
export function anls(output: string, references: readonly string[], threshold = ANLS_THRESHOLD): number | null {
  if (references.length === 0) return null;
  let best = 0;
  for (const reference of references) best = Math.max(best, anlsSimilarity(output, reference, threshold));
  return best;
}
