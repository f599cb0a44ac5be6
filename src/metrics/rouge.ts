/**
 * ROUGE-L as the COCO caption evaluation (pycocoevalcap `rouge.py`) computes it:
 * for each reference, LCS precision = LCS / candidate length and recall = LCS / reference
 * length; the maximum precision and the maximum recall over references (taken separately,
 * possibly from different references) combine into
 *   F = (1 + β²)·P·R / (R + β²·P),  β = 1.2,
 * which is 0 when either maximum is 0. Corpus ROUGE-L is the mean over items.
 *
 * Empty texts: an empty candidate scores 0; references with no tokens are skipped; an item
 * whose references are all empty (or absent) is null.
 */
export const ROUGE_BETA = 1.2;

/** Length of the longest common subsequence, O(n·m) time, O(min(n, m)) memory. */
export function longestCommonSubsequence<T>(a: readonly T[], b: readonly T[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  if (short.length === 0) return 0;
  const row = new Uint32Array(short.length + 1);
  for (const symbol of long) {
    let diagonal = 0;
    for (let j = 1; j <= short.length; j++) {
      const above = row[j] as number;
      row[j] = short[j - 1] === symbol ? diagonal + 1 : Math.max(above, row[j - 1] as number);
      diagonal = above;
    }
  }
  return row[short.length] as number;
}

export function rougeL(candidate: readonly string[], references: readonly (readonly string[])[], beta = ROUGE_BETA): number | null {
  const scorable = references.filter((reference) => reference.length > 0);
  if (scorable.length === 0) return null;
  if (candidate.length === 0) return 0;
  let maxPrecision = 0;
  let maxRecall = 0;
  for (const reference of scorable) {
    const lcs = longestCommonSubsequence(reference, candidate);
    maxPrecision = Math.max(maxPrecision, lcs / candidate.length);
    maxRecall = Math.max(maxRecall, lcs / reference.length);
  }
  if (maxPrecision === 0 || maxRecall === 0) return 0;
  const betaSquared = beta * beta;
  return ((1 + betaSquared) * maxPrecision * maxRecall) / (maxRecall + betaSquared * maxPrecision);
}
