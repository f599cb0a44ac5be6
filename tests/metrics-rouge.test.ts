/**
 * ROUGE-L against published values: Maluuba/nlg-eval `nlgeval/tests/test_nlgeval.py`
 * (pycocoevalcap's ROUGE_L; data in metrics-nlgeval-example.ts).
 */
import { describe, expect, it } from 'vitest';
import { longestCommonSubsequence, rougeL } from '../src/metrics/rouge.js';
import { tokenizeCaption } from '../src/metrics/tokenize.js';
import { NLGEVAL_CORPUS_SCORES, NLGEVAL_FRENCH, NLGEVAL_INDIVIDUAL, nlgevalCorpusItems, tokenizedItem } from './metrics-nlgeval-example.js';

describe('ROUGE-L, published values (nlg-eval)', () => {
  it('corpus ROUGE_L (mean over items) is 0.522104', () => {
    const scores = nlgevalCorpusItems().map((item) => rougeL(item.candidate, item.references) as number);
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeCloseTo(NLGEVAL_CORPUS_SCORES.rougeL, 5);
  });
  it('individual and non-ASCII examples are 0.9070631', () => {
    for (const example of [NLGEVAL_INDIVIDUAL, NLGEVAL_FRENCH]) {
      const item = tokenizedItem(example.hypothesis, example.references);
      expect(rougeL(item.candidate, item.references)).toBeCloseTo(example.rougeL, 6);
    }
  });
});

describe('ROUGE-L, definition', () => {
  it('LCS length', () => {
    expect(longestCommonSubsequence(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a'])).toBe(4);
    expect(longestCommonSubsequence([], ['a'])).toBe(0);
  });
  it('takes max precision and max recall separately over references, β = 1.2', () => {
    // Against ["a","b"]: P = 2/3, R = 1. Against ["a","b","c","x","y","z"]: P = 1, R = 1/2.
    const p = 1;
    const r = 1;
    const expected = ((1 + 1.44) * p * r) / (r + 1.44 * p);
    expect(rougeL(['a', 'b', 'c'], [['a', 'b'], ['a', 'b', 'c', 'x', 'y', 'z']])).toBeCloseTo(expected, 9);
  });
  it('identical sentences score 1, disjoint ones 0', () => {
    expect(rougeL(tokenizeCaption('a red circle'), [tokenizeCaption('A red circle.')])).toBeCloseTo(1, 12);
    expect(rougeL(['x'], [['y']])).toBe(0);
  });
});

describe('ROUGE-L, edge cases', () => {
  it('empty candidate scores 0; empty or missing references give null', () => {
    expect(rougeL([], [['a']])).toBe(0);
    expect(rougeL(['a'], [[]])).toBeNull();
    expect(rougeL(['a'], [])).toBeNull();
    expect(rougeL(['a'], [[], ['a']])).toBeCloseTo(1, 12);
  });
  it('Unicode tokens compare by value', () => {
    expect(rougeL(tokenizeCaption('un café 🙂 rouge'), [tokenizeCaption('un café 🙂 rouge')])).toBeCloseTo(1, 12);
  });
  it('a very long candidate (20k tokens) is scored', () => {
    const candidate = Array.from({ length: 20_000 }, (_, i) => `w${i % 7}`);
    const score = rougeL(candidate, [['w1', 'w2', 'w3']]) as number;
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(0.01);
  });
});
