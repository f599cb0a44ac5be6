/**
 * Levenshtein distance (unit cost insert, delete, substitute) over sequences.
 *
 * Strings are compared as arrays of Unicode code points, never UTF-16 code units, so an
 * emoji outside the BMP counts as one symbol. No Unicode normalisation happens here: a
 * precomposed "é" (U+00E9) is one symbol and a decomposed "e\u0301" is two. Callers that
 * want canonical equivalence normalise first (see ocr.ts).
 *
 * Time is O(n·m); memory is one row of the shorter sequence, so a 20k-symbol output against
 * a 200-symbol reference allocates 201 integers.
 */

/** Unicode code points of a string (surrogate pairs joined). */
export function codePoints(text: string): Int32Array {
  const points = new Int32Array(text.length);
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const point = text.codePointAt(i) as number;
    points[count++] = point;
    if (point > 0xffff) i++;
  }
  return points.subarray(0, count);
}

function asInt32(sequence: ArrayLike<number>): Int32Array {
  return sequence instanceof Int32Array ? sequence : Int32Array.from(sequence);
}

/** Levenshtein distance between two integer sequences. */
export function levenshteinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // The shorter sequence indexes the row, so memory is O(min(n, m)). Int32Array inputs keep
  // the inner loop monomorphic, which is several times faster than mixed array kinds.
  const [long, short] = a.length >= b.length ? [asInt32(a), asInt32(b)] : [asInt32(b), asInt32(a)];
  const shortLength = short.length;
  if (shortLength === 0) return long.length;

  let start = 0;
  let longEnd = long.length;
  let shortEnd = shortLength;
  // Shared prefix and suffix never change the distance; trimming them is cheap and makes
  // near-identical long texts fast.
  while (start < shortEnd && long[start] === short[start]) start++;
  while (shortEnd > start && long[longEnd - 1] === short[shortEnd - 1]) {
    longEnd--;
    shortEnd--;
  }
  const rowLength = shortEnd - start;
  if (rowLength === 0) return longEnd - start;

  const row = new Uint32Array(rowLength + 1);
  for (let j = 0; j <= rowLength; j++) row[j] = j;
  for (let i = start; i < longEnd; i++) {
    const symbol = long[i];
    let diagonal = row[0] as number;
    row[0] = i - start + 1;
    for (let j = 1; j <= rowLength; j++) {
      const above = row[j] as number;
      const substitution = diagonal + (short[start + j - 1] === symbol ? 0 : 1);
      const deletion = above + 1;
      const insertion = (row[j - 1] as number) + 1;
      row[j] = substitution < deletion ? (substitution < insertion ? substitution : insertion) : deletion < insertion ? deletion : insertion;
      diagonal = above;
    }
  }
  return row[rowLength] as number;
}

/**
 * Levenshtein distance between two sequences of comparable tokens (words, n-grams…).
 * Tokens are interned to integers so equality is by value (`===`).
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  const ids = new Map<T, number>();
  const intern = (tokens: readonly T[]): Int32Array => {
    const out = new Int32Array(tokens.length);
    tokens.forEach((token, index) => {
      let id = ids.get(token);
      if (id === undefined) {
        id = ids.size;
        ids.set(token, id);
      }
      out[index] = id;
    });
    return out;
  };
  return levenshteinDistance(intern(a), intern(b));
}

/** Levenshtein distance between two strings, counted in code points. */
export function characterEditDistance(a: string, b: string): number {
  return levenshteinDistance(codePoints(a), codePoints(b));
}
