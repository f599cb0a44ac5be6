import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/stats/rng.js';
import { characterEditDistance, codePoints, editDistance, levenshteinDistance } from '../src/metrics/edit-distance.js';

/** Textbook full-matrix Levenshtein, the oracle for the optimised one. */
function naiveDistance(a: readonly number[], b: readonly number[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

describe('Levenshtein distance', () => {
  it('textbook values', () => {
    expect(characterEditDistance('kitten', 'sitting')).toBe(3);
    expect(characterEditDistance('flaw', 'lawn')).toBe(2);
    expect(characterEditDistance('sunday', 'saturday')).toBe(3);
    expect(characterEditDistance('abc', 'abc')).toBe(0);
  });

  it('empty sequences', () => {
    expect(characterEditDistance('', '')).toBe(0);
    expect(characterEditDistance('', 'abc')).toBe(3);
    expect(characterEditDistance('abc', '')).toBe(3);
    expect(editDistance([], ['a', 'b'])).toBe(2);
  });

  it('is symmetric and agrees with a full-matrix oracle on random inputs', () => {
    const next = mulberry32(7);
    for (let trial = 0; trial < 300; trial++) {
      const a = Array.from({ length: Math.floor(next() * 12) }, () => Math.floor(next() * 4));
      const b = Array.from({ length: Math.floor(next() * 12) }, () => Math.floor(next() * 4));
      const expected = naiveDistance(a, b);
      expect(levenshteinDistance(a, b)).toBe(expected);
      expect(levenshteinDistance(b, a)).toBe(expected);
    }
  });

  it('counts tokens by value', () => {
    expect(editDistance(['this', 'is', 'a', 'test'], ['this', 'test'])).toBe(2);
    expect(editDistance(['x', 'y', 'x'], ['x', 'z'])).toBe(2);
  });

  it('counts code points, not UTF-16 units: an emoji is one symbol', () => {
    expect('🙂'.length).toBe(2);
    expect(codePoints('a🙂b')).toHaveLength(3);
    expect(characterEditDistance('🙂', '')).toBe(1);
    expect(characterEditDistance('a🙂b', 'a😀b')).toBe(1);
  });

  it('does not normalise: precomposed é vs e + combining acute differ by 2 edits', () => {
    expect(characterEditDistance('\u00e9', 'e\u0301')).toBe(2);
    expect(characterEditDistance('\u00e9', 'e\u0301'.normalize('NFC'))).toBe(0);
  });

  it('handles 20k-symbol inputs', () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(800).slice(0, 20_000);
    expect(characterEditDistance(long, long.slice(0, 200))).toBe(19_800);
    const changed = long.slice(0, 10_000) + 'X' + long.slice(10_001);
    expect(characterEditDistance(long, changed)).toBe(1);
  });
});
