/**
 * Task-level quality API the runner calls. Every score is a fraction (0..1, not percent;
 * error rates may exceed 1, CIDEr-D ranges 0..10) or null where it cannot be computed.
 * Each metric's exact definition lives in its module; METRIC_INFO summarises them.
 */
import { bleu } from './bleu.js';
import { ciderD } from './cider.js';
import {
  anls,
  bagOfWordsF1,
  characterErrorCounts,
  corpusErrorRate,
  errorRate,
  normalizeForOcr,
  removeWhitespace,
  wordErrorCounts,
  type ErrorCounts,
} from './ocr.js';
import { rougeL } from './rouge.js';
import { factRecall, type SceneFact } from './scene-facts.js';
import { tokenizeCaption } from './tokenize.js';

export type QualityScores = Record<string, number | null>;

export interface ScoredItem {
  fixtureId: string;
  output: string;
  references: string[];
  facts?: SceneFact[];
  category?: string;
}

export type QualityTask = 'caption' | 'ocr';

export interface TaskScores {
  /** Scores per fixture id (a repeated id keeps the last item's scores). */
  perItem: Record<string, QualityScores>;
  corpus: QualityScores;
}

export const METRIC_INFO: Record<string, { label: string; higherIsBetter: boolean; description: string }> = {
  cer: {
    label: 'CER',
    higherIsBetter: false,
    description: 'Character error rate: Levenshtein edits over Unicode code points / reference length, raw text trimmed at both ends (case, inner whitespace and composition count). Corpus: total edits / total reference length. First reference only.',
  },
  wer: {
    label: 'WER',
    higherIsBetter: false,
    description: 'Word error rate: word-level Levenshtein edits / reference word count; words split on whitespace, raw text. Corpus: total edits / total reference words. First reference only.',
  },
  cerNormalized: {
    label: 'CER (normalized)',
    higherIsBetter: false,
    description: 'CER after toLowerCase(), Unicode NFC and whitespace runs collapsed to one space (trimmed).',
  },
  werNormalized: {
    label: 'WER (normalized)',
    higherIsBetter: false,
    description: 'WER after toLowerCase() and Unicode NFC.',
  },
  cerNoWhitespace: {
    label: 'CER (no whitespace)',
    higherIsBetter: false,
    description: 'CER after Unicode NFC with every whitespace character removed (case kept): recognition errors without layout errors.',
  },
  wordF1: {
    label: 'Word F1',
    higherIsBetter: true,
    description: 'Order-insensitive bag-of-words F1 over normalized words (multiset overlap). Corpus: mean over items.',
  },
  anls: {
    label: 'ANLS',
    higherIsBetter: true,
    description: 'Average Normalized Levenshtein Similarity (Biten et al., ICCV 2019), τ = 0.5, lowercased and trimmed, max over references. Corpus: mean over items.',
  },
  bleu1: { label: 'BLEU-1', higherIsBetter: true, description: 'COCO-style (pycocoevalcap) BLEU-1 on PTB-style tokens: clipped precision, closest reference length; corpus brevity penalty from summed lengths.' },
  bleu2: { label: 'BLEU-2', higherIsBetter: true, description: 'COCO-style BLEU-2 (geometric mean of 1- and 2-gram precisions), as BLEU-1.' },
  bleu3: { label: 'BLEU-3', higherIsBetter: true, description: 'COCO-style BLEU-3, as BLEU-1.' },
  bleu4: { label: 'BLEU-4', higherIsBetter: true, description: 'COCO-style BLEU-4, as BLEU-1; pycocoevalcap smoothing (1e-15 / 1e-9) so a sentence without 4-gram matches is tiny, not 0.' },
  rougeL: { label: 'ROUGE-L', higherIsBetter: true, description: 'LCS-based F-measure, β = 1.2, max precision and max recall over references (pycocoevalcap). Corpus: mean over items.' },
  ciderD: {
    label: 'CIDEr-D',
    higherIsBetter: true,
    description: 'CIDEr-D (pycocoevalcap): TF-IDF n-grams 1..4, clipped cosine, Gaussian length penalty σ = 6, ×10. IDF comes from the scored set\'s references: compare engines on the same fixture set only.',
  },
  factRecall: { label: 'Fact recall', higherIsBetter: true, description: 'Scene facts whose shape, colour and count one caption phrase states together / all facts (corpus: pooled over items).' },
  factShapeRecall: { label: 'Shape recall', higherIsBetter: true, description: 'Scene facts whose shape the caption mentions / all facts.' },
  factColorRecall: { label: 'Colour recall', higherIsBetter: true, description: 'Scene facts whose shape the caption mentions with the right colour / all facts.' },
  factCountRecall: { label: 'Count recall', higherIsBetter: true, description: 'Scene facts whose shape the caption mentions with the right count / all facts.' },
};

interface OcrCounts {
  cer: ErrorCounts;
  wer: ErrorCounts;
  cerNormalized: ErrorCounts;
  werNormalized: ErrorCounts;
  cerNoWhitespace: ErrorCounts;
}

function ocrCounts(output: string, reference: string): OcrCounts {
  const normalizedOutput = normalizeForOcr(output);
  const normalizedReference = normalizeForOcr(reference);
  return {
    cer: characterErrorCounts(output, reference),
    wer: wordErrorCounts(output, reference),
    cerNormalized: characterErrorCounts(normalizedOutput, normalizedReference),
    werNormalized: wordErrorCounts(normalizedOutput, normalizedReference),
    cerNoWhitespace: characterErrorCounts(removeWhitespace(output), removeWhitespace(reference)),
  };
}

const OCR_RATE_KEYS = ['cer', 'wer', 'cerNormalized', 'werNormalized', 'cerNoWhitespace'] as const;
const OCR_KEYS = [...OCR_RATE_KEYS, 'wordF1', 'anls'] as const;

function emptyScores(keys: readonly string[]): QualityScores {
  return Object.fromEntries(keys.map((key) => [key, null]));
}

function mean(values: readonly (number | null | undefined)[]): number | null {
  const present = values.filter((value): value is number => typeof value === 'number');
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

interface OcrItemEvaluation {
  counts: OcrCounts;
  scores: QualityScores;
}

function evaluateOcrItem(output: string, references: readonly string[]): OcrItemEvaluation | null {
  const reference = references[0];
  if (reference === undefined) return null;
  const counts = ocrCounts(output, reference);
  const scores: QualityScores = {};
  for (const key of OCR_RATE_KEYS) scores[key] = errorRate(counts[key]);
  scores.wordF1 = bagOfWordsF1(output, reference).f1;
  scores.anls = anls(output, references);
  return { counts, scores };
}

function ocrCorpusFrom(evaluations: readonly (OcrItemEvaluation | null)[]): QualityScores {
  const present = evaluations.filter((evaluation): evaluation is OcrItemEvaluation => evaluation !== null);
  const scores: QualityScores = {};
  for (const key of OCR_RATE_KEYS) scores[key] = present.length === 0 ? null : corpusErrorRate(present.map((evaluation) => evaluation.counts[key]));
  scores.wordF1 = mean(present.map((evaluation) => evaluation.scores.wordF1));
  scores.anls = mean(present.map((evaluation) => evaluation.scores.anls));
  return scores;
}

/**
 * One OCR output against its references. Error rates and word F1 use the first reference
 * (the canonical transcription); ANLS takes the best reference. No reference: all null.
 */
export function scoreOcrItem(output: string, references: string[]): QualityScores {
  return evaluateOcrItem(output, references)?.scores ?? emptyScores(OCR_KEYS);
}

/**
 * Corpus OCR scores: every error rate is total edits / total reference length over the items
 * that have a reference (micro average, as jiwer and fastwer); wordF1 and ANLS are means of
 * the item scores, null item scores skipped. Items without any reference are left out.
 */
export function scoreOcrCorpus(items: ScoredItem[]): QualityScores {
  return ocrCorpusFrom(items.map((item) => evaluateOcrItem(item.output, item.references)));
}

/**
 * Caption scores for a set of items scored together (CIDEr-D's IDF and corpus BLEU depend on
 * the whole set). Outputs and references are tokenized with tokenizeCaption. Fact recall is
 * null for items without facts; its corpus value pools facts over items.
 */
export function scoreCaptionCorpus(items: ScoredItem[]): TaskScores {
  const tokenized = items.map((item) => ({
    candidate: tokenizeCaption(item.output),
    references: item.references.map((reference) => tokenizeCaption(reference)),
  }));
  const bleuScores = bleu(tokenized);
  const ciderScores = ciderD(tokenized);
  const rougeScores = tokenized.map((item) => rougeL(item.candidate, item.references));
  const facts = items.map((item) => (item.facts === undefined || item.facts.length === 0 ? null : factRecall(item.output, item.facts)));

  const perItem: Record<string, QualityScores> = {};
  items.forEach((item, index) => {
    const itemBleu = bleuScores.perItem[index] ?? [];
    const itemFacts = facts[index] ?? null;
    perItem[item.fixtureId] = {
      bleu1: itemBleu[0] ?? null,
      bleu2: itemBleu[1] ?? null,
      bleu3: itemBleu[2] ?? null,
      bleu4: itemBleu[3] ?? null,
      rougeL: rougeScores[index] ?? null,
      ciderD: ciderScores.perItem[index] ?? null,
      factRecall: itemFacts?.factRecall ?? null,
      factShapeRecall: itemFacts?.shapeRecall ?? null,
      factColorRecall: itemFacts?.colorRecall ?? null,
      factCountRecall: itemFacts?.countRecall ?? null,
    };
  });

  let factsTotal = 0;
  const recalled = { all: 0, shape: 0, color: 0, count: 0 };
  for (const result of facts) {
    if (result === null) continue;
    factsTotal += result.factsTotal;
    recalled.all += result.factsRecalled;
    recalled.shape += result.shapesRecalled;
    recalled.color += result.colorsRecalled;
    recalled.count += result.countsRecalled;
  }
  const pooled = (count: number): number | null => (factsTotal === 0 ? null : count / factsTotal);
  const corpus: QualityScores = {
    bleu1: bleuScores.corpus[0] ?? null,
    bleu2: bleuScores.corpus[1] ?? null,
    bleu3: bleuScores.corpus[2] ?? null,
    bleu4: bleuScores.corpus[3] ?? null,
    rougeL: mean(rougeScores),
    ciderD: ciderScores.corpus,
    factRecall: pooled(recalled.all),
    factShapeRecall: pooled(recalled.shape),
    factColorRecall: pooled(recalled.color),
    factCountRecall: pooled(recalled.count),
  };
  return { perItem, corpus };
}

export function scoreTask(task: QualityTask, items: ScoredItem[]): TaskScores {
  if (task === 'caption') return scoreCaptionCorpus(items);
  const evaluations = items.map((item) => evaluateOcrItem(item.output, item.references));
  const perItem: Record<string, QualityScores> = {};
  items.forEach((item, index) => {
    perItem[item.fixtureId] = evaluations[index]?.scores ?? emptyScores(OCR_KEYS);
  });
  return { perItem, corpus: ocrCorpusFrom(evaluations) };
}
