/**
 * CIDEr-D against published values: Maluuba/nlg-eval `nlgeval/tests/test_nlgeval.py`
 * ("CIDEr" there is pycocoevalcap's CIDEr-D; data in metrics-nlgeval-example.ts).
 */
import { describe, expect, it } from 'vitest';
import { ciderD } from '../src/metrics/cider.js';
import { NLGEVAL_CORPUS_SCORES, NLGEVAL_INDIVIDUAL, nlgevalCorpusItems, tokenizedItem } from './metrics-nlgeval-example.js';

describe('CIDEr-D, published values (nlg-eval)', () => {
  it('corpus CIDEr of the examples/ files is 1.242192', () => {
    expect(ciderD(nlgevalCorpusItems()).corpus).toBeCloseTo(NLGEVAL_CORPUS_SCORES.cider, 5);
  });
  it('a one-item set scores 0 (IDF = log 1 = 0), as nlg-eval reports for single sentences', () => {
    expect(ciderD([tokenizedItem(NLGEVAL_INDIVIDUAL.hypothesis, NLGEVAL_INDIVIDUAL.references)]).corpus).toBe(0);
  });
});

describe('CIDEr-D, definition', () => {
  const set = [
    tokenizedItem('a red circle and a blue square', ['a red circle and a blue square', 'a blue square beside a red circle']),
    tokenizedItem('two green triangles', ['two green triangles', 'a pair of green triangles']),
    tokenizedItem('a yellow star', ['one yellow star', 'a yellow star']),
  ];
  it('corpus is the mean of item scores, items are ≥ 0 and ≤ 10', () => {
    const result = ciderD(set);
    const scores = result.perItem as number[];
    for (const score of scores) {
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThanOrEqual(10);
    }
    expect(result.corpus).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / scores.length, 12);
  });
  it('clips candidate counts: repeating a matched word does not raise the score', () => {
    const once = ciderD([set[0]!, set[1]!, tokenizedItem('a yellow star', ['a yellow star'])]).perItem[2] as number;
    const repeated = ciderD([set[0]!, set[1]!, tokenizedItem('a yellow star star star', ['a yellow star'])]).perItem[2] as number;
    expect(repeated).toBeLessThan(once);
  });
  it('applies the Gaussian length penalty (σ = 6) to a longer candidate', () => {
    const exact = ciderD(set).perItem[1] as number;
    const padded = ciderD([set[0]!, tokenizedItem('two green triangles two green triangles', ['two green triangles', 'a pair of green triangles']), set[2]!]).perItem[1] as number;
    expect(padded).toBeLessThan(exact);
  });
  it('depends on the scored set (IDF from its references)', () => {
    // Adding an item that also says "red" lowers that word's IDF relative to the others.
    const alone = ciderD(set.slice(0, 2)).perItem[0] as number;
    const together = ciderD([...set.slice(0, 2), tokenizedItem('a red star', ['a red star'])]).perItem[0] as number;
    expect(alone).not.toBeCloseTo(together, 6);
  });
});

describe('CIDEr-D, edge cases', () => {
  it('empty candidate scores 0; an item without references is null and out of the mean', () => {
    const result = ciderD([
      tokenizedItem('', ['a red circle']),
      tokenizedItem('a blue square', ['a blue square']),
      tokenizedItem('a green star', []),
    ]);
    expect(result.perItem[0]).toBe(0);
    expect(result.perItem[2]).toBeNull();
    expect(result.corpus).toBeCloseTo(((result.perItem[0] as number) + (result.perItem[1] as number)) / 2, 12);
    expect(ciderD([]).corpus).toBeNull();
  });
  it('empty reference strings give finite scores', () => {
    const result = ciderD([tokenizedItem('a', ['']), tokenizedItem('b c', ['b c'])]);
    for (const score of result.perItem) expect(Number.isFinite(score)).toBe(true);
  });
  it('Unicode tokens and a 20k-token candidate are scored', () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `w${i % 50}`).join(' ');
    const result = ciderD([tokenizedItem('un café 🙂', ['un café 🙂']), tokenizedItem(long, ['w1 w2 w3'])]);
    expect(result.perItem[0]).toBeGreaterThan(0);
    expect(result.perItem[1]).toBeGreaterThanOrEqual(0);
    expect(result.perItem[1]).toBeLessThan(0.01);
  });
});
