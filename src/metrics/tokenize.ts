/**
 * Caption tokenizer in the manner of the COCO caption evaluation (pycocoevalcap's
 * PTBTokenizer: Stanford PTBTokenizer with `-preserveLines -lowerCase`, then tokens in its
 * punctuation list removed).
 *
 * What it does, in order:
 * 1. newlines become spaces; curly quotes/apostrophes become straight ones; en and em
 *    dashes become "--"; the text is lowercased (`toLowerCase`, locale-independent);
 * 2. each whitespace-separated chunk is split PTB-style: leading and trailing punctuation
 *    is peeled off as separate tokens; commas, semicolons, "!" "?" quotes and brackets inside
 *    a chunk split it (but "1,000" and "3.5" stay whole); "..." and "--" split it; "$" and "%"
 *    are tokens of their own ("$5" → "$ 5", "50%" → "50 %"); a trailing
 *    period is split off unless the chunk is an initialism like "u.s."; clitics are split as
 *    in the Penn Treebank: "don't" → "do n't", "dog's" → "dog 's" ('s 're 've 'll 'd 'm n't);
 *    hyphenated words ("black-and-white") stay whole, as in CoreNLP 3.4.1;
 * 3. tokens made only of the punctuation pycocoevalcap removes ('' ' `` ` brackets . ? ! ,
 *    : - -- ... ;) are dropped. Other symbols ($ % & / # + =) stay tokens.
 *
 * Known difference from the Java tokenizer: CoreNLP lowercases its bracket escapes, so the
 * real pipeline keeps "-lrb-"/"-rrb-" (and "-lsb-"/"-rsb-") tokens that its uppercase removal
 * list no longer matches; here brackets are removed, which is what the list intends.
 * Captions from VLMs rarely contain brackets, and references are tokenized the same way.
 */

const CLITICS = ["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"] as const;
const LEADING_PUNCTUATION = new Set(['"', "'", '`', '(', '[', '{', '<']);
const TRAILING_PUNCTUATION = new Set(['"', "'", '`', ')', ']', '}', '>', ',', ';', ':', '!', '?', '.']);
/** Characters that pycocoevalcap's removal list is made of. */
const REMOVED_CHARACTERS = new Set(["'", '"', '`', '(', ')', '[', ']', '{', '}', '.', '?', '!', ',', ':', '-', ';']);
const INITIALISM = /^(?:\p{L}\.)+$/u;

/** Splits at punctuation that always separates tokens, keeping digit-grouping commas. */
function splitInternal(chunk: string): string[] {
  return chunk
    .split(/(\.{3,}|--|(?<!\d),|,(?!\d)|[;!?"()[\]{}$%])/u)
    .filter((piece) => piece !== undefined && piece.length > 0);
}

function splitClitic(word: string): string[] {
  for (const clitic of CLITICS) {
    if (word.length > clitic.length && word.endsWith(clitic)) return [word.slice(0, -clitic.length), clitic];
  }
  return [word];
}

function tokenizeChunk(chunk: string): string[] {
  const leading: string[] = [];
  const trailing: string[] = [];
  let start = 0;
  let end = chunk.length;
  while (start < end && LEADING_PUNCTUATION.has(chunk[start] as string)) leading.push(chunk[start++] as string);
  while (end > start && TRAILING_PUNCTUATION.has(chunk[end - 1] as string)) {
    const core = chunk.slice(start, end);
    // A final period belongs to an initialism ("u.s.") but is a full stop anywhere else.
    if (chunk[end - 1] === '.' && INITIALISM.test(core)) break;
    trailing.unshift(chunk[--end] as string);
  }
  const core = chunk.slice(start, end);
  return [...leading, ...(core.length > 0 ? splitClitic(core) : []), ...trailing];
}

function isRemovedPunctuation(token: string): boolean {
  for (const character of token) if (!REMOVED_CHARACTERS.has(character)) return false;
  return true;
}

/** Lowercased, PTB-style tokens with COCO-eval punctuation removed. */
export function tokenizeCaption(text: string): string[] {
  const prepared = text
    .replace(/\r?\n|\r/gu, ' ')
    .replace(/[\u2018\u2019\u201A\u2032]/gu, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/gu, '"')
    .replace(/[\u2013\u2014]/gu, ' -- ')
    .replace(/\u2026/gu, '...')
    .toLowerCase();
  const tokens: string[] = [];
  for (const chunk of prepared.split(/\s+/u)) {
    if (chunk.length === 0) continue;
    for (const piece of splitInternal(chunk)) {
      for (const token of tokenizeChunk(piece)) if (!isRemovedPunctuation(token)) tokens.push(token);
    }
  }
  return tokens;
}
