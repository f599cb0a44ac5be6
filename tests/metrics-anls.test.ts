/**
 * ANLS, hand-computed from its definition in Biten et al., "Scene Text Visual Question
 * Answering", ICCV 2019: NL = Levenshtein(a, o) / max(|a|, |o|) on lowercased, trimmed
 * strings; s = 1 − NL if NL < τ (0.5) else 0; max over the ground-truth answers; the
 * dataset score is the mean over questions.
 */
import { describe, expect, it } from 'vitest';
import { anls, anlsSimilarity } from '../src/metrics/ocr.js';

describe('ANLS definition', () => {
  it('case and surrounding whitespace do not count', () => {
    expect(anlsSimilarity('  HELLO ', 'hello')).toBe(1);
  });
  it('one edit in five characters: NL = 0.2, s = 0.8', () => {
    expect(anlsSimilarity('helo', 'hello')).toBeCloseTo(0.8, 12);
  });
  it('two edits in five: NL = 0.4, s = 0.6', () => {
    expect(anlsSimilarity('abxye', 'abcde')).toBeCloseTo(0.6, 12);
  });
  it('NL = 0.5 is not below τ: s = 0', () => {
    expect(anlsSimilarity('abxy', 'abcd')).toBe(0);
  });
  it('takes the max over references', () => {
    expect(anls('helo', ['world', 'hello', 'help me'])).toBeCloseTo(0.8, 12);
  });
  it('a custom threshold', () => {
    expect(anlsSimilarity('abxy', 'abcd', 0.6)).toBeCloseTo(0.5, 12);
  });
});

describe('ANLS edge cases', () => {
  it('empty output scores 0 against a non-empty answer; two empty strings score 1', () => {
    expect(anls('', ['abc'])).toBe(0);
    expect(anls('abc', [''])).toBe(0);
    expect(anls('', [''])).toBe(1);
  });
  it('no references at all: null', () => {
    expect(anls('abc', [])).toBeNull();
  });
  it('counts code points: "ab🙂" vs "abc" is NL = 1/3 (UTF-16 units would give 2/4 = 0.5 → 0)', () => {
    expect(anlsSimilarity('ab🙂', 'abc')).toBeCloseTo(2 / 3, 12);
  });
  it('a 20k-character output against a short answer is far (0)', () => {
    expect(anls('x'.repeat(20_000), ['xyz'])).toBe(0);
  });
});
