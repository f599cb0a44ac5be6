/**
 * The task-level API. Published values reused here: Maluuba/nlg-eval
 * `nlgeval/tests/test_nlgeval.py` (caption corpus) and kahne/fastwer `README.md` (OCR corpus).
 */
import { describe, expect, it } from 'vitest';
import { METRIC_INFO, scoreCaptionCorpus, scoreOcrCorpus, scoreOcrItem, scoreTask, type ScoredItem } from '../src/metrics/index.js';
import { NLGEVAL_CORPUS_SCORES, NLGEVAL_HYPOTHESES, NLGEVAL_REF1, NLGEVAL_REF2 } from './metrics-nlgeval-example.js';

const captionItems: ScoredItem[] = NLGEVAL_HYPOTHESES.map((output, i) => ({
  fixtureId: `caption-${i}`,
  output,
  references: [NLGEVAL_REF1[i] as string, NLGEVAL_REF2[i] as string],
}));

const ocrItems: ScoredItem[] = [
  { fixtureId: 'ocr-0', output: 'This is an example .', references: ['This is the example :)'] },
  { fixtureId: 'ocr-1', output: 'This is another example .', references: ['That is the example .'] },
];

const OCR_KEYS = ['cer', 'wer', 'cerNormalized', 'werNormalized', 'cerNoWhitespace', 'wordF1', 'anls'];
const CAPTION_KEYS = ['bleu1', 'bleu2', 'bleu3', 'bleu4', 'rougeL', 'ciderD', 'factRecall', 'factShapeRecall', 'factColorRecall', 'factCountRecall'];

describe('scoreCaptionCorpus', () => {
  it('reproduces nlg-eval corpus BLEU, ROUGE_L and CIDEr', () => {
    const { corpus, perItem } = scoreCaptionCorpus(captionItems);
    NLGEVAL_CORPUS_SCORES.bleu.forEach((expected, k) => expect(corpus[`bleu${k + 1}`]).toBeCloseTo(expected, 5));
    expect(corpus.rougeL).toBeCloseTo(NLGEVAL_CORPUS_SCORES.rougeL, 5);
    expect(corpus.ciderD).toBeCloseTo(NLGEVAL_CORPUS_SCORES.cider, 5);
    expect(Object.keys(perItem)).toEqual(['caption-0', 'caption-1']);
    expect(Object.keys(perItem['caption-0']!).sort()).toEqual([...CAPTION_KEYS].sort());
    expect(corpus.factRecall).toBeNull();
  });
  it('pools fact recall over items and reports per-attribute recalls', () => {
    const items: ScoredItem[] = [
      { fixtureId: 's1', output: 'A red circle.', references: ['a red circle'], facts: [{ shape: 'circle', color: 'red', count: 1 }] },
      {
        fixtureId: 's2',
        output: 'Two blue squares.',
        references: ['two blue squares and a green star'],
        facts: [
          { shape: 'square', color: 'blue', count: 2 },
          { shape: 'star', color: 'green', count: 1 },
          { shape: 'circle', color: 'red', count: 4 },
        ],
      },
    ];
    const { corpus, perItem } = scoreCaptionCorpus(items);
    expect(perItem.s1!.factRecall).toBe(1);
    expect(perItem.s2!.factRecall).toBeCloseTo(1 / 3, 12);
    expect(corpus.factRecall).toBeCloseTo(2 / 4, 12);
    expect(corpus.factShapeRecall).toBeCloseTo(2 / 4, 12);
  });
  it('edge cases: empty output, item without references, no items', () => {
    const { perItem, corpus } = scoreCaptionCorpus([
      { fixtureId: 'empty', output: '', references: ['a red circle'] },
      { fixtureId: 'norefs', output: 'a red circle', references: [] },
      { fixtureId: 'ok', output: 'a blue square', references: ['a blue square'] },
    ]);
    expect(perItem.empty!.bleu1).toBe(0);
    expect(perItem.empty!.rougeL).toBe(0);
    expect(perItem.empty!.ciderD).toBe(0);
    for (const key of ['bleu1', 'bleu4', 'rougeL', 'ciderD']) expect(perItem.norefs![key]).toBeNull();
    expect(corpus.rougeL).toBeCloseTo(0.5, 12);
    const none = scoreCaptionCorpus([]);
    for (const key of CAPTION_KEYS) expect(none.corpus[key]).toBeNull();
  });
});

describe('scoreOcrItem / scoreOcrCorpus', () => {
  it('item scores: first reference for rates, best reference for ANLS', () => {
    const scores = scoreOcrItem('Hello  World', ['hello world', 'Hello  World']);
    expect(Object.keys(scores).sort()).toEqual([...OCR_KEYS].sort());
    expect(scores.cer).toBeCloseTo(3 / 11, 12);
    expect(scores.wer).toBe(1);
    expect(scores.cerNormalized).toBe(0);
    expect(scores.werNormalized).toBe(0);
    expect(scores.cerNoWhitespace).toBeCloseTo(2 / 10, 12);
    expect(scores.wordF1).toBe(1);
    expect(scores.anls).toBe(1);
  });
  it('corpus rates are total edits / total reference length (fastwer README: WER 40 %, CER 25.5814 %)', () => {
    const corpus = scoreOcrCorpus(ocrItems);
    expect(corpus.wer).toBeCloseTo(0.4, 12);
    expect(corpus.cer).toBeCloseTo(0.255814, 6);
  });
  it('corpus ANLS and word F1 are means of item scores', () => {
    const items: ScoredItem[] = [
      { fixtureId: 'a', output: 'helo', references: ['hello'] },
      { fixtureId: 'b', output: 'abc', references: ['abc'] },
      { fixtureId: 'c', output: 'x', references: [] },
    ];
    expect(scoreOcrCorpus(items).anls).toBeCloseTo(0.9, 12);
  });
  it('edge cases: no reference → all null; empty reference; empty output; Unicode composition', () => {
    for (const value of Object.values(scoreOcrItem('abc', []))) expect(value).toBeNull();
    const emptyReference = scoreOcrItem('abc', ['']);
    expect(emptyReference.cer).toBeNull();
    expect(emptyReference.anls).toBe(0);
    const bothEmpty = scoreOcrItem('', ['']);
    expect(bothEmpty.cer).toBe(0);
    expect(bothEmpty.wordF1).toBe(1);
    expect(bothEmpty.anls).toBe(1);
    expect(scoreOcrItem('', ['abc']).cer).toBe(1);
    const decomposed = scoreOcrItem('cafe\u0301', ['caf\u00e9']);
    expect(decomposed.cer).toBe(0.5);
    expect(decomposed.cerNormalized).toBe(0);
    expect(decomposed.cerNoWhitespace).toBe(0);
    for (const value of Object.values(scoreOcrCorpus([]))) expect(value).toBeNull();
  });
  it('a 20k-character output is scored', () => {
    const reference = 'Invoice 2024-117: total due 1,250.00 EUR. '.repeat(5).slice(0, 200).trim();
    const scores = scoreOcrItem(reference.repeat(100), [reference]);
    expect(scores.cer).toBe(99);
    expect(scores.anls).toBe(0);
  });
});

describe('scoreTask and METRIC_INFO', () => {
  it('dispatches by task', () => {
    expect(scoreTask('ocr', ocrItems).corpus.wer).toBeCloseTo(0.4, 12);
    expect(scoreTask('ocr', ocrItems).perItem['ocr-0']!.wer).toBeCloseTo(0.4, 12);
    expect(scoreTask('caption', captionItems).corpus.ciderD).toBeCloseTo(NLGEVAL_CORPUS_SCORES.cider, 5);
  });
  it('describes every metric the API returns, with direction', () => {
    for (const key of [...OCR_KEYS, ...CAPTION_KEYS]) {
      expect(METRIC_INFO[key]?.label.length).toBeGreaterThan(0);
      expect(METRIC_INFO[key]?.description.length).toBeGreaterThan(0);
    }
    expect(METRIC_INFO.cer!.higherIsBetter).toBe(false);
    expect(METRIC_INFO.ciderD!.higherIsBetter).toBe(true);
  });
});
