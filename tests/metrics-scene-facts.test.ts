import { describe, expect, it } from 'vitest';
import { factRecall, type SceneFact } from '../src/metrics/scene-facts.js';

const scene: SceneFact[] = [
  { shape: 'circle', color: 'red', count: 1 },
  { shape: 'square', color: 'blue', count: 2 },
  { shape: 'triangle', color: 'green', count: 3 },
];

describe('fact recall', () => {
  it('states all three facts: article = 1, number words, digits, plurals', () => {
    const result = factRecall('A red circle, two blue squares and 3 green triangles.', scene);
    expect(result.factRecall).toBe(1);
    expect(result.factsRecalled).toBe(3);
  });
  it('"the red circle" and bare plurals state no count; colour and shape still count', () => {
    const result = factRecall('The red circle sits beside blue squares.', scene);
    expect(result.factRecall).toBe(0);
    expect(result.shapeRecall).toBeCloseTo(2 / 3, 12);
    expect(result.colorRecall).toBeCloseTo(2 / 3, 12);
    expect(result.countRecall).toBe(0);
  });
  it('wrong count or colour breaks the full fact but not the other attribute', () => {
    const result = factRecall('three blue squares', [{ shape: 'square', color: 'blue', count: 2 }]);
    expect(result.factRecall).toBe(0);
    expect(result.colorRecall).toBe(1);
    expect(result.countRecall).toBe(0);
    const wrongColor = factRecall('two red squares', [{ shape: 'square', color: 'blue', count: 2 }]);
    expect(wrongColor.factRecall).toBe(0);
    expect(wrongColor.countRecall).toBe(1);
    expect(wrongColor.colorRecall).toBe(0);
  });
  it('attributes do not leak across phrases', () => {
    // "red" belongs to the circle phrase; the square phrase has only "a".
    const result = factRecall('a red circle and a square', [{ shape: 'square', color: 'red', count: 1 }]);
    expect(result.colorRecall).toBe(0);
    expect(result.countRecall).toBe(1);
  });
  it('"a" with a plural noun is not a count; "a pair of" is 2; "single" is 1', () => {
    expect(factRecall('a few red circles', [{ shape: 'circle', color: 'red', count: 1 }]).countRecall).toBe(0);
    expect(factRecall('a pair of blue squares', [{ shape: 'square', color: 'blue', count: 2 }]).factRecall).toBe(1);
    expect(factRecall('a single red circle', [{ shape: 'circle', color: 'red', count: 1 }]).factRecall).toBe(1);
  });
  it('plural forms: -es, -ies; multi-word shapes; grey = gray; case-insensitive', () => {
    expect(factRecall('Four GREY crosses', [{ shape: 'cross', color: 'gray', count: 4 }]).factRecall).toBe(1);
    expect(factRecall('two pink ponies', [{ shape: 'pony', color: 'pink', count: 2 }]).factRecall).toBe(1);
    expect(factRecall('an orange rounded square', [{ shape: 'rounded square', color: 'orange', count: 1 }]).factRecall).toBe(1);
  });
  it('a larger count stated with digits', () => {
    expect(factRecall('There are 12 yellow stars.', [{ shape: 'star', color: 'yellow', count: 12 }]).factRecall).toBe(1);
  });
});

describe('fact recall edge cases', () => {
  it('empty caption recalls nothing; no facts is null', () => {
    expect(factRecall('', scene).factRecall).toBe(0);
    const none = factRecall('a red circle', []);
    expect(none.factRecall).toBeNull();
    expect(none.countRecall).toBeNull();
  });
  it('Unicode punctuation and emoji do not break parsing', () => {
    expect(factRecall('🙂 A red circle — and two blue squares…', scene).factsRecalled).toBe(2);
  });
  it('a 20k-character caption', () => {
    const caption = 'a red circle and '.repeat(1_200);
    expect(caption.length).toBeGreaterThan(20_000);
    expect(factRecall(caption, scene).factsRecalled).toBe(1);
  });
});
