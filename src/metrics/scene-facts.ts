/**
 * Fact recall for procedural scenes: which of a scene's structured facts
 * ({shape, colour, count}) a caption states.
 *
 * Matching rules (deterministic, documented so a score can be checked by hand):
 * 1. The caption is lowercased, curly apostrophes straightened, and split into word tokens
 *    (letters and digits); everything else (punctuation) is a boundary token.
 * 2. A MENTION is an occurrence of a fact's shape noun, singular or plural: the noun itself,
 *    +"s", +"es", or "y"→"ies" (circle/circles, cross/crosses, polygon/polygons). Multi-word
 *    shapes ("rounded square") match as a token sequence, the plural on the last word.
 * 3. A mention's NOUN PHRASE is the up-to-4 word tokens before it, stopping early at a
 *    boundary: punctuation, "and", "or", "with", "next", "beside", "near", "on", "in",
 *    "of" (except in "pair of"/"couple of"), "to", or another shape mention.
 * 4. Colour: the phrase contains the fact's colour word ("gray" and "grey" are the same).
 * 5. Count: the phrase contains a number: a digit string ("3"), a number word "one" …
 *    "twelve", "single" = 1, "pair of"/"couple of" = 2; or, for a SINGULAR noun only, the
 *    article "a"/"an" = 1. So "a red circle" states count 1; "the red circle" and
 *    "red circles" state no count; "several", "some", "many" state no count. A plural noun
 *    after "a"/"an" ("a few circles") states no count.
 * 6. A fact is recalled when ONE mention of its shape carries both its colour and its count.
 *    Per-attribute recalls look at one attribute alone: shapeRecall = a mention of the shape
 *    exists; colorRecall = a mention of the shape carries the fact's colour; countRecall = a
 *    mention of the shape carries the fact's count (whatever its colour).
 * A scene with no facts scores null (nothing to recall).
 */
export interface SceneFact {
  shape: string;
  color: string;
  count: number;
}

export interface FactRecall {
  /** Facts recalled with shape, colour and count together / facts. */
  factRecall: number | null;
  shapeRecall: number | null;
  colorRecall: number | null;
  countRecall: number | null;
  factsTotal: number;
  factsRecalled: number;
  shapesRecalled: number;
  colorsRecalled: number;
  countsRecalled: number;
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1, single: 1, two: 2, three: 3, four: 4, five: 5, six: 6,
  seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
};
const BOUNDARY_WORDS = new Set(['and', 'or', 'with', 'next', 'beside', 'near', 'on', 'in', 'of', 'to']);
const PAIR_WORDS: Record<string, number> = { pair: 2, couple: 2 };
const COLOR_SYNONYMS: Record<string, string> = { grey: 'gray' };
const PHRASE_WINDOW = 4;
/** Marks a boundary (punctuation) in the token stream; it can never equal a word token. */
const BOUNDARY = '\u0000';

function canonicalColor(word: string): string {
  return COLOR_SYNONYMS[word] ?? word;
}

function tokenizeForFacts(caption: string): string[] {
  const tokens: string[] = [];
  const text = caption.toLowerCase().replace(/[\u2018\u2019]/gu, "'");
  for (const match of text.matchAll(/[\p{L}\p{N}]+(?:'[\p{L}]+)?|[^\s\p{L}\p{N}]/gu)) {
    tokens.push(/^[\p{L}\p{N}]/u.test(match[0]) ? match[0] : BOUNDARY);
  }
  return tokens;
}

function pluralForms(noun: string): string[] {
  const forms = [noun + 's', noun + 'es'];
  if (noun.endsWith('y')) forms.push(noun.slice(0, -1) + 'ies');
  return forms;
}

interface Mention {
  plural: boolean;
  /** Index of the first token of the shape noun. */
  start: number;
  /** Index after the last token of the shape noun. */
  end: number;
}

function findMentions(tokens: readonly string[], shape: string): Mention[] {
  const words = shape.toLowerCase().split(/\s+/u).filter((word) => word.length > 0);
  const head = words.slice(0, -1);
  const last = words[words.length - 1];
  if (last === undefined) return [];
  const plurals = new Set(pluralForms(last));
  const mentions: Mention[] = [];
  for (let i = 0; i + words.length <= tokens.length; i++) {
    if (!head.every((word, k) => tokens[i + k] === word)) continue;
    const final = tokens[i + head.length] as string;
    if (final === last || plurals.has(final)) mentions.push({ plural: final !== last, start: i, end: i + words.length });
  }
  return mentions;
}

interface PhraseAttributes {
  colors: Set<string>;
  count: number | null;
}

function phraseBefore(tokens: readonly string[], mention: Mention, shapeTokenIndices: ReadonlySet<number>): PhraseAttributes {
  const colors = new Set<string>();
  let count: number | null = null;
  for (let i = mention.start - 1, taken = 0; i >= 0 && taken < PHRASE_WINDOW; i--, taken++) {
    const token = tokens[i] as string;
    if (token === BOUNDARY || shapeTokenIndices.has(i)) break;
    if (token === 'of') {
      const previous = tokens[i - 1];
      const pairCount = previous === undefined ? undefined : PAIR_WORDS[previous];
      if (pairCount !== undefined) count ??= pairCount;
      break;
    }
    if (BOUNDARY_WORDS.has(token)) break;
    colors.add(canonicalColor(token));
    if (count === null) {
      if (/^[0-9]+$/.test(token)) count = Number(token);
      else if (NUMBER_WORDS[token] !== undefined) count = NUMBER_WORDS[token];
      else if ((token === 'a' || token === 'an') && !mention.plural) count = 1;
    }
  }
  return { colors, count };
}

export function factRecall(caption: string, facts: readonly SceneFact[]): FactRecall {
  const tokens = tokenizeForFacts(caption);
  const mentionsByShape = new Map<string, Mention[]>();
  const shapeTokenIndices = new Set<number>();
  for (const fact of facts) {
    const key = fact.shape.toLowerCase();
    if (mentionsByShape.has(key)) continue;
    const mentions = findMentions(tokens, key);
    mentionsByShape.set(key, mentions);
    for (const mention of mentions) for (let i = mention.start; i < mention.end; i++) shapeTokenIndices.add(i);
  }
  let factsRecalled = 0;
  let shapesRecalled = 0;
  let colorsRecalled = 0;
  let countsRecalled = 0;
  for (const fact of facts) {
    const mentions = mentionsByShape.get(fact.shape.toLowerCase()) ?? [];
    const color = canonicalColor(fact.color.toLowerCase());
    const phrases = mentions.map((mention) => phraseBefore(tokens, mention, shapeTokenIndices));
    if (mentions.length > 0) shapesRecalled++;
    if (phrases.some((phrase) => phrase.colors.has(color))) colorsRecalled++;
    if (phrases.some((phrase) => phrase.count === fact.count)) countsRecalled++;
    if (phrases.some((phrase) => phrase.colors.has(color) && phrase.count === fact.count)) factsRecalled++;
  }
  const total = facts.length;
  const fraction = (recalled: number): number | null => (total === 0 ? null : recalled / total);
  return {
    factRecall: fraction(factsRecalled),
    shapeRecall: fraction(shapesRecalled),
    colorRecall: fraction(colorsRecalled),
    countRecall: fraction(countsRecalled),
    factsTotal: total,
    factsRecalled,
    shapesRecalled,
    colorsRecalled,
    countsRecalled,
  };
}
