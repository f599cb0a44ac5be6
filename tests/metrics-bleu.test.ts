/**
 * BLEU against published values: Maluuba/nlg-eval `nlgeval/tests/test_nlgeval.py`
 * (pycocoevalcap's BLEU; data in metrics-nlgeval-example.ts). nlg-eval splits on
 * whitespace without PTB tokenization; these sentences give the same tokens either way
 * except the French one, whose final "." is attached to the same word in every sentence.
 */
import { describe, expect, it } from 'vitest';
import { bleu } from '../src/metrics/bleu.js';
import { NLGEVAL_CORPUS_SCORES, NLGEVAL_FRENCH, NLGEVAL_INDIVIDUAL, nlgevalCorpusItems, tokenizedItem } from './metrics-nlgeval-example.js';

describe('BLEU, published values (nlg-eval)', () => {
  it('corpus BLEU-1..4 of the examples/ files: 0.55, 0.428174, 0.284043, 0.201143', () => {
    const { corpus } = bleu(nlgevalCorpusItems());
    NLGEVAL_CORPUS_SCORES.bleu.forEach((expected, k) => expect(corpus[k]).toBeCloseTo(expected, 5));
  });

  it('individual example, including the smoothed BLEU-4 of 9.036e-5', () => {
    const { perItem, corpus } = bleu([tokenizedItem(NLGEVAL_INDIVIDUAL.hypothesis, NLGEVAL_INDIVIDUAL.references)]);
    const scores = perItem[0] as number[];
    expect(scores[0]).toBeCloseTo(0.799999, 5);
    expect(scores[1]).toBeCloseTo(0.632455, 5);
    expect(scores[2]).toBeCloseTo(0.5108729, 5);
    expect((scores[3] as number) / 0.0000903602).toBeCloseTo(1, 3);
    expect(corpus).toEqual(scores);
  });

  it('non-ASCII example "Le test est en français."', () => {
    const scores = bleu([tokenizedItem(NLGEVAL_FRENCH.hypothesis, NLGEVAL_FRENCH.references)]).perItem[0] as number[];
    NLGEVAL_FRENCH.bleu.forEach((expected, k) => expect(scores[k]).toBeCloseTo(expected, 5));
  });
});

describe('BLEU, definition', () => {
  it('clips a repeated word by its maximum count in one reference', () => {
    // "the the the" vs "the cat": 1 of 3 unigrams counts; ratio 3/2 ≥ 1 so no brevity penalty.
    const scores = bleu([{ candidate: ['the', 'the', 'the'], references: [['the', 'cat']] }]).perItem[0] as number[];
    expect(scores[0]).toBeCloseTo(1 / 3, 9);
  });

  it('uses the closest reference length, ties to the shorter, for the brevity penalty', () => {
    // Candidate of 3 tokens, references of 2 and 4 tokens: tie, so r = 2 and no penalty.
    const tie = bleu([{ candidate: ['a', 'b', 'c'], references: [['a', 'b'], ['a', 'b', 'c', 'd']] }]).perItem[0] as number[];
    expect(tie[0]).toBeCloseTo(1, 9);
    // Only a 5-token reference: penalty exp(1 − 5/3).
    const short = bleu([{ candidate: ['a', 'b', 'c'], references: [['a', 'b', 'c', 'd', 'e']] }]).perItem[0] as number[];
    expect(short[0]).toBeCloseTo(Math.exp(1 - 5 / 3), 9);
  });

  it('corpus brevity penalty uses summed lengths, not the mean of sentence penalties', () => {
    const items = [
      { candidate: ['a', 'b'], references: [['a', 'b', 'c', 'd']] },
      { candidate: ['x', 'y', 'z', 'w'], references: [['x', 'y']] },
    ];
    // Summed c = 6, r = 6: no corpus penalty; 4 of 6 unigrams correct.
    expect(bleu(items).corpus[0]).toBeCloseTo(4 / 6, 9);
  });
});

describe('BLEU, edge cases', () => {
  it('empty candidate scores 0 (not NaN)', () => {
    const scores = bleu([{ candidate: [], references: [['a', 'cat']] }]).perItem[0] as number[];
    for (const score of scores) expect(score).toBe(0);
  });

  it('an item without references is null and stays out of the corpus', () => {
    const result = bleu([
      { candidate: ['a', 'cat'], references: [] },
      { candidate: ['a', 'dog'], references: [['a', 'dog']] },
    ]);
    expect(result.perItem[0]).toEqual([null, null, null, null]);
    expect(result.corpus[0]).toBeCloseTo(1, 6);
    expect(bleu([{ candidate: ['a'], references: [] }]).corpus).toEqual([null, null, null, null]);
  });

  it('an empty reference string gives a finite score', () => {
    const scores = bleu([{ candidate: ['a'], references: [[]] }]).perItem[0] as number[];
    for (const score of scores) expect(Number.isFinite(score)).toBe(true);
    expect(scores[0]).toBeCloseTo(0, 9);
  });

  it('a very long candidate (20k tokens) is scored', () => {
    const candidate = Array.from({ length: 20_000 }, (_, i) => `w${i % 50}`);
    const scores = bleu([{ candidate, references: [['w1', 'w2', 'w3']] }]).perItem[0] as number[];
    expect(scores[0]).toBeGreaterThan(0);
    expect(scores[0]).toBeLessThan(0.001);
  });
});
