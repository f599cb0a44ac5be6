/**
 * n-gram counting shared by BLEU and CIDEr-D. An n-gram is keyed by its tokens joined with
 * a separator that cannot occur inside a whitespace-split token.
 */
const SEPARATOR = ' ';

export type NgramCounts = Map<string, number>;

/** Counts of every n-gram with 1 ≤ n ≤ maxN, all orders in one map (the key encodes n). */
export function countNgrams(tokens: readonly string[], maxN: number): NgramCounts {
  const counts: NgramCounts = new Map();
  for (let n = 1; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(SEPARATOR);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Order (n) of an n-gram key. */
export function ngramOrder(key: string): number {
  let order = 1;
  for (let i = 0; i < key.length; i++) if (key[i] === SEPARATOR) order++;
  return order;
}
