/** Ranks with ties given their average rank (1-based), as every rank test here needs. */

export interface Ranking {
  /** Rank of each input value, in input order. */
  ranks: number[];
  /** Sizes of the groups of tied values (only groups of 2 or more). */
  tieSizes: number[];
}

export function rankWithTies(values: readonly number[]): Ranking {
  const order = values.map((value, index) => ({ value, index })).sort((left, right) => left.value - right.value);
  const ranks = new Array<number>(values.length).fill(0);
  const tieSizes: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let position = start; position <= end; position++) ranks[(order[position] as { index: number }).index] = averageRank;
    if (end > start) tieSizes.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, tieSizes };
}

/** Σ (t³ - t) over tie groups, the quantity every tie correction uses. */
export function tieTerm(tieSizes: readonly number[]): number {
  return tieSizes.reduce((sum, size) => sum + size ** 3 - size, 0);
}
