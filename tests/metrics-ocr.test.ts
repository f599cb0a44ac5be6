/**
 * CER / WER / word F1 against published values:
 * - jitsi/jiwer `tests/test_cer.py` (CER cases, including the "From WER and RIL to MER and WIL"
 *   known values and the corpus cases) and `tests/test_measures.py` (WER cases);
 * - kahne/fastwer `README.md` example (corpus WER 40.0, corpus CER 25.5814, sentence WER 40.0,
 *   sentence CER 22.7273, in percent there).
 * jiwer's argument order is (truth, hypothesis); ours is (output, reference).
 */
import { describe, expect, it } from 'vitest';
import {
  bagOfWordsF1,
  characterErrorCounts,
  characterErrorRate,
  corpusErrorRate,
  normalizeForOcr,
  wordErrorCounts,
  wordErrorRate,
} from '../src/metrics/ocr.js';

describe('CER, jiwer tests/test_cer.py', () => {
  it.each([
    ['This is a test', 'This is a test', 0 / 14],
    ['This is a test', '', 14 / 14],
    ['This is a test', 'This test', 5 / 14],
    ['X', 'X', 0],
    ['X', 'X X Y Y', 6],
    ['X Y X', 'X Z', 3 / 5],
    ['X', 'Y', 1],
    ['X', 'Y Z', 3],
  ])('truth %j, hypothesis %j → %d', (truth, hypothesis, expected) => {
    expect(characterErrorRate(hypothesis, truth)).toBeCloseTo(expected, 12);
  });

  it('corpus CER is total edits / total reference length (permutation cases → 0.6, return_dict case → 0.7)', () => {
    const corpus = (truths: string[], hypotheses: string[]) =>
      corpusErrorRate(truths.map((truth, i) => characterErrorCounts(hypotheses[i] as string, truth)));
    expect(corpus(['i', 'am i good'], ['i am', 'i good'])).toBeCloseTo(0.6, 12);
    expect(corpus(['am i good', 'i'], ['i good', 'i am'])).toBeCloseTo(0.6, 12);
    expect(corpus(['i', 'am i good'], ['i am', 'y good'])).toBeCloseTo(0.7, 12);
  });
});

describe('WER, jiwer tests/test_measures.py', () => {
  it.each([
    ['This is a test', 'This is a test', 0],
    ['This is a test', '', 1],
    ['This is a test', 'This test', 0.5],
    ['i am a short ground truth', 'i am a considerably longer and very much incorrect hypothesis', 7 / 6],
    ['X', 'X', 0],
    ['X', 'X X Y Y', 3],
    ['X Y X', 'X Z', 2 / 3],
    ['X', 'Y', 1],
    ['X', 'Y Z', 2],
  ])('truth %j, hypothesis %j → %d', (truth, hypothesis, expected) => {
    expect(wordErrorRate(hypothesis, truth)).toBeCloseTo(expected, 12);
  });
});

describe('fastwer README example', () => {
  const hypotheses = ['This is an example .', 'This is another example .'];
  const references = ['This is the example :)', 'That is the example .'];
  it('sentence WER 40.0 % and CER 22.7273 %', () => {
    expect(wordErrorRate(hypotheses[0]!, references[0]!)).toBeCloseTo(0.4, 12);
    expect(characterErrorRate(hypotheses[0]!, references[0]!)).toBeCloseTo(0.227273, 6);
  });
  it('corpus WER 40.0 % and CER 25.5814 %', () => {
    expect(corpusErrorRate(hypotheses.map((h, i) => wordErrorCounts(h, references[i]!)))).toBeCloseTo(0.4, 12);
    expect(corpusErrorRate(hypotheses.map((h, i) => characterErrorCounts(h, references[i]!)))).toBeCloseTo(0.255814, 6);
  });
});

describe('normalization', () => {
  it('NFC, toLowerCase, whitespace collapsed and trimmed', () => {
    expect(normalizeForOcr('  Cafe\u0301\n\tMENU  ')).toBe('caf\u00e9 menu');
    expect(normalizeForOcr('E\u0301COLE')).toBe('\u00e9cole');
  });
});

describe('word F1 (bag of words)', () => {
  it('ignores order and case, counts repeats as a multiset', () => {
    expect(bagOfWordsF1('World hello', 'hello world').f1).toBeCloseTo(1, 12);
    const repeated = bagOfWordsF1('hello hello', 'hello world');
    expect(repeated.precision).toBeCloseTo(0.5, 12);
    expect(repeated.recall).toBeCloseTo(0.5, 12);
    expect(repeated.f1).toBeCloseTo(0.5, 12);
    const partial = bagOfWordsF1('a b c d', 'a b');
    expect(partial.f1).toBeCloseTo((2 * 0.5 * 1) / 1.5, 12);
  });
});

describe('edge cases', () => {
  it('empty output: every reference symbol is a deletion', () => {
    expect(characterErrorRate('', 'abc')).toBe(1);
    expect(wordErrorRate('', 'a b c')).toBe(1);
    expect(bagOfWordsF1('', 'a b').f1).toBe(0);
  });
  it('empty reference: null unless the output is empty too (then 0 errors, F1 = 1)', () => {
    expect(characterErrorRate('abc', '')).toBeNull();
    expect(wordErrorRate('abc', '')).toBeNull();
    expect(characterErrorRate('', '')).toBe(0);
    expect(wordErrorRate('   ', '')).toBe(0);
    expect(bagOfWordsF1('abc', '').f1).toBeNull();
    expect(bagOfWordsF1('', '').f1).toBe(1);
    expect(corpusErrorRate([])).toBe(0);
    expect(corpusErrorRate([{ edits: 2, referenceLength: 0 }])).toBeNull();
  });
  it('raw CER strips leading and trailing whitespace only (as jiwer), inner whitespace counts', () => {
    expect(characterErrorRate(' abc\n', 'abc')).toBe(0);
    expect(characterErrorRate('a  bc', 'a bc')).toBeCloseTo(1 / 4, 12);
  });
  it('Unicode: CER counts code points; composed and decomposed é differ raw', () => {
    expect(characterErrorRate('🙂🙂', '🙂')).toBe(1);
    expect(characterErrorRate('cafe\u0301', 'caf\u00e9')).toBe(0.5);
  });
  it('a 20k-character output against a 200-character reference', () => {
    const reference = 'The quick brown fox jumps over the lazy dog. '.repeat(5).slice(0, 200).trim();
    const output = reference.repeat(100);
    expect(characterErrorRate(output, reference)).toBe(99);
    expect(wordErrorRate(output, reference)).toBeGreaterThan(50);
    expect(bagOfWordsF1(output, reference).recall).toBe(1);
  });
});
